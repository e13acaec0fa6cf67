package ratelimit

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

var t0 = time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)

func limiter(t testing.TB, c Config) *Limiter {
	t.Helper()
	l, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// expect fails t unless Allow(key, at) answers ok and retry.
func expect(t *testing.T, l *Limiter, key string, at time.Time, ok bool, retry time.Duration) {
	t.Helper()
	gotOK, gotRetry := l.Allow(key, at)
	if gotOK != ok || gotRetry != retry {
		t.Fatalf("%s at +%v: got %v, retry %v; want %v, retry %v", key, at.Sub(t0), gotOK, gotRetry, ok, retry)
	}
}

// A key gets its burst at once, then one request per 1/rate, with the right wait when refused.
func TestBurstRefillRetryAfter(t *testing.T) {
	l := limiter(t, Config{Rate: 2, Burst: 5, MaxKeys: 10})
	for range 5 {
		expect(t, l, "a", t0, true, 0)
	}
	expect(t, l, "a", t0, false, 500*time.Millisecond)
	expect(t, l, "a", t0.Add(100*time.Millisecond), false, 400*time.Millisecond)
	expect(t, l, "b", t0, true, 0) // keys are independent
	expect(t, l, "a", t0.Add(500*time.Millisecond), true, 0)
	expect(t, l, "a", t0.Add(500*time.Millisecond), false, 500*time.Millisecond)
	expect(t, l, "a", t0.Add(1200*time.Millisecond), true, 0)
	expect(t, l, "a", t0.Add(1200*time.Millisecond), false, 300*time.Millisecond)
	later := t0.Add(time.Hour) // refilled to the burst, not beyond
	for range 5 {
		expect(t, l, "a", later, true, 0)
	}
	expect(t, l, "a", later, false, 500*time.Millisecond)
	expect(t, l, "a", t0, false, 1*time.Hour+500*time.Millisecond) // a clock going back waits more, allows nothing
}

// A flood of distinct keys never keeps more than MaxKeys buckets; a key used meanwhile keeps its
// state while it is among the most recent MaxKeys, and starts full again once evicted.
func TestEvictionBound(t *testing.T) {
	l := limiter(t, Config{Rate: 1, Burst: 3, MaxKeys: 100})
	for range 3 {
		expect(t, l, "user", t0, true, 0)
	}
	for i := range 50 {
		l.Allow(fmt.Sprintf("10.0.0.%d", i), t0)
	}
	expect(t, l, "user", t0, false, time.Second) // still known: still exhausted
	for i := range 10000 {
		l.Allow(fmt.Sprintf("flood-%d", i), t0)
		if l.Len() > 100 {
			t.Fatalf("%d buckets after %d keys, bound 100", l.Len(), i+1)
		}
	}
	if l.Len() != 100 || l.Evicted() != 10000+51-100 {
		t.Errorf("%d buckets, %d evicted; want 100, %d", l.Len(), l.Evicted(), 10000+51-100)
	}
	expect(t, l, "user", t0, true, 0) // evicted: full again
	idle := limiter(t, Config{Rate: 1, Burst: 3, MaxKeys: 2})
	idle.Allow("a", t0)
	idle.Allow("b", t0)
	idle.Allow("c", t0.Add(time.Minute)) // a's bucket is full by then: dropping it is no eviction
	if idle.Evicted() != 0 || idle.Len() != 2 {
		t.Errorf("idle drop counted: %d evicted, %d kept", idle.Evicted(), idle.Len())
	}
}

// Concurrent requests at one instant get exactly the burst of each key.
func TestConcurrent(t *testing.T) {
	l := limiter(t, Config{Rate: 10, Burst: 20, MaxKeys: 1000})
	var allowed [4]atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				k := (g + i) % 4
				if ok, _ := l.Allow(fmt.Sprint("key", k), t0); ok {
					allowed[k].Add(1)
				}
			}
		})
	}
	wg.Wait()
	for k := range allowed {
		if n := allowed[k].Load(); n != 20 {
			t.Errorf("key%d: %d allowed at one instant, want the burst 20", k, n)
		}
	}
}

// The kept key is a copy: changing the caller's bytes afterwards does not change it.
func TestKeyCopied(t *testing.T) {
	l := limiter(t, Config{Rate: 1, Burst: 1, MaxKeys: 10})
	buf := []byte("1.2.3.4")
	l.Allow(unsafe.String(&buf[0], len(buf)), t0) // as fasthttp hands out strings over its buffers
	buf[0] = '9'
	expect(t, l, "1.2.3.4", t0, false, time.Second)
	expect(t, l, "9.2.3.4", t0, true, 0)
}

func TestConfig(t *testing.T) {
	for _, c := range []Config{{0, 1, 1}, {-1, 1, 1}, {1, 0, 1}, {1, 1, 0}, {2e9, 1, 1}, {1e-9, 1 << 30, 1}} {
		if _, err := New(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

func BenchmarkAllow(b *testing.B) {
	b.Run("one-key", func(b *testing.B) {
		l := limiter(b, Config{Rate: 1e6, Burst: 100, MaxKeys: 1000})
		now := t0
		b.ReportAllocs()
		for b.Loop() {
			now = now.Add(time.Microsecond)
			l.Allow("telecom-ops", now)
		}
	})
	b.Run("flood", func(b *testing.B) { // every request a new key: the eviction path
		l := limiter(b, Config{Rate: 1, Burst: 10, MaxKeys: 10000})
		keys := make([]string, 1<<16)
		for i := range keys {
			keys[i] = fmt.Sprintf("10.%d.%d.%d", i>>16, i>>8&255, i&255)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			l.Allow(keys[i&(len(keys)-1)], t0)
			i++
		}
	})
}

// TestRefund: a refunded request can be made again at once; refunds do not fill a bucket past
// its burst; refunding a key never seen changes nothing.
func TestRefund(t *testing.T) {
	l, err := New(Config{Rate: 1, Burst: 2, MaxKeys: 10})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1000, 0)
	for i, want := range []bool{true, true, false} {
		if ok, _ := l.Allow("a", now); ok != want {
			t.Fatalf("request %d: %v", i+1, ok)
		}
	}
	l.Refund("a")
	if ok, _ := l.Allow("a", now); !ok {
		t.Error("refused after a refund")
	}
	for range 5 {
		l.Refund("a")
	}
	got := 0
	for ok, _ := l.Allow("a", now); ok; ok, _ = l.Allow("a", now) {
		got++
	}
	if got != 2 {
		t.Errorf("%d requests allowed after five refunds, want the burst, 2", got)
	}
	l.Refund("never")
	if l.Len() != 1 {
		t.Errorf("%d buckets", l.Len())
	}
}
