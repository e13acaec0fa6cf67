package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/data/gdal"
	"github.com/cpec-digital/indus/indexes"
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
	e := analytics.NewEngine(analytics.DefaultConfig())
	if err := e.Warm(set); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, body string }{
		{"district", `{"geometry":{"type":"Polygon","coordinates":[[[68.6,27.5],[69.1,27.5],[69.1,27.95],[68.6,27.95],[68.6,27.5]]]}}`},
		{"province", `{"admin":{"layer":"provinces","id":"PK-SD"}}`},
		{"corridor300km", `{"corridor":{"geometry":{"type":"LineString","coordinates":[[68.86,27.70],[68.40,26.24],[68.37,25.39],[68.0,24.9]]},"buffer_m":5000}}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r, err := analytics.ParseAreaRequest([]byte(bc.body))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Area(context.Background(), set, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
