// Package analytics answers risk questions over the served layers: what is exposed in an area by
// hazard layer and class (/risk/area, with CSV and GeoJSON exports), what is at a point
// (/risk/point), and admin units ranked by an INFORM-style index (/risk/rank). Geometry comes
// from data/geo; the layers from indexes.
package analytics
