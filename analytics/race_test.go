//go:build race

package analytics

// slowdown is how much slower the race detector makes the timed tests.
const slowdown = 5
