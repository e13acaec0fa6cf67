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

func markdown(r *Report) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# Indus benchmark report (%s mode)\n\n", r.Mode)
	var keys []string
	for k := range r.Machine {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	p("%s. Machine:", r.Date)
	for _, k := range keys {
		p(" %s %s;", k, r.Machine[k])
	}
	p("\n\n## Ratios (the figures to compare between runs)\n\n| ratio | value |\n|---|---|\n")
	var rk []string
	for k := range r.Ratios {
		rk = append(rk, k)
	}
	sort.Strings(rk)
	for _, k := range rk {
		p("| %s | %.3f |\n", k, r.Ratios[k])
	}
	p("\n## Goals\n\n| goal | target | now | met |\n|---|---|---|---|\n")
	for _, g := range r.Goals {
		met := "no"
		if g.Met {
			met = "yes"
		}
		p("| %s | %s | %s | %s |\n", g.Name, g.Target, g.Value, met)
	}
	p("\n## Tiles\n\n%d tile URLs (z6-14 over Pakistan, centred on villages), composite of `%s`, %s\n\n",
		r.TileURLs, r.Layers, "repeated round robin from 32 keep-alive connections; Indus and the ceiling answer gzip, PostGIS raw MVT.")
	p("| target | tiles/s | p50 ms | p99 ms | mean bytes | 204 | errors |\n|---|---|---|---|---|---|---|\n")
	for _, t := range r.Tiles {
		p("| %s | %.0f | %.2f | %.2f | %.0f | %d | %d |\n", t.Target, t.PerSecond, t.P50Ms, t.P99Ms, t.MeanBytes, t.NoContent, t.Errors+t.StatusNon2)
	}
	p("\n## Area risk queries (flood area by class and village population, 3 return periods)\n\n")
	p("| area | Indus ms | PostGIS ms | speed-up | max difference | agree |\n|---|---|---|---|---|---|\n")
	for _, q := range r.Risk {
		p("| %s | %.2f | %.2f | %.1fx | %.4f %% | %v |\n", q.Name, q.IndusMs, q.PostGISMs, q.SpeedUp, q.MaxRelDiff*100, q.Agree)
	}
	p("\n## Datasets\n\n| dataset | features | start to serving (s) | RSS MB |\n|---|---|---|---|\n")
	for _, d := range r.Datasets {
		p("| %s | %d | %.2f | %.0f |\n", d.Name, d.Features, d.LoadS, d.RSSMB)
	}
	if len(r.Failures) > 0 {
		p("\n## Failures\n\n")
		for _, f := range r.Failures {
			p("- %s\n", f)
		}
	}
	p("\nReproduce: `go run ./benchmarks` (full) or `go run ./benchmarks --quick` (CI). Step times (s): %v\n", r.Durations)
	return b.String()
}
