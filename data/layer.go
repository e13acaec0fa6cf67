package data

import (
	"unsafe"

	"github.com/paulmach/orb"
)

// Layer is a loaded catalog layer, held in columns: one flat coordinate array with offset arrays
// (feature → parts → rings → points), typed attribute columns and the feature ids. The arrays may
// live in the Go heap or in a memory-mapped snapshot; geometries are views of them and must not be
// changed. Features are read through accessors by index, 0 ≤ i < Len.
type Layer struct {
	Spec  *LayerSpec
	Bound orb.Bound
	n     int
	ids   ints
	geom  shapes
	cols  []column // by Spec.Fields index
	order []int32  // features in Morton order of their bbox centres (for index pages)
	pages []float64
}

// shapes are a layer's geometries. A nil offset array means one child per parent.
type shapes struct {
	kinds  []uint8 // orb type code per feature; nil: every feature is kind0
	kind0  uint8
	xy     []float64 // x, y of every point
	parts  []uint32  // first part of each feature (len n+1)
	rings  []uint32  // first ring of each part
	points []uint32  // first point of each ring
	bounds []float64 // min x, min y, max x, max y of each feature; nil: computed from its points
}

// Geometry kinds, as stored.
const (
	kindPoint uint8 = iota + 1
	kindMultiPoint
	kindLineString
	kindMultiLineString
	kindPolygon
	kindMultiPolygon
)

// Len returns the number of features.
func (l *Layer) Len() int { return l.n }

// ID returns the id of feature i.
func (l *Layer) ID(i int) uint64 { return uint64(l.ids.at(i)) }

// Find returns the index of the feature with id: at once when the ids are a sequence (as they
// are unless the source gives its own), by a scan of the id column otherwise.
func (l *Layer) Find(id uint64) (int, bool) {
	if l.ids.codes.width() == 0 { // ID(i) = base + i, in uint64 arithmetic
		if d := id - uint64(l.ids.base); d < uint64(l.n) {
			return int(d), true
		}
		return 0, false
	}
	for i := range l.n {
		if l.ID(i) == id {
			return i, true
		}
	}
	return 0, false
}

// Value returns attribute field (an index into Spec.Fields) of feature i.
func (l *Layer) Value(i, field int) Value { return l.cols[field].value(i) }

// Properties returns the non-null attributes of feature i in a new map.
func (l *Layer) Properties(i int) map[string]any {
	out := make(map[string]any, len(l.cols))
	for k, c := range l.cols {
		if v := c.value(i); !v.Null() {
			out[l.Spec.Fields[k].Name] = v.Any()
		}
	}
	return out
}

// Feature returns feature i with its geometry and attributes.
func (l *Layer) Feature(i int) Feature {
	return Feature{ID: l.ID(i), Geometry: l.Geometry(i), Properties: l.Properties(i)}
}

func (l *Layer) kind(i int) uint8 {
	if l.geom.kinds == nil {
		return l.geom.kind0
	}
	return l.geom.kinds[i]
}

// Point returns feature i's position when it is a single point.
func (l *Layer) Point(i int) (orb.Point, bool) {
	if l.kind(i) != kindPoint {
		return orb.Point{}, false
	}
	p := l.geom.pointsOf(l.geom.ringsOf(l.geom.partsOf(i).lo).lo).lo
	return orb.Point{l.geom.xy[2*p], l.geom.xy[2*p+1]}, true
}

// span is a half-open range of indexes.
type span struct{ lo, hi int }

func child(offsets []uint32, i int) span {
	if offsets == nil {
		return span{i, i + 1}
	}
	return span{int(offsets[i]), int(offsets[i+1])}
}

func (s *shapes) partsOf(f int) span  { return child(s.parts, f) }
func (s *shapes) ringsOf(p int) span  { return child(s.rings, p) }
func (s *shapes) pointsOf(r int) span { return child(s.points, r) }

// ring returns ring r as a view of the coordinates (no copy).
func (s *shapes) ring(r int) []orb.Point {
	pts := s.pointsOf(r)
	if pts.hi == pts.lo {
		return nil
	}
	return unsafe.Slice((*orb.Point)(unsafe.Pointer(&s.xy[2*pts.lo])), pts.hi-pts.lo)
}

// polygon returns part p as a polygon of ring views.
func (s *shapes) polygon(p int) orb.Polygon {
	rs := s.ringsOf(p)
	out := make(orb.Polygon, rs.hi-rs.lo)
	for k := range out {
		out[k] = s.ring(rs.lo + k)
	}
	return out
}

// Geometry returns the geometry of feature i; its rings and lines are views of the layer's
// coordinates and must not be modified.
func (l *Layer) Geometry(i int) orb.Geometry {
	s := &l.geom
	part := s.partsOf(i).lo
	switch l.kind(i) {
	case kindPoint:
		p, _ := l.Point(i)
		return p
	case kindMultiPoint:
		return orb.MultiPoint(s.ring(s.ringsOf(part).lo))
	case kindLineString:
		return orb.LineString(s.ring(s.ringsOf(part).lo))
	case kindMultiLineString:
		rs := s.ringsOf(part)
		out := make(orb.MultiLineString, rs.hi-rs.lo)
		for k := range out {
			out[k] = s.ring(rs.lo + k)
		}
		return out
	case kindPolygon:
		return s.polygon(part)
	case kindMultiPolygon:
		ps := s.partsOf(i)
		out := make(orb.MultiPolygon, ps.hi-ps.lo)
		for k := range out {
			out[k] = s.polygon(ps.lo + k)
		}
		return out
	}
	return nil
}

// Rings calls fn with every ring of polygonal feature i (and every line of a linear one), with
// its index within its part (0 for an outer ring), as views of the coordinates: no allocation.
func (l *Layer) Rings(i int, fn func(k int, r orb.Ring)) {
	s := &l.geom
	ps := s.partsOf(i)
	for p := ps.lo; p < ps.hi; p++ {
		rs := s.ringsOf(p)
		for r := rs.lo; r < rs.hi; r++ {
			fn(r-rs.lo, s.ring(r))
		}
	}
}

// Points returns the number of points of feature i (over all its parts and rings).
func (l *Layer) Points(i int) int {
	s := &l.geom
	ps := s.partsOf(i)
	first := s.pointsOf(s.ringsOf(ps.lo).lo).lo
	last := s.pointsOf(s.ringsOf(ps.hi-1).hi - 1).hi
	return last - first
}

// FeatureBound returns the bbox of feature i (of polygons' exteriors, as orb computes it).
func (l *Layer) FeatureBound(i int) orb.Bound {
	if b := l.geom.bounds; b != nil {
		return orb.Bound{Min: orb.Point{b[4*i], b[4*i+1]}, Max: orb.Point{b[4*i+2], b[4*i+3]}}
	}
	return l.geom.bound(i, l.kind(i))
}

// bound computes the bbox of feature i from its points (exterior rings only for polygons).
func (s *shapes) bound(i int, kind uint8) orb.Bound {
	ps := s.partsOf(i)
	first := true
	var b orb.Bound
	for p := ps.lo; p < ps.hi; p++ {
		rs := s.ringsOf(p)
		if kind == kindPolygon || kind == kindMultiPolygon {
			rs.hi = min(rs.hi, rs.lo+1)
		}
		for r := rs.lo; r < rs.hi; r++ {
			pts := s.pointsOf(r)
			for k := pts.lo; k < pts.hi; k++ {
				x, y := s.xy[2*k], s.xy[2*k+1]
				if first {
					b, first = orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x, y}}, false
					continue
				}
				b.Min[0], b.Min[1] = min(b.Min[0], x), min(b.Min[1], y)
				b.Max[0], b.Max[1] = max(b.Max[0], x), max(b.Max[1], y)
			}
		}
	}
	return b
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
	if l.n == 0 {
		return Empty
	}
	switch l.kind(0) {
	case kindPoint, kindMultiPoint:
		return Points
	case kindLineString, kindMultiLineString:
		return Lines
	}
	return Polygons
}

// GeometryType names the GeoJSON type of the layer's first feature ("Unknown" when empty).
func (l *Layer) GeometryType() string {
	if l.n == 0 {
		return "Unknown"
	}
	return [...]string{"Unknown", "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}[l.kind(0)]
}

// Order returns the features in Morton order of their bbox centres, and the bboxes of the pages
// of pageSize consecutive features in that order (min x, min y, max x, max y each): what an
// index needs to group nearby features.
func (l *Layer) Order() ([]int32, []float64) { return l.order, l.pages }

// PageSize is the number of features in one index page.
const PageSize = 16

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
