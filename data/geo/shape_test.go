package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// identity keeps lon/lat: areas in lon/lat degrees², where the boundary integral and the overlay
// must agree exactly. (On the ellipsoid they differ by a few parts per million, because an overlay
// adds vertices along edges, and each vertex bends a lon/lat edge in the equal-area projection.)
func identity(p orb.Point) orb.Point { return p }

// The boundary-integral area of an intersection equals the overlay's, for seeded non-convex
// shapes with holes, multipolygons, and three-way intersections.
func TestIntersectionAreaEqualsOverlay(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for k := range 200 {
		c := orb.Point{68 + r.Float64(), 27 + r.Float64()}
		a := orb.MultiPolygon{{star(r, c, 0.1, 5+k%60), star(r, c, 0.02, 6)}}
		if k%3 == 0 {
			a = append(a, orb.Polygon{star(r, orb.Point{c[0] + 0.25, c[1]}, 0.05, 9)})
		}
		b := orb.MultiPolygon{{star(r, orb.Point{c[0] + 0.1*(r.Float64()-0.5), c[1] + 0.1*(r.Float64()-0.5)}, 0.12, 4+k%90)}}
		want, err := Intersection(a, b)
		if err != nil {
			t.Fatal(err)
		}
		got := intersectionArea(identity, []*Shape{NewShape(a), NewShape(b)})
		if w := planarArea(want); math.Abs(got-w) > 1e-7*math.Max(w, 1e-6) {
			t.Fatalf("case %d: %.12g deg², overlay %.12g", k, got, w)
		}
		if e, w := IntersectionAreaM2(NewShape(a), NewShape(b))/1e6, AreaKm2(want); math.Abs(e-w) > 1e-5*math.Max(w, 1e-3) {
			t.Fatalf("case %d: %.9f km², overlay %.9f", k, e, w)
		}
		box := orb.Bound{Min: orb.Point{c[0] - 0.05, c[1] - 0.08}, Max: orb.Point{c[0] + 0.07, c[1] + 0.04}}.ToPolygon()
		three, _ := Intersection(want, box)
		got3 := intersectionArea(identity, []*Shape{NewShape(a), NewShape(b), NewShape(orb.MultiPolygon{box})})
		if w := planarArea(three); math.Abs(got3-w) > 1e-7*math.Max(w, 1e-6) {
			t.Fatalf("case %d, three shapes: %.12g deg², overlay %.12g", k, got3, w)
		}
	}
}

// Shared boundaries: a box drawn on a raster zone's cell edges (staircase), touching shapes,
// identical shapes and nested ones.
func TestIntersectionAreaSharedEdges(t *testing.T) {
	stair := orb.Polygon{{{71.2, 29.8}, {71.4, 29.8}, {71.4, 29.9}, {71.6, 29.9}, {71.6, 30.2}, {71.2, 30.2}, {71.2, 29.8}}}
	noisy := orb.Polygon{{{71.19999999999999, 29.8}, {71.4, 29.800000000000004}, {71.4, 29.9}, {71.6, 29.9}, {71.6, 30.2}, {71.19999999999999, 30.2}, {71.19999999999999, 29.8}}}
	cases := []struct {
		name string
		a, b orb.Polygon
		want float64 // km²; <0: area of a
	}{
		{"grid-aligned box", stair, box(71.2, 29.8, 71.6, 30.0), AreaKm2(box(71.2, 29.8, 71.4, 29.9)) + AreaKm2(box(71.2, 29.9, 71.6, 30.0))},
		{"noisy coordinates", noisy, box(71.2, 29.8, 71.6, 30.0), AreaKm2(box(71.2, 29.8, 71.4, 29.9)) + AreaKm2(box(71.2, 29.9, 71.6, 30.0))},
		{"identical", stair, stair, -1},
		{"touching outside", box(0, 0, 1, 1), box(1, 0, 2, 1), 0},
		{"nested", box(0, 0, 1, 1), box(-1, -1, 2, 2), -1},
		{"reversed winding", orb.Polygon{reversed(box(0, 0, 1, 1)[0])}, box(0.5, 0, 2, 1), AreaKm2(box(0.5, 0, 1, 1))},
	}
	for _, c := range cases {
		want := c.want
		if want < 0 {
			want = AreaKm2(c.a)
		}
		got := IntersectionAreaM2(NewShape(orb.MultiPolygon{c.a}), NewShape(orb.MultiPolygon{c.b})) / 1e6
		if math.Abs(got-want) > 1e-6*math.Max(want, 1) {
			t.Errorf("%s: %.9f km², want %.9f", c.name, got, want)
		}
	}
}

func reversed(r orb.Ring) orb.Ring {
	out := append(orb.Ring(nil), r...)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func BenchmarkIntersectionArea(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	piece := NewShape(orb.MultiPolygon{{star(r, orb.Point{68, 27}, 0.05, 256)}})
	q := NewShape(orb.MultiPolygon{{star(r, orb.Point{68.1, 27}, 0.3, 100)}})
	b.ReportAllocs()
	for b.Loop() {
		IntersectionAreaM2(piece, q)
	}
}

func BenchmarkNewShape(b *testing.B) {
	mp := orb.MultiPolygon{{star(rand.New(rand.NewPCG(1, 1)), orb.Point{68, 27}, 0.05, 256)}}
	b.ReportAllocs()
	for b.Loop() {
		NewShape(mp)
	}
}
