package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

func randIn(r *rand.Rand, lonLo, lonHi, latLo, latHi float64) orb.Point {
	return orb.Point{lonLo + r.Float64()*(lonHi-lonLo), latLo + r.Float64()*(latHi-latLo)}
}

// TestSegmentDistanceHandComputed checks arcs whose distances follow from spherical trigonometry.
func TestSegmentDistanceHandComputed(t *testing.T) {
	R := EarthRadiusKm
	cases := []struct {
		name string
		a, b orb.Point
		p    orb.Point
		want float64
		foot orb.Point
	}{
		// distance to a meridian: sin d = cos φ · sin Δλ; R·asin(cos 30°·sin 0.1°) = 9.629775 km;
		// the foot is at latitude atan(tan 30° / cos 0.1°) = 30.0000378°.
		{"meridian", orb.Point{70, 29}, orb.Point{70, 31}, orb.Point{70.1, 30}, 9.629775, orb.Point{70, 30.0000378}},
		{"beyond the end", orb.Point{70, 29}, orb.Point{70, 31}, orb.Point{70, 32}, R * math.Pi / 180, orb.Point{70, 31}},
		{"equator", orb.Point{0, 0}, orb.Point{2, 0}, orb.Point{1, 1}, R * math.Pi / 180, orb.Point{1, 0}},
		{"on the arc", orb.Point{0, 0}, orb.Point{2, 0}, orb.Point{0.5, 0}, 0, orb.Point{0.5, 0}},
		{"degenerate", orb.Point{5, 5}, orb.Point{5, 5}, orb.Point{5, 6}, R * math.Pi / 180, orb.Point{5, 5}},
	}
	for _, c := range cases {
		d, foot := NewArc(c.a, c.b).DistanceKm(c.p)
		if math.Abs(d-c.want) > 1e-5 || math.Abs(foot[0]-c.foot[0]) > 1e-7 || math.Abs(foot[1]-c.foot[1]) > 1e-7 {
			t.Errorf("%s: distance %.6f km at %v, want %.6f at %v", c.name, d, foot, c.want, c.foot)
		}
	}
}

// TestSegmentDistanceSampled compares the exact arc distance with the minimum over dense samples.
func TestSegmentDistanceSampled(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		a := randIn(r, 60, 78, 23, 38)
		b := orb.Point{a[0] + r.NormFloat64()*1.5, a[1] + r.NormFloat64()*1.5}
		p := orb.Point{a[0] + r.NormFloat64()*2, a[1] + r.NormFloat64()*2}
		s := NewArc(a, b)
		d, foot := s.DistanceKm(p)
		sampled := math.Inf(1)
		const n = 20000
		for k := 0; k <= n; k++ {
			sampled = math.Min(sampled, DistanceKm(p, s.At(float64(k)/n)))
		}
		if d > sampled+1e-9 || sampled-d > 2e-3 {
			t.Fatalf("segment %v-%v, point %v: exact %.6f km, sampled %.6f km", a, b, p, d, sampled)
		}
		if fd := DistanceKm(p, foot); math.Abs(fd-d) > 1e-6 {
			t.Fatalf("nearest point %v is %.6f km away, distance says %.6f", foot, fd, d)
		}
		// every sample of the arc lies in its bounds
		bb := s.Bound()
		for k := 0; k <= 100; k++ {
			q := s.At(float64(k) / 100)
			if q[0] < bb.Min[0] || q[0] > bb.Max[0] || q[1] < bb.Min[1] || q[1] > bb.Max[1] {
				t.Fatalf("arc point %v outside its bounds %v", q, bb)
			}
		}
	}
}

// TestCapBox checks that the reach box holds every point of the cap's boundary and is tight.
func TestCapBox(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 500 {
		c := randIn(r, -179, 179, -80, 80)
		rad := r.Float64() * r.Float64() * 500
		b := CapBound(c, rad)
		uc := unit(c)
		// a boundary point at bearing θ: rotate c by rad/R towards θ
		e := vec3{-math.Sin(c[0] * deg), math.Cos(c[0] * deg), 0}
		nth := uc.cross(e)
		nth = vec3{-nth[0], -nth[1], -nth[2]}
		if nth[2] < 0 {
			nth = vec3{-nth[0], -nth[1], -nth[2]}
		}
		ang := rad / EarthRadiusKm
		for k := range 360 {
			th := float64(k) * deg
			dir := vec3{math.Cos(th)*nth[0] + math.Sin(th)*e[0], math.Cos(th)*nth[1] + math.Sin(th)*e[1], math.Cos(th)*nth[2] + math.Sin(th)*e[2]}
			q := vec3{math.Cos(ang)*uc[0] + math.Sin(ang)*dir[0], math.Cos(ang)*uc[1] + math.Sin(ang)*dir[1], math.Cos(ang)*uc[2] + math.Sin(ang)*dir[2]}.point()
			if q[0] < b.Min[0] || q[0] > b.Max[0] || q[1] < b.Min[1] || q[1] > b.Max[1] {
				t.Fatalf("cap %v r=%.3f km: boundary point %v (%.6f km away) outside %v", c, rad, q, DistanceKm(c, q), b)
			}
		}
	}
	b := CapBound(orb.Point{70, 30}, 111.19508)
	if math.Abs(b.Max[1]-31) > 1e-4 || math.Abs(b.Max[0]-70-math.Asin(math.Sin(deg)/math.Cos(30*deg))/deg) > 1e-4 {
		t.Errorf("cap of 1° at 30°N: box %v, want lat up to 31 and lon to 70+1.1547", b)
	}
}
