package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func box(w, s, e, n float64) orb.Polygon {
	return orb.Polygon{{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}}
}

// cellAreaKm2 integrates M(φ)·N(φ)·cos φ over a lon/lat box numerically (Simpson's rule): an
// independent check of the equal-area formula.
func cellAreaKm2(w, s, e, n float64) float64 {
	f := func(phi float64) float64 {
		sn := math.Sin(phi)
		d := 1 - wgsE2*sn*sn
		return wgsA * (1 - wgsE2) / math.Pow(d, 1.5) * wgsA / math.Sqrt(d) * math.Cos(phi)
	}
	a, b := s*math.Pi/180, n*math.Pi/180
	const steps = 2000
	h := (b - a) / steps
	sum := f(a) + f(b)
	for i := 1; i < steps; i++ {
		if i%2 == 1 {
			sum += 4 * f(a+float64(i)*h)
		} else {
			sum += 2 * f(a+float64(i)*h)
		}
	}
	return sum * h / 3 * (e - w) * math.Pi / 180 / 1e6
}

func TestAreaKm2(t *testing.T) {
	for _, b := range [][4]float64{{0, 0, 1, 1}, {68, 25, 69, 26}, {70, 35, 70.5, 35.25}, {60, 23, 78, 38}} {
		want := cellAreaKm2(b[0], b[1], b[2], b[3])
		got := AreaKm2(box(b[0], b[1], b[2], b[3]))
		if math.Abs(got-want)/want > 1e-9 {
			t.Errorf("%v: %.6f km², want %.6f", b, got, want)
		}
	}
	// A hole is subtracted, whatever the winding.
	p := box(68, 25, 69, 26)
	hole := box(68.25, 25.25, 68.5, 25.5)[0]
	hole.Reverse()
	p = append(p, hole)
	want := cellAreaKm2(68, 25, 69, 26) - cellAreaKm2(68.25, 25.25, 68.5, 25.5)
	if got := AreaKm2(p); math.Abs(got-want) > 1e-6 {
		t.Errorf("with hole: %.6f, want %.6f", got, want)
	}
}

func TestLengthInside(t *testing.T) {
	high := box(68, 25, 69, 26)
	high = append(high, box(68.25, 25.25, 68.5, 25.5)[0])
	p := Prepare(orb.MultiPolygon{high})
	line := orb.LineString{{67.5, 25.4}, {68.6, 25.4}, {69.5, 25.4}}
	want := DistanceKm(orb.Point{68, 25.4}, orb.Point{68.25, 25.4}) + DistanceKm(orb.Point{68.5, 25.4}, orb.Point{68.6, 25.4}) + DistanceKm(orb.Point{68.6, 25.4}, orb.Point{69, 25.4})
	if got := LengthInsideKm(line, p); math.Abs(got-want) > 1e-9 {
		t.Fatalf("length inside %.6f km, want %.6f", got, want)
	}
}

// wavy is a closed ring of n vertices around (68, 28): radius 1 + amp·sin(k·angle).
func wavy(n, k int, amp float64) orb.Ring {
	var ring orb.Ring
	for i := range n {
		a := float64(i) / float64(n) * 2 * math.Pi
		r := 1 + amp*math.Sin(float64(k)*a)
		ring = append(ring, orb.Point{68 + r*math.Cos(a), 28 + r*math.Sin(a)})
	}
	return append(ring, ring[0])
}

func TestSubdividePreservesArea(t *testing.T) {
	// a jagged polygon of 2,000 vertices with a hole
	poly := orb.Polygon{wavy(2000, 17, 0.1), box(67.9, 27.9, 68.1, 28.1)[0]}
	parts := Subdivide(poly, 256)
	var sum float64
	for _, p := range parts {
		if Vertices(p) > 256 {
			t.Errorf("a piece has %d vertices", Vertices(p))
		}
		sum += AreaKm2(p)
	}
	if want := AreaKm2(poly); len(parts) < 8 || math.Abs(sum-want)/want > 1e-9 {
		t.Fatalf("%d pieces, area %.6f, want %.6f", len(parts), sum, want)
	}
}

// The convex-clip area equals the exact overlay's area, holes on both sides included.
func TestConvexClipMatchesOverlay(t *testing.T) {
	subject := orb.Polygon{wavy(300, 7, 0.3), box(67.8, 27.8, 68.2, 28.3)[0]}
	for _, qs := range []orb.Polygon{
		box(67.5, 27.5, 68.5, 28.5),
		append(box(67.5, 27.5, 68.9, 28.5), box(67.9, 28.1, 68.6, 28.4)[0]), // a hole crossing the subject's hole
		{{{67, 27}, {69.5, 27.2}, {68.2, 29.5}, {67, 27}}},                  // a triangle
	} {
		parts := ConvexParts(orb.MultiPolygon{qs})
		if parts == nil {
			t.Fatalf("query %v not recognized as convex", qs)
		}
		want, err := Intersection(subject, qs)
		if err != nil {
			t.Fatal(err)
		}
		got := ConvexIntersectionKm2(subject, parts)
		if w := AreaKm2(want); math.Abs(got-w) > 1e-9*w {
			t.Errorf("convex clip %.9f km², overlay %.9f km²", got, w)
		}
	}
	if ConvexParts(orb.MultiPolygon{{{{0, 0}, {2, 0}, {1, 0.5}, {2, 2}, {0, 2}, {0, 0}}}}) != nil {
		t.Error("a concave ring was taken as convex")
	}
}
