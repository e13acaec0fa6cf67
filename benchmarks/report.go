package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func write(r *Report, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, _ := json.MarshalIndent(r, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "latest.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	md := markdown(r)
	fmt.Print(md)
	return os.WriteFile(filepath.Join(dir, "latest.md"), []byte(md), 0o644)
}

// printer writes markdown into a builder.
type printer struct{ b strings.Builder }

func (p *printer) f(format string, a ...any) { fmt.Fprintf(&p.b, format, a...) }

func markdown(r *Report) string {
	p := &printer{}
	p.f("# Indus benchmark report (%s mode)\n\n%s. Machine:", r.Mode, r.Date)
	for _, k := range sortedKeys(r.Machine) {
		p.f(" %s %s;", k, r.Machine[k])
	}
	p.f("\n\n## Goals\n\n| goal | target | now | met |\n|---|---|---|---|\n")
	for _, g := range r.Goals {
		met := "no"
		if g.Met {
			met = "yes"
		}
		p.f("| %s | %s | %s | %s |\n", g.Name, g.Target, g.Value, met)
	}
	p.f("\n## Ratios (the figures to compare between runs)\n\n| ratio | value |\n|---|---|\n")
	for _, k := range sortedKeys(r.Ratios) {
		p.f("| %s | %.3f |\n", k, r.Ratios[k])
	}
	p.riskSection(r)
	p.tileSection(r)
	p.datasetSection(r)
	if len(r.Failures) > 0 {
		p.f("\n## Failures\n\n")
		for _, f := range r.Failures {
			p.f("- %s\n", f)
		}
	}
	p.f("\nReproduce: `go run ./benchmarks` (full) or `go run ./benchmarks --quick` (CI). Step times (s):")
	for _, k := range sortedKeys(r.Durations) {
		p.f(" %s %.0f;", k, r.Durations[k])
	}
	p.f("\n")
	return p.b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (p *printer) riskSection(r *Report) {
	if len(r.Risk) == 0 && len(r.ScaledRisk) == 0 {
		return
	}
	pr := r.Peer.Projection
	p.f("\n## Area risk queries against tuned PostGIS\n\nPostGIS %s with %s. Hazard zones split by `ST_Subdivide(geom, 256)` into a GiST-indexed table, "+
		"each piece's area precomputed; pieces inside the query taken whole, the others clipped; villages joined with `ST_Intersects` "+
		"to the pieces meeting the query, once per layer in the deepest class; buildings counted by a stored `ST_PointOnSurface`, "+
		"their areas clipped exactly; one prepared statement per query. Areas measured in %s: on %d areas (one per class) "+
		"geography took %.0f ms (max difference %.4f %%), EPSG:6933 %.0f ms (%.4f %%).\n\n",
		r.Peer.Version, strings.Join(r.Peer.Settings, ", "), pr.Chosen, pr.Areas, pr.TotalMs["geography"], pr.MaxDiff["geography"]*100,
		pr.TotalMs["EPSG:6933"], pr.MaxDiff["EPSG:6933"]*100)
	p.f("Flood area by class and village count, population and fibre, 3 return periods, default dataset; times are medians over HTTP / through pgx.\n\n")
	p.f("*Bound* is the most a zero-cost engine could show: PostGIS's time over Indus's empty round trip (GET /health over HTTP, timed right after the same PostGIS query, as the area queries are).\n\n")
	p.f("| shape class | areas | median speed-up | worst | bound | median Indus ms | median PostGIS ms | max area diff | max count diff | agree |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.RiskClasses {
		p.f("| %s | %d | %.1fx | %.1fx | %.0fx | %.2f | %.1f | %.4f %% | %.0f | %v |\n", s.Class, s.Areas, s.MedianSpeed, s.WorstSpeed, s.Bound,
			s.MedianIndus, s.MedianPeer, s.MaxAreaDiff*100, s.MaxCountDiff, s.Agree)
	}
	p.riskTable("Every area", r.Risk)
	p.riskTable("Scaled dataset (200k villages + 1M buildings), exposure villages and buildings", r.ScaledRisk)
	if len(r.Admin) > 0 {
		p.f("\nProvinces from the precomputed admin-unit tables (scaled dataset, villages and buildings; median of 20):\n\n| province | server ms | over HTTP ms | HTTP overhead ms |\n|---|---|---|---|\n")
		for _, a := range r.Admin {
			p.f("| %s | %.3f | %.2f | %.2f |\n", a.Province, a.ServerMs, a.HTTPMs, a.HTTPMs-a.ServerMs)
		}
	}
}

func (p *printer) riskTable(title string, rs []RiskResult) {
	if len(rs) == 0 {
		return
	}
	p.f("\n%s (flood km² and exposed features of the 100-year flood, for scale):\n\n| class | area | flood km² | exposed | Indus ms (server) | floor ms | PostGIS ms | speed-up | bound | max area diff | max count diff | agree |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n", title)
	for _, q := range rs {
		p.f("| %s | %s | %.1f | %.0f | %.2f (%.2f) | %.2f | %.1f | %.1fx | %.0fx | %.4f %% | %.0f | %v |\n", q.Class, q.Name, q.FloodKm2, q.Exposed, q.IndusMs, q.IndusServerMs,
			q.FloorMs, q.PostGISMs, q.SpeedUp, q.Bound, q.MaxAreaDiff*100, q.MaxCountDiff, q.Agree)
	}
}

func (p *printer) tileSection(r *Report) {
	if len(r.Tiles) == 0 {
		return
	}
	p.f("\n## Tiles\n\nSeeded tile lists centred on villages, repeated round robin from 32 keep-alive connections; Indus and the ceiling answer gzip, PostGIS raw MVT. " +
		"The ceiling replays, for each URL, the bytes Indus sent for it. Lists: composite = `" + benchLayers + "` z6-14; all14 = every layer z6-12; " +
		"buildings = the buildings layer alone z12-14 (scaled datasets, cache off).\n\n")
	p.f("| list | target | URLs | tiles/s | MB/s | p50 ms | p99 ms | mean bytes | 204 | errors |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range r.Tiles {
		p.f("| %s | %s | %d | %.0f | %.1f | %.2f | %.2f | %.0f | %d | %d |\n", t.List, t.Target, t.URLs, t.PerSecond, t.BytesPerS/1e6, t.P50Ms, t.P99Ms, t.MeanBytes, t.NoContent, t.Errors+t.StatusNon2)
	}
}

func (p *printer) datasetSection(r *Report) {
	if len(r.Datasets) == 0 {
		return
	}
	p.f("\n## Datasets\n\nBuild: `indus build` wall time and peak RSS; serving: process start to the log line `serving` " +
		"(`indus serve --snapshot`, the default dataset from its catalog), prepared: to `risk queries prepared`; steady RSS 2 s after that, peak = VmHWM.\n\n")
	p.f("| dataset | features | gen s | build s | build peak MB | snapshot MB | serving s | prepared s | steady RSS MB (anon + file) | peak RSS MB | snapshot B/feature | RSS B/feature |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, d := range r.Datasets {
		p.f("| %s | %d | %.1f | %.1f | %.0f | %.0f | %.2f | %.2f | %.0f (%.0f + %.0f) | %.0f | %.0f | %.0f |\n", d.Name, d.Features, d.GenS, d.BuildS, d.BuildPeakMB,
			d.SnapshotMB, d.ServingS, d.PreparedS, d.SteadyRSSMB, d.SteadyAnonMB, d.SteadyFileMB, d.PeakRSSMB, d.FileBytesPerF, d.RSSBytesPerF)
	}
	if len(r.Peer.TableMB) > 0 {
		p.f("\nPostGIS tables with indexes (MB):")
		for _, k := range sortedKeys(r.Peer.TableMB) {
			p.f(" %s %d;", k, r.Peer.TableMB[k])
		}
		p.f("\n")
	}
}
