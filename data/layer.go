package data

import (
	"github.com/paulmach/orb"
)

// Layer is a loaded catalog layer: its spec, its features and their bound. Features are read
// through accessors by index (0 ≤ i < Len), never modified after loading; geometries returned
// may share memory with the layer and must not be changed.
type Layer struct {
	Spec  *LayerSpec
	Bound orb.Bound
	feats []Feature
}

// NewLayer returns a layer over feats (which it keeps; the caller must not change them).
func NewLayer(spec *LayerSpec, feats []Feature) *Layer {
	return &Layer{Spec: spec, Bound: boundOf(feats), feats: feats}
}

// Len returns the number of features.
func (l *Layer) Len() int { return len(l.feats) }

// ID returns the id of feature i.
func (l *Layer) ID(i int) uint64 { return l.feats[i].ID }

// Geometry returns the geometry of feature i.
func (l *Layer) Geometry(i int) orb.Geometry { return l.feats[i].Geometry }

// Point returns feature i's position when it is a single point.
func (l *Layer) Point(i int) (orb.Point, bool) {
	p, ok := l.feats[i].Geometry.(orb.Point)
	return p, ok
}

// FeatureBound returns the bbox of feature i.
func (l *Layer) FeatureBound(i int) orb.Bound { return l.feats[i].Geometry.Bound() }

// Value returns attribute field (an index into Spec.Fields) of feature i.
func (l *Layer) Value(i, field int) Value {
	return ValueOf(l.feats[i].Properties[l.Spec.Fields[field].Name])
}

// Properties returns the non-null attributes of feature i in a new map.
func (l *Layer) Properties(i int) map[string]any {
	out := make(map[string]any, len(l.feats[i].Properties))
	for k, v := range l.feats[i].Properties {
		if v != nil {
			out[k] = v
		}
	}
	return out
}

// Shape is the kind of geometry of a layer, from its first feature: layers are expected to hold
// one kind (points and multipoints, lines, or polygons).
type Shape uint8

// Shapes.
const (
	Empty Shape = iota
	Points
	Lines
	Polygons
)

// Shape returns the kind of geometry of the layer's first feature.
func (l *Layer) Shape() Shape {
	if len(l.feats) == 0 {
		return Empty
	}
	return ShapeOf(l.feats[0].Geometry)
}

// ShapeOf returns the kind of a geometry.
func ShapeOf(g orb.Geometry) Shape {
	switch g.(type) {
	case orb.Point, orb.MultiPoint:
		return Points
	case orb.LineString, orb.MultiLineString:
		return Lines
	case orb.Polygon, orb.MultiPolygon:
		return Polygons
	}
	return Empty
}

// GeometryType names the GeoJSON type of the layer's first feature ("Unknown" when empty).
func (l *Layer) GeometryType() string {
	if len(l.feats) == 0 {
		return "Unknown"
	}
	return l.feats[0].Geometry.GeoJSONType()
}

func boundOf(feats []Feature) orb.Bound {
	if len(feats) == 0 {
		return orb.Bound{}
	}
	b := feats[0].Geometry.Bound()
	for i := 1; i < len(feats); i++ {
		b = b.Union(feats[i].Geometry.Bound())
	}
	return b
}
