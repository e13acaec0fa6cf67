package geo

import (
	"math"

	"github.com/paulmach/orb"
)

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
		out := clipEdge(src, clip[i], clip[i+1], a[:0])
		a, b = b, out
		src = out
	}
	return src
}

// clipEdge keeps the part of the ring src on the left of the line e0-e1, appending to out.
func clipEdge(src []orb.Point, e0, e1 orb.Point, out []orb.Point) []orb.Point {
	inside := func(p orb.Point) bool { return (e1[0]-e0[0])*(p[1]-e0[1])-(e1[1]-e0[1])*(p[0]-e0[0]) >= 0 }
	cut := func(p, q orb.Point) orb.Point {
		// intersection of segment p-q with the line e0-e1
		dx, dy := q[0]-p[0], q[1]-p[1]
		ex, ey := e1[0]-e0[0], e1[1]-e0[1]
		t := (ex*(p[1]-e0[1]) - ey*(p[0]-e0[0])) / (ey*dx - ex*dy)
		return orb.Point{p[0] + t*dx, p[1] + t*dy}
	}
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
	return out
}

// ConvexCCW reports whether a ring is convex and returns it counter-clockwise, closed, without
// repeated or collinear vertices.
func ConvexCCW(r orb.Ring) (orb.Ring, bool) {
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
	sign := 0.0
	var keep []orb.Point
	for i := range pts {
		a, b, c := pts[(i+len(pts)-1)%len(pts)], pts[i], pts[(i+1)%len(pts)]
		x := (b[0]-a[0])*(c[1]-b[1]) - (b[1]-a[1])*(c[0]-b[0])
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
		reverse(keep)
	}
	return orb.Ring(append(keep, keep[0])), true
}

func reverse(pts []orb.Point) {
	for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
		pts[i], pts[j] = pts[j], pts[i]
	}
}

// Convex is a polygon whose exterior and holes are convex rings, counter-clockwise.
type Convex struct {
	Exterior orb.Ring
	Holes    []orb.Ring
}

// ConvexParts returns the parts of mp when every ring is convex (bboxes, most drawn districts),
// or nil. Against those, the area of any polygon inside is computed by clipping rings against
// convex rings (Sutherland-Hodgman), which is exact for areas, instead of a full overlay.
func ConvexParts(mp orb.MultiPolygon) []Convex {
	var out []Convex
	for _, p := range mp {
		var cp Convex
		for i, r := range p {
			c, ok := ConvexCCW(r)
			if !ok {
				return nil
			}
			if i == 0 {
				cp.Exterior = c
			} else {
				cp.Holes = append(cp.Holes, c)
			}
		}
		out = append(out, cp)
	}
	return out
}

// clippedAreaM2 is the area of ring ∩ convex clip, in m² on the ellipsoid.
func clippedAreaM2(ring, clip orb.Ring) float64 {
	pts := ClipToConvex(ring, clip)
	if len(pts) < 3 {
		return 0
	}
	return math.Abs(RingAreaM2(orb.Ring(append(pts, pts[0]))))
}

// ConvexIntersectionKm2 is the area of polygon p ∩ the convex parts, in km² on the ellipsoid, by
// inclusion-exclusion over the rings: (P − Pholes) ∩ (Q − Qholes).
func ConvexIntersectionKm2(p orb.Polygon, parts []Convex) float64 {
	var total float64
	for _, q := range parts {
		a := clippedAreaM2(p[0], q.Exterior)
		for _, h := range p[1:] {
			a -= clippedAreaM2(h, q.Exterior)
		}
		for _, k := range q.Holes {
			a -= clippedAreaM2(p[0], k)
			for _, h := range p[1:] {
				a += clippedAreaM2(h, k)
			}
		}
		total += a
	}
	return math.Max(total, 0) / 1e6
}
