package geo

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

// unionBuffer is the union of the segments' stadiums, added one by one: the buffer by its
// definition.
func unionBuffer(t testing.TB, line orb.LineString, r float64) orb.MultiPolygon {
	u := toSF(stadium(line[0], line[1], r))
	for i := 1; i+1 < len(line); i++ {
		var err error
		if u, err = geom.Union(u, toSF(stadium(line[i], line[i+1], r))); err != nil {
			t.Fatal(err)
		}
	}
	polys, _ := fromSF(u)
	return polys
}

// A line coming back on itself: the union of its stadiums has no hole, as every point of the
// holes geom.UnaryUnion left (3.6 km², up to 430 m from the line) is within r of the line.
func TestBufferNoSpuriousHoles(t *testing.T) {
	line := orb.LineString{{66.64222412749308, 28.53545270412668}, {66.73241237837631, 28.501822609767984}, {66.83019725510216, 28.52739497876022}, {66.81302247820263, 28.56896089171025}, {66.8427948466558, 28.534652439625617}, {66.769261278034, 28.59431408802005}, {66.70032114126334, 28.6425921731827}, {66.6291595760022, 28.655442715802458}, {66.65948434480947, 28.570823628465327}, {66.61944909191992, 28.516370878763375}, {66.67309577109813, 28.514818153109104}, {66.76654061365718, 28.555871639879385}, {66.77384811434943, 28.506427272785768}}
	got := mustBuffer(t, line, 5000)
	for _, p := range got {
		for _, hole := range p[1:] {
			if c, ok := PointOnSurface(orb.Polygon{hole}); ok && nearestKm(c, line) < 5 {
				t.Errorf("a hole around %v, %.2f km from the line", c, nearestKm(c, line))
			}
		}
	}
	if a := AreaKm2(got); math.Abs(a-610.53) > 0.01 {
		t.Errorf("area %.2f km², want 610.53", a)
	}
}

// randomLine is a seeded line of n vertices with segments of about seg km and bends of any angle
// up to maxTurn.
func randomLine(r *rand.Rand, n int, seg, maxTurn float64) orb.LineString {
	p, dir := orb.Point{66 + 4*r.Float64(), 25 + 6*r.Float64()}, 2*math.Pi*r.Float64()
	line := orb.LineString{p}
	for range n - 1 {
		dir += maxTurn * (2*r.Float64() - 1)
		d := seg * (0.5 + r.Float64()) / 111
		p = orb.Point{p[0] + d*math.Cos(dir)/math.Cos(p[1]*math.Pi/180), p[1] + d*math.Sin(dir)}
		line = append(line, p)
	}
	return line
}

// On seeded lines — long segments with gentle or sharp bends (one traced ring), short segments and
// hairpins (the union) — the buffer is valid and its area is that of the union of stadiums within
// the arcs' chord error; points at 0.98 r from the line are inside, at 1.02 r outside.
func TestBufferMatchesUnion(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 13))
	traced := 0
	for k := range 120 {
		seg, turn := []float64{30, 8, 2}[k%3], []float64{0.4, 1.5, 3}[k/3%3]
		line, radius := randomLine(r, 3+k%12, seg, turn), 5000.0
		got, err := Buffer(line, radius)
		if err != nil {
			t.Fatal(err)
		}
		if err := Validate(got); err != nil {
			t.Fatalf("line %d: invalid buffer: %v", k, err)
		}
		if ring, ok := outline(line, radius); ok && Validate(orb.MultiPolygon{{ring}}) == nil {
			traced++
		}
		want := AreaKm2(unionBuffer(t, line, radius))
		if a := AreaKm2(got); math.Abs(a-want) > 2e-3*want {
			t.Fatalf("line %d (%v): area %.4f km², union %.4f", k, line, a, want)
		}
		checkDistances(t, got, line, radius)
	}
	if traced < 40 || traced > 110 {
		t.Errorf("%d of 120 buffers traced as one ring: both paths should be tested", traced)
	}
}

// checkDistances probes points around each segment's midpoint and each vertex.
func checkDistances(t *testing.T, mp orb.MultiPolygon, line orb.LineString, radius float64) {
	t.Helper()
	for i := 0; i+1 < len(line); i++ {
		pl := planeAt(line[i])
		x, y := pl.to(line[i+1])
		dir := math.Atan2(y, x)
		mid := orb.Point{(line[i][0] + line[i+1][0]) / 2, (line[i][1] + line[i+1][1]) / 2}
		for _, side := range []float64{1, -1} {
			in := planeAt(mid).at(0.98*radius, dir+side*math.Pi/2)
			out := planeAt(mid).at(1.02*radius, dir+side*math.Pi/2)
			if !Contains(mp, in) {
				t.Fatalf("segment %d: a point 0.98 r away is outside", i)
			}
			if Contains(mp, out) && nearestKm(out, line) > 1.01*radius/1000 { // (DistanceKm is spherical)
				t.Fatalf("segment %d: a point farther than r is inside", i)
			}
		}
	}
}

// nearestKm is the distance from p to the line (great-circle arcs: within metres of the lon/lat
// segments at these lengths).
func nearestKm(p orb.Point, line orb.LineString) float64 {
	best := math.Inf(1)
	for i := 0; i+1 < len(line); i++ {
		d, _ := NewArc(line[i], line[i+1]).DistanceKm(p)
		best = min(best, d)
	}
	return best
}

// A 300 km line of 10 segments: traced, and (for comparison) the union of its stadiums.
func BenchmarkBuffer(b *testing.B) {
	line := randomLine(rand.New(rand.NewPCG(1, 2)), 11, 30, 0.5)
	b.Run("traced", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Buffer(line, 5000); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("union", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			unionBuffer(b, line, 5000)
		}
	})
}

// zigzag is the outside probe's corridor: n vertices 5 m apart eastwards, every other one 110 m
// north.
func zigzag(n int) orb.LineString {
	line := make(orb.LineString, n)
	for i := range line {
		line[i] = orb.Point{68 + 0.00005*float64(i), 27 + 0.001*float64(i%2)}
	}
	return line
}

// A 50 km buffer of a zigzag of 1,000 and 9,999 vertices (issue 20, item 7) answers in well under
// a second (before: the union of 999 overlapping stadiums ran for minutes and took gigabytes),
// and its area is that of the buffer of the straight line along the zigzag's middle within the
// documented bound (the simplification tolerance and the arcs' chord error, 1 % of r in all).
func TestBufferZigzagBounded(t *testing.T) {
	for _, n := range []int{1000, 9999} {
		line := zigzag(n)
		start := time.Now()
		got, err := Buffer(line, 50_000)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 30*time.Second { // a runaway guard, not a speed test (see the benchmarks)
			t.Errorf("%d vertices: buffered in %s", n, d)
		}
		if err := Validate(got); err != nil {
			t.Fatalf("%d vertices: invalid buffer: %v", n, err)
		}
		// the exact buffer lies between the buffers of the middle line at r − 55 m and r + 55 m
		mid := orb.LineString{{68, 27.0005}, {line[n-1][0], 27.0005}}
		lo, hi := AreaKm2(mustBuffer(t, mid, 50_000-55)), AreaKm2(mustBuffer(t, mid, 50_000+55))
		if a := AreaKm2(got); a < lo*0.99 || a > hi {
			t.Errorf("%d vertices: area %.1f km², want %.1f..%.1f", n, a, lo, hi)
		}
	}
}

func mustBuffer(t *testing.T, line orb.LineString, r float64) orb.MultiPolygon {
	t.Helper()
	mp, err := Buffer(line, r)
	if err != nil {
		t.Fatal(err)
	}
	return mp
}

// A zigzag of 4,000 vertices 1.1 km high (far more than the 250 m tolerance at r = 50 km) stays a
// union of thousands of stadiums: PrepareBuffer counts the overlays before doing any, and Build stops within
// a few overlays of ctx's end; a line with gentle bends is traced, with no overlay.
func TestBufferCancelled(t *testing.T) {
	line := make(orb.LineString, 4000)
	for i := range line {
		line[i] = orb.Point{68 + 0.0005*float64(i), 27 + 0.01*float64(i%2)}
	}
	b, err := PrepareBuffer(context.Background(), line, 50_000)
	if err != nil {
		t.Fatal(err)
	}
	if n := b.Overlays(); n < 1900 || n > 3998 {
		t.Errorf("%d overlays, want 1,900–3,998", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := b.Build(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want the deadline", err)
	}
	if d := time.Since(start); d > 10*time.Second { // stops within a few overlays, not after thousands; generous for a loaded machine
		t.Errorf("stopped after %s", d)
	}
	if b, _ := PrepareBuffer(context.Background(), orb.LineString{{68, 27}, {69, 27.5}, {70, 27}}, 50_000); b.Overlays() != 0 {
		t.Errorf("a traced buffer: %d overlays", b.Overlays())
	}
}

// Simplify keeps the ends and every vertex farther than the tolerance from its replacement, and
// drops the others: no vertex of the line is farther than the tolerance from the simplified line.
func TestSimplify(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	for k := range 30 {
		line := randomLine(r, 20+k*10, 0.2, 2)
		tol := []float64{10, 100, 1000}[k%3]
		got, err := Simplify(context.Background(), line, tol)
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != line[0] || got[len(got)-1] != line[len(line)-1] || len(got) > len(line) {
			t.Fatalf("line %d: ends or length wrong", k)
		}
		for _, p := range line {
			if d := nearestKm(p, got) * 1000; d > tol*1.01 {
				t.Fatalf("line %d: a vertex %.1f m from the simplified line (tolerance %g m)", k, d, tol)
			}
		}
		if k%3 == 2 && len(got) > len(line)/2 {
			t.Errorf("line %d: kept %d of %d at 1 km", k, len(got), len(line))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Simplify(ctx, zigzag(5000), 1); err == nil {
		t.Error("a cancelled simplification answered")
	}
}

// Douglas–Peucker on a zigzag 133 m high at a 100 m tolerance keeps every dropped vertex within
// the tolerance of the simplified line; its n·log n cost (splitting at the farthest vertex, near
// an end, took n²: 0.5 s for 10,000) is measured by BenchmarkSimplifyZigzag, not timed here.
func TestSimplifyBalanced(t *testing.T) {
	line := make(orb.LineString, 9999)
	for i := range line {
		line[i] = orb.Point{68 + 0.00005*float64(i), 27 + 0.0012*float64(i%2)}
	}
	got, err := Simplify(context.Background(), line, 100)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(line); i += 37 {
		if d := nearestKm(line[i], got) * 1000; d > 101 {
			t.Fatalf("vertex %d is %.1f m from the simplified line", i, d)
		}
	}
}

// BenchmarkSimplifyZigzag is the balanced Douglas–Peucker of TestSimplifyBalanced: n·log n
// distances for 9,999 vertices (the unbalanced split took about 0.5 s).
func BenchmarkSimplifyZigzag(b *testing.B) {
	line := make(orb.LineString, 9999)
	for i := range line {
		line[i] = orb.Point{68 + 0.00005*float64(i), 27 + 0.0012*float64(i%2)}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Simplify(context.Background(), line, 100); err != nil {
			b.Fatal(err)
		}
	}
}
