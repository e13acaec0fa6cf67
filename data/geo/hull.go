package geo

import (
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"
)

// Hull is Andrew's monotone chain convex hull of the points, closed and counter-clockwise, with
// coordinates rounded to 1e-5 degree (about 1 m); nil for fewer than three distinct points.
func Hull(pts []orb.Point) orb.Ring {
	ps := make([]orb.Point, len(pts))
	for i, p := range pts {
		ps[i] = orb.Point{math.Round(p[0]*1e5) / 1e5, math.Round(p[1]*1e5) / 1e5}
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i][0] != ps[j][0] {
			return ps[i][0] < ps[j][0]
		}
		return ps[i][1] < ps[j][1]
	})
	ps = slices.Compact(ps)
	if len(ps) < 3 {
		return nil
	}
	var h []orb.Point
	for _, p := range ps {
		for len(h) >= 2 && orient(h[len(h)-2], h[len(h)-1], p) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, p)
	}
	lower := len(h) + 1
	for i := len(ps) - 2; i >= 0; i-- {
		p := ps[i]
		for len(h) >= lower && orient(h[len(h)-2], h[len(h)-1], p) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, p)
	}
	return orb.Ring(h) // the last point equals the first
}
