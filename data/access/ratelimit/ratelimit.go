// Package ratelimit limits the requests of each key (an API key's id, a client address) to a
// rate with a burst, keeping at most a fixed number of keys.
//
// Each key is a token bucket kept as one number, its theoretical arrival time (the generic cell
// rate algorithm): a request at now is allowed if, once it is counted, the bucket is not more than
// Burst requests ahead of now. Buckets refill lazily when they are asked, so no goroutine runs.
// A bucket whose time has passed is full: dropping it changes nothing. When MaxKeys buckets are
// kept and a new key comes, the least recently used bucket is dropped — full or not, so that a
// flood of distinct addresses cannot grow memory; Evicted counts the buckets dropped before they
// were full (under such a flood, an evicted key starts again with a full burst).
package ratelimit

import (
	"errors"
	"math"
	"strings"
	"sync"
	"time"
)

// Config is a Limiter's rate, burst and bound on keys.
type Config struct {
	Rate    float64 // requests per second each key may sustain, > 0
	Burst   int     // requests a key may make at once, ≥ 1
	MaxKeys int     // buckets kept at most, ≥ 1
}

// Limiter is a set of token buckets keyed by string. Safe for concurrent use.
type Limiter struct {
	interval int64 // nanoseconds per request: 1/Rate
	ahead    int64 // nanoseconds a bucket may run ahead of now: Burst × interval
	max      int

	mu      sync.Mutex
	buckets map[string]*bucket
	lru     bucket // sentinel of a circular list, most recently used next
	evicted uint64
}

// bucket is one key's state: its theoretical arrival time, and its place in the LRU list.
type bucket struct {
	key        string
	tat        int64 // Unix nanoseconds
	prev, next *bucket
}

// New returns a Limiter for c.
func New(c Config) (*Limiter, error) {
	if !(c.Rate > 0) || math.IsInf(c.Rate, 0) || c.Burst < 1 || c.MaxKeys < 1 {
		return nil, errors.New("ratelimit: rate must be > 0 and finite, burst and max keys ≥ 1")
	}
	interval := float64(time.Second) / c.Rate
	if interval < 1 || interval*float64(c.Burst) > math.MaxInt64/2 {
		return nil, errors.New("ratelimit: rate × burst out of range (rate at most 1e9 per second, burst / rate under 100 years)")
	}
	l := &Limiter{interval: int64(interval), ahead: int64(interval) * int64(c.Burst), max: c.MaxKeys,
		buckets: make(map[string]*bucket, min(c.MaxKeys, 1<<16))}
	l.lru.prev, l.lru.next = &l.lru, &l.lru
	return l, nil
}

// Allow counts a request of key at now and says whether it is allowed; if not, retryAfter is how
// long until it would be (round it up for an HTTP Retry-After in seconds). A refused request does
// not use up the bucket. key is copied when kept, so it may be a view of a reused buffer.
func (l *Limiter) Allow(key string, now time.Time) (ok bool, retryAfter time.Duration) {
	t := now.UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		b = l.add(key, t)
	} else {
		b.unlink()
	}
	l.lru.push(b)
	next := max(b.tat, t) + l.interval
	if wait := next - t - l.ahead; wait > 0 {
		return false, time.Duration(wait)
	}
	b.tat = next
	return true, 0
}

// Refund gives back one request of key that was allowed (one that, it turned out, should not have
// counted): its bucket is one request fuller. A bucket is never fuller than full (whatever its
// time, a request starts from now), and a key not kept is full already.
func (l *Limiter) Refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.buckets[key]; b != nil {
		b.tat -= l.interval
	}
}

// add makes a full bucket for key, dropping the least recently used one when MaxKeys are kept.
func (l *Limiter) add(key string, t int64) *bucket {
	var b *bucket
	if len(l.buckets) >= l.max {
		b = l.lru.prev
		b.unlink()
		delete(l.buckets, b.key)
		if b.tat > t {
			l.evicted++
		}
	} else {
		b = &bucket{}
	}
	*b = bucket{key: strings.Clone(key), tat: t}
	l.buckets[b.key] = b
	return b
}

func (b *bucket) unlink() {
	b.prev.next, b.next.prev = b.next, b.prev
	b.prev, b.next = nil, nil
}

// push puts b first after the sentinel s.
func (s *bucket) push(b *bucket) {
	b.prev, b.next = s, s.next
	s.next.prev = b
	s.next = b
}

// Len is the number of buckets kept.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// Evicted is the number of buckets dropped to make room before they were full: a measure of how
// many distinct keys are competing for MaxKeys.
func (l *Limiter) Evicted() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.evicted
}
