package geo

import (
	"sort"

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
func Polygons(g orb.Geometry) orb.MultiPolygon { return multi[orb.MultiPolygon](g) }

// Lines returns a linear geometry as a MultiLineString, or nil for any other geometry.
func Lines(g orb.Geometry) orb.MultiLineString { return multi[orb.MultiLineString](g) }

// multi returns g as the multi-geometry M when g is an M or one of its members, else nil.
func multi[M ~[]E, E orb.Geometry](g orb.Geometry) M {
	switch t := g.(type) {
	case E:
		return M{t}
	case M:
		return t
	}
	return nil
}

// Single returns a multi-geometry's only member, nil when it is empty, or the multi-geometry.
func Single[M interface {
	~[]E
	orb.Geometry
}, E orb.Geometry](m M) orb.Geometry {
	switch len(m) {
	case 0:
		return nil
	case 1:
		return m[0]
	}
	return m
}

// Crossings appends to xs the x coordinates at which the rings of mp cross the horizontal line y
// (an edge counts when one end is above y and the other is not), sorted: by the even-odd rule,
// the stretches between xs[0] and xs[1], xs[2] and xs[3], … are inside. It is the scanline form
// of point-in-polygon, for filling grids.
func Crossings(mp orb.MultiPolygon, y float64, xs []float64) []float64 {
	for _, poly := range mp {
		for _, ring := range poly {
			for i := 0; i+1 < len(ring); i++ {
				a, b := ring[i], ring[i+1]
				if (a[1] > y) != (b[1] > y) {
					xs = append(xs, a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]))
				}
			}
		}
	}
	sort.Float64s(xs)
	return xs
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
		return eachPart(g, func(l orb.LineString) bool { return eachOf(l, fn) })
	case orb.Polygon:
		return eachPart(g, func(r orb.Ring) bool { return eachOf(r, fn) })
	case orb.MultiPolygon:
		return eachPart(g, func(p orb.Polygon) bool { return EachPoint(p, fn) })
	case orb.Collection:
		return eachPart(g, func(c orb.Geometry) bool { return EachPoint(c, fn) })
	case orb.Bound:
		return EachPoint(g.ToPolygon(), fn)
	}
	return true
}

// eachPart calls fn with every member of a multi-geometry until fn returns false.
func eachPart[S ~[]E, E any](parts S, fn func(E) bool) bool {
	for _, p := range parts {
		if !fn(p) {
			return false
		}
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
