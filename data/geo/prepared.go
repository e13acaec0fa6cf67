package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// Prepared is a (multi)polygon ready for many point-in-polygon, rectangle and line tests: its
// edges are bucketed into horizontal bands so that a test looks only at the edges of its band.
type Prepared struct {
	bound orb.Bound
	bands bands[edge]
}

type edge struct{ a, b orb.Point }

// Prepare indexes the edges of mp.
func Prepare(mp orb.MultiPolygon) *Prepared {
	edges := 0
	for _, poly := range mp {
		for _, r := range poly {
			edges += max(len(r)-1, 0)
		}
	}
	p := &Prepared{bound: mp.Bound()}
	p.bands = newBands(p.bound, edges, func(fn func(ylo, yhi float64, e edge)) {
		for _, poly := range mp {
			for _, r := range poly {
				for i := 0; i+1 < len(r); i++ {
					fn(math.Min(r[i][1], r[i+1][1]), math.Max(r[i][1], r[i+1][1]), edge{r[i], r[i+1]})
				}
			}
		}
	})
	return p
}

// Bound is the bbox of the polygon.
func (p *Prepared) Bound() orb.Bound { return p.bound }

// Contains uses the even-odd rule over all rings, so holes and multipolygon parts are handled.
func (p *Prepared) Contains(q orb.Point) bool {
	if !p.bound.Contains(q) {
		return false
	}
	in := false
	for _, e := range p.bands.of[p.bands.band(q[1])] {
		a, b := e.a, e.b
		if (a[1] > q[1]) != (b[1] > q[1]) {
			x := a[0] + (q[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if q[0] < x {
				in = !in
			}
		}
	}
	return in
}

// Covers reports whether q is inside the polygon or on its boundary (the closed polygon, as
// PostGIS's ST_Intersects sees a point).
func (p *Prepared) Covers(q orb.Point) bool {
	if !p.bound.Contains(q) {
		return false
	}
	for _, e := range p.bands.of[p.bands.band(q[1])] {
		if orient(e.a, e.b, q) == 0 && min(e.a[0], e.b[0]) <= q[0] && q[0] <= max(e.a[0], e.b[0]) &&
			min(e.a[1], e.b[1]) <= q[1] && q[1] <= max(e.a[1], e.b[1]) {
			return true
		}
	}
	return p.Contains(q)
}

// Crosses reports whether any polygon edge meets the rectangle b.
func (p *Prepared) Crosses(b orb.Bound) bool {
	if !p.bound.Intersects(b) {
		return false
	}
	lo, hi := p.bands.band(b.Min[1]), p.bands.band(b.Max[1])
	for k := lo; k <= hi; k++ {
		for _, e := range p.bands.of[k] {
			if SegmentMeetsBound(e.a, e.b, b) {
				return true
			}
		}
	}
	return false
}

// ContainsBound reports whether the rectangle b lies wholly inside the polygon.
func (p *Prepared) ContainsBound(b orb.Bound) bool {
	return !p.Crosses(b) && p.Contains(b.Min)
}

// LengthInsideKm is the length in km of the parts of a (multi)linestring inside every one of the
// polygons (their intersection): each segment is cut at its crossings with the polygons' edges,
// and the pieces whose midpoints are inside all of them are summed along great circles.
func LengthInsideKm(g orb.Geometry, ps ...*Prepared) float64 {
	var lines []orb.LineString
	switch t := g.(type) {
	case orb.LineString:
		lines = []orb.LineString{t}
	case orb.MultiLineString:
		lines = t
	}
	var total float64
	var ts []float64
	for _, l := range lines {
		for i := 0; i+1 < len(l); i++ {
			ts = segmentInside(l[i], l[i+1], ps, ts, &total)
		}
	}
	return total
}

// segmentInside adds to total the length of segment a-b inside every polygon, piece by piece;
// ts is scratch space, returned for reuse.
func segmentInside(a, b orb.Point, ps []*Prepared, ts []float64, total *float64) []float64 {
	sb := orb.Bound{Min: orb.Point{math.Min(a[0], b[0]), math.Min(a[1], b[1])}, Max: orb.Point{math.Max(a[0], b[0]), math.Max(a[1], b[1])}}
	for _, p := range ps {
		if !sb.Intersects(p.bound) {
			return ts
		}
	}
	ts = append(ts[:0], 0, 1)
	for _, p := range ps {
		ts = p.Cuts(a, b, ts)
	}
	slices.Sort(ts)
	at := func(t float64) orb.Point { return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])} }
	for j := 0; j+1 < len(ts); j++ {
		if ts[j+1] <= ts[j] {
			continue
		}
		mid, in := at((ts[j]+ts[j+1])/2), true
		for _, p := range ps {
			in = in && p.Contains(mid)
		}
		if in {
			*total += DistanceKm(at(ts[j]), at(ts[j+1]))
		}
	}
	return ts
}

// Cuts appends to ts the parameters t in [0, 1] at which segment a-b meets the polygon's edges.
func (p *Prepared) Cuts(a, b orb.Point, ts []float64) []float64 {
	lo, hi := p.bands.band(min(a[1], b[1])), p.bands.band(max(a[1], b[1]))
	for k := lo; k <= hi; k++ {
		for _, e := range p.bands.of[k] {
			if t, ok := SegmentParam(a, b, e.a, e.b); ok {
				ts = append(ts, t)
			}
		}
	}
	return ts
}
