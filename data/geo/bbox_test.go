package geo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestParseBBox(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // the bounds, or the error's start
	}{
		{"68,25,69,26", "[{[68 25] [69 26]}]"},
		{" 68 , 25,69, 26", "[{[68 25] [69 26]}]"},
		{"68,25,0,69,26,100", "[{[68 25] [69 26]}]"},                         // heights dropped
		{"177,65,-177,70", "[{[177 65] [180 70]} {[-180 65] [-177 70]}]"},    // across the antimeridian
		{"180,-90,-180,90", "[{[180 -90] [180 90]} {[-180 -90] [-180 90]}]"}, // both edges on it
		{"-180,-90,180,90", "[{[-180 -90] [180 90]}]"},                       // the world
		{"68,25,69", "want west,south,east,north"},
		{"68,26,69,25", "want -180"},  // south north of north
		{"68,25,181,26", "want -180"}, // off the globe
		{"68,25,NaN,26", `"NaN" is not a finite number`},
		{"68,25,100,69,26,0", "the minimum height is above"},
		{"68,25,x,69,26,1", `"x" is not a finite number`},
	} {
		b, err := ParseBBox(c.in)
		got := fmt.Sprint(b.Bounds())
		if err != nil {
			got = err.Error()
		}
		if !strings.HasPrefix(got, c.want) {
			t.Errorf("ParseBBox(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"68,25,69,26", "1,2,3", "177,65,-177,70", "68,25,0,69,26,100", "1,2,x,3,4,5", "-180,-90,180,90"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBBox(s)
		if err != nil {
			return
		}
		if b.Check() != nil || strings.Count(s, ",") != 3 && strings.Count(s, ",") != 5 {
			t.Fatalf("accepted %q as %v", s, b)
		}
		for _, r := range b.Bounds() {
			if r.Min[0] > r.Max[0] || r.Min[1] > r.Max[1] || r.Min[0] < -180 || r.Max[0] > 180 || r.Min[1] < -90 || r.Max[1] > 90 {
				t.Fatalf("%q: bad part %v", s, r)
			}
		}
	})
}

// meetsBox is an independent exact test of a geometry against closed rectangles: a vertex inside
// one, an edge crossing one (Liang-Barsky), or a rectangle's corner inside a polygon.
func meetsBox(g orb.Geometry, rects []orb.Bound) bool {
	for _, r := range rects {
		hit := !EachPoint(g, func(p orb.Point) bool { return !r.Contains(p) })
		each := func(pts []orb.Point) {
			for i := 0; i+1 < len(pts) && !hit; i++ {
				hit = SegmentMeetsBound(pts[i], pts[i+1], r)
			}
		}
		switch g := g.(type) {
		case orb.LineString:
			each(g)
		case orb.MultiLineString:
			for _, l := range g {
				each(l)
			}
		case orb.Polygon, orb.MultiPolygon:
			for _, p := range Polygons(g) {
				for _, ring := range p {
					each(ring)
				}
			}
			hit = hit || Contains(g, r.Min)
		}
		if hit {
			return true
		}
	}
	return false
}

// BoxFilter agrees with an independent test over seeded boxes and shapes: lines, polygons with
// holes, and boxes across the antimeridian; its quick accept of bboxes inside never errs.
func TestBoxFilterAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 2))
	pt := func(x0, y0, span float64) orb.Point {
		return orb.Point{x0 + rng.Float64()*span, y0 + rng.Float64()*span}
	}
	var shapes []orb.Geometry
	for range 300 {
		x0, y0 := cluster(rng)
		c := pt(x0, y0, 3)
		switch rng.IntN(3) {
		case 0:
			shapes = append(shapes, orb.LineString{c, pt(x0, y0, 5), pt(x0, y0, 5)})
		case 1: // a thin diagonal triangle: its bbox is mostly empty
			shapes = append(shapes, orb.Polygon{{c, {c[0] + 4, c[1] + 4}, {c[0] + 4, c[1] + 3.8}, c}})
		default: // a square ring (a frame) whose hole is most of it
			outer := orb.Ring{c, {c[0] + 3, c[1]}, {c[0] + 3, c[1] + 3}, {c[0], c[1] + 3}, c}
			hole := orb.Ring{{c[0] + 0.2, c[1] + 0.2}, {c[0] + 0.2, c[1] + 2.8}, {c[0] + 2.8, c[1] + 2.8}, {c[0] + 2.8, c[1] + 0.2}, {c[0] + 0.2, c[1] + 0.2}}
			shapes = append(shapes, orb.Polygon{outer, hole})
		}
	}
	boxes, bboxOnly := 0, 0
	for range 400 {
		w, s := cluster(rng)
		b := BBox{w, s, w + 0.2 + rng.Float64()*3, s + 0.2 + rng.Float64()*3}
		if b[2] > 180 {
			b[2] -= 360
		}
		f := NewBoxFilter(b)
		boxes++
		for _, g := range shapes {
			got, want := f.Meets(g.Bound(), func() orb.Geometry { return g }), meetsBox(g, b.Bounds())
			if got != want {
				t.Errorf("box %v, %v: Meets %v, independent %v", b, g, got, want)
			}
			if !want && slicesAny(b.Bounds(), g.Bound().Intersects) {
				bboxOnly++
			}
		}
	}
	if bboxOnly < 50 {
		t.Errorf("only %d cases where the bboxes meet and the shapes do not: the test is too easy", bboxOnly)
	}
	t.Logf("%d boxes × %d shapes, %d bbox-only meetings told apart", boxes, len(shapes), bboxOnly)
}

// cluster is a corner of a shape or a box: near Pakistan, or near the antimeridian.
func cluster(rng *rand.Rand) (float64, float64) {
	if rng.IntN(2) == 0 {
		return 60 + rng.Float64()*15, 23 + rng.Float64()*12
	}
	return 168 + rng.Float64()*10, 60 + rng.Float64()*10 // shapes end before 180; boxes may cross
}

func slicesAny(rs []orb.Bound, fn func(orb.Bound) bool) bool {
	for _, r := range rs {
		if fn(r) {
			return true
		}
	}
	return false
}
