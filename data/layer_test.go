package data

import (
	"testing"

	"github.com/paulmach/orb"
)

// Find agrees with ID for ids stored as a sequence and as codes, and finds nothing else.
func TestLayerFind(t *testing.T) {
	spec := &LayerSpec{ID: "p"}
	for name, ids := range map[string][]uint64{
		"sequence": {7, 8, 9, 10},
		"codes":    {40, 3, 1 << 40, 12},
		"one":      {0},
	} {
		var feats []Feature
		for k, id := range ids {
			feats = append(feats, Feature{ID: id, Geometry: orb.Point{float64(k), 1}})
		}
		l := NewLayer(spec, feats)
		if seq := l.ids.codes.width() == 0; seq != (name != "codes") {
			t.Fatalf("%s: stored as a sequence: %v", name, seq)
		}
		for i, id := range ids {
			if got, ok := l.Find(id); !ok || got != i || l.ID(got) != id {
				t.Errorf("%s: Find(%d) = %d, %v; want %d", name, id, got, ok, i)
			}
		}
		for _, id := range []uint64{2, 11, 1<<40 + 1, 1 << 63, ^uint64(0)} {
			if i, ok := l.Find(id); ok && l.ID(i) != id {
				t.Errorf("%s: Find(%d) = %d (id %d)", name, id, i, l.ID(i))
			} else if ok {
				t.Errorf("%s: found %d, which is not in %v", name, id, ids)
			}
		}
	}
}
