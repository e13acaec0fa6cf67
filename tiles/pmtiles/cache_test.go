package pmtiles

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newCache(10)
	ctx := context.Background()
	loads := 0
	get := func(key uint64, size int) {
		c.get(ctx, key, func(context.Context) ([]entry, error) {
			loads++
			return make([]entry, size), nil
		})
	}
	get(1, 4)
	get(2, 4)
	get(1, 4) // 1 is now the most recent
	get(3, 4) // over budget: 2 goes
	if loads != 3 || c.used != 8 || c.items[2] != nil || c.items[1] == nil {
		t.Fatalf("loads %d, used %d, holds 1: %v, 2: %v", loads, c.used, c.items[1] != nil, c.items[2] != nil)
	}
	get(4, 50) // larger than the budget: kept alone
	if c.order.Len() != 1 || c.used != 50 {
		t.Fatalf("%d directories, %d entries held", c.order.Len(), c.used)
	}
}

// Callers that want the same missing directory at once share one load.
func TestCacheLoadsOnce(t *testing.T) {
	c := newCache(100)
	var loads atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			dir, err := c.get(context.Background(), 7, func(context.Context) ([]entry, error) {
				loads.Add(1)
				time.Sleep(20 * time.Millisecond)
				return []entry{{id: 7, length: 1, run: 1}}, nil
			})
			if err != nil || len(dir) != 1 {
				t.Error(dir, err)
			}
		})
	}
	wg.Wait()
	if loads.Load() != 1 {
		t.Fatalf("%d loads, want 1", loads.Load())
	}
}

// A load cancelled by its caller's context is retried for a waiter whose context is live.
func TestCacheRetriesCancelledLoad(t *testing.T) {
	c := newCache(100)
	cancelled, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	go c.get(cancelled, 7, func(ctx context.Context) ([]entry, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	<-started
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	dir, err := c.get(context.Background(), 7, func(context.Context) ([]entry, error) {
		return []entry{{id: 7, length: 1, run: 1}}, nil
	})
	if err != nil || len(dir) != 1 {
		t.Fatalf("waiter got %v, %v", dir, err)
	}
}
