package geo

import "github.com/paulmach/orb"

// ClipPolygon cuts a polygon to a rectangle without touching its input (orb's clip uses its input
// as scratch space, which shared or memory-mapped features must not be). Rings are clipped one by
// one (Sutherland-Hodgman); zero-width bridges it may leave along the rectangle change no area.
func ClipPolygon(b orb.Bound, p orb.Polygon) orb.Polygon {
	if len(p) == 0 {
		return nil
	}
	ext := clipRing(b, p[0])
	if ext == nil {
		return nil
	}
	out := orb.Polygon{ext}
	for _, h := range p[1:] {
		if r := clipRing(b, h); r != nil {
			out = append(out, r)
		}
	}
	return out
}

func clipRing(b orb.Bound, r orb.Ring) orb.Ring {
	if len(r) < 4 {
		return nil
	}
	rect := orb.Ring{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}, b.Min} // counter-clockwise
	pts := ClipToConvex(outsideRuns(r, b), rect)
	if len(pts) < 3 {
		return nil
	}
	return orb.Ring(append(pts, pts[0]))
}

// outsideRuns drops the vertices whose neighbours and themselves all lie beyond the same side of
// the rectangle: the ring there stays outside that side, so the clip is unchanged, and a province
// boundary of thousands of vertices shrinks to the few near the rectangle before it is clipped.
func outsideRuns(r orb.Ring, b orb.Bound) orb.Ring {
	n := len(r) - 1 // without the closing point
	if n < 4 {
		return r
	}
	code := func(p orb.Point) uint8 {
		var c uint8
		if p[0] < b.Min[0] {
			c |= 1
		} else if p[0] > b.Max[0] {
			c |= 2
		}
		if p[1] < b.Min[1] {
			c |= 4
		} else if p[1] > b.Max[1] {
			c |= 8
		}
		return c
	}
	// Keep the first and last vertices; drop a vertex when it, the last vertex kept and the next
	// vertex are all beyond one same side: the segment from the last kept vertex to the next one
	// then stays beyond that side too.
	out := orb.Ring{r[0]}
	last := code(r[0])
	for i := 1; i < n-1; i++ {
		cur, next := code(r[i]), code(r[i+1])
		if last&cur&next != 0 {
			continue
		}
		out = append(out, r[i])
		last = cur
	}
	out = append(out, r[n-1])
	if len(out) < 3 {
		return r
	}
	return append(out, out[0])
}
