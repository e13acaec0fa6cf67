// Package data holds Indus's domain core: features, layers, the layer catalog with its 18 required
// metadata elements, error kinds, and the Reader interface that storage adapters implement.
//
// It imports only the standard library and orb, so everything above it is testable without cgo.
package data
