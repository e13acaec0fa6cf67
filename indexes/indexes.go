// Package indexes keeps one R-tree per layer over its features, with bbox and k-nearest queries and
// cheap copy-on-write snapshots.
package indexes

import (
	"math"
	"slices"
	"sort"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"github.com/cpec-digital/indus/data"
)

// Layer is a loaded layer with an R-tree over its features' bounding boxes. A Layer is safe for
// concurrent readers; a writer works on a Snapshot and publishes it.
type Layer struct {
	*data.Layer
	tree   *rtree.RTreeG[int32] // item = index into Features
	bounds []orb.Bound          // feature bounds, by index
}

// NewLayer indexes l. Features are inserted in Morton (Z-order) order of their bbox centres, which
// builds a tighter tree faster than input order (tidwall/rtree has no bulk load).
func NewLayer(l *data.Layer) *Layer {
	ix := &Layer{Layer: l, tree: &rtree.RTreeG[int32]{}, bounds: make([]orb.Bound, len(l.Features))}
	for i := range l.Features {
		ix.bounds[i] = l.Features[i].Geometry.Bound()
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
	w := math.Max(all.Max[0]-all.Min[0], 1e-12)
	h := math.Max(all.Max[1]-all.Min[1], 1e-12)
	for i, b := range bounds {
		c := b.Center()
		x := uint32(math.Min(math.Max((c[0]-all.Min[0])/w, 0), 1) * 0xFFFF)
		y := uint32(math.Min(math.Max((c[1]-all.Min[1])/h, 0), 1) * 0xFFFF)
		keys[i] = kv{interleave(x) | interleave(y)<<1, i}
	}
	slices.SortFunc(keys, func(a, b kv) int {
		if a.code != b.code {
			if a.code < b.code {
				return -1
			}
			return 1
		}
		return a.i - b.i
	})
	out := make([]int, len(keys))
	for i, k := range keys {
		out[i] = k.i
	}
	return out
}

// interleave spreads the low 16 bits of v to the even bit positions.
func interleave(v uint32) uint64 {
	x := uint64(v & 0xFFFF)
	x = (x | x<<8) & 0x00FF00FF
	x = (x | x<<4) & 0x0F0F0F0F
	x = (x | x<<2) & 0x33333333
	x = (x | x<<1) & 0x55555555
	return x
}

// Len returns the number of indexed features.
func (l *Layer) Len() int { return l.tree.Len() }

// Search calls fn for every feature whose bbox intersects b, in no particular order, until fn
// returns false.
func (l *Layer) Search(b orb.Bound, fn func(i int, f *data.Feature) bool) {
	l.tree.Search(b.Min, b.Max, func(_, _ [2]float64, i int32) bool {
		return fn(int(i), &l.Features[i])
	})
}

// Indexes returns the indexes of the features whose bbox intersects b, in ascending order (stable
// across runs, for paging and deterministic tiles).
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

// Snapshot returns a copy that shares the features and the tree's nodes copy-on-write: readers of
// l are not disturbed by later changes to the snapshot, and the copy costs O(1).
func (l *Layer) Snapshot() *Layer {
	return &Layer{Layer: l.Layer, tree: l.tree.Copy(), bounds: l.bounds}
}

// Neighbor is a feature found by Nearest, with its geodesic distance.
type Neighbor struct {
	Index    int
	Feature  *data.Feature
	DistKm   float64
	Location orb.Point // the feature point (or bbox centre) the distance was measured to
}

// Nearest returns up to k features nearest to p by great-circle distance to their bbox (exact
// for points), nearest first. Candidates come from the R-tree's kNN in equirectangular
// coordinates scaled at p's latitude; the search goes on until no unseen node can be closer than
// the k-th result with a 5 % margin, so the answer is exact for the distances Indus handles.
func (l *Layer) Nearest(p orb.Point, k int) []Neighbor { return l.NearestWhere(p, k, nil) }

// NearestWhere is Nearest over the features for which keep returns true (nil keeps all).
func (l *Layer) NearestWhere(p orb.Point, k int, keep func(*data.Feature) bool) []Neighbor {
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
		if keep != nil && !keep(&l.Features[i]) {
			return true
		}
		q := closestInBound(orb.Bound{Min: mn, Max: mx}, p)
		res = append(res, Neighbor{Index: int(i), Feature: &l.Features[i], DistKm: haversineKm(p, q), Location: q})
		slices.SortStableFunc(res, func(a, b Neighbor) int {
			if a.DistKm != b.DistKm {
				if a.DistKm < b.DistKm {
					return -1
				}
				return 1
			}
			return a.Index - b.Index
		})
		if len(res) > k {
			res = res[:k]
		}
		if len(res) == k {
			kth = res[k-1].DistKm
		}
		return true
	})
	return res
}

func closestInBound(b orb.Bound, p orb.Point) orb.Point {
	return orb.Point{math.Min(math.Max(p[0], b.Min[0]), b.Max[0]), math.Min(math.Max(p[1], b.Min[1]), b.Max[1])}
}

func haversineKm(a, b orb.Point) float64 { return data.DistanceKm(a, b) }

// Set is the indexed layers of one loaded dataset.
type Set struct {
	Dataset *data.Dataset
	layers  map[string]*Layer
	order   []*Layer
}

// Build indexes every layer of ds.
func Build(ds *data.Dataset) *Set {
	s := &Set{Dataset: ds, layers: make(map[string]*Layer, len(ds.Layers))}
	for _, l := range ds.Layers {
		ix := NewLayer(l)
		s.layers[l.Spec.ID] = ix
		s.order = append(s.order, ix)
	}
	return s
}

// Layer returns the indexed layer with the given id.
func (s *Set) Layer(id string) (*Layer, bool) {
	l, ok := s.layers[id]
	return l, ok
}

// Layers returns the layers in catalog order.
func (s *Set) Layers() []*Layer { return slices.Clone(s.order) }

// Current holds the Set being served; a reload stores a new one and readers pick it up at their
// next request.
type Current struct{ p atomic.Pointer[Set] }

// NewCurrent returns a holder of s.
func NewCurrent(s *Set) *Current {
	c := &Current{}
	c.p.Store(s)
	return c
}

// Load returns the Set being served.
func (c *Current) Load() *Set { return c.p.Load() }

// Store replaces the Set being served.
func (c *Current) Store(s *Set) { c.p.Store(s) }

// WithLayer returns a Set that shares every layer of s but holds l in place of the layer with the
// same id (or in addition to them). The dataset version is kept: a live layer (warnings) changes
// without invalidating the cache of every other layer; its own tiles are invalidated by area.
func (s *Set) WithLayer(l *Layer) *Set {
	out := &Set{Dataset: s.Dataset, layers: make(map[string]*Layer, len(s.layers)+1)}
	replaced := false
	for _, old := range s.order {
		if old.Spec.ID == l.Spec.ID {
			out.order = append(out.order, l)
			replaced = true
		} else {
			out.order = append(out.order, old)
		}
	}
	if !replaced {
		out.order = append(out.order, l)
	}
	for _, x := range out.order {
		out.layers[x.Spec.ID] = x
	}
	return out
}
