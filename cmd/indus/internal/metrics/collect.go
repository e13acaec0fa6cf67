package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cpec-digital/indus/analytics/warnings"
	"github.com/cpec-digital/indus/tiles"
)

// collector reads a service's counters at every scrape: the counters stay in the service (its
// Stats), so nothing is counted twice and requests pay nothing for them.
type collector struct {
	descs   []*prometheus.Desc
	collect func(ch chan<- prometheus.Metric)
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) { c.collect(ch) }

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

// Tiles exports the tile service's counters: cache hits, misses, evictions, invalidations, size,
// and the tiles made per zoom with their bytes.
func (m *Metrics) Tiles(stats func() tiles.Stats) {
	hits := desc("indus_tile_cache_hits_total", "Tiles served from the cache.")
	misses := desc("indus_tile_cache_misses_total", "Tile requests the cache could not answer.")
	evictions := desc("indus_tile_cache_evictions_total", "Entries that left the tile cache: dropped to make room, or invalidated.")
	inval := desc("indus_tile_cache_invalidated_total", "Cached tiles dropped because their data changed (warnings).")
	entries := desc("indus_tile_cache_entries", "Tiles in the cache.")
	size := desc("indus_tile_cache_bytes", "Bytes the cached tiles take (gzip bytes plus a fixed overhead each).")
	made := desc("indus_tiles_computed_total", "Tiles drawn (cache misses), by zoom.", "zoom")
	madeBytes := desc("indus_tiles_computed_bytes_total", "Gzip bytes of the tiles drawn, by zoom.", "zoom")
	m.reg.MustRegister(&collector{descs: []*prometheus.Desc{hits, misses, evictions, inval, entries, size, made, madeBytes},
		collect: func(ch chan<- prometheus.Metric) {
			st := stats()
			counter(ch, hits, float64(st.Hits))
			counter(ch, misses, float64(st.Misses))
			counter(ch, evictions, float64(st.Evicted))
			counter(ch, inval, float64(st.Invalidated))
			gauge(ch, entries, float64(st.Entries))
			gauge(ch, size, float64(st.CostBytes))
			for z, zs := range st.ByZoom {
				if zs.Computed > 0 { // zooms never drawn are left out rather than listed at 0
					counter(ch, made, float64(zs.Computed), strconv.Itoa(z))
					counter(ch, madeBytes, float64(zs.Bytes), strconv.Itoa(z))
				}
			}
		}})
}

// Warnings exports the warning service's counters: readings accepted, duplicated and refused,
// open event streams and events dropped.
func (m *Metrics) Warnings(stats func() warnings.Stats) {
	accepted := desc("indus_readings_accepted_total", "Gauge readings stored.")
	dups := desc("indus_readings_duplicate_total", "Readings resent identically (answered, not stored again).")
	refused := desc("indus_readings_refused_total", "Readings refused (all those of a refused batch), by reason (the error kind).", "reason")
	subs := desc("indus_sse_subscribers", "Warning event streams open.")
	dropped := desc("indus_sse_events_dropped_total", "Warning events not delivered because a subscriber's buffer was full (the subscriber is dropped).")
	m.reg.MustRegister(&collector{descs: []*prometheus.Desc{accepted, dups, refused, subs, dropped},
		collect: func(ch chan<- prometheus.Metric) {
			st := stats()
			counter(ch, accepted, float64(st.Accepted))
			counter(ch, dups, float64(st.Duplicates))
			for kind, n := range st.Refused {
				counter(ch, refused, float64(n), string(kind))
			}
			gauge(ch, subs, float64(st.Subscribers))
			counter(ch, dropped, float64(st.EventsDropped))
		}})
}

// Data exports the version of the data served as indus_data_info{version="..."} 1, read at each
// scrape (so a reload replaces the label rather than adding one).
func (m *Metrics) Data(version func() string) {
	info := desc("indus_data_info", "The data served: its version as a label, value 1.", "version")
	m.reg.MustRegister(&collector{descs: []*prometheus.Desc{info},
		collect: func(ch chan<- prometheus.Metric) { gauge(ch, info, 1, version()) }})
}

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}
