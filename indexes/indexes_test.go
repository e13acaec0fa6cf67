package indexes

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
)

func randomLayer(n int, seed uint64) *data.Layer {
	r := rand.New(rand.NewPCG(seed, 1))
	var feats []data.Feature
	for i := range n {
		x, y := 60+17*r.Float64(), 23+14*r.Float64()
		var g orb.Geometry = orb.Point{x, y}
		if i%3 == 0 { // some polygons of varied size
			w, h := r.Float64()*0.5, r.Float64()*0.5
			g = orb.Polygon{{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}, {x, y}}}
		}
		feats = append(feats, data.Feature{ID: uint64(i), Geometry: g})
	}
	return data.NewLayer(&data.LayerSpec{ID: "t"}, feats)
}

func TestSearchEqualsBruteForce(t *testing.T) {
	l := randomLayer(5000, 7)
	ix := NewLayer(l)
	if ix.Len() != 5000 {
		t.Fatalf("Len = %d", ix.Len())
	}
	r := rand.New(rand.NewPCG(3, 3))
	for q := range 200 {
		x, y := 59+19*r.Float64(), 22+16*r.Float64()
		b := orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + 3*r.Float64(), y + 3*r.Float64()}}
		var want []int
		for i := range l.Len() {
			if l.Geometry(i).Bound().Intersects(b) {
				want = append(want, i)
			}
		}
		got := ix.Indexes(b)
		if !slices.Equal(got, want) {
			t.Fatalf("query %d %v: got %d features, want %d", q, b, len(got), len(want))
		}
	}
}

func TestNearestEqualsBruteForce(t *testing.T) {
	l := randomLayer(3000, 11)
	ix := NewLayer(l)
	r := rand.New(rand.NewPCG(5, 5))
	for q := range 100 {
		p := orb.Point{60 + 17*r.Float64(), 23 + 14*r.Float64()}
		k := 1 + q%7
		type cand struct {
			i int
			d float64
		}
		var all []cand
		for i := range l.Len() {
			all = append(all, cand{i, geo.DistanceKm(p, geo.ClosestInBound(ix.FeatureBound(i), p))})
		}
		sort.SliceStable(all, func(a, b int) bool { return all[a].d < all[b].d })
		got := ix.Nearest(p, k)
		if len(got) != k {
			t.Fatalf("got %d neighbours, want %d", len(got), k)
		}
		for j := range k {
			if got[j].DistKm != all[j].d {
				t.Fatalf("query %d, rank %d: got %.6f km (feature %d), want %.6f km (feature %d)", q, j, got[j].DistKm, got[j].Index, all[j].d, all[j].i)
			}
		}
	}
}

func BenchmarkNewLayer(b *testing.B) {
	l := randomLayer(30000, 2)
	b.ReportAllocs()
	for b.Loop() {
		NewLayer(l)
	}
}

func BenchmarkSearch(b *testing.B) {
	ix := NewLayer(randomLayer(30000, 2))
	q := orb.Bound{Min: orb.Point{68, 25}, Max: orb.Point{68.5, 25.5}}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		ix.Search(q, func(int) bool { n++; return true })
	}
}

func BenchmarkNearest(b *testing.B) {
	ix := NewLayer(randomLayer(30000, 2))
	b.ReportAllocs()
	for b.Loop() {
		ix.Nearest(orb.Point{68.3, 25.4}, 3)
	}
}

func ExampleLayer_Nearest() {
	l := data.NewLayer(&data.LayerSpec{ID: "gauges"}, []data.Feature{
		{ID: 1, Geometry: orb.Point{68.85, 27.68}}, // Sukkur
		{ID: 2, Geometry: orb.Point{68.37, 25.37}}, // Kotri
	})
	n := NewLayer(l).Nearest(orb.Point{68.37, 25.39}, 1) // Hyderabad
	fmt.Printf("feature %d at %.1f km\n", l.ID(n[0].Index), n[0].DistKm)
	// Output: feature 2 at 2.2 km
}

func TestServedKeepsLiveLayersAcrossReloads(t *testing.T) {
	ds := func(ids ...string) *Set {
		d := &data.Dataset{Version: ids[0]}
		for _, id := range ids {
			d.Layers = append(d.Layers, data.NewLayer(&data.LayerSpec{ID: id}, nil))
		}
		return Build(d)
	}
	s := NewServed(ds("a", "b"))
	live := NewLayer(data.NewLayer(&data.LayerSpec{ID: "warnings"}, nil))
	s.SetLive(live)
	s.SetBase(ds("c", "d"))
	if l, ok := s.Load().Layer("warnings"); !ok || l != live {
		t.Fatal("a reload lost the live layer")
	}
	live2 := NewLayer(data.NewLayer(&data.LayerSpec{ID: "warnings"}, nil))
	s.SetLive(live2)
	var ids []string
	for _, l := range s.Load().Layers() {
		ids = append(ids, l.Spec.ID)
	}
	if fmt.Sprint(ids) != "[c d warnings]" || s.Load().Dataset.Version != "c" {
		t.Fatalf("served %v (version %s)", ids, s.Load().Dataset.Version)
	}
}
