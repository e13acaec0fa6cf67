package tiles

import (
	"math"
	"slices"
	"sync"

	"github.com/paulmach/orb"
)

// Rings after snapping. Simplifying and rounding to the tile grid can make a ring touch itself (a
// narrow neck collapses to one grid point, a vertex lands on another edge), run back along itself
// or, rarely, cross itself. MVT 2.1 (4.3.4.4) wants rings without self-intersection or
// self-tangency, so such a ring is cut at the points where it meets itself into simple rings
// (exactly: every coordinate is an integer of the tile grid, every test exact in int64), which
// become the shells and holes they are. A valid ring is left exactly as it is.

// gp is a point of the tile grid.
type gp = [2]int64

// scratch holds the buffers of checking one polygon, reused through scratches.
type scratch struct {
	pts   []gp
	rings [][]gp
	segs  []seg
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

// grid puts the rings of p (closed, snapped) on the grid, open, in the scratch buffers.
func (sc *scratch) grid(p orb.Polygon) [][]gp {
	sc.pts, sc.rings = sc.pts[:0], sc.rings[:0]
	for _, r := range p {
		for _, q := range r[:len(r)-1] {
			sc.pts = append(sc.pts, gp{int64(q[0]), int64(q[1])})
		}
	}
	at := 0
	for _, r := range p {
		sc.rings = append(sc.rings, sc.pts[at:at+len(r)-1:at+len(r)-1])
		at += len(r) - 1
	}
	return sc.rings
}

// cross is the cross product of b-a and c-a: positive when a→b→c turns clockwise on screen (y down).
func cross(a, b, c gp) int64 { return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0]) }

// within reports whether p, on the line through a and b, lies between them (ends included).
func within(p, a, b gp) bool {
	return min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) && min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
}

// backtracks reports whether the path a→b→c runs back along itself at b.
func backtracks(a, b, c gp) bool {
	return cross(a, b, c) == 0 && (b[0]-a[0])*(c[0]-b[0])+(b[1]-a[1])*(c[1]-b[1]) < 0
}

// seg is edge k of ring r (of n edges), from a to b.
type seg struct {
	a, b    gp
	r, k, n int
}

func (s seg) lo() int64 { return min(s.a[0], s.b[0]) }

// edgesByX returns the edges of open rings sorted by their smallest x, for a sweep.
func edgesByX(rings [][]gp) []seg { return edgesInto(rings, nil) }

// edgesInto is edgesByX reusing buf.
func edgesInto(rings [][]gp, buf []seg) []seg {
	es := buf[:0]
	for i, r := range rings {
		for k, a := range r {
			es = append(es, seg{a, r[(k+1)%len(r)], i, k, len(r)})
		}
	}
	slices.SortFunc(es, func(p, q seg) int { return int(p.lo() - q.lo()) })
	return es
}

// pairs calls fn for every two edges whose boxes meet, until fn returns false.
func pairs(es []seg, fn func(e, f seg) bool) bool {
	for i, e := range es {
		hi := max(e.a[0], e.b[0])
		ylo, yhi := min(e.a[1], e.b[1]), max(e.a[1], e.b[1])
		for _, f := range es[i+1:] {
			if f.lo() > hi {
				break
			}
			if max(f.a[1], f.b[1]) >= ylo && min(f.a[1], f.b[1]) <= yhi && !fn(e, f) {
				return false
			}
		}
	}
	return true
}

// consecutive reports whether f follows e in their ring.
func consecutive(e, f seg) bool { return e.r == f.r && (e.k+1)%e.n == f.k }

// How two edges meet.
const (
	touching    = iota // at one point
	crossingAt         // properly, at a point rounded to the grid
	overlapping        // along a stretch of one line (each end of it is reported)
)

// contacts calls fn with the points where two edges meet, other than the vertex two consecutive
// edges share, and how they meet there. It stops when fn returns false.
func contacts(e, f seg, fn func(p gp, how int) bool) bool {
	if consecutive(f, e) {
		e, f = f, e
	}
	if consecutive(e, f) {
		if backtracks(e.a, e.b, f.b) {
			return fn(e.b, overlapping)
		}
		return true
	}
	o1, o2, o3, o4 := cross(e.a, e.b, f.a), cross(e.a, e.b, f.b), cross(f.a, f.b, e.a), cross(f.a, f.b, e.b)
	if (o1 > 0 && o2 < 0 || o1 < 0 && o2 > 0) && (o3 > 0 && o4 < 0 || o3 < 0 && o4 > 0) {
		return fn(crossing(e, f), crossingAt)
	}
	how := touching
	if o1 == 0 && o2 == 0 {
		ax := 0
		if e.a[0] == e.b[0] {
			ax = 1
		}
		if max(min(e.a[ax], e.b[ax]), min(f.a[ax], f.b[ax])) < min(max(e.a[ax], e.b[ax]), max(f.a[ax], f.b[ax])) {
			how = overlapping
		}
	}
	for _, c := range [4]struct {
		o    int64
		p    gp
		s, t gp
	}{{o1, f.a, e.a, e.b}, {o2, f.b, e.a, e.b}, {o3, e.a, f.a, f.b}, {o4, e.b, f.a, f.b}} {
		if c.o == 0 && within(c.p, c.s, c.t) && !fn(c.p, how) {
			return false
		}
	}
	return true
}

// crossing is where two properly crossing edges meet, rounded to the grid.
func crossing(e, f seg) gp {
	d := float64(cross(gp{}, gp{e.b[0] - e.a[0], e.b[1] - e.a[1]}, gp{f.b[0] - f.a[0], f.b[1] - f.a[1]}))
	t := float64(cross(gp{}, gp{f.a[0] - e.a[0], f.a[1] - e.a[1]}, gp{f.b[0] - f.a[0], f.b[1] - f.a[1]})) / d
	return gp{int64(math.Round(float64(e.a[0]) + t*float64(e.b[0]-e.a[0]))), int64(math.Round(float64(e.a[1]) + t*float64(e.b[1]-e.a[1])))}
}

// faultless reports whether the rings of one polygon are simple and meet each other only at
// points that leave its interior in one piece.
func faultless(rings [][]gp) bool { return faultlessWith(rings, nil) }

// faultlessWith is faultless with a buffer for the edges (its result, to reuse).
func faultlessWith(rings [][]gp, buf *[]seg) bool {
	var touches [][3]int64 // x, y, ring
	var es []seg
	if buf != nil {
		es = edgesInto(rings, *buf)
		*buf = es
	} else {
		es = edgesByX(rings)
	}
	return pairs(es, func(e, f seg) bool {
		return contacts(e, f, func(p gp, how int) bool {
			touches = append(touches, [3]int64{p[0], p[1], int64(e.r)}, [3]int64{p[0], p[1], int64(f.r)})
			return how == touching && e.r != f.r
		})
	}) && connected(touches) && nested(rings)
}

// nested reports whether every hole (rings after the first) lies inside the shell and outside the
// other holes; edges are known not to cross.
func nested(rings [][]gp) bool {
	if len(rings) < 2 {
		return true
	}
	boxes := make([][2]gp, len(rings))
	for i, r := range rings {
		boxes[i] = [2]gp{r[0], r[0]}
		for _, p := range r {
			boxes[i] = [2]gp{{min(boxes[i][0][0], p[0]), min(boxes[i][0][1], p[1])}, {max(boxes[i][1][0], p[0]), max(boxes[i][1][1], p[1])}}
		}
	}
	meet := func(a, b [2]gp) bool {
		return a[0][0] <= b[1][0] && b[0][0] <= a[1][0] && a[0][1] <= b[1][1] && b[0][1] <= a[1][1]
	}
	for i := 1; i < len(rings); i++ {
		if !encloses(rings[0], rings[i]) {
			return false
		}
		for j := i + 1; j < len(rings); j++ {
			if meet(boxes[i], boxes[j]) && (encloses(rings[i], rings[j]) || encloses(rings[j], rings[i])) {
				return false
			}
		}
	}
	return true
}

// connected reports whether rings touching at points close no loop (ring, point, ring, …, back to
// the first ring): such a loop would enclose part of the polygon and cut it from the rest.
func connected(touches [][3]int64) bool {
	if len(touches) == 0 {
		return true
	}
	slices.SortFunc(touches, func(a, b [3]int64) int { return slices.Compare(a[:], b[:]) })
	touches = slices.Compact(touches)
	parent := map[[3]int64][3]int64{} // rings are {-1, -1, r}, points {x, y, -1}
	var find func(x [3]int64) [3]int64
	find = func(x [3]int64) [3]int64 {
		if p, ok := parent[x]; ok && p != x {
			root := find(p)
			parent[x] = root
			return root
		}
		return x
	}
	for _, t := range touches {
		a, b := find([3]int64{t[0], t[1], -1}), find([3]int64{-1, -1, t[2]})
		if a == b {
			return false
		}
		parent[a] = b
	}
	return true
}

// node returns the rings with every point where an edge meets another made a vertex of it.
func node(rings [][]gp) [][]gp {
	extra := map[[2]int][]gp{}
	add := func(p gp, e seg) {
		if p != e.a && p != e.b {
			extra[[2]int{e.r, e.k}] = append(extra[[2]int{e.r, e.k}], p)
		}
	}
	pairs(edgesByX(rings), func(e, f seg) bool {
		return contacts(e, f, func(p gp, _ int) bool {
			add(p, e)
			add(p, f)
			return true
		})
	})
	out := make([][]gp, len(rings))
	for i, r := range rings {
		for k, a := range r {
			out[i] = append(out[i], a)
			ps := extra[[2]int{i, k}]
			slices.SortFunc(ps, func(p, q gp) int { return int(dist2(a, p) - dist2(a, q)) })
			for _, p := range ps {
				if p != out[i][len(out[i])-1] {
					out[i] = append(out[i], p)
				}
			}
		}
	}
	return out
}

func dist2(a, b gp) int64 { return (b[0]-a[0])*(b[0]-a[0]) + (b[1]-a[1])*(b[1]-a[1]) }

// walks links the edges of noded rings, less the pairs that run both ways along one stretch (a
// ring running back on itself, a hole and its shell both along the clip box), into closed walks.
// Every vertex keeps as many edges in as out, so each walk ends where it began.
func walks(rings [][]gp) [][]gp {
	net := map[[2]gp]int{}
	for _, r := range rings {
		for k, a := range r {
			b := r[(k+1)%len(r)]
			net[[2]gp{a, b}]++
			net[[2]gp{b, a}]--
		}
	}
	out := map[gp][]gp{}
	var starts []gp
	for _, r := range rings {
		for k, a := range r {
			if e := [2]gp{a, r[(k+1)%len(r)]}; net[e] > 0 {
				net[e]--
				out[a] = append(out[a], e[1])
				starts = append(starts, a)
			}
		}
	}
	var ws [][]gp
	for _, s := range starts {
		var w []gp
		prev := s
		for v := s; len(out[v]) > 0; {
			w = append(w, v)
			i := 0
			if len(w) > 1 {
				i = nextEdge(gp{prev[0] - v[0], prev[1] - v[1]}, v, out[v])
			}
			prev, v = v, out[v][i]
			out[prev] = slices.Delete(out[prev], i, i+1)
		}
		if len(w) > 0 {
			ws = append(ws, w)
		}
	}
	return ws
}

// nextEdge picks, among the edges out of v, the first one turning from back (the edge just
// walked, reversed) anticlockwise on screen, so that a walk traces the boundary of one face: a
// shell touched twice by a hole comes out as the two shells they bound, not as a shell cut in two.
func nextEdge(back, v gp, to []gp) int {
	best := 0
	for i := 1; i < len(to); i++ {
		if turnsBefore(back, gp{to[i][0] - v[0], to[i][1] - v[1]}, gp{to[best][0] - v[0], to[best][1] - v[1]}) {
			best = i
		}
	}
	return best
}

// turnsBefore reports whether a comes before b turning from ref (exact, in int64).
func turnsBefore(ref, a, b gp) bool {
	ga, gb := turnGroup(ref, a), turnGroup(ref, b)
	if ga != gb {
		return ga < gb
	}
	return cross(gp{}, b, a) > 0
}

// turnGroup places the angle from ref to w: 0 under a half turn, 1 a half turn, 2 over, 3 a full turn.
func turnGroup(ref, w gp) int {
	c, d := cross(gp{}, w, ref), ref[0]*w[0]+ref[1]*w[1]
	switch {
	case c > 0:
		return 0
	case c == 0 && d < 0:
		return 1
	case c < 0:
		return 2
	}
	return 3
}

// loops cuts a closed walk at its repeated vertices into closed loops that each pass through a
// point once.
func loops(walk []gp) [][]gp {
	var out [][]gp
	at := map[gp]int{}
	var stack []gp
	for _, p := range walk {
		if i, ok := at[p]; ok {
			out = append(out, slices.Clone(stack[i:]))
			for _, q := range stack[i+1:] {
				delete(at, q)
			}
			stack = stack[:i+1]
			continue
		}
		at[p] = len(stack)
		stack = append(stack, p)
	}
	return append(out, stack)
}

// tidy removes repeated consecutive points and vertices where the ring runs back along itself.
func tidy(ring []gp) []gp {
	for changed := true; changed && len(ring) >= 3; {
		changed = false
		for i := 0; i < len(ring) && len(ring) >= 3; i++ {
			a, b, c := ring[(i+len(ring)-1)%len(ring)], ring[i], ring[(i+1)%len(ring)]
			if a == b || backtracks(a, b, c) {
				ring = slices.Delete(ring, i, i+1)
				changed = true
				i--
			}
		}
	}
	return ring
}

func area2(ring []gp) int64 {
	var s int64
	for k, a := range ring {
		b := ring[(k+1)%len(ring)]
		s += a[0]*b[1] - b[0]*a[1]
	}
	return s
}

// maxRepairs bounds the rounds of repair: a crossing rounded to the grid bends two edges a little
// and may, rarely, make them meet a third; what is still faulty after this is dropped.
const maxRepairs = 6

// rebuild makes faulty rings of a polygon (shell first, clockwise; holes anticlockwise), that
// touch, cross or overlap themselves or each other, into valid polygons appended to out: every
// meeting point becomes a vertex, stretches run both ways cancel, the rest is linked face by face
// and cut at repeated vertices into simple rings, which keep the orientation of what they bound
// (shells clockwise, holes anticlockwise); each hole goes to the smallest shell around it.
func rebuild(rings [][]gp, out orb.MultiPolygon, rounds int) orb.MultiPolygon {
	if rounds == 0 {
		return out
	}
	var simple [][]gp
	for _, w := range walks(node(rings)) {
		for _, l := range loops(w) {
			if l = tidy(l); len(l) >= 3 && area2(l) != 0 {
				simple = append(simple, l)
			}
		}
	}
	for _, p := range assemble(simple) {
		if !faultless(p) {
			out = rebuild(p, out, rounds-1)
			continue
		}
		poly := make(orb.Polygon, len(p))
		for i, r := range p {
			poly[i] = fromGrid(r)
		}
		out = append(out, poly)
	}
	return out
}

// assemble groups simple rings into polygons: each hole goes to the smallest shell around it; a
// hole in no shell is a lobe turned inside out by a crossing and becomes a shell.
func assemble(rings [][]gp) [][][]gp {
	var shells, holes [][]gp
	for _, r := range rings {
		if area2(r) > 0 {
			shells = append(shells, r)
		} else {
			holes = append(holes, r)
		}
	}
	polys := make([][][]gp, len(shells))
	for i, s := range shells {
		polys[i] = [][]gp{s}
	}
	for _, h := range holes {
		best := -1
		for i, s := range shells {
			if encloses(s, h) && (best < 0 || area2(s) < area2(shells[best])) {
				best = i
			}
		}
		if best < 0 {
			slices.Reverse(h)
			shells, polys = append(shells, h), append(polys, [][]gp{h})
			continue
		}
		polys[best] = append(polys[best], h)
	}
	return polys
}

// fromGrid closes an open ring of grid points.
func fromGrid(r []gp) orb.Ring {
	out := make(orb.Ring, len(r)+1)
	for i, p := range r {
		out[i] = orb.Point{float64(p[0]), float64(p[1])}
	}
	out[len(r)] = out[0]
	return out
}

// inside is 1 when p is inside the ring, -1 outside, 0 on its boundary (exact crossing number).
func inside(p gp, ring []gp) int {
	in := false
	for k, a := range ring {
		b := ring[(k+1)%len(ring)]
		c := cross(a, b, p)
		if c == 0 && within(p, a, b) {
			return 0
		}
		if (a[1] > p[1]) != (b[1] > p[1]) && (c > 0) == (b[1] > a[1]) {
			in = !in
		}
	}
	if in {
		return 1
	}
	return -1
}

// encloses reports whether simple ring a lies inside simple ring b (they meet at points at most).
func encloses(b, a []gp) bool {
	for _, p := range a {
		if s := inside(p, b); s != 0 {
			return s > 0
		}
	}
	return false
}
