package mvtcheck

import (
	"fmt"
	"slices"
)

// Kinds of invalid polygon geometry, counted by ring in Report.Invalid. They are the rules of
// OGC simple features as GEOS's IsValid applies them, which MVT 2.1 (4.3.4.4) asks of polygons.
const (
	SelfIntersection = "self-intersection"     // two edges of one ring cross
	SelfTangency     = "self-tangency"         // a ring passes twice through a point (a repeated vertex, or a vertex on another edge)
	Spike            = "spike"                 // a ring runs back along itself (edges overlapping on a line)
	Degenerate       = "degenerate"            // a ring of zero area or under 4 points
	RingsCross       = "rings cross"           // edges of two rings of one feature cross or overlap
	HoleOutside      = "hole outside shell"    // a hole not inside its exterior ring
	NestedHoles      = "nested holes"          // a hole inside another hole
	OverlappingParts = "overlapping parts"     // a polygon of a multipolygon inside another's area
	Disconnected     = "disconnected interior" // rings touching so that they cut the polygon apart
)

// problem is one invalid ring of a feature.
type problem struct {
	kind string
	ring int
	at   [2]int64
}

// edge is a segment of a ring, a to b, the k-th of ring r (of n edges).
type edge struct {
	a, b    [2]int64
	r, k, n int
}

func (e edge) minX() int64 { return min(e.a[0], e.b[0]) }
func (e edge) maxX() int64 { return max(e.a[0], e.b[0]) }

// validity checks the rings of one polygon feature (without their closing points) and returns
// every invalid ring, each kind of fault once per ring.
func validity(rings [][][2]int64) []problem {
	v := &checker{rings: rings, touches: map[touchKey]bool{}}
	v.group()
	v.edges()
	v.connected()
	v.contained()
	return v.problems
}

type touchKey struct {
	at   [2]int64
	ring int
}

type checker struct {
	rings    [][][2]int64
	poly     []int // polygon of each ring, -1 for a degenerate ring or a hole without a shell
	shells   []int // first ring of each polygon
	touches  map[touchKey]bool
	touchAt  [][3]int64    // x, y, ring of each distinct touch between two rings of one polygon
	boxes    [][2][2]int64 // min and max corner of each ring
	problems []problem
	seen     map[[2]any]bool
}

func (v *checker) add(kind string, ring int, at [2]int64) {
	if v.seen == nil {
		v.seen = map[[2]any]bool{}
	}
	if k := [2]any{kind, ring}; !v.seen[k] {
		v.seen[k] = true
		v.problems = append(v.problems, problem{kind, ring, at})
	}
}

// group assigns each ring to a polygon: a positive ring starts one, negative rings are its holes.
func (v *checker) group() {
	v.poly = make([]int, len(v.rings))
	v.boxes = make([][2][2]int64, len(v.rings))
	for i, r := range v.rings {
		v.poly[i] = -1
		v.boxes[i] = box(r)
		a := area(r)
		switch {
		case len(r) < 3 || a == 0:
			v.add(Degenerate, i, r[0])
		case a > 0:
			v.shells = append(v.shells, i)
			v.poly[i] = len(v.shells) - 1
		case len(v.shells) > 0:
			v.poly[i] = len(v.shells) - 1
		}
	}
}

// edges compares every pair of edges whose boxes meet (a sweep over x).
func (v *checker) edges() {
	var es []edge
	for i, r := range v.rings {
		if len(r) < 3 {
			continue
		}
		for k := range r {
			if b := r[(k+1)%len(r)]; b != r[k] {
				es = append(es, edge{r[k], b, i, k, len(r)})
			}
		}
	}
	slices.SortFunc(es, func(p, q edge) int { return int(p.minX() - q.minX()) })
	for i, e := range es {
		for _, f := range es[i+1:] {
			if f.minX() > e.maxX() {
				break
			}
			if max(f.a[1], f.b[1]) >= min(e.a[1], e.b[1]) && max(e.a[1], e.b[1]) >= min(f.a[1], f.b[1]) {
				v.pair(e, f)
			}
		}
	}
}

func orient(a, b, c [2]int64) int64 {
	d := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	switch {
	case d > 0:
		return 1
	case d < 0:
		return -1
	}
	return 0
}

// onSegment reports whether p, collinear with a and b, lies between them (ends included).
func onSegment(p, a, b [2]int64) bool {
	return min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) && min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
}

// adjacent reports whether f follows e in the same ring (they share e.b).
func adjacent(e, f edge) bool { return e.r == f.r && (e.k+1)%e.n == f.k }

// pair classifies how two edges meet: not at all, at the vertex two consecutive edges share, by
// crossing, by overlapping on a line, or touching at one point.
func (v *checker) pair(e, f edge) {
	if adjacent(f, e) {
		e, f = f, e
	}
	if adjacent(e, f) { // they share e.b; they meet elsewhere only if f turns back along e
		if orient(e.a, e.b, f.b) == 0 && dot(e.a, e.b, f.b) < 0 {
			v.add(Spike, e.r, e.b)
		}
		return
	}
	o1, o2, o3, o4 := orient(e.a, e.b, f.a), orient(e.a, e.b, f.b), orient(f.a, f.b, e.a), orient(f.a, f.b, e.b)
	switch {
	case o1*o2 < 0 && o3*o4 < 0:
		v.meet(e, f, SelfIntersection, e.a)
	case o1 == 0 && o2 == 0:
		v.collinear(e, f)
	case o1 == 0 && onSegment(f.a, e.a, e.b):
		v.touch(e, f, f.a)
	case o2 == 0 && onSegment(f.b, e.a, e.b):
		v.touch(e, f, f.b)
	case o3 == 0 && onSegment(e.a, f.a, f.b):
		v.touch(e, f, e.a)
	case o4 == 0 && onSegment(e.b, f.a, f.b):
		v.touch(e, f, e.b)
	}
}

// dot is the dot product of b-a and c-b: negative when the path a→b→c turns back.
func dot(a, b, c [2]int64) int64 { return (b[0]-a[0])*(c[0]-b[0]) + (b[1]-a[1])*(c[1]-b[1]) }

// collinear handles two edges on one line: an overlap of positive length is a fault, a common
// point a touch.
func (v *checker) collinear(e, f edge) {
	ax := 0
	if e.a[0] == e.b[0] {
		ax = 1
	}
	lo := max(min(e.a[ax], e.b[ax]), min(f.a[ax], f.b[ax]))
	hi := min(max(e.a[ax], e.b[ax]), max(f.a[ax], f.b[ax]))
	switch {
	case lo < hi:
		v.meet(e, f, Spike, e.a)
	case lo == hi:
		for _, p := range [][2]int64{e.a, e.b} {
			if p[ax] == lo {
				v.touch(e, f, p)
			}
		}
	}
}

// meet records a crossing or overlap, of one ring with itself or of two rings.
func (v *checker) meet(e, f edge, sameRing string, at [2]int64) {
	if e.r == f.r {
		v.add(sameRing, e.r, at)
		return
	}
	v.add(RingsCross, e.r, at)
	v.add(RingsCross, f.r, at)
}

// touch records two edges meeting at one point: a fault within one ring, allowed between two
// rings unless the touches cut a polygon apart (see connected).
func (v *checker) touch(e, f edge, at [2]int64) {
	if e.r == f.r {
		v.add(SelfTangency, e.r, at)
		return
	}
	if v.poly[e.r] < 0 || v.poly[e.r] != v.poly[f.r] {
		return // parts of a multipolygon may touch at points
	}
	for _, r := range []int{e.r, f.r} {
		if k := (touchKey{at, r}); !v.touches[k] {
			v.touches[k] = true
			v.touchAt = append(v.touchAt, [3]int64{at[0], at[1], int64(r)})
		}
	}
}

// connected finds rings whose touches close a loop (ring, point, ring, …, back): such a loop
// encloses part of the polygon's interior and cuts it from the rest.
func (v *checker) connected() {
	parent := map[any]any{}
	var find func(x any) any
	find = func(x any) any {
		p, ok := parent[x]
		if !ok || p == x {
			return x
		}
		root := find(p)
		parent[x] = root
		return root
	}
	for _, t := range v.touchAt {
		pt, ring := [2]int64{t[0], t[1]}, int(t[2])
		a, b := find(pt), find(ring)
		if a == b {
			v.add(Disconnected, ring, pt)
			continue
		}
		parent[a] = b
	}
}

// contained checks that holes lie in their shell and not in each other, and that no polygon of a
// multipolygon lies in another's area (edges cannot cross here: that is found by edges).
func (v *checker) contained() {
	for i := range v.rings {
		p := v.poly[i]
		if p < 0 || v.shells[p] == i {
			continue
		}
		if v.side(i, v.shells[p]) < 0 {
			v.add(HoleOutside, i, v.rings[i][0])
		}
		for j := range v.rings {
			if j != i && v.poly[j] == p && v.shells[p] != j && v.side(i, j) > 0 {
				v.add(NestedHoles, i, v.rings[i][0])
			}
		}
	}
	for _, s := range v.shells {
		for q, t := range v.shells {
			if s != t && v.side(s, t) > 0 && !v.inHole(s, q) {
				v.add(OverlappingParts, s, v.rings[s][0])
			}
		}
	}
}

// inHole reports whether ring s lies inside one of the holes of polygon q.
func (v *checker) inHole(s, q int) bool {
	for h := range v.rings {
		if v.poly[h] == q && v.shells[q] != h && v.side(s, h) > 0 {
			return true
		}
	}
	return false
}

// side tells whether ring a lies inside ring b (1), outside (-1), or cannot tell because every
// vertex of a is on b (0). Edges are assumed not to cross.
func (v *checker) side(a, b int) int {
	ba, bb := v.boxes[a], v.boxes[b]
	if ba[0][0] > bb[1][0] || bb[0][0] > ba[1][0] || ba[0][1] > bb[1][1] || bb[0][1] > ba[1][1] {
		return -1
	}
	for _, p := range v.rings[a] {
		if s := inRing(p, v.rings[b]); s != 0 {
			return s
		}
	}
	return 0
}

// box is the bounding box of a ring: min corner, max corner.
func box(r [][2]int64) [2][2]int64 {
	lo, hi := r[0], r[0]
	for _, p := range r {
		lo, hi = [2]int64{min(lo[0], p[0]), min(lo[1], p[1])}, [2]int64{max(hi[0], p[0]), max(hi[1], p[1])}
	}
	return [2][2]int64{lo, hi}
}

// inRing is 1 when p is inside the ring, -1 outside, 0 on its boundary (crossing number, exact).
func inRing(p [2]int64, ring [][2]int64) int {
	in := false
	for k := range ring {
		a, b := ring[k], ring[(k+1)%len(ring)]
		o := orient(a, b, p)
		if o == 0 && onSegment(p, a, b) {
			return 0
		}
		if (a[1] > p[1]) != (b[1] > p[1]) && (o > 0) == (b[1] > a[1]) {
			in = !in
		}
	}
	if in {
		return 1
	}
	return -1
}

// checkValidity adds the faults of a polygon feature to the report.
func (d *decoder) checkValidity(rings [][][2]int64) {
	bad := map[int]bool{}
	for _, p := range validity(rings) {
		if d.r.Invalid == nil {
			d.r.Invalid = map[string]int{}
		}
		d.r.Invalid[p.kind]++
		bad[p.ring] = true
		d.r.addf("%s: ring %d: %s at (%d,%d)", d.where, p.ring, p.kind, p.at[0], p.at[1])
	}
	d.r.InvalidRings += len(bad)
}

// Faults lists the validity faults of one decoded polygon feature (its Parts), each as "kind at
// ring i (x,y)"; none for a valid one.
func Faults(rings [][][2]int64) []string {
	var out []string
	for _, p := range validity(rings) {
		out = append(out, fmt.Sprintf("%s at ring %d (%d,%d)", p.kind, p.ring, p.at[0], p.at[1]))
	}
	return out
}
