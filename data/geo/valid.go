package geo

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Validate reports why closed rings mp do not make a valid polygonal area (OGC simple features,
// except that two polygons may share edges, as adjacent districts do): a ring that crosses or
// touches itself or doubles back, rings that cross, rings of one polygon that share an edge, a
// hole outside its shell or inside another hole, polygons that overlap. Rings may touch each
// other at points. Edges are bucketed by latitude band and swept by longitude, so it takes about
// n·log n for n edges.
func Validate(mp orb.MultiPolygon) error {
	if err := validEdges(mp); err != nil {
		return err
	}
	return validNesting(mp)
}

// vedge is an edge of ring r (its k-th of n), with its bbox and first latitude band.
type vedge struct {
	a, b       orb.Point
	bound      orb.Bound
	p, r, k, n int // polygon, ring, edge in ring, edges of the ring
	band       int
}

// validEdges checks every pair of edges whose bboxes meet, each pair in the first band they
// share, sweeping each band's edges in order of their west ends.
func validEdges(mp orb.MultiPolygon) error {
	var edges []vedge
	ring := 0
	for pi, p := range mp {
		for _, r := range p {
			r = distinct(r)
			for k := 0; k+1 < len(r); k++ {
				e := vedge{a: r[k], b: r[k+1], p: pi, r: ring, k: k, n: len(r) - 1}
				e.bound = orb.Bound{Min: orb.Point{min(e.a[0], e.b[0]), min(e.a[1], e.b[1])}, Max: orb.Point{max(e.a[0], e.b[0]), max(e.a[1], e.b[1])}}
				edges = append(edges, e)
			}
			ring++
		}
	}
	bs := newBands(mp.Bound(), len(edges), func(fn func(ylo, yhi float64, i int32)) {
		for i := range edges {
			fn(edges[i].bound.Min[1], edges[i].bound.Max[1], int32(i))
		}
	})
	for i := range edges {
		edges[i].band = bs.band(edges[i].bound.Min[1])
	}
	for band, ids := range bs.of {
		slices.SortFunc(ids, func(i, j int32) int { return cmp.Compare(edges[i].bound.Min[0], edges[j].bound.Min[0]) })
		for x, i := range ids {
			e := &edges[i]
			for _, j := range ids[x+1:] {
				f := &edges[j]
				if f.bound.Min[0] > e.bound.Max[0] {
					break
				}
				if max(e.band, f.band) != band || f.bound.Min[1] > e.bound.Max[1] || f.bound.Max[1] < e.bound.Min[1] {
					continue // checked in an earlier band, or apart
				}
				if err := validPair(e, f); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// validPair checks two edges: adjacent edges of one ring meet only at their shared vertex, other
// edges of one ring not at all, edges of two rings of a polygon neither cross nor overlap, edges
// of two polygons do not cross (they may share a stretch: adjacent districts sent together).
func validPair(e, f *vedge) error {
	if e.r == f.r && adjacent(e, f) {
		if overlap(e.a, e.b, f.a, f.b) {
			return fmt.Errorf("ring doubles back on itself at %v", shared(e, f))
		}
		return nil
	}
	switch {
	case e.p == f.p && overlap(e.a, e.b, f.a, f.b):
		return fmt.Errorf("rings share an edge near %v", e.a)
	case SegmentsCross(e.a, e.b, f.a, f.b):
		return fmt.Errorf("edges cross near %v", e.a)
	case e.r == f.r && touch(e.a, e.b, f.a, f.b):
		return fmt.Errorf("ring touches itself near %v", e.a)
	}
	return nil
}

// distinct is r without repeated consecutive points.
func distinct(r orb.Ring) orb.Ring {
	out := make(orb.Ring, 0, len(r))
	for i, p := range r {
		if i == 0 || p != r[i-1] {
			out = append(out, p)
		}
	}
	return out
}

// adjacent reports whether two edges of one ring follow each other.
func adjacent(e, f *vedge) bool {
	d := f.k - e.k
	return d == 1 || d == -1 || d == e.n-1 || d == 1-e.n
}

func shared(e, f *vedge) orb.Point {
	if e.a == f.a || e.a == f.b {
		return e.a
	}
	return e.b
}

// overlap reports whether collinear segments a-b and c-d share more than a point.
func overlap(a, b, c, d orb.Point) bool {
	if orient(a, b, c) != 0 || orient(a, b, d) != 0 {
		return false
	}
	// project on the longer axis of a-b
	ax := 0
	if abs(b[1]-a[1]) > abs(b[0]-a[0]) {
		ax = 1
	}
	lo1, hi1 := min(a[ax], b[ax]), max(a[ax], b[ax])
	lo2, hi2 := min(c[ax], d[ax]), max(c[ax], d[ax])
	return min(hi1, hi2) > max(lo1, lo2)
}

// touch reports whether segments a-b and c-d meet at a point (an end of one on the other).
func touch(a, b, c, d orb.Point) bool {
	return onSegment(c, a, b) || onSegment(d, a, b) || onSegment(a, c, d) || onSegment(b, c, d)
}

// onSegment reports whether p lies on segment a-b (ends included).
func onSegment(p, a, b orb.Point) bool {
	return orient(a, b, p) == 0 && min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) &&
		min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// validNesting checks, once no edges cross, where rings lie: every hole inside its shell and
// outside the other holes, and no polygon inside another (except in one of its holes). A ring is
// placed by one of its vertices not on the other ring.
func validNesting(mp orb.MultiPolygon) error {
	for i, p := range mp {
		for h := 1; h < len(p); h++ {
			if in, ok := ringIn(p[h], p[0]); ok && !in {
				return fmt.Errorf("hole %d of polygon %d is outside its shell", h, i+1)
			}
			for g := 1; g < h; g++ {
				if nested(p[h], p[g]) {
					return fmt.Errorf("holes %d and %d of polygon %d are nested", g, h, i+1)
				}
			}
		}
		for j, q := range mp {
			if j != i && len(p) > 0 && len(q) > 0 && insideArea(p[0], q) {
				return fmt.Errorf("polygons %d and %d overlap", i+1, j+1)
			}
		}
	}
	return nil
}

// ringIn tells whether ring r lies inside ring s, from its first vertex not on s (ok is false
// when every vertex is on s).
func ringIn(r, s orb.Ring) (in, ok bool) {
	for _, v := range r {
		if onRing(v, s) {
			continue
		}
		return planar.RingContains(s, v), true
	}
	return false, false
}

// nested reports whether one of two rings lies inside the other.
func nested(r, s orb.Ring) bool {
	in1, ok1 := ringIn(r, s)
	in2, ok2 := ringIn(s, r)
	return (ok1 && in1) || (ok2 && in2)
}

// insideArea reports whether shell r lies inside polygon q (in its shell, not in a hole).
func insideArea(r orb.Ring, q orb.Polygon) bool {
	in, ok := ringIn(r, q[0])
	if !ok || !in {
		return false
	}
	for _, h := range q[1:] {
		if inHole, ok := ringIn(r, h); ok && inHole {
			return false
		}
	}
	return true
}

// onRing reports whether p lies on an edge of ring s.
func onRing(p orb.Point, s orb.Ring) bool {
	for k := 0; k+1 < len(s); k++ {
		if onSegment(p, s[k], s[k+1]) {
			return true
		}
	}
	return false
}
