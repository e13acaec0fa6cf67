package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cpec-digital/indus/analytics/warnings"
	"github.com/cpec-digital/indus/cmd/indus/internal/metrics"
	"github.com/cpec-digital/indus/indexes"
)

// observed is one request as an observer heard it.
type observed struct {
	route, method string
	status        int
}

// recorder is a RequestObserver that keeps what it hears; hold, when set, is called first (a
// test makes requests slow with it).
type recorder struct {
	mu   sync.Mutex
	seen []observed
	hold func(route string)
}

func (r *recorder) ObserveRequest(route, method string, status int, took time.Duration) {
	if r.hold != nil {
		r.hold(route)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if took <= 0 {
		panic("no duration")
	}
	r.seen = append(r.seen, observed{route, method, status})
}

func (r *recorder) all() []observed {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

// The observer hears the route pattern (never the raw path), the method and the final status,
// errors included; requests no route served are "unmatched".
func TestObserverHearsRoutePatterns(t *testing.T) {
	rec := &recorder{}
	base := start(t, newServer(t, Config{Observer: rec}, testSet()))
	for _, p := range []string{"/tiles/villages/3/5/3.mvt", "/tiles/villages/3/5/3.mvt", "/tiles/villages/99/0/0.mvt",
		"/collections/villages", "/", "/no/such/thing", "/metrics"} {
		get(t, base+p, nil)
	}
	if res, err := http.Post(base+"/", "text/plain", nil); err == nil {
		res.Body.Close()
	}
	req, _ := http.NewRequest(http.MethodOptions, base+"/tiles/villages/3/5/3.mvt", nil)
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
	}
	tile := "/tiles/:layers/:z/:x/:y.:ext"
	want := []observed{{tile, "GET", 200}, {tile, "GET", 200}, {tile, "GET", 400}, {"/collections/:id", "GET", 200},
		{"/", "GET", 200}, {Unmatched, "GET", 404},
		{Unmatched, "GET", 404},  // no metrics handler: /metrics is no route
		{Unmatched, "POST", 405}, // POST /: the landing page is GET and HEAD only
		{Unmatched, "OPTIONS", 204}}
	if got := rec.all(); !slices.Equal(got, want) {
		t.Errorf("observed\n%v\nwant\n%v", got, want)
	}
}

// GET /ready: 200 when ready, 503 with the reason the wiring gives, and "shutting down" once
// Shutdown has begun.
func TestReady(t *testing.T) {
	var reason atomic.Value
	reason.Store("")
	s := newServer(t, Config{Readiness: func() string { return reason.Load().(string) }}, testSet())
	base := start(t, s)
	var body readyJSON
	if code, _ := get(t, base+"/ready", &body); code != 200 || !body.Ready || body.DataVersion != "v1" {
		t.Fatalf("ready: %d %+v", code, body)
	}
	reason.Store("reloading")
	body = readyJSON{}
	if code, hdr := get(t, base+"/ready", &body); code != 503 || body.Ready || body.Reason != "reloading" || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("reloading: %d %+v", code, body)
	}
	if code, _ := get(t, base+"/health", nil); code != 200 {
		t.Errorf("/health is the liveness document: %d while reloading", code)
	}
	reason.Store("")
	s.closed.Store(true) // as Shutdown does first (after it the listener is gone)
	body = readyJSON{}
	if code, _ := get(t, base+"/ready", &body); code != 503 || body.Reason != ReasonShuttingDown {
		t.Fatalf("shutting down: %d %+v", code, body)
	}
}

// The server that answers while the data load: 503 everywhere with the reason, /metrics served.
func TestStarting(t *testing.T) {
	m := metrics.New()
	reason := "loading"
	base := start(t, Starting(Config{Metrics: m.Handler(), Observer: m, Readiness: func() string { return reason }}, slog.New(slog.DiscardHandler)))
	var body readyJSON
	if code, _ := get(t, base+"/ready", &body); code != 503 || body.Reason != "loading" {
		t.Fatalf("/ready: %d %+v", code, body)
	}
	var health map[string]any
	if code, _ := get(t, base+"/health", &health); code != 503 || health["status"] != "starting" {
		t.Fatalf("/health: %d %v", code, health)
	}
	var e errorBody
	if code, _ := get(t, base+"/catalog", &e); code != 503 || e.Error != "starting" {
		t.Fatalf("/catalog: %d %+v", code, e)
	}
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), `indus_http_requests_total{method="GET",route="unmatched",status="503"} 3`) {
		t.Fatalf("/metrics: %d\n%s", res.StatusCode, b)
	}
}

// Shutdown lets a request in flight finish and ends event streams with a last "shutdown" event.
func TestShutdownDrainsAndEndsStreams(t *testing.T) {
	served := indexes.NewServed(gaugeSet())
	w, err := warnings.New(warnings.DefaultConfig(filepath.Join(t.TempDir(), "j")), served, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	inFlight, release := make(chan struct{}), make(chan struct{})
	rec := &recorder{hold: func(route string) {
		if route == "/catalog" {
			close(inFlight)
			<-release
		}
	}}
	s := newServerOn(t, Config{Observer: rec}, served.Load, w)
	base := start(t, s)
	stream, err := http.Get(base + "/warnings/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	lines := bufio.NewScanner(stream.Body)
	for lines.Scan() && lines.Text() != ": subscribed" {
	}
	slow := make(chan *http.Response, 1)
	go func() {
		res, err := http.Get(base + "/catalog")
		if err != nil {
			t.Error(err)
		}
		slow <- res
	}()
	<-inFlight // the answer is made, not yet sent
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		done <- s.Shutdown(ctx)
	}()
	var event, data string
	for lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "event: "); ok {
			event = v
		}
		if v, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
			data = v
		}
	}
	var msg struct{ Reason string }
	if event != "shutdown" || json.Unmarshal([]byte(data), &msg) != nil || msg.Reason == "" {
		t.Fatalf("last event %q %q, want shutdown with a reason", event, data)
	}
	close(release)
	res := <-slow
	if res == nil {
		t.Fatal("the request in flight failed")
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !json.Valid(b) || !strings.Contains(string(b), `"villages"`) {
		t.Fatalf("the request in flight: %d %.200s", res.StatusCode, b)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// BenchmarkTileHitObserved is BenchmarkTileHit's cached tile with and without the Prometheus
// request metrics: the difference is what observing costs a request.
func BenchmarkTileHitObserved(b *testing.B) {
	for _, m := range []struct {
		name string
		obs  RequestObserver
	}{{"plain", nil}, {"metrics", metrics.New()}} {
		s := newServer(b, Config{Observer: m.obs}, compositeSet())
		h := s.app.Handler()
		hc := inmemory(b, h)
		var urls []string
		for _, u := range tileURLs() {
			if r := do(b, hc, u, "Accept-Encoding", "gzip"); r.StatusCode() == 200 {
				urls = append(urls, u)
			}
		}
		s.tiles.Wait()
		b.Run("handler/"+m.name, func(b *testing.B) { benchHandler(b, h, urls) })
		b.Run("conn/"+m.name, func(b *testing.B) { benchConn(b, inmemory(b, h), urls) })
	}
}
