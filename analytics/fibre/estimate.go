package fibre

import (
	"math"
	"time"

	"github.com/paulmach/orb"
)

// Segments counts the segments of backbone lines: the connection points a backbone adds.
func Segments(lines []orb.LineString) int {
	n := 0
	for _, l := range lines {
		n += max(0, len(l)-1)
	}
	return n
}

// Estimate is the CPU time, on the 2-core reference machine, of a plan over n villages, connected
// of them connected before it, that connects need more with segments backbone segments in use:
// every village is sorted and placed (200 ns), every unconnected one finds its nearest connection
// point and enters the queue (5 µs), every step connects one (1.1 µs) and finds the unconnected
// villages it is now nearest to, among about unconnected/√(connection points + 100) reach boxes
// (25 ns each: few connection points make wide boxes). Fitted by BenchmarkPlanSizes (non-negative
// least squares on the relative error, then × 1.5 so that it rarely under-estimates): measured
// CPU time is 0.5 to 1.6 times the estimate over plans of 300 to 30,000 villages.
func Estimate(n, connected, need, segments int) time.Duration {
	u := float64(max(0, n-connected))
	ns := 200*float64(n) + 5000*u + 1100*float64(need) +
		25*float64(need)*u/math.Sqrt(float64(connected+segments+100))
	return time.Duration(ns)
}
