package geo

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func TestPointOnSurfaceHandComputed(t *testing.T) {
	x0, x1, y0, y1 := 68.0, 68.002, 25.0, 25.001 // variables: float64 arithmetic, as in the code
	cases := []struct {
		name string
		g    orb.Geometry
		want orb.Point
	}{
		{"rectangle: its centre", box(x0, y0, x1, y1), orb.Point{(x0 + x1) / 2, (y0 + y1) / 2}},
		// an L: the scan line is halfway between the vertex latitudes 1 and 2 around the centre
		// 1.5 → y = 1.5 (1 <= 1.5, 2 > 1.5); the L at y = 1.5 spans x 0..1
		{"L shape", orb.Polygon{{{0, 0}, {3, 0}, {3, 1}, {1, 1}, {1, 3}, {0, 3}, {0, 0}}}, orb.Point{0.5, 2}},
		// a hole across the middle: the line y = 5 is cut into 0..2 and 8..10; the first is taken
		{"with a hole", orb.Polygon{{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}, {{2, 4}, {2, 6}, {8, 6}, {8, 4}, {2, 4}}},
			orb.Point{1, 5}},
		{"multipolygon: the wider part", orb.MultiPolygon{box(0, 0, 1, 1), box(5, 0, 8, 1)}, orb.Point{6.5, 0.5}},
	}
	for _, c := range cases {
		got, ok := PointOnSurface(c.g)
		if !ok || got != c.want {
			t.Errorf("%s: %v %v, want %v", c.name, got, ok, c.want)
		}
	}
	if _, ok := PointOnSurface(orb.LineString{{0, 0}, {1, 1}}); ok {
		t.Error("a line has a point on its surface")
	}
}

// The point is inside the polygon, for seeded stars with holes.
func TestPointOnSurfaceInside(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for k := range 2000 {
		c := orb.Point{68, 27}
		p := orb.Polygon{star(r, c, 1, 3+k%50), star(r, c, 0.3, 3+k%7)}
		p[1].Reverse()
		q, ok := PointOnSurface(p)
		if !ok || !planar.PolygonContains(p, q) {
			t.Fatalf("case %d: %v (%v) is not inside", k, q, ok)
		}
	}
}
