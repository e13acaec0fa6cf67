package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/peterstace/simplefeatures/geom"
)

// star is a seeded star-shaped (so simple, usually non-convex) ring of n vertices around c.
func star(r *rand.Rand, c orb.Point, radius float64, n int) orb.Ring {
	var ring orb.Ring
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		rr := radius * (0.4 + 0.6*r.Float64())
		ring = append(ring, orb.Point{c[0] + rr*math.Cos(a), c[1] + rr*math.Sin(a)})
	}
	return append(ring, ring[0])
}

func TestDistanceHandComputed(t *testing.T) {
	// One degree of longitude on the equator is 2πR/360.
	if got, want := DistanceKm(orb.Point{10, 0}, orb.Point{11, 0}), 2*math.Pi*EarthRadiusKm/360; math.Abs(got-want) > 1e-9 {
		t.Errorf("1° on the equator = %.9f km, want %.9f", got, want)
	}
	// Karachi to Lahore, about 1,030 km; antipodes are half the circumference.
	if d := DistanceKm(orb.Point{67.0104, 24.8608}, orb.Point{74.35071, 31.558}); d < 1025 || d > 1040 {
		t.Errorf("Karachi-Lahore = %.1f km", d)
	}
	if d := DistanceKm(orb.Point{0, 0}, orb.Point{180, 0}); math.Abs(d-math.Pi*EarthRadiusKm) > 1e-6 {
		t.Errorf("antipodes = %.3f km", d)
	}
	ml := orb.MultiLineString{{{10, 0}, {11, 0}}, {{20, 0}, {20, 0}, {22, 0}}}
	if got, want := LengthKm(ml), 3*2*math.Pi*EarthRadiusKm/360; math.Abs(got-want) > 1e-9 {
		t.Errorf("length %.9f, want %.9f", got, want)
	}
}

// planarArea is the lon/lat shoelace area of polygons, additive under overlay up to the 1e-9°
// snapping of overlay inputs (about 1e-8 of a district's area).
// (Ellipsoidal areas take edges as straight in the equal-area projection; a vertex an overlay
// adds on a lon/lat edge bends that edge by a hair there, so they add up only to a few parts per million of
// a district's area — checked below with that tolerance.)
func planarArea(mp orb.MultiPolygon) float64 {
	var a float64
	for _, p := range mp {
		for i, r := range p {
			v := math.Abs(PlanarRingArea(r))
			if i > 0 {
				v = -v
			}
			a += v
		}
	}
	return a
}

// The intersection and the difference of two polygons add up to the first, for seeded
// non-convex shapes with holes.
func TestIntersectionPlusDifference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for k := range 40 {
		a := orb.Polygon{star(r, orb.Point{68, 27}, 0.1, 30+k), star(r, orb.Point{68.01, 27}, 0.02, 8)}
		a[1].Reverse()
		b := orb.Polygon{star(r, orb.Point{68 + (r.Float64()-0.5)/10, 27 + (r.Float64()-0.5)/10}, 0.1, 20+k)}
		in, err := Intersection(a, b)
		if err != nil {
			t.Fatal(err)
		}
		d, err := geom.Difference(toSF(a), toSF(b))
		if err != nil {
			t.Fatal(err)
		}
		out, _ := fromSF(d)
		if sum, want := planarArea(in)+planarArea(out), planarArea(orb.MultiPolygon{a}); math.Abs(sum-want) > 1e-7*want {
			t.Fatalf("case %d: area(A∩B)+area(A−B) = %.12g, area(A) = %.12g", k, sum, want)
		}
		if sum, want := AreaKm2(in)+AreaKm2(out), AreaKm2(a); math.Abs(sum-want) > 5e-6*want {
			t.Fatalf("case %d: ellipsoidal area(A∩B)+area(A−B) = %.9f km², area(A) = %.9f", k, sum, want)
		}
	}
}

// Clipping to a rectangle and to any convex ring gives the overlay's area.
func TestClipEqualsOverlay(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for k := range 60 {
		p := orb.Polygon{star(r, orb.Point{70, 30}, 0.1, 10+k)}
		b := orb.Bound{Min: orb.Point{69.95 + r.Float64()/20, 29.95 + r.Float64()/20}, Max: orb.Point{70.02 + r.Float64()/10, 30.02 + r.Float64()/10}}
		want, err := Intersection(p, b.ToPolygon())
		if err != nil {
			t.Fatal(err)
		}
		got := ClipPolygon(b, p)
		if a, w := planarArea(orb.MultiPolygon{got}), planarArea(want); math.Abs(a-w) > 1e-7*w {
			t.Fatalf("case %d: rectangle clip %.12g, overlay %.12g", k, a, w)
		}
		tri := orb.Ring{{69.9, 29.9}, {70.15, 29.92}, {70.01, 30.14}, {69.9, 29.9}}
		parts := ConvexParts(orb.MultiPolygon{{tri}})
		want, _ = Intersection(p, orb.Polygon{tri})
		if a, w := ConvexIntersectionKm2(p, parts), AreaKm2(want); math.Abs(a-w) > 5e-6*w {
			t.Fatalf("case %d: convex clip %.9f km², overlay %.9f", k, a, w)
		}
	}
}

// A prepared polygon answers point-in-polygon as orb's planar test does.
func TestPreparedContainsEqualsPlanar(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	mp := orb.MultiPolygon{
		{star(r, orb.Point{68, 27}, 1, 200), star(r, orb.Point{68, 27}, 0.3, 20)},
		{star(r, orb.Point{71, 27}, 0.5, 50)},
	}
	p := Prepare(mp)
	for range 20000 {
		q := orb.Point{66.5 + 6*r.Float64(), 25.5 + 3*r.Float64()}
		if got, want := p.Contains(q), planar.MultiPolygonContains(mp, q); got != want {
			t.Fatalf("%v: prepared %v, planar %v", q, got, want)
		}
		if Contains(mp, q) != planar.MultiPolygonContains(mp, q) {
			t.Fatalf("%v: Contains differs from planar", q)
		}
	}
}

func TestPredicatesHandComputed(t *testing.T) {
	sq := orb.Polygon{{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}}, {{1, 1}, {1, 3}, {3, 3}, {3, 1}, {1, 1}}}
	for _, c := range []struct {
		p    orb.Point
		want bool
	}{{orb.Point{0.5, 0.5}, true}, {orb.Point{2, 2}, false}, {orb.Point{5, 2}, false}, {orb.Point{3.5, 2}, true}} {
		if Contains(sq, c.p) != c.want || Prepare(orb.MultiPolygon{sq}).Contains(c.p) != c.want {
			t.Errorf("Contains(%v) != %v", c.p, c.want)
		}
	}
	if Contains(orb.LineString{{0, 0}, {1, 1}}, orb.Point{0.5, 0.5}) {
		t.Error("a line contains a point")
	}
	if !SegmentsCross(orb.Point{0, 0}, orb.Point{2, 2}, orb.Point{0, 2}, orb.Point{2, 0}) ||
		SegmentsCross(orb.Point{0, 0}, orb.Point{1, 1}, orb.Point{2, 2}, orb.Point{3, 3}) {
		t.Error("SegmentsCross")
	}
	if tt, ok := SegmentParam(orb.Point{0, 0}, orb.Point{4, 0}, orb.Point{1, -1}, orb.Point{1, 1}); !ok || tt != 0.25 {
		t.Errorf("SegmentParam = %v %v", tt, ok)
	}
	b := orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{2, 2}}
	if !SegmentMeetsBound(orb.Point{0, 0}, orb.Point{3, 3}, b) || SegmentMeetsBound(orb.Point{0, 3}, orb.Point{0.5, 4}, b) {
		t.Error("SegmentMeetsBound")
	}
	if !Meets(orb.MultiPolygon{sq}, orb.Ring{{3.5, 3.5}, {6, 3.5}, {6, 6}, {3.5, 3.5}}) ||
		Meets(orb.MultiPolygon{sq}, orb.Ring{{5, 5}, {6, 5}, {6, 6}, {5, 5}}) {
		t.Error("Meets")
	}
	if xs := Crossings(orb.MultiPolygon{sq}, 2, nil); len(xs) != 4 || xs[0] != 0 || xs[1] != 1 || xs[2] != 3 || xs[3] != 4 {
		t.Errorf("Crossings = %v", xs)
	}
}

func TestHullAndConvex(t *testing.T) {
	pts := []orb.Point{{0, 0}, {2, 0}, {2, 2}, {0, 2}, {1, 1}, {1, 0}, {0.5, 1.5}}
	h := Hull(pts)
	if len(h) != 5 || h[0] != h[len(h)-1] || PlanarRingArea(h) != 4 {
		t.Errorf("hull %v (area %v)", h, PlanarRingArea(h))
	}
	cw := orb.Ring{{0, 0}, {0, 2}, {1, 2}, {2, 2}, {2, 0}, {0, 0}} // clockwise, a collinear vertex
	c, ok := ConvexCCW(cw)
	if !ok || len(c) != 5 || PlanarRingArea(c) != 4 {
		t.Errorf("ConvexCCW = %v %v", c, ok)
	}
	if _, ok := ConvexCCW(orb.Ring{{0, 0}, {2, 0}, {1, 0.5}, {2, 2}, {0, 2}, {0, 0}}); ok {
		t.Error("a concave ring taken as convex")
	}
}

func TestChecks(t *testing.T) {
	for _, p := range []orb.Point{{181, 0}, {0, -91}, {math.NaN(), 0}, {0, math.Inf(1)}} {
		if CheckPoint(p) == nil {
			t.Errorf("%v accepted", p)
		}
	}
	if CheckPoint(orb.Point{-180, 90}) != nil || CheckLonLat(orb.Polygon{{{0, 0}, {1, 0}, {0, 1}, {0, 0}}}) != nil {
		t.Error("valid coordinates refused")
	}
	if CheckLonLat(orb.MultiLineString{{{0, 0}, {585000, 3065000}}}) == nil {
		t.Error("metres taken as degrees")
	}
	for _, b := range [][]float64{{1, 2, 3}, {10, 0, 5, 1}, {0, 0, 1, 91}, {math.NaN(), 0, 1, 1}} {
		if CheckBBox(b) == nil {
			t.Errorf("bbox %v accepted", b)
		}
	}
}

// A buffer of a straight segment is a stadium: 2·r·L plus (nearly) a disc of radius r.
func TestBufferArea(t *testing.T) {
	line := orb.LineString{{68, 25}, {69, 25}}
	mp, err := Buffer(line, 5000)
	if err != nil {
		t.Fatal(err)
	}
	l := LengthKm(line)
	want := 2*5*l + math.Pi*25
	if got := AreaKm2(mp); math.Abs(got-want)/want > 0.005 {
		t.Errorf("buffer area %.3f km², want %.3f", got, want)
	}
	if _, err := Buffer(orb.LineString{{68, 25}, {68, 25}}, 100); err == nil {
		t.Error("a line of one point buffered")
	}
}

func BenchmarkAreaKm2(b *testing.B) {
	p := orb.Polygon{star(rand.New(rand.NewPCG(1, 1)), orb.Point{68, 27}, 1, 1000)}
	b.ReportAllocs()
	for b.Loop() {
		AreaKm2(p)
	}
}

func BenchmarkPreparedContains(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	p := Prepare(orb.MultiPolygon{{star(r, orb.Point{68, 27}, 1, 1000)}})
	q := orb.Point{68.3, 27.2}
	b.ReportAllocs()
	for b.Loop() {
		p.Contains(q)
	}
}

func BenchmarkClipToConvex(b *testing.B) {
	ring := star(rand.New(rand.NewPCG(1, 1)), orb.Point{68, 27}, 1, 256)
	clip, _ := ConvexCCW(orb.Ring{{67.5, 26.5}, {68.5, 26.6}, {68.4, 27.5}, {67.6, 27.4}, {67.5, 26.5}})
	b.ReportAllocs()
	for b.Loop() {
		ClipToConvex(ring, clip)
	}
}

func BenchmarkIntersection(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	a := orb.Polygon{star(r, orb.Point{68, 27}, 1, 256)}
	c := orb.Polygon{star(r, orb.Point{68.5, 27}, 1, 64)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Intersection(a, c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDistanceKm(b *testing.B) {
	p, q := orb.Point{67.0104, 24.8608}, orb.Point{74.35071, 31.558}
	b.ReportAllocs()
	for b.Loop() {
		DistanceKm(p, q)
	}
}

func TestCoversIncludesTheBoundary(t *testing.T) {
	p := Prepare(orb.MultiPolygon{box(68.5, 27.5, 69.1, 27.95)})
	for _, q := range []orb.Point{{68.5, 27.7}, {69.1, 27.7}, {68.8, 27.5}, {68.8, 27.95}, {68.5, 27.5}, {68.8, 27.7}} {
		if !p.Covers(q) {
			t.Errorf("%v not covered", q)
		}
	}
	if p.Covers(orb.Point{69.2, 27.7}) || p.Covers(orb.Point{68.8, 27.96}) {
		t.Error("an outside point covered")
	}
}
