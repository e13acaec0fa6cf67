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

// Layer is a loaded layer with an R-tree over pages of its features: data.PageSize features at
// a time, in the Morton order of their bbox centres that the store keeps, so that a national layer
// of ten million features needs an R-tree of a few hundred thousand items, built in a fraction of
// a second at start. It is safe for concurrent readers.
type Layer struct {
	*data.Layer
	tree  *rtree.RTreeG[int32] // item = page number
	order []int32
}

// NewLayer indexes l's pages (tidwall/rtree has no bulk load; pages are inserted in Morton order,
// which builds a tighter tree faster than input order).
func NewLayer(l *data.Layer) *Layer {
	order, pages := l.Order()
	ix := &Layer{Layer: l, tree: &rtree.RTreeG[int32]{}, order: order}
	for p := 0; p+3 < len(pages); p += 4 {
		ix.tree.Insert([2]float64{pages[p], pages[p+1]}, [2]float64{pages[p+2], pages[p+3]}, int32(p/4))
	}
	return ix
}

// page returns the features of page p.
func (l *Layer) page(p int32) []int32 {
	lo := int(p) * data.PageSize
	return l.order[lo:min(lo+data.PageSize, len(l.order))]
}

// Search calls fn with the index of every feature whose bbox intersects b, in no particular
// order, until fn returns false.
func (l *Layer) Search(b orb.Bound, fn func(i int) bool) {
	l.tree.Search(b.Min, b.Max, func(_, _ [2]float64, p int32) bool {
		for _, i := range l.page(p) {
			if l.FeatureBound(int(i)).Intersects(b) && !fn(int(i)) {
				return false
			}
		}
		return true
	})
}

// Pages calls fn with every index page whose bbox meets b: the page's bbox (that of all its
// features), the position of its first feature in the index order, and its features, until fn
// returns false. A caller that can decide for a whole page at once (inside a polygon, outside it)
// need not look at its features one by one, and tables kept by position (At) are read in order.
func (l *Layer) Pages(b orb.Bound, fn func(pb orb.Bound, first int, features []int32) bool) {
	l.tree.Search(b.Min, b.Max, func(lo, hi [2]float64, p int32) bool {
		return fn(orb.Bound{Min: lo, Max: hi}, int(p)*data.PageSize, l.page(p))
	})
}

// At returns the feature at position pos of the index order (the Morton order of the pages).
func (l *Layer) At(pos int) int { return int(l.order[pos]) }

// Count estimates how many features have a bbox meeting b, from the index pages that meet it
// (at most data.PageSize too many per page), without reading any feature.
func (l *Layer) Count(b orb.Bound) int {
	n := 0
	l.tree.Search(b.Min, b.Max, func(_, _ [2]float64, p int32) bool {
		n += len(l.page(p))
		return true
	})
	return n
}

// Indexes returns the indexes of the features whose bbox intersects b, in ascending order (stable
// across runs and index layouts, for paging, deterministic tiles and sums).
func (l *Layer) Indexes(b orb.Bound) []int {
	var out []int
	l.Search(b, func(i int) bool {
		out = append(out, i)
		return true
	})
	sort.Ints(out)
	return out
}

// Neighbor is a feature found by Nearest, with its geodesic distance.
type Neighbor struct {
	Index    int
	DistKm   float64
	Location orb.Point // the feature point (or bbox point) the distance was measured to
}

// Nearest returns up to k features nearest to p by great-circle distance to their bbox (exact
// for points), nearest first. Pages come from the R-tree's kNN in equirectangular coordinates
// scaled at p's latitude; the search goes on until no unseen page can be closer than the k-th
// result with a 5 % margin, so the answer is exact for the distances Indus handles.
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
	l.tree.Nearby(dist, func(_, _ [2]float64, pg int32, d float64) bool {
		if len(res) >= k && d > kth*1.05+0.1 {
			return false
		}
		for _, i := range l.page(pg) {
			if keep != nil && !keep(int(i)) {
				continue
			}
			q := geo.ClosestInBound(l.FeatureBound(int(i)), p)
			res = insertNeighbor(res, Neighbor{Index: int(i), DistKm: geo.DistanceKm(p, q), Location: q}, k)
			if len(res) == k {
				kth = res[k-1].DistKm
			}
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
