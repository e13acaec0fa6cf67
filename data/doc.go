// Package data holds Indus's domain core: layers and their features, the layer catalog with its
// 18 required metadata elements, the hazard model of hazard layers (kind, intensity, ordered
// classes with colours and damaging flags, frequency, climate scenario and horizon: see Hazard) and
// each layer's access rule (data/access), and the Reader and Sink interfaces that storage adapters
// implement. The error kinds live in the leaf data/fault (data keeps aliases of them for
// compatibility). It imports the standard library, orb, the YAML decoder for catalogs,
// data/access, data/fault and its own geometry package (data/geo); nothing in it uses cgo.
package data
