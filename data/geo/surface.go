package geo

import (
	"slices"

	"github.com/paulmach/orb"
)

// PointOnSurface returns a point inside a polygon or multipolygon, chosen as PostGIS's
// ST_PointOnSurface chooses it (GEOS InteriorPointArea), so that features counted by their
// representative point are counted alike: on the horizontal line halfway between the two vertex
// latitudes nearest to the middle of the polygon's bbox (a line through no vertex), the midpoint
// of the widest stretch of that line inside the polygon; for a multipolygon, the widest stretch
// of all its polygons (the first one on a tie). ok is false for other geometries or no area.
func PointOnSurface(g orb.Geometry) (p orb.Point, ok bool) {
	best := -1.0
	var xs []float64
	for _, poly := range Polygons(g) {
		if len(poly) == 0 || len(poly[0]) == 0 {
			continue
		}
		y := scanLine(poly)
		xs = crossings(poly, y, xs[:0])
		for i := 0; i+1 < len(xs); i += 2 {
			if w := xs[i+1] - xs[i]; w > best {
				best, p = w, orb.Point{(xs[i] + xs[i+1]) / 2, y}
			}
		}
	}
	return p, best >= 0
}

// scanLine is the latitude halfway between the nearest vertex latitudes at or below and above
// the middle of the polygon's bbox.
func scanLine(poly orb.Polygon) float64 {
	b := poly[0].Bound()
	centre := (b.Min[1] + b.Max[1]) / 2
	lo, hi := b.Min[1], b.Max[1]
	for _, r := range poly {
		for _, q := range r {
			switch y := q[1]; {
			case y <= centre:
				if y > lo {
					lo = y
				}
			case y < hi:
				hi = y
			}
		}
	}
	return (hi + lo) / 2
}

// crossings appends the sorted x where the rings cross the line y, counting a vertex on the line
// once (an edge going down does not include its start, one going up not its end; horizontal
// edges are skipped).
func crossings(poly orb.Polygon, y float64, xs []float64) []float64 {
	for _, r := range poly {
		for i := 0; i+1 < len(r); i++ {
			a, b := r[i], r[i+1]
			if (a[1] > y && b[1] > y) || (a[1] < y && b[1] < y) || a[1] == b[1] {
				continue
			}
			if (a[1] == y && b[1] < y) || (b[1] == y && a[1] < y) {
				continue
			}
			x := a[0]
			if a[0] != b[0] {
				m := (b[1] - a[1]) / (b[0] - a[0])
				x = a[0] + (y-a[1])/m
			}
			xs = append(xs, x)
		}
	}
	slices.Sort(xs)
	return xs
}
