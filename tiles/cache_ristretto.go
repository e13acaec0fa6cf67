package tiles

import "github.com/dgraph-io/ristretto/v2"

// ristrettoCache is the in-process Cache: ristretto, bounded in bytes, admitting by TinyLFU.
// It is the only file that knows ristretto.
type ristrettoCache struct {
	c *ristretto.Cache[uint64, *Entry]
}

// NewRistretto returns an in-process cache of at most maxBytes (the tiles' gzip bytes plus 200
// bytes of bookkeeping each). Its writes apply asynchronously: Wait makes them visible.
func NewRistretto(maxBytes int64) (Cache, error) {
	c, err := ristretto.NewCache(&ristretto.Config[uint64, *Entry]{
		NumCounters:        max(maxBytes/1000, 10_000), // ~10x the number of tiles expected
		MaxCost:            maxBytes,
		BufferItems:        64,
		IgnoreInternalCost: true,
		Metrics:            true,
	})
	if err != nil {
		return nil, err
	}
	return ristrettoCache{c}, nil
}

func (r ristrettoCache) Get(key uint64) (*Entry, bool) { return r.c.Get(key) }

func (r ristrettoCache) Set(key uint64, e *Entry, cost int64) bool { return r.c.Set(key, e, cost) }

func (r ristrettoCache) Delete(key uint64) { r.c.Del(key) }

func (r ristrettoCache) Clear() { r.c.Clear() }

func (r ristrettoCache) Wait() { r.c.Wait() }

func (r ristrettoCache) Close() { r.c.Close() }

func (r ristrettoCache) Stats() CacheStats {
	m := r.c.Metrics
	return CacheStats{Entries: int(m.KeysAdded() - m.KeysEvicted()), CostBytes: int64(m.CostAdded()) - int64(m.CostEvicted()),
		Evicted: m.KeysEvicted()}
}
