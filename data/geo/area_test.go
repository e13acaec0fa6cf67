package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// cellM2 is the exact area of a lon/lat cell on the ellipsoid, from the authalic latitude.
func cellM2(lon0, lat0, lon1, lat1 float64) float64 {
	const rad = math.Pi / 180
	return authalicR * authalicR * (lon1 - lon0) * rad * (authalicQ(lat1*rad) - authalicQ(lat0*rad)) / qp
}

// Small rings (buildings) take the second-order path; their areas must equal the closed form
// for cells at every latitude, and the general path's for irregular rings.
func TestSmallRingArea(t *testing.T) {
	for _, lat := range []float64{-60, -23.5, 0, 24.86, 35.9, 71} {
		lon, d := 68.37, 0.0004 // about 40 m
		r := orb.Ring{{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}}
		want := cellM2(lon, lat, lon+d, lat+d)
		got, ok := smallRingAreaM2(r)
		if !ok || math.Abs(got-want) > 1e-9*want {
			t.Errorf("lat %v: %v m² (small path %v), want %v", lat, got, ok, want)
		}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for range 200 {
		c := orb.Point{60 + 18*rng.Float64(), 23 + 14*rng.Float64()}
		r := orb.Ring{}
		for k := range 7 {
			a := 2 * math.Pi * float64(k) / 7
			rad := 0.0001 + 0.0004*rng.Float64()
			r = append(r, orb.Point{c[0] + rad*math.Cos(a), c[1] + rad*math.Sin(a)})
		}
		r = append(r, r[0])
		small, ok := smallRingAreaM2(r)
		exact := projectedRingAreaM2(r)
		if !ok || math.Abs(small-exact) > 1e-7*math.Abs(exact) {
			t.Fatalf("ring %v: small %v (ok %v) vs exact %v", r, small, ok, exact)
		}
	}
	big := orb.Ring{{68, 25}, {68.01, 25}, {68.01, 25.01}, {68, 25}}
	if _, ok := smallRingAreaM2(big); ok {
		t.Error("a 1 km ring took the small path")
	}
}

func BenchmarkRingAreaM2(b *testing.B) {
	building := orb.Ring{{68.37, 24.86}, {68.3703, 24.86}, {68.3703, 24.8602}, {68.37, 24.8602}, {68.37, 24.86}}
	zone := orb.Ring{{68.37, 24.86}, {68.57, 24.86}, {68.57, 25.06}, {68.37, 25.06}, {68.37, 24.86}}
	for _, c := range []struct {
		name string
		r    orb.Ring
	}{{"building", building}, {"zone", zone}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				RingAreaM2(c.r)
			}
		})
	}
}

// atanhE's series agrees with the closed form of atanh(e·s)/e across every latitude.
func TestAtanhESeries(t *testing.T) {
	for lat := -90.0; lat <= 90; lat += 0.37 {
		s := math.Sin(lat * math.Pi / 180)
		want := math.Atanh(wgsE*s) / wgsE
		if got := atanhE(s); math.Abs(got-want) > 1e-15*math.Max(1e-300, math.Abs(want))+1e-300 {
			t.Fatalf("lat %.2f: %.17g, want %.17g", lat, got, want)
		}
	}
}
