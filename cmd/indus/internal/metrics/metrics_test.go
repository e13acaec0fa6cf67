package metrics

import (
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cpec-digital/indus/analytics/warnings"
	"github.com/cpec-digital/indus/data/fault"
	"github.com/cpec-digital/indus/tiles"
)

// Requests are counted by route, method and status from many goroutines, and a label set seen
// before costs no allocation.
func TestObserveRequest(t *testing.T) {
	m := New()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				m.ObserveRequest("/tiles/:layers/:z/:x/:y.:ext", "GET", 200+g%2*204, time.Duration(i)*time.Microsecond)
			}
		}()
	}
	wg.Wait()
	body := scrape(t, m)
	for _, want := range []string{`indus_http_requests_total{method="GET",route="/tiles/:layers/:z/:x/:y.:ext",status="200"} 200`,
		`indus_http_requests_total{method="GET",route="/tiles/:layers/:z/:x/:y.:ext",status="404"} 200`,
		`indus_http_request_duration_seconds_count{route="/tiles/:layers/:z/:x/:y.:ext"} 400`} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("missing %s", want)
		}
	}
	if a := testing.AllocsPerRun(100, func() { m.ObserveRequest("/tiles/:layers/:z/:x/:y.:ext", "GET", 200, time.Millisecond) }); a != 0 {
		t.Errorf("%v allocations per request", a)
	}
}

// The collectors read the services' counters at scrape time; the exposition is the text format.
func TestCollectors(t *testing.T) {
	m := New()
	var st tiles.Stats
	st.Hits, st.Misses, st.Evicted, st.Entries, st.CostBytes = 7, 3, 1, 2, 4096
	st.ByZoom[12] = tiles.ZoomStats{Computed: 3, Bytes: 9000}
	m.Tiles(func() tiles.Stats { return st })
	m.Warnings(func() warnings.Stats {
		return warnings.Stats{Accepted: 5, Refused: map[fault.Kind]uint64{fault.KindInvalid: 2}, Subscribers: 4, EventsDropped: 1}
	})
	version := "a"
	m.Data(func() string { return version })
	m.Loaded(1500*time.Millisecond, time.Unix(1700000000, 0), nil)
	m.Loaded(time.Second, time.Now(), errors.New("broken catalog"))
	m.ObserveRisk("area", 3*time.Millisecond)
	m.ObserveFsync(time.Millisecond)
	version = "b" // a reload: the label follows, the old one is gone
	body := scrape(t, m)
	for _, want := range []string{"indus_tile_cache_hits_total 7\n", "indus_tile_cache_misses_total 3\n", "indus_tile_cache_evictions_total 1\n",
		"indus_tile_cache_bytes 4096\n", `indus_tiles_computed_total{zoom="12"} 3` + "\n", `indus_tiles_computed_bytes_total{zoom="12"} 9000` + "\n",
		"indus_readings_accepted_total 5\n", `indus_readings_refused_total{reason="invalid"} 2` + "\n", "indus_sse_subscribers 4\n",
		"indus_sse_events_dropped_total 1\n", `indus_data_info{version="b"} 1` + "\n", "indus_data_load_duration_seconds 1.5\n",
		"indus_data_load_timestamp_seconds 1.7e+09\n", `indus_data_loads_total{result="failed"} 1` + "\n",
		`indus_risk_query_duration_seconds_count{kind="area"} 1` + "\n", "indus_journal_fsync_duration_seconds_count 1\n", "go_goroutines "} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %q", want)
		}
	}
	if strings.Contains(body, `version="a"`) || strings.Contains(body, `zoom="11"`) {
		t.Error("a stale data version or a zoom never drawn is exported")
	}
}

// scrape returns the exposition m serves.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics: %d", rec.Code)
	}
	return rec.Body.String()
}
