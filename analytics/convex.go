package analytics

import (
	"math"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
)

// convexPart is a query polygon whose exterior and holes are convex rings, counter-clockwise.
type convexPart struct {
	ext   orb.Ring
	holes []orb.Ring
}

// convexParts returns the query's parts when every ring is convex (bboxes, most drawn districts),
// or nil. For those, the area of a data polygon inside the query is computed by clipping rings
// against convex rings (Sutherland-Hodgman), which is exact for areas, instead of a full overlay.
func convexParts(mp orb.MultiPolygon) []convexPart {
	var out []convexPart
	for _, p := range mp {
		var cp convexPart
		for i, r := range p {
			c, ok := convexCCW(r)
			if !ok {
				return nil
			}
			if i == 0 {
				cp.ext = c
			} else {
				cp.holes = append(cp.holes, c)
			}
		}
		out = append(out, cp)
	}
	return out
}

// convexCCW reports whether a ring is convex and returns it counter-clockwise, without repeated
// or collinear vertices.
func convexCCW(r orb.Ring) (orb.Ring, bool) {
	var pts []orb.Point
	for i, p := range r {
		if i > 0 && p == pts[len(pts)-1] {
			continue
		}
		pts = append(pts, p)
	}
	if len(pts) > 1 && pts[0] == pts[len(pts)-1] {
		pts = pts[:len(pts)-1]
	}
	if len(pts) < 3 {
		return nil, false
	}
	cross := func(a, b, c orb.Point) float64 { return (b[0]-a[0])*(c[1]-b[1]) - (b[1]-a[1])*(c[0]-b[0]) }
	sign := 0.0
	var keep []orb.Point
	for i := range pts {
		a, b, c := pts[(i+len(pts)-1)%len(pts)], pts[i], pts[(i+1)%len(pts)]
		x := cross(a, b, c)
		if x == 0 {
			continue // collinear vertex
		}
		if sign == 0 {
			sign = math.Copysign(1, x)
		} else if math.Copysign(1, x) != sign {
			return nil, false
		}
		keep = append(keep, b)
	}
	if len(keep) < 3 {
		return nil, false
	}
	if sign < 0 {
		for i, j := 0, len(keep)-1; i < j; i, j = i+1, j-1 {
			keep[i], keep[j] = keep[j], keep[i]
		}
	}
	return orb.Ring(append(keep, keep[0])), true
}

// clippedAreaM2 is the area of ring ∩ convex clip, in m² on the ellipsoid.
func clippedAreaM2(ring, clip orb.Ring) float64 {
	pts := data.ClipToConvex(ring, clip)
	if len(pts) < 3 {
		return 0
	}
	return math.Abs(ringAreaM2(orb.Ring(append(pts, pts[0]))))
}

// convexIntersectionKm2 is the area of polygon ∩ query for a convex query, by inclusion-exclusion
// over the rings: (P − Pholes) ∩ (Q − Qholes).
func convexIntersectionKm2(p orb.Polygon, parts []convexPart) float64 {
	var total float64
	for _, q := range parts {
		a := clippedAreaM2(p[0], q.ext)
		for _, h := range p[1:] {
			a -= clippedAreaM2(h, q.ext)
		}
		for _, k := range q.holes {
			a -= clippedAreaM2(p[0], k)
			for _, h := range p[1:] {
				a += clippedAreaM2(h, k)
			}
		}
		total += a
	}
	return math.Max(total, 0) / 1e6
}
