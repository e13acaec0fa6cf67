package fibre

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"github.com/cpec-digital/indus/data"
)

// slerp is the point a fraction t along the minor great-circle arc from a to b.
func slerp(a, b vec3, t float64) vec3 {
	om := math.Acos(math.Max(-1, math.Min(1, a.dot(b))))
	if om < 1e-15 {
		return a
	}
	sa, sb := math.Sin((1-t)*om)/math.Sin(om), math.Sin(t*om)/math.Sin(om)
	return vec3{sa*a[0] + sb*b[0], sa*a[1] + sb*b[1], sa*a[2] + sb*b[2]}
}

func randPoint(r *rand.Rand, lonLo, lonHi, latLo, latHi float64) orb.Point {
	return orb.Point{lonLo + r.Float64()*(lonHi-lonLo), latLo + r.Float64()*(latHi-latLo)}
}

// TestSegmentDistanceHandComputed checks arcs whose distances follow from spherical trigonometry.
func TestSegmentDistanceHandComputed(t *testing.T) {
	R := data.EarthRadiusKm
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
		d, foot := newSegment(0, c.a, c.b).distanceKm(c.p)
		if math.Abs(d-c.want) > 1e-5 || math.Abs(foot[0]-c.foot[0]) > 1e-7 || math.Abs(foot[1]-c.foot[1]) > 1e-7 {
			t.Errorf("%s: distance %.6f km at %v, want %.6f at %v", c.name, d, foot, c.want, c.foot)
		}
	}
}

// TestSegmentDistanceSampled compares the exact arc distance with the minimum over dense samples.
func TestSegmentDistanceSampled(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		a := randPoint(r, 60, 78, 23, 38)
		b := orb.Point{a[0] + r.NormFloat64()*1.5, a[1] + r.NormFloat64()*1.5}
		p := orb.Point{a[0] + r.NormFloat64()*2, a[1] + r.NormFloat64()*2}
		s := newSegment(0, a, b)
		d, foot := s.distanceKm(p)
		sampled := math.Inf(1)
		const n = 20000
		for k := 0; k <= n; k++ {
			sampled = math.Min(sampled, data.DistanceKm(p, slerp(s.ua, s.ub, float64(k)/n).point()))
		}
		if d > sampled+1e-9 || sampled-d > 2e-3 {
			t.Fatalf("segment %v-%v, point %v: exact %.6f km, sampled %.6f km", a, b, p, d, sampled)
		}
		if fd := data.DistanceKm(p, foot); math.Abs(fd-d) > 1e-6 {
			t.Fatalf("nearest point %v is %.6f km away, distance says %.6f", foot, fd, d)
		}
		// every sample of the arc lies in its bounds
		bb := s.bounds()
		for k := 0; k <= 100; k++ {
			q := slerp(s.ua, s.ub, float64(k)/100).point()
			if q[0] < bb.min[0] || q[0] > bb.max[0] || q[1] < bb.min[1] || q[1] > bb.max[1] {
				t.Fatalf("arc point %v outside its bounds %v", q, bb)
			}
		}
	}
}

// TestCapBox checks that the reach box holds every point of the cap's boundary and is tight.
func TestCapBox(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 500 {
		c := randPoint(r, -179, 179, -80, 80)
		rad := r.Float64() * r.Float64() * 500
		b := capBox(c, rad)
		uc := unit(c)
		// a boundary point at bearing θ: rotate c by rad/R towards θ
		e := vec3{-math.Sin(c[0] * deg), math.Cos(c[0] * deg), 0}
		nth := uc.cross(e)
		nth = vec3{-nth[0], -nth[1], -nth[2]}
		if nth[2] < 0 {
			nth = vec3{-nth[0], -nth[1], -nth[2]}
		}
		ang := rad / data.EarthRadiusKm
		for k := range 360 {
			th := float64(k) * deg
			dir := vec3{math.Cos(th)*nth[0] + math.Sin(th)*e[0], math.Cos(th)*nth[1] + math.Sin(th)*e[1], math.Cos(th)*nth[2] + math.Sin(th)*e[2]}
			q := vec3{math.Cos(ang)*uc[0] + math.Sin(ang)*dir[0], math.Cos(ang)*uc[1] + math.Sin(ang)*dir[1], math.Cos(ang)*uc[2] + math.Sin(ang)*dir[2]}.point()
			if q[0] < b.min[0] || q[0] > b.max[0] || q[1] < b.min[1] || q[1] > b.max[1] {
				t.Fatalf("cap %v r=%.3f km: boundary point %v (%.6f km away) outside %v", c, rad, q, data.DistanceKm(c, q), b)
			}
		}
	}
	b := capBox(orb.Point{70, 30}, 111.19508)
	if math.Abs(b.max[1]-31) > 1e-4 || math.Abs(b.max[0]-70-math.Asin(math.Sin(deg)/math.Cos(30*deg))/deg) > 1e-4 {
		t.Errorf("cap of 1° at 30°N: box %v, want lat up to 31 and lon to 70+1.1547", b)
	}
}

// TestNearest compares the growing-radius R-tree search with a linear scan, from good and bad
// starting radii and seeds.
func TestNearest(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var tr, segTree rtree.RTreeG[int32]
	pts := make([]orb.Point, 20000)
	for i := range pts {
		pts[i] = randPoint(r, 60, 78, 23, 38)
		tr.Insert(pts[i], pts[i], int32(i))
	}
	var segs []segment
	p := randPoint(r, 60, 78, 23, 38)
	for k := range 3000 {
		q := orb.Point{p[0] + r.NormFloat64()*0.05, p[1] + r.NormFloat64()*0.05}
		segs = append(segs, newSegment(k/100, p, q))
		b := segs[k].bounds()
		segTree.Insert(b.min, b.max, int32(k))
		if p = q; k%100 == 99 {
			p = randPoint(r, 60, 78, 23, 38)
		}
	}
	for range 300 {
		q := randPoint(r, 60, 78, 23, 38)
		d, j := nearest(&tr, q, r.Float64()*5, int32(r.IntN(len(pts)+1)-1), func(j int32, _ float64) float64 { return data.DistanceKm(q, pts[j]) })
		ds, k := nearest(&segTree, q, r.Float64()*5, int32(r.IntN(len(segs)+1)-1), func(k int32, best float64) float64 {
			if segs[k].beyond(unit(q), best) {
				return math.Inf(1)
			}
			d, _ := segs[k].distanceKm(q)
			return d
		})
		wd, wj, wds, wk := math.Inf(1), int32(-1), math.Inf(1), int32(-1)
		for i, p := range pts {
			if dd := data.DistanceKm(q, p); dd < wd {
				wd, wj = dd, int32(i)
			}
		}
		for i, s := range segs {
			if dd, _ := s.distanceKm(q); dd < wds {
				wds, wk = dd, int32(i)
			}
		}
		if d != wd || j != wj || ds != wds || k != wk {
			t.Fatalf("query %v: nearest point %d at %.9f km, segment %d at %.9f; linear scan %d at %.9f, %d at %.9f",
				q, j, d, k, ds, wj, wd, wk, wds)
		}
	}
}
