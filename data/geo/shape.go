package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// Shape is a (multi)polygon prepared for exact intersection areas: its rings snapped to the
// 1e-9° grid (as overlay inputs are), oriented with the interior on the left (exteriors
// counter-clockwise, holes clockwise), and its edges bucketed into horizontal bands.
//
// The area of an intersection of shapes is the integral of x dy (Green's theorem) over its
// boundary, which is made of the parts of each shape's boundary inside all the others; no
// polygon of the intersection is ever built, so shapes of any form — non-convex, with holes, in
// several parts — cost a pass over the edges near each other. Boundaries that overlap (a query
// drawn along a raster zone's edge) are counted once when the interiors lie on the same side,
// never when they lie on opposite sides.
type Shape struct {
	bound orb.Bound
	edges []sedge
	rings []int32      // index of the first edge of each ring, and the end
	bands bands[int32] // edge indexes
}

// NewShape prepares mp.
func NewShape(mp orb.MultiPolygon) *Shape {
	n := 0
	for _, poly := range mp {
		n += Vertices(poly)
	}
	s := &Shape{edges: make([]sedge, 0, n)}
	first := true
	for _, poly := range mp {
		for k, r := range poly {
			pts := snapRing(r)
			if len(pts) < 4 {
				continue
			}
			if ccw := PlanarRingArea(pts) > 0; ccw != (k == 0) {
				slices.Reverse(pts)
			}
			s.rings = append(s.rings, int32(len(s.edges)))
			for i := 0; i+1 < len(pts); i++ {
				s.edges = append(s.edges, newSedge(pts[i], pts[i+1]))
			}
			b := orb.Ring(pts).Bound()
			if first {
				s.bound, first = b, false
			} else {
				s.bound = s.bound.Union(b)
			}
		}
	}
	s.rings = append(s.rings, int32(len(s.edges)))
	s.index()
	return s
}

func snapRing(r orb.Ring) []orb.Point {
	out := make([]orb.Point, 0, len(r))
	for _, p := range r {
		q := orb.Point{math.Round(p[0]*snapScale) / snapScale, math.Round(p[1]*snapScale) / snapScale}
		if len(out) == 0 || out[len(out)-1] != q {
			out = append(out, q)
		}
	}
	if len(out) > 1 && out[0] != out[len(out)-1] {
		out = append(out, out[0])
	}
	return out
}

// sedge is an edge with its bbox.
type sedge struct {
	edge
	lo, hi orb.Point
}

func newSedge(a, b orb.Point) sedge {
	return sedge{edge{a, b}, orb.Point{min(a[0], b[0]), min(a[1], b[1])}, orb.Point{max(a[0], b[0]), max(a[1], b[1])}}
}

// meets reports whether the edge's bbox meets the box lo-hi.
func (e *sedge) meets(lo, hi orb.Point) bool {
	return e.lo[0] <= hi[0] && e.hi[0] >= lo[0] && e.lo[1] <= hi[1] && e.hi[1] >= lo[1]
}

// index buckets the edges by band.
func (s *Shape) index() {
	s.bands = newBands(s.bound, len(s.edges), func(fn func(ylo, yhi float64, i int32)) {
		for i, e := range s.edges {
			fn(e.lo[1], e.hi[1], int32(i))
		}
	})
}

// Bound is the bbox of the shape.
func (s *Shape) Bound() orb.Bound { return s.bound }

// near calls fn with the index of every edge whose bbox meets the box lo-hi.
func (s *Shape) near(lo, hi orb.Point, fn func(int32)) {
	if len(s.edges) == 0 || s.bound.Min[0] > hi[0] || s.bound.Max[0] < lo[0] || s.bound.Min[1] > hi[1] || s.bound.Max[1] < lo[1] {
		return
	}
	first, last := s.bands.band(lo[1]), s.bands.band(hi[1])
	for k := first; k <= last; k++ {
		for _, i := range s.bands.of[k] {
			e := &s.edges[i]
			if e.meets(lo, hi) && (k == first || s.bands.band(e.lo[1]) == k) {
				fn(i)
			}
		}
	}
}

// inside reports whether p is in the interior (even-odd rule over all rings).
func (s *Shape) inside(p orb.Point) bool {
	if !s.bound.Contains(p) || len(s.edges) == 0 {
		return false
	}
	in := false
	for _, i := range s.bands.of[s.bands.band(p[1])] {
		a, b := s.edges[i].a, s.edges[i].b
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < a[0]+(p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1]) {
			in = !in
		}
	}
	return in
}

// AreaM2 is the area of the shape on the ellipsoid, in m².
func (s *Shape) AreaM2() float64 { return IntersectionAreaM2(s) }

// IntersectionAreaM2 is the area of the intersection of the shapes on the WGS84 ellipsoid, in
// m² (edges straight in lon/lat, areas measured in the equal-area projection, as AreaKm2 does).
func IntersectionAreaM2(shapes ...*Shape) float64 { return intersectionArea(EqualArea, shapes) }

// intersectionArea integrates over the boundary in the plane that project maps lon/lat to.
func intersectionArea(project func(orb.Point) orb.Point, shapes []*Shape) float64 {
	if len(shapes) == 0 {
		return 0
	}
	common := shapes[0].bound
	for _, s := range shapes[1:] {
		common = clampBound(common, s.bound)
		if common.Min[0] > common.Max[0] || common.Min[1] > common.Max[1] {
			return 0
		}
	}
	origin := project(common.Center()) // shoelace terms from a nearby origin keep their precision
	w := &walker{shapes: shapes, origin: origin, project: project}
	var sum float64
	for i, s := range shapes {
		for r := 0; r+1 < len(s.rings); r++ {
			w.state, w.hasLast = unknown, false // a ring's edges share their inside state until a cut
			for k := s.rings[r]; k < s.rings[r+1]; k++ {
				if e := &s.edges[k]; e.meets(common.Min, common.Max) {
					sum += w.edge(i, e)
				} else {
					w.state = unknown
				}
			}
		}
	}
	return sum / 2
}

// Inside states of the walk along a ring.
const (
	unknown = iota
	in
	out
)

func clampBound(a, b orb.Bound) orb.Bound {
	return orb.Bound{Min: orb.Point{max(a.Min[0], b.Min[0]), max(a.Min[1], b.Min[1])},
		Max: orb.Point{min(a.Max[0], b.Max[0]), min(a.Max[1], b.Max[1])}}
}

// walker splits edges at the other shapes' boundaries and sums the parts inside all of them.
type walker struct {
	shapes  []*Shape
	origin  orb.Point
	project func(orb.Point) orb.Point
	cuts    []cut
	state   int       // of the last stretch walked
	last    orb.Point // the last point projected, and its projection (when haveLast)
	lastP   orb.Point
	hasLast bool
}

// cut is a point along an edge (parameter t) where it meets shape j's boundary.
type cut struct {
	t float64
	j int
}

// edge is twice the x dy integral over the parts of edge e of shape i inside every other shape.
func (w *walker) edge(i int, se *sedge) float64 {
	e := se.edge
	w.cuts = append(w.cuts[:0], cut{t: 0, j: -1}, cut{t: 1, j: -1})
	for j, s := range w.shapes {
		if j != i {
			s.near(se.lo, se.hi, func(k int32) { w.split(e, s.edges[k].edge, j) })
		}
	}
	if len(w.cuts) == 2 { // no cut: the edge is in one state, that of the stretch before it if known
		if w.state == unknown {
			w.state = w.stateAt(i, e, orb.Point{(e.a[0] + e.b[0]) / 2, (e.a[1] + e.b[1]) / 2})
		}
		if w.state == in {
			return w.term(e.a, e.b)
		}
		return 0
	}
	slices.SortFunc(w.cuts, func(a, b cut) int {
		switch {
		case a.t < b.t:
			return -1
		case a.t > b.t:
			return 1
		}
		return 0
	})
	var sum float64
	at := func(t float64) orb.Point { return orb.Point{e.a[0] + t*(e.b[0]-e.a[0]), e.a[1] + t*(e.b[1]-e.a[1])} }
	for k := 0; k+1 < len(w.cuts); k++ {
		t0, t1 := w.cuts[k].t, w.cuts[k+1].t
		if t1 <= t0 {
			continue
		}
		if w.state = w.stateAt(i, e, at((t0+t1)/2)); w.state == in {
			sum += w.term(at(t0), at(t1))
		}
	}
	w.state = unknown // a cut at the very end may change the state of the next edge
	return sum
}

func (w *walker) stateAt(i int, e edge, m orb.Point) int {
	if w.inAll(i, e, m) {
		return in
	}
	return out
}

// term is twice the signed area swept from the origin by the projected segment a-b; a point
// that ended the last segment is not projected again.
func (w *walker) term(a, b orb.Point) float64 {
	var p orb.Point
	if w.hasLast && a == w.last {
		p = w.lastP
	} else {
		p = w.project(a)
		p[0], p[1] = p[0]-w.origin[0], p[1]-w.origin[1]
	}
	q := w.project(b)
	q[0], q[1] = q[0]-w.origin[0], q[1]-w.origin[1]
	w.last, w.lastP, w.hasLast = b, q, true
	return p[0]*q[1] - q[0]*p[1]
}

// split records where edge f (of shape j) meets edge e: a crossing, or the ends of the stretch
// along which they overlap.
func (w *walker) split(e, f edge, j int) {
	if onLine(e.a, e.b, f.a) && onLine(e.a, e.b, f.b) { // collinear: cut at f's ends where they fall on e
		for _, p := range []orb.Point{f.a, f.b} {
			if t, ok := param(e, p); ok {
				w.cuts = append(w.cuts, cut{t: t, j: j})
			}
		}
		return
	}
	if t, ok := SegmentParam(e.a, e.b, f.a, f.b); ok {
		w.cuts = append(w.cuts, cut{t: t, j: j})
	}
}

// param is where p lies along e (0 at a, 1 at b), when it lies on it.
func param(e edge, p orb.Point) (float64, bool) {
	dx, dy := e.b[0]-e.a[0], e.b[1]-e.a[1]
	var t float64
	if math.Abs(dx) >= math.Abs(dy) {
		t = (p[0] - e.a[0]) / dx
	} else {
		t = (p[1] - e.a[1]) / dy
	}
	return t, t > 0 && t < 1
}

// inAll reports whether the point m of edge e (of shape i) counts as inside every other shape:
// strictly inside, or on a boundary it shares in the same direction with a shape of a higher
// index (so that a shared stretch is counted once).
func (w *walker) inAll(i int, e edge, m orb.Point) bool {
	for j, s := range w.shapes {
		if j == i {
			continue
		}
		switch s.along(m, e) {
		case 1:
			if j < i {
				return false
			}
		case -1:
			return false
		default:
			if !s.inside(m) {
				return false
			}
		}
	}
	return true
}

// along reports whether m lies on an edge of s collinear with e: 1 in e's direction, -1
// against it, 0 when it lies on none.
func (s *Shape) along(m orb.Point, e edge) int {
	dir := 0
	s.near(m, m, func(k int32) {
		f := s.edges[k].edge
		if onLine(f.a, f.b, m) && onLine(e.a, e.b, f.a) && onLine(e.a, e.b, f.b) {
			if (f.b[0]-f.a[0])*(e.b[0]-e.a[0])+(f.b[1]-f.a[1])*(e.b[1]-e.a[1]) > 0 {
				dir = 1
			} else {
				dir = -1
			}
		}
	})
	return dir
}

// onLine reports whether p lies on the line through a and b, to within 1e-11° (far below the
// 1e-9° grid the shapes are snapped to).
func onLine(a, b, p orb.Point) bool {
	d, dx, dy := orient(a, b, p), b[0]-a[0], b[1]-a[1]
	return d*d <= 1e-22*(dx*dx+dy*dy)
}
