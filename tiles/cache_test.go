package tiles

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/cpec-digital/indus/indexes"
)

// mapCache is a Cache in a map that records the calls it gets: what a shared cache would see.
type mapCache struct {
	mu     sync.Mutex
	m      map[uint64]*Entry
	calls  []string
	closed bool
}

func (c *mapCache) log(call string) { c.calls = append(c.calls, call) }

func (c *mapCache) Get(key uint64) (*Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	return e, ok
}

func (c *mapCache) Set(key uint64, e *Entry, cost int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = e
	c.log("set")
	return true
}

func (c *mapCache) Delete(key uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
	c.log("delete")
}

func (c *mapCache) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
	c.log("clear")
}

func (c *mapCache) Wait() {}

func (c *mapCache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return CacheStats{Entries: len(c.m), CostBytes: 1000 * int64(len(c.m)), Evicted: 7}
}

func (c *mapCache) Close() { c.closed = true }

// The Service keeps its tiles in the Cache it is given: a miss is set once under the tile's entry,
// hits come from Get, Invalidate deletes exactly the tiles it drops, Stats reads the cache's own
// counters, and Close closes it.
func TestServiceUsesTheCacheGiven(t *testing.T) {
	c := &mapCache{m: map[uint64]*Entry{}}
	set := setOf(layerOf("flood", 0, 14, classField, randomPolygons(500, 5)))
	s, err := New(Config{Cache: c, CacheBytes: -1}, func() *indexes.Set { return set }, nil)
	if err != nil {
		t.Fatal(err)
	}
	west := Request{Layers: []string{"flood"}, Z: 6, X: 43, Y: 26}
	east := Request{Layers: []string{"flood"}, Z: 6, X: 46, Y: 26}
	w, _ := s.Tile(context.Background(), west)
	s.Tile(context.Background(), east)
	again, ok, err := s.Cached(west)
	if !ok || err != nil || again != w {
		t.Fatalf("the western tile is not served from the cache given: %v %v", ok, err)
	}
	var e *Entry
	for _, v := range c.m {
		if v.Tile == w {
			e = v
		}
	}
	if e == nil || e.At != maptile.New(43, 26, 6) || e.Canon == "" {
		t.Fatalf("entry of the western tile: %+v", e)
	}
	wb := maptile.New(43, 26, 6).Bound()
	if n := s.Invalidate("flood", orb.Bound{Min: wb.Center(), Max: wb.Center()}); n != 1 {
		t.Fatalf("Invalidate dropped %d tiles, want 1", n)
	}
	if _, ok, _ := s.Cached(west); ok {
		t.Error("the invalidated tile is still cached")
	}
	if _, ok, _ := s.Cached(east); !ok {
		t.Error("the eastern tile left the cache")
	}
	st := s.Stats()
	if !slices.Equal(c.calls, []string{"set", "set", "delete"}) || st.Entries != 1 || st.CostBytes != 1000 || st.Evicted != 7 ||
		st.Hits != 2 || st.Computed != 2 || st.Invalidated != 1 || !st.Enabled {
		t.Errorf("calls %v, stats %+v", c.calls, st)
	}
	s.Close()
	if !c.closed {
		t.Error("Close did not close the cache")
	}
}

// The invalidation index bounds the keys it holds: past maxTracked it starts again empty and
// says so, so that the cache is cleared with it.
func TestInvalidationIndexBounded(t *testing.T) {
	set := setOf(layerOf("flood", 0, 14, nil, nil))
	l, _ := set.Layer("flood")
	x := newInvalidation()
	x.tracked = maxTracked - 1
	if x.add(1, maptile.New(0, 0, 1), []*indexes.Layer{l}) {
		t.Fatal("reset before the bound")
	}
	if !x.add(2, maptile.New(1, 0, 1), []*indexes.Layer{l}) || x.tracked != 0 || len(x.byLay["flood"]) != 1 {
		t.Fatalf("past the bound: tracked %d, keys %v", x.tracked, x.byLay["flood"])
	}
	epochs := x.epochs([]*indexes.Layer{l})
	if n := x.drop("flood", orb.Bound{Min: orb.Point{170, 70}, Max: orb.Point{179, 80}}, 64, func(uint64) {}); n != 1 {
		t.Errorf("drop in the north-east of tile 1/1/0 dropped %d", n)
	}
	if x.current([]*indexes.Layer{l}, epochs) {
		t.Error("an invalidation left the epoch as it was")
	}
}
