package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/data/gdal"
	"github.com/cpec-digital/indus/indexes"
	"github.com/cpec-digital/indus/tiles"
)

var (
	benchOnce sync.Once
	benchSet  *indexes.Set
	benchErr  error
)

// defaultSet loads the default dataset through GDAL once for the benchmarks.
func defaultSet(b *testing.B) *indexes.Set {
	b.Helper()
	benchOnce.Do(func() {
		r := gdal.NewReader(2)
		cfg := defaultConfig()
		cfg.DataDir = b.TempDir()
		benchSet, benchErr = loadDataset(context.Background(), cfg, r, slog.New(slog.NewTextHandler(io.Discard, nil)))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchSet
}

// Area queries on the default data: a district-sized polygon (~50 km), a province (Sindh), and a
// 300 km corridor along the lower Indus with a 5 km buffer.
func BenchmarkRiskArea(b *testing.B) {
	set := defaultSet(b)
	e := analytics.NewEngine(analytics.DefaultConfig(), func() *indexes.Set { return set })
	if err := e.Warm(set); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, body string }{
		{"district", `{"geometry":{"type":"Polygon","coordinates":[[[68.6,27.5],[69.1,27.5],[69.1,27.95],[68.6,27.95],[68.6,27.5]]]}}`},
		{"province", `{"admin":{"layer":"provinces","id":"PK-SD"}}`},
		{"corridor300km", `{"corridor":{"geometry":{"type":"LineString","coordinates":[[68.86,27.70],[68.40,26.24],[68.37,25.39],[68.0,24.9]]},"buffer_m":5000}}`},
		// the benchmark suite's question: floods by class and village population only
		{"border-villages", `{"geometry":{"type":"Polygon","coordinates":[[[69.4,27.9],[70.6,28.2],[70.9,29.3],[69.8,29.1],[69.4,27.9]]]},"hazards":["flood_rp10","flood_rp25","flood_rp100"],"exposure":["villages"]}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r, err := analytics.ParseAreaRequest([]byte(bc.body))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Area(context.Background(), r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSSELatency opens 1,000 event streams on a real server, posts a burst of readings that
// each change Sukkur's warning, and reports the p50 and p99 time from sending a reading to its
// event arriving at a subscriber (fsync and fan-out included).
func BenchmarkSSELatency(b *testing.B) {
	bin := binary(b)
	env := []string{"INDUS_API_KEY=" + testKey, "INDUS_STATE_DIR=" + b.TempDir()}
	base, cmd := startProcess(b, bin, env)
	defer cmd.Process.Kill()
	const subscribers = 1000
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	arrivals := listen(ctx, base+"/warnings/stream?bbox=68,25,69.5,28", subscribers)
	sent := map[string]time.Time{}
	start := time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Second)
	n := 0
	b.ResetTimer()
	for b.Loop() {
		q := 580000
		if n%2 == 1 {
			q = 100000
		}
		t0 := time.Now()
		code, body, err := postReading(base, testKey, fmt.Sprintf(`{"station":"SKR","observed":%q,"discharge_cusecs":%d}`,
			start.Add(time.Duration(n)*time.Second).Format(time.RFC3339), q))
		if err != nil || code != 200 {
			b.Fatalf("%d %s %v", code, body, err)
		}
		var res struct {
			Accepted []struct{ Seq uint64 } `json:"accepted"`
		}
		json.Unmarshal(body, &res)
		sent[fmt.Sprint(res.Accepted[0].Seq)] = t0
		n++
	}
	b.StopTimer()
	reportLatency(b, arrivals, sent, n*subscribers)
}

// arrival is an event id received by a subscriber, and when.
type arrival struct {
	id string
	at time.Time
}

// listen opens n event streams at url and returns, once all are subscribed, the channel of the
// events they receive.
func listen(ctx context.Context, url string, n int) chan arrival {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n + 10}}
	arrivals := make(chan arrival, 1<<20)
	var ready sync.WaitGroup
	for range n {
		ready.Add(1)
		go func() {
			req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
			res, err := client.Do(req)
			if err != nil {
				ready.Done()
				return
			}
			defer res.Body.Close()
			sc := bufio.NewScanner(res.Body)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for first := true; sc.Scan(); {
				line := sc.Text()
				if first && line == ": subscribed" {
					ready.Done()
					first = false
				}
				if id, ok := strings.CutPrefix(line, "id: "); ok {
					arrivals <- arrival{id, time.Now()}
				}
			}
		}()
	}
	ready.Wait()
	return arrivals
}

// reportLatency waits for want arrivals of the events sent (id → time sent) and reports the p50
// and p99 time from sending to arrival.
func reportLatency(b *testing.B, arrivals chan arrival, sent map[string]time.Time, want int) {
	var lat []time.Duration
	deadline := time.After(30 * time.Second)
	for len(lat) < want {
		select {
		case a := <-arrivals:
			if t0, ok := sent[a.id]; ok {
				lat = append(lat, a.at.Sub(t0))
			}
		case <-deadline:
			b.Fatalf("only %d of %d events arrived", len(lat), want)
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(lat)), "events")
}

// BenchmarkDefaultTilesCold draws composite tiles of the default data with the cache off: the
// benchmark suite's layer set, at the zooms of a map session over the Indus plain.
func BenchmarkDefaultTilesCold(b *testing.B) {
	set := defaultSet(b)
	ts, err := tiles.New(tiles.Config{CacheBytes: -1}, func() *indexes.Set { return set }, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	layers := []string{"flood_rp100", "rivers", "villages", "provinces"}
	for _, z := range []maptile.Zoom{6, 8, 10, 12, 14} {
		b.Run(fmt.Sprintf("z%d", z), func(b *testing.B) {
			t := maptile.At(orb.Point{68.4, 26.2}, z)
			req := tiles.Request{Layers: layers, Z: uint32(z), X: t.X, Y: t.Y}
			b.ReportAllocs()
			var size int
			for b.Loop() {
				tile, err := ts.Tile(context.Background(), req)
				if err != nil {
					b.Fatal(err)
				}
				size = len(tile.Gzip)
			}
			b.ReportMetric(float64(size), "gzip-bytes")
		})
	}
}
