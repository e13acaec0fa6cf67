// Package metrics exports Indus's counters in the Prometheus text format. It builds its own
// registry (no global one), reads the services' Stats() at every scrape (tile cache, readings,
// event streams, data version) and provides the hooks that the services call for durations (risk
// queries, journal fsyncs, data loads) and that the HTTP server calls for each request. It imports
// no Fiber, and no domain package imports it: only cmd/indus wires it.
package metrics

import (
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Latency buckets, in seconds: from a cached tile (tens of µs) to a deadline (20 s).
var (
	requestBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20}
	fsyncBuckets   = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1}
)

// Metrics is the registry and the hooks that feed it. Its methods are safe for concurrent use.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	risk     *prometheus.HistogramVec
	fsync    prometheus.Histogram
	loads    *prometheus.CounterVec
	loadSecs prometheus.Gauge
	loadedAt prometheus.Gauge
	status   [600]string // status codes as label values, made once (strconv allocates above 99)

	mu   sync.Mutex                            // serializes additions to seen
	seen atomic.Pointer[map[reqKey]reqMetrics] // copied on write: a request reads it without locking or allocating
}

// reqKey is one label set of the request metrics.
type reqKey struct {
	route, method string
	status        int
}

type reqMetrics struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// New returns metrics with the Go runtime and process collectors registered.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "indus_http_requests_total",
		Help: "HTTP requests answered, by route pattern (unmatched: no route), method and status."}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "indus_http_request_duration_seconds",
		Help: "Time to answer an HTTP request, by route pattern (event streams: until the stream starts).", Buckets: requestBuckets}, []string{"route"})
	m.risk = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "indus_risk_query_duration_seconds",
		Help: "Time of a risk query in the engine, by kind (area, point, rank).", Buckets: requestBuckets}, []string{"kind"})
	m.fsync = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "indus_journal_fsync_duration_seconds",
		Help: "Time of one fsync of the warnings journal (one per group commit).", Buckets: fsyncBuckets})
	m.loads = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "indus_data_loads_total",
		Help: "Loads of the data (the first, and reloads), by result (ok, failed)."}, []string{"result"})
	m.loadSecs = prometheus.NewGauge(prometheus.GaugeOpts{Name: "indus_data_load_duration_seconds",
		Help: "Seconds the last successful load of the data took."})
	m.loadedAt = prometheus.NewGauge(prometheus.GaugeOpts{Name: "indus_data_load_timestamp_seconds",
		Help: "Unix time at which the data served were loaded."})
	m.reg.MustRegister(m.requests, m.latency, m.risk, m.fsync, m.loads, m.loadSecs, m.loadedAt,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for i := range m.status {
		m.status[i] = strconv.Itoa(i)
	}
	empty := map[reqKey]reqMetrics{}
	m.seen.Store(&empty)
	return m
}

// Handler serves the registry in the Prometheus text format (or OpenMetrics when asked).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, EnableOpenMetrics: true})
}

// Registry is the registry the metrics are in, for tests and further collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveRequest counts a request and records its latency. route must come from a bounded set
// (route patterns, never raw paths). A label set seen before costs two map reads and no allocation.
func (m *Metrics) ObserveRequest(route, method string, status int, took time.Duration) {
	k := reqKey{route: route, method: method, status: status}
	r, ok := (*m.seen.Load())[k]
	if !ok {
		r = m.add(k)
	}
	r.count.Inc()
	r.latency.Observe(took.Seconds())
}

// add resolves the metrics of a new label set and publishes a copy of seen holding it.
func (m *Metrics) add(k reqKey) reqMetrics {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.seen.Load()
	if r, ok := old[k]; ok {
		return r
	}
	code := strconv.Itoa(k.status)
	if k.status >= 0 && k.status < len(m.status) {
		code = m.status[k.status]
	}
	r := reqMetrics{count: m.requests.WithLabelValues(k.route, k.method, code), latency: m.latency.WithLabelValues(k.route)}
	next := maps.Clone(old)
	next[k] = r
	m.seen.Store(&next)
	return r
}

// ObserveRisk records how long a risk query of kind took (analytics.Config.Observe).
func (m *Metrics) ObserveRisk(kind string, took time.Duration) {
	m.risk.WithLabelValues(kind).Observe(took.Seconds())
}

// ObserveFsync records how long a journal fsync took (warnings.Config.ObserveSync).
func (m *Metrics) ObserveFsync(took time.Duration) { m.fsync.Observe(took.Seconds()) }

// Loaded records a load of the data: how long it took and when it ended, or that it failed.
func (m *Metrics) Loaded(took time.Duration, at time.Time, err error) {
	if err != nil {
		m.loads.WithLabelValues("failed").Inc()
		return
	}
	m.loads.WithLabelValues("ok").Inc()
	m.loadSecs.Set(took.Seconds())
	m.loadedAt.Set(float64(at.UnixNano()) / 1e9)
}
