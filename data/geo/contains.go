package geo

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Contains reports whether p is inside a polygon or multipolygon, holes excluded (planar, in
// lon/lat); other geometries contain nothing.
func Contains(g orb.Geometry, p orb.Point) bool {
	mp := Polygons(g)
	return mp != nil && planar.MultiPolygonContains(mp, p)
}

// Meets reports whether the ring r (a polygon without holes) and the polygons of area meet: a
// vertex of one lies in the other or their edges cross.
func Meets(area orb.MultiPolygon, r orb.Ring) bool {
	if len(r) == 0 || !area.Bound().Intersects(r.Bound()) {
		return false
	}
	w := orb.Polygon{r}
	for _, poly := range area {
		for _, p := range poly[0] {
			if planar.PolygonContains(w, p) {
				return true
			}
		}
		for _, p := range r {
			if planar.PolygonContains(poly, p) {
				return true
			}
		}
		if edgesCross(r, poly) {
			return true
		}
	}
	return false
}

func edgesCross(r orb.Ring, poly orb.Polygon) bool {
	for i := 0; i+1 < len(r); i++ {
		for _, ring := range poly {
			for j := 0; j+1 < len(ring); j++ {
				if SegmentsCross(r[i], r[i+1], ring[j], ring[j+1]) {
					return true
				}
			}
		}
	}
	return false
}

// Polygons returns a polygonal geometry as a MultiPolygon, or nil for any other geometry.
func Polygons(g orb.Geometry) orb.MultiPolygon {
	switch t := g.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{t}
	case orb.MultiPolygon:
		return t
	}
	return nil
}

// Vertices counts the points of a polygon's rings.
func Vertices(p orb.Polygon) int {
	n := 0
	for _, r := range p {
		n += len(r)
	}
	return n
}

// EachPoint calls fn with every coordinate of g until fn returns false; it reports whether it
// went through them all.
func EachPoint(g orb.Geometry, fn func(orb.Point) bool) bool {
	switch g := g.(type) {
	case orb.Point:
		return fn(g)
	case orb.MultiPoint:
		return eachOf(g, fn)
	case orb.LineString:
		return eachOf(g, fn)
	case orb.Ring:
		return eachOf(g, fn)
	case orb.MultiLineString:
		for _, l := range g {
			if !eachOf(l, fn) {
				return false
			}
		}
	case orb.Polygon:
		for _, r := range g {
			if !eachOf(r, fn) {
				return false
			}
		}
	case orb.MultiPolygon:
		for _, p := range g {
			if !EachPoint(p, fn) {
				return false
			}
		}
	case orb.Collection:
		for _, c := range g {
			if !EachPoint(c, fn) {
				return false
			}
		}
	case orb.Bound:
		return EachPoint(g.ToPolygon(), fn)
	}
	return true
}

func eachOf[S ~[]orb.Point](pts S, fn func(orb.Point) bool) bool {
	for _, p := range pts {
		if !fn(p) {
			return false
		}
	}
	return true
}
