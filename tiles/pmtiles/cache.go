package pmtiles

import (
	"container/list"
	"context"
	"errors"
	"sync"
)

// cache keeps recently used leaf directories, up to a budget of entries, and loads each
// missing one once however many callers want it at the same time.
type cache struct {
	mu    sync.Mutex
	limit int // entries held at most; the newest directory is kept even if larger
	used  int
	order list.List // of *leaf, most recently used first
	items map[uint64]*list.Element
	calls map[uint64]*call
}

// leaf is one cached directory, keyed by its offset in the leaf section.
type leaf struct {
	key uint64
	dir []entry
}

// call is a load under way.
type call struct {
	done chan struct{}
	dir  []entry
	err  error
}

// newCache returns a cache holding up to limit entries.
func newCache(limit int) *cache {
	return &cache{limit: limit, items: map[uint64]*list.Element{}, calls: map[uint64]*call{}}
}

// get returns the directory at key, calling load if no one holds or is loading it.
func (c *cache) get(ctx context.Context, key uint64, load func(context.Context) ([]entry, error)) ([]entry, error) {
	for {
		c.mu.Lock()
		if el, ok := c.items[key]; ok {
			c.order.MoveToFront(el)
			c.mu.Unlock()
			return el.Value.(*leaf).dir, nil
		}
		cl, ok := c.calls[key]
		if !ok {
			cl = &call{done: make(chan struct{})}
			c.calls[key] = cl
			c.mu.Unlock()
			return c.fill(ctx, key, cl, load)
		}
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-cl.done:
		}
		// A load abandoned by its own caller's context is retried under this one.
		if cl.err == nil || !(errors.Is(cl.err, context.Canceled) || errors.Is(cl.err, context.DeadlineExceeded)) {
			return cl.dir, cl.err
		}
	}
}

// fill runs load for key on behalf of every caller waiting on cl.
func (c *cache) fill(ctx context.Context, key uint64, cl *call, load func(context.Context) ([]entry, error)) ([]entry, error) {
	cl.dir, cl.err = load(ctx)
	c.mu.Lock()
	delete(c.calls, key)
	if cl.err == nil {
		c.add(key, cl.dir)
	}
	c.mu.Unlock()
	close(cl.done)
	return cl.dir, cl.err
}

// add stores dir and evicts the least recently used directories over the budget.
func (c *cache) add(key uint64, dir []entry) {
	c.items[key] = c.order.PushFront(&leaf{key: key, dir: dir})
	c.used += len(dir)
	for c.used > c.limit && c.order.Len() > 1 {
		old := c.order.Remove(c.order.Back()).(*leaf)
		delete(c.items, old.key)
		c.used -= len(old.dir)
	}
}
