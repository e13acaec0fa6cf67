// Package geo is Indus's one geometry package: ellipsoidal area and length, great-circle
// distance, buffers, exact overlay, prepared (banded) polygons, subdivision, convex clipping and
// hulls, point-in-polygon and segment tests, and coordinate validation. Every other package
// computes geometry through it.
//
// Coordinates are lon/lat degrees on WGS84 (EPSG:4326) unless a function says otherwise; planar
// tests (containment, crossing, clipping) treat lon/lat as a plane, as PostGIS does for geometry.
package geo
