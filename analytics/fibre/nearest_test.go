package fibre

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"github.com/cpec-digital/indus/data/geo"
)

func randPoint(r *rand.Rand, lonLo, lonHi, latLo, latHi float64) orb.Point {
	return orb.Point{lonLo + r.Float64()*(lonHi-lonLo), latLo + r.Float64()*(latHi-latLo)}
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
		b := segs[k].Bound()
		segTree.Insert(b.Min, b.Max, int32(k))
		if p = q; k%100 == 99 {
			p = randPoint(r, 60, 78, 23, 38)
		}
	}
	for range 300 {
		q := randPoint(r, 60, 78, 23, 38)
		d, j := nearest(&tr, q, r.Float64()*5, int32(r.IntN(len(pts)+1)-1), func(j int32, _ float64) float64 { return geo.DistanceKm(q, pts[j]) })
		ds, k := nearest(&segTree, q, r.Float64()*5, int32(r.IntN(len(segs)+1)-1), func(k int32, best float64) float64 {
			if segs[k].Beyond(geo.UnitOf(q), best) {
				return math.Inf(1)
			}
			d, _ := segs[k].DistanceKm(q)
			return d
		})
		wd, wj, wds, wk := math.Inf(1), int32(-1), math.Inf(1), int32(-1)
		for i, p := range pts {
			if dd := geo.DistanceKm(q, p); dd < wd {
				wd, wj = dd, int32(i)
			}
		}
		for i, s := range segs {
			if dd, _ := s.DistanceKm(q); dd < wds {
				wds, wk = dd, int32(i)
			}
		}
		if d != wd || j != wj || ds != wds || k != wk {
			t.Fatalf("query %v: nearest point %d at %.9f km, segment %d at %.9f; linear scan %d at %.9f, %d at %.9f",
				q, j, d, k, ds, wj, wd, wk, wds)
		}
	}
}
