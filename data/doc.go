// Package data holds Indus's domain core: layers and their features, the layer catalog with its
// 18 required metadata elements and the hazard model of hazard layers (kind, intensity, ordered
// classes with colours and damaging flags, frequency, climate scenario and horizon: see Hazard),
// error kinds, and the Reader interface that storage adapters
// implement. It imports the standard library, orb, the YAML decoder for catalogs and its own
// geometry package (data/geo); nothing in it uses cgo.
package data
