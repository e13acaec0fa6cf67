package data

import (
	"math"

	"github.com/paulmach/orb"
)

// EarthRadiusKm is the mean Earth radius (IUGG) used for great-circle distances.
const EarthRadiusKm = 6371.0088

// DistanceKm is the great-circle (haversine) distance between two lon/lat points.
func DistanceKm(a, b orb.Point) float64 {
	la1, la2 := a[1]*math.Pi/180, b[1]*math.Pi/180
	dla, dlo := la2-la1, (b[0]-a[0])*math.Pi/180
	h := math.Sin(dla/2)*math.Sin(dla/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dlo/2)*math.Sin(dlo/2)
	return 2 * EarthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
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

// ClipToConvex clips a ring (any shape) by a convex counter-clockwise ring (Sutherland-Hodgman)
// and returns the result without its closing point; the input is not modified. The result may
// contain zero-width bridges along the clip ring, which change neither its area nor which points
// are inside it.
func ClipToConvex(subject, clip orb.Ring) []orb.Point {
	src := []orb.Point(subject)
	if len(src) > 1 && src[0] == src[len(src)-1] {
		src = src[:len(src)-1]
	}
	var a, b []orb.Point
	for i := 0; i+1 < len(clip) && len(src) > 0; i++ {
		e0, e1 := clip[i], clip[i+1]
		inside := func(p orb.Point) bool { return (e1[0]-e0[0])*(p[1]-e0[1])-(e1[1]-e0[1])*(p[0]-e0[0]) >= 0 }
		cut := func(p, q orb.Point) orb.Point {
			// intersection of segment p-q with the line e0-e1
			dx, dy := q[0]-p[0], q[1]-p[1]
			ex, ey := e1[0]-e0[0], e1[1]-e0[1]
			t := (ex*(p[1]-e0[1]) - ey*(p[0]-e0[0])) / (ey*dx - ex*dy)
			return orb.Point{p[0] + t*dx, p[1] + t*dy}
		}
		out := a[:0]
		prev := src[len(src)-1]
		for _, cur := range src {
			ci, pi := inside(cur), inside(prev)
			switch {
			case ci && pi:
				out = append(out, cur)
			case ci && !pi:
				out = append(out, cut(prev, cur), cur)
			case !ci && pi:
				out = append(out, cut(prev, cur))
			}
			prev = cur
		}
		a, b = b, out
		src = out
	}
	return src
}
