package tiles

import "github.com/paulmach/orb/maptile"

// Cache holds made tiles by key (a hash of the selection and the tile: see tileKey). The Service
// asks it on every request, so Get is the hit path and must not allocate. Implementations are safe
// for concurrent use. NewRistretto is the in-process one; a cache shared between replicas would be
// another. Which cached keys hold which layers is the Service's own invalidation index, not the
// cache's business.
type Cache interface {
	// Get returns the entry stored under key. Keys may collide (rarely): the entry says what it holds.
	Get(key uint64) (*Entry, bool)
	// Set stores e under key at cost bytes. It may refuse (false), and it may apply later (see Wait).
	Set(key uint64, e *Entry, cost int64) bool
	// Delete drops key; Clear drops every key.
	Delete(key uint64)
	Clear()
	// Wait blocks until the writes made before it are seen by Get.
	Wait()
	// Stats counts what the cache holds and what left it.
	Stats() CacheStats
	// Close releases the cache.
	Close()
}

// Entry is a cached tile with what it is the tile of: the selection's canonical text and the tile.
type Entry struct {
	Canon string
	At    maptile.Tile
	Tile  *Tile
}

// CacheStats are a cache's own counters.
type CacheStats struct {
	Entries   int    // held now
	CostBytes int64  // held now
	Evicted   uint64 // entries that left the cache: dropped to make room, or deleted
}
