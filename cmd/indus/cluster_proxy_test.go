package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// TestClusterBehindProxy runs PostgreSQL, three replicas sharing it and HAProxy in front: a
// reading posted through the proxy reaches event stream subscribers on every replica with the
// same id, every replica serves the same warning (JSON, CAP, Atom) and the same tile ETags;
// during a burst of readings one replica is killed with SIGKILL and started again, and no
// acknowledged reading is lost, its subscribers resume through the proxy with Last-Event-ID and
// miss no event; with PostgreSQL gone a reading is a 503 and reads go on.
func TestClusterBehindProxy(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var fs []*follower
	follow := func(first string) *follower {
		f, ready := &follower{}, make(chan struct{})
		go f.run(ctx, client, first, c.proxy, ready)
		select {
		case <-ready:
		case <-time.After(10 * time.Second):
			t.Fatalf("no event stream at %s", first)
		}
		fs = append(fs, f)
		return f
	}
	for _, a := range c.addrs {
		follow("http://" + a)
		follow("http://" + a)
	}
	for range 3 {
		follow(c.proxy)
	}
	ref, onKilled := fs[0], fs[2:4] // a subscriber of replica 0, never killed; those of replica 1

	now := time.Now().UTC().Truncate(time.Second)
	seq := postAcked(t, c.proxy, fmt.Sprintf(`{"station":"SKR","observed":%q,"discharge_cusecs":580000}`, now.Format(time.RFC3339)))
	caughtUp(t, seq, c.addrs...)
	for i, f := range fs {
		if got := waitEvents(f, 0, 1); !slices.Equal(got, []uint64{seq}) {
			t.Errorf("subscriber %d got events %v, want [%d]", i, got, seq)
		}
	}
	sameEverywhere(t, c, "/warnings", "/warnings/PK-INDUS-SKR-"+fmt.Sprint(seq)+".1.cap", "/warnings.atom")
	sameTile(t, c, maptile.At(orb.Point{68.6, 26.5}, 6))

	acked := burst(t, c, now.Add(-10*24*time.Hour), seq)
	var last uint64
	for _, s := range acked {
		last = max(last, s)
	}
	caughtUp(t, last, c.addrs...)
	want := ref.after(seq)
	for k, s := range acked {
		if !slices.Contains(want, s) {
			t.Errorf("acknowledged reading %s (seq %d) has no event", k, s)
		}
	}
	if !slices.IsSorted(want) || len(want) != len(acked) {
		t.Errorf("reference subscriber: %d events for %d readings, in order: %v", len(want), len(acked), slices.IsSorted(want))
	}
	for i, f := range fs {
		if got := waitEvents(f, seq, len(want)); !slices.Equal(got, want) || f.resets > 0 {
			t.Errorf("subscriber %d: %d events (%d resets), want the reference's %d", i, len(got), f.resets, len(want))
		}
	}
	for i, f := range onKilled {
		if f.reconnects == 0 {
			t.Errorf("subscriber %d of the killed replica never reconnected", i)
		}
	}
	readingsEverywhere(t, c, acked)
	sameEverywhere(t, c, "/warnings", "/warnings.atom")

	c.pg.Stop() // PostgreSQL goes away: writes are refused quickly, reads go on
	t0 := time.Now()
	code, body, err := postReading("http://"+c.addrs[0], testKey, fmt.Sprintf(`{"station":"SKR","observed":%q,"discharge_cusecs":1}`, now.Add(time.Second).Format(time.RFC3339)))
	if err != nil || code != 503 || !strings.Contains(string(body), `"error":"state database unavailable"`) || time.Since(t0) > 10*time.Second {
		t.Errorf("a reading without PostgreSQL: %d %s %v after %s", code, body, err, time.Since(t0))
	}
	if code, _, _ := get(t, "http://"+c.addrs[0]+"/warnings"); code != 200 {
		t.Errorf("GET /warnings without PostgreSQL: %d", code)
	}
}

// burst posts 4 × 40 readings through the proxy from four clients (each alternating a station
// between Exceptionally High and Normal, so that every reading issues a version), kills replica
// 1 with SIGKILL after 40 acknowledgements and starts it again after 100. It returns the seq of
// every acknowledged reading by station@observed.
func burst(t *testing.T, c *cluster, from time.Time, after uint64) map[string]uint64 {
	var mu sync.Mutex
	acked := map[string]uint64{}
	var done atomic.Int64
	var wg sync.WaitGroup
	for _, st := range []string{"TRB", "KLB", "CHS", "TNS"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				q := 2000000
				if i%2 == 1 {
					q = 1000
				}
				obs := from.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)
				s := postAcked(t, c.proxy, fmt.Sprintf(`{"station":%q,"observed":%q,"discharge_cusecs":%d}`, st, obs, q))
				mu.Lock()
				acked[st+"@"+obs] = s
				mu.Unlock()
				done.Add(1)
			}
		}()
	}
	for done.Load() < 40 {
		time.Sleep(5 * time.Millisecond)
	}
	c.cmds[1].Process.Kill() // SIGKILL mid-burst
	for done.Load() < 100 {
		time.Sleep(5 * time.Millisecond)
	}
	c.restart(t, 1)
	wg.Wait()
	t.Logf("burst: %d readings acknowledged; replica 1 killed after 40 and started again after 100", len(acked))
	return acked
}

// waitEvents waits up to 10 s for n events above seq at f and returns them.
func waitEvents(f *follower, seq uint64, n int) []uint64 {
	for range 500 {
		if got := f.after(seq); len(got) >= n {
			time.Sleep(50 * time.Millisecond) // and no more than n
			return f.after(seq)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return f.after(seq)
}

// sameEverywhere checks that every replica answers each path with the same bytes.
func sameEverywhere(t *testing.T, c *cluster, paths ...string) {
	t.Helper()
	for _, p := range paths {
		var first []byte
		for i, a := range c.addrs {
			code, _, b := get(t, "http://"+a+p)
			if code != 200 {
				t.Errorf("replica %d %s: %d %s", i, p, code, b)
			} else if i > 0 && string(b) != string(first) {
				t.Errorf("replica %d answers %s differently:\n%.300s\nreplica 0:\n%.300s", i, p, b, first)
			}
			if i == 0 {
				first = b
			}
		}
	}
}

// sameTile checks that the tile of the warnings over the provinces has one ETag on every replica
// and through the proxy.
func sameTile(t *testing.T, c *cluster, tl maptile.Tile) {
	t.Helper()
	path := fmt.Sprintf("/tiles/provinces,warnings/%d/%d/%d.mvt", tl.Z, tl.X, tl.Y)
	var urls []string
	for _, a := range c.addrs {
		urls = append(urls, "http://"+a+path)
	}
	urls = append(urls, c.proxy+path, c.proxy+path, c.proxy+path)
	var tags []string
	for _, u := range urls {
		code, h, _ := get(t, u)
		if code != 200 || h.Get("ETag") == "" || h.Get("ETag") == `"empty"` {
			t.Fatalf("%s: %d ETag %q", u, code, h.Get("ETag"))
		}
		tags = append(tags, h.Get("ETag"))
	}
	if u := slices.Compact(slices.Clone(tags)); len(u) != 1 {
		t.Errorf("tile ETags differ: %v", tags)
	}
}

// readingsEverywhere checks that every replica lists every acknowledged reading.
func readingsEverywhere(t *testing.T, c *cluster, acked map[string]uint64) {
	t.Helper()
	for i, a := range c.addrs {
		found := listedReadings(t, "http://"+a, []string{"TRB", "KLB", "CHS", "TNS"})
		lost := 0
		for k := range acked {
			if !found[k] {
				lost++
			}
		}
		if lost > 0 {
			t.Errorf("replica %d lacks %d of %d acknowledged readings", i, lost, len(acked))
		}
	}
}
