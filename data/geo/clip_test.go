package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

func TestOutsideRunsKeepTheClip(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 11))
	b := orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}
	area := func(ring orb.Ring) float64 {
		if ring == nil {
			return 0
		}
		return math.Abs(PlanarRingArea(ring))
	}
	for k := range 2000 {
		var ring orb.Ring
		n := 5 + r.IntN(60)
		for i := range n { // star-shaped rings around a random centre, reaching far outside
			a := float64(i) / float64(n) * 2 * math.Pi
			rad := 0.2 + 3*r.Float64()
			ring = append(ring, orb.Point{0.5 + r.Float64() - 0.5 + rad*math.Cos(a), 0.5 + rad*math.Sin(a)})
		}
		ring = append(ring, ring[0])
		rect := orb.Ring{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}, b.Min}
		full := ClipToConvex(ring, rect)
		var want float64
		if len(full) >= 3 {
			want = area(orb.Ring(append(full, full[0])))
		}
		if got := area(clipRing(b, ring)); math.Abs(got-want) > 1e-9 {
			t.Fatalf("ring %d: clip area %.12f with outside runs dropped, %.12f without", k, got, want)
		}
	}
}
