package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// Region is a geometry — points, lines, polygons, bboxes, or a collection of them — prepared for
// exact intersection tests against many others, as Simple Features' Intersects sees closed sets:
// a shared boundary point, a touching vertex or a point on an edge is an intersection. Tests are
// planar in lon/lat, and exact: every orientation is decided in rational arithmetic when
// floating point cannot be sure, so no rounding decides an answer.
//
// Two geometries intersect exactly when a point or segment of one meets a point or segment of
// the other, or one has a vertex inside a polygon of the other: if no boundaries meet, each
// connected part lies wholly inside or wholly outside the other's polygons, and one of its
// vertices tells which.
type Region struct {
	bound  orb.Bound
	empty  bool
	points []orb.Point     // isolated points
	edges  bands[edge]     // every segment of the lines and rings
	rings  bands[ringEdge] // polygon edges, grouped by polygon, for containment
	polys  int             // number of polygons
	firsts []orb.Point     // one vertex of every connected part (each point, line and ring)
}

// ringEdge is an edge of polygon poly of a region.
type ringEdge struct {
	a, b orb.Point
	poly int32
}

// NewRegion prepares g (a point, line, polygon, their multi forms, a Ring or Bound as a polygon,
// or a Collection of them). Polygon rings need not repeat their first point.
func NewRegion(g orb.Geometry) *Region {
	r := &Region{empty: true}
	var segs []edge
	var polyEdges []ringEdge
	grow := func(p orb.Point) {
		if r.empty {
			r.bound, r.empty = orb.Bound{Min: p, Max: p}, false
		}
		r.bound = r.bound.Extend(p)
	}
	walk(g, func(p orb.Point) bool {
		grow(p)
		r.points, r.firsts = append(r.points, p), append(r.firsts, p)
		return false
	}, func(l []orb.Point) bool {
		for i, p := range l {
			grow(p)
			if i > 0 {
				segs = append(segs, edge{l[i-1], p})
			}
		}
		r.firsts = append(r.firsts, l[0])
		return false
	}, func(poly orb.Polygon) bool {
		for _, ring := range poly {
			for _, p := range ring {
				grow(p)
			}
			eachSegment(ring, true, func(a, b orb.Point) bool {
				segs = append(segs, edge{a, b})
				polyEdges = append(polyEdges, ringEdge{a, b, int32(r.polys)})
				return false
			})
			if len(ring) > 0 {
				r.firsts = append(r.firsts, ring[0])
			}
		}
		r.polys++
		return false
	})
	r.edges = newBands(r.bound, len(segs), func(fn func(ylo, yhi float64, e edge)) {
		for _, e := range segs {
			fn(math.Min(e.a[1], e.b[1]), math.Max(e.a[1], e.b[1]), e)
		}
	})
	r.rings = newBands(r.bound, len(polyEdges), func(fn func(ylo, yhi float64, e ringEdge)) {
		for _, e := range polyEdges {
			fn(math.Min(e.a[1], e.b[1]), math.Max(e.a[1], e.b[1]), e)
		}
	})
	return r
}

// Bound is the bbox of the region (meaningless when it is empty).
func (r *Region) Bound() orb.Bound { return r.bound }

// Empty reports whether the region has no point at all; it intersects nothing.
func (r *Region) Empty() bool { return r.empty }

// Intersects reports whether g and the region share at least one point.
func (r *Region) Intersects(g orb.Geometry) bool {
	if r.empty {
		return false
	}
	return walk(g, r.coversPoint, r.meetsLine, r.meetsPolygon)
}

// coversPoint reports whether p is a point of the region, on one of its edges, or inside one
// of its polygons.
func (r *Region) coversPoint(p orb.Point) bool {
	if !r.bound.Contains(p) {
		return false
	}
	for _, q := range r.points {
		if q == p {
			return true
		}
	}
	for _, e := range r.edges.of[r.edges.band(p[1])] {
		if onSegmentExact(e.a, e.b, p) {
			return true
		}
	}
	return r.inside(p)
}

// meetsLine reports whether a line (of two points or more) meets the region.
func (r *Region) meetsLine(l []orb.Point) bool {
	return eachSegment(l, false, r.meetsSegment) || r.inside(l[0])
}

// meetsPolygon reports whether a polygon meets the region: its boundary meets the region, or a
// vertex of the region is inside it.
func (r *Region) meetsPolygon(poly orb.Polygon) bool {
	for _, ring := range poly {
		if len(ring) > 0 && (eachSegment(ring, true, r.meetsSegment) || r.coversPoint(ring[0])) {
			return true
		}
	}
	if len(poly) == 0 || len(poly[0]) == 0 || !r.bound.Intersects(orb.Ring(poly[0]).Bound()) {
		return false
	}
	for _, v := range r.firsts {
		if polygonContains(poly, v) {
			return true
		}
	}
	return false
}

// meetsSegment reports whether the closed segment a-b meets a point or an edge of the region.
func (r *Region) meetsSegment(a, b orb.Point) bool {
	sb := orb.Bound{Min: orb.Point{min(a[0], b[0]), min(a[1], b[1])}, Max: orb.Point{max(a[0], b[0]), max(a[1], b[1])}}
	if !sb.Intersects(r.bound) {
		return false
	}
	for _, q := range r.points {
		if onSegmentExact(a, b, q) {
			return true
		}
	}
	for k, hi := r.edges.band(sb.Min[1]), r.edges.band(sb.Max[1]); k <= hi; k++ {
		for _, e := range r.edges.of[k] {
			if segmentsMeet(a, b, e.a, e.b) {
				return true
			}
		}
	}
	return false
}

// inside reports whether p is inside one of the region's polygons by the even-odd rule (a point
// on an edge is the caller's concern). The edges of a band are grouped by polygon, as they were
// added in polygon order.
func (r *Region) inside(p orb.Point) bool {
	if r.polys == 0 || !r.bound.Contains(p) {
		return false
	}
	in, cur := false, int32(-1)
	for _, e := range r.rings.of[r.rings.band(p[1])] {
		if e.poly != cur {
			if in {
				return true
			}
			in, cur = false, e.poly
		}
		if crossesRay(e.a, e.b, p) {
			in = !in
		}
	}
	return in
}

// walk calls point, line and poly with the parts of g (a line of one point is a point; empty
// parts are skipped) until one returns true; it reports whether one did.
func walk(g orb.Geometry, point func(orb.Point) bool, line func([]orb.Point) bool, poly func(orb.Polygon) bool) bool {
	asLine := func(l []orb.Point) bool {
		switch len(l) {
		case 0:
			return false
		case 1:
			return point(l[0])
		}
		return line(l)
	}
	switch g := g.(type) {
	case orb.Point:
		return point(g)
	case orb.MultiPoint:
		return anyOf(g, point)
	case orb.LineString:
		return asLine(g)
	case orb.MultiLineString:
		return anyOf(g, func(l orb.LineString) bool { return asLine(l) })
	case orb.Ring:
		return poly(orb.Polygon{g})
	case orb.Polygon:
		return len(g) > 0 && poly(g)
	case orb.MultiPolygon:
		return anyOf(g, func(p orb.Polygon) bool { return len(p) > 0 && poly(p) })
	case orb.Bound:
		return poly(g.ToPolygon())
	case orb.Collection:
		return anyOf(g, func(m orb.Geometry) bool { return walk(m, point, line, poly) })
	}
	return false
}

// anyOf reports whether fn returns true for a member of a multi-geometry, stopping at the first.
func anyOf[S ~[]E, E any](parts S, fn func(E) bool) bool {
	for _, p := range parts {
		if fn(p) {
			return true
		}
	}
	return false
}
