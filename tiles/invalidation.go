package tiles

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/cpec-digital/indus/indexes"
)

// maxTracked bounds the keys the invalidation index holds (about 100 MB of keys at most).
const maxTracked = 1_000_000

// invalidation is the index beside the cache: the cached keys of each layer with the tile each
// holds, so that Invalidate drops only the tiles an edit touches; and an epoch per layer, bumped
// by every invalidation, so that a tile made from data older than an invalidation is not cached.
// It keeps keys the cache may since have evicted. The Service's mutex guards it.
type invalidation struct {
	byLay   map[string]map[uint64]maptile.Tile // layer → cache key → tile
	epoch   map[string]uint64
	tracked int // keys recorded in byLay
}

func newInvalidation() invalidation {
	return invalidation{byLay: map[string]map[uint64]maptile.Tile{}, epoch: map[string]uint64{}}
}

// epochs are the layers' epochs now, to compare with after a tile is made.
func (x *invalidation) epochs(layers []*indexes.Layer) []uint64 {
	out := make([]uint64, len(layers))
	for i, l := range layers {
		out[i] = x.epoch[l.Spec.ID]
	}
	return out
}

// current reports whether none of layers was invalidated since epochs were taken.
func (x *invalidation) current(layers []*indexes.Layer, epochs []uint64) bool {
	for i, l := range layers {
		if x.epoch[l.Spec.ID] != epochs[i] {
			return false
		}
	}
	return true
}

// add records that key holds tile t of layers. Past maxTracked keys the index starts again empty
// and add returns true: the cache must then be cleared too (a rare, safe, cold start).
func (x *invalidation) add(key uint64, t maptile.Tile, layers []*indexes.Layer) (reset bool) {
	if x.tracked++; x.tracked > maxTracked {
		x.byLay = map[string]map[uint64]maptile.Tile{}
		x.tracked = 0
		reset = true
	}
	for _, l := range layers {
		m := x.byLay[l.Spec.ID]
		if m == nil {
			m = map[uint64]maptile.Tile{}
			x.byLay[l.Spec.ID] = m
		}
		m[key] = t
	}
	return reset
}

// drop bumps layer's epoch and forgets its keys whose tile, grown by buffer tile units, touches
// bound, calling del with each; it returns how many.
func (x *invalidation) drop(layer string, bound orb.Bound, buffer int, del func(key uint64)) int {
	x.epoch[layer]++
	n := 0
	for key, t := range x.byLay[layer] {
		tb := t.Bound()
		pad := (tb.Max[0] - tb.Min[0]) * float64(buffer) / Extent
		tb.Min[0], tb.Min[1], tb.Max[0], tb.Max[1] = tb.Min[0]-pad, tb.Min[1]-pad, tb.Max[0]+pad, tb.Max[1]+pad
		if tb.Intersects(bound) {
			del(key)
			delete(x.byLay[layer], key)
			n++
		}
	}
	return n
}
