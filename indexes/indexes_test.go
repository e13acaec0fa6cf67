package indexes

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
)

func randomLayer(n int, seed uint64) *data.Layer {
	r := rand.New(rand.NewPCG(seed, 1))
	l := &data.Layer{Spec: &data.LayerSpec{ID: "t"}}
	for i := range n {
		x, y := 60+17*r.Float64(), 23+14*r.Float64()
		var g orb.Geometry = orb.Point{x, y}
		if i%3 == 0 { // some polygons of varied size
			w, h := r.Float64()*0.5, r.Float64()*0.5
			g = orb.Polygon{{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}, {x, y}}}
		}
		l.Features = append(l.Features, data.Feature{ID: uint64(i), Geometry: g})
	}
	l.Bound = l.Features[0].Geometry.Bound()
	for _, f := range l.Features {
		l.Bound = l.Bound.Union(f.Geometry.Bound())
	}
	return l
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
		for i, f := range l.Features {
			if f.Geometry.Bound().Intersects(b) {
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
		for i := range l.Features {
			all = append(all, cand{i, haversineKm(p, closestInBound(ix.FeatureBound(i), p))})
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

func TestSnapshotIsolation(t *testing.T) {
	ix := NewLayer(randomLayer(100, 1))
	snap := ix.Snapshot()
	snap.tree.Delete(snap.bounds[0].Min, snap.bounds[0].Max, 0)
	if ix.Len() != 100 || snap.Len() != 99 {
		t.Fatalf("Len = %d and %d, want 100 and 99", ix.Len(), snap.Len())
	}
}

func TestHaversine(t *testing.T) {
	// Karachi to Lahore, about 1,030 km.
	d := haversineKm(orb.Point{67.0104, 24.8608}, orb.Point{74.35071, 31.558})
	if d < 1025 || d > 1040 {
		t.Fatalf("Karachi-Lahore = %.1f km", d)
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
		ix.Search(q, func(int, *data.Feature) bool { n++; return true })
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
	l := &data.Layer{Spec: &data.LayerSpec{ID: "gauges"}, Features: []data.Feature{
		{ID: 1, Geometry: orb.Point{68.85, 27.68}}, // Sukkur
		{ID: 2, Geometry: orb.Point{68.37, 25.37}}, // Kotri
	}}
	l.Bound = orb.Bound{Min: orb.Point{68.37, 25.37}, Max: orb.Point{68.85, 27.68}}
	n := NewLayer(l).Nearest(orb.Point{68.37, 25.39}, 1) // Hyderabad
	fmt.Printf("feature %d at %.1f km\n", n[0].Feature.ID, n[0].DistKm)
	// Output: feature 2 at 2.2 km
}
