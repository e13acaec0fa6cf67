package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// unionBuffer is the union of the segments' stadiums: the buffer by its definition.
func unionBuffer(t testing.TB, line orb.LineString, r float64) orb.MultiPolygon {
	var parts []orb.Polygon
	for i := 0; i+1 < len(line); i++ {
		parts = append(parts, stadium(line[i], line[i+1], r))
	}
	u, err := Union(parts)
	if err != nil {
		t.Fatal(err)
	}
	return u
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

// nearestKm is the distance from p to the line, by dense sampling (1 m).
func nearestKm(p orb.Point, line orb.LineString) float64 {
	best := math.Inf(1)
	for i := 0; i+1 < len(line); i++ {
		n := int(DistanceKm(line[i], line[i+1])*1000) + 1
		for k := 0; k <= n; k++ {
			f := float64(k) / float64(n)
			q := orb.Point{line[i][0] + f*(line[i+1][0]-line[i][0]), line[i][1] + f*(line[i+1][1]-line[i][1])}
			best = min(best, DistanceKm(p, q))
		}
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
