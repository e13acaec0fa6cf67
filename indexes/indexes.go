// Package indexes keeps one R-tree per layer over its features, with bbox and k-nearest queries,
// and owns the set of layers being served.
package indexes

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
)

// Layer is a loaded layer with an R-tree over its features' bounding boxes; it is safe for
// concurrent readers.
type Layer struct {
	*data.Layer
	tree   *rtree.RTreeG[int32] // item = feature index
	bounds []orb.Bound          // feature bounds, by index
}

// NewLayer indexes l. Features are inserted in Morton (Z-order) order of their bbox centres, which
// builds a tighter tree faster than input order (tidwall/rtree has no bulk load).
func NewLayer(l *data.Layer) *Layer {
	ix := &Layer{Layer: l, tree: &rtree.RTreeG[int32]{}, bounds: make([]orb.Bound, l.Len())}
	for i := range ix.bounds {
		ix.bounds[i] = l.FeatureBound(i)
	}
	for _, i := range mortonOrder(ix.bounds, l.Bound) {
		b := ix.bounds[i]
		ix.tree.Insert(b.Min, b.Max, int32(i))
	}
	return ix
}

// mortonOrder returns feature indexes sorted by the Z-order code of their bbox centres.
func mortonOrder(bounds []orb.Bound, all orb.Bound) []int {
	type kv struct {
		code uint64
		i    int
	}
	keys := make([]kv, len(bounds))
	for i, b := range bounds {
		keys[i] = kv{geo.Morton(b.Center(), all), i}
	}
	slices.SortFunc(keys, func(a, b kv) int { return cmp.Or(cmp.Compare(a.code, b.code), a.i-b.i) })
	out := make([]int, len(keys))
	for i, k := range keys {
		out[i] = k.i
	}
	return out
}

// Search calls fn with the index of every feature whose bbox intersects b, in no particular
// order, until fn returns false.
func (l *Layer) Search(b orb.Bound, fn func(i int) bool) {
	l.tree.Search(b.Min, b.Max, func(_, _ [2]float64, i int32) bool { return fn(int(i)) })
}

// Indexes returns the indexes of the features whose bbox intersects b, in ascending order (stable
// across runs, for paging, deterministic tiles and sums).
func (l *Layer) Indexes(b orb.Bound) []int {
	var out []int
	l.tree.Search(b.Min, b.Max, func(_, _ [2]float64, i int32) bool {
		out = append(out, int(i))
		return true
	})
	sort.Ints(out)
	return out
}

// FeatureBound returns the bbox of feature i.
func (l *Layer) FeatureBound(i int) orb.Bound { return l.bounds[i] }

// Neighbor is a feature found by Nearest, with its geodesic distance.
type Neighbor struct {
	Index    int
	DistKm   float64
	Location orb.Point // the feature point (or bbox point) the distance was measured to
}

// Nearest returns up to k features nearest to p by great-circle distance to their bbox (exact
// for points), nearest first. Candidates come from the R-tree's kNN in equirectangular
// coordinates scaled at p's latitude; the search goes on until no unseen node can be closer than
// the k-th result with a 5 % margin, so the answer is exact for the distances Indus handles.
func (l *Layer) Nearest(p orb.Point, k int) []Neighbor { return l.NearestWhere(p, k, nil) }

// NearestWhere is Nearest over the features for which keep returns true (nil keeps all).
func (l *Layer) NearestWhere(p orb.Point, k int, keep func(i int) bool) []Neighbor {
	if k <= 0 {
		return nil
	}
	cosLat := math.Cos(p[1] * math.Pi / 180)
	var res []Neighbor
	kth := math.Inf(1)
	dist := func(mn, mx [2]float64, _ int32, _ bool) float64 {
		dx := math.Max(0, math.Max(mn[0]-p[0], p[0]-mx[0])) * cosLat
		dy := math.Max(0, math.Max(mn[1]-p[1], p[1]-mx[1]))
		return math.Hypot(dx, dy) * 111.195 // km on the sphere, approximately
	}
	l.tree.Nearby(dist, func(mn, mx [2]float64, i int32, d float64) bool {
		if len(res) >= k && d > kth*1.05+0.1 {
			return false
		}
		if keep != nil && !keep(int(i)) {
			return true
		}
		q := geo.ClosestInBound(orb.Bound{Min: mn, Max: mx}, p)
		res = insertNeighbor(res, Neighbor{Index: int(i), DistKm: geo.DistanceKm(p, q), Location: q}, k)
		if len(res) == k {
			kth = res[k-1].DistKm
		}
		return true
	})
	return res
}

// insertNeighbor adds n to res, kept sorted by distance then index and cut to k.
func insertNeighbor(res []Neighbor, n Neighbor, k int) []Neighbor {
	res = append(res, n)
	slices.SortStableFunc(res, func(a, b Neighbor) int { return cmp.Or(cmp.Compare(a.DistKm, b.DistKm), a.Index-b.Index) })
	if len(res) > k {
		res = res[:k]
	}
	return res
}
