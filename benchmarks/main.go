// Command benchmarks measures Indus against the machine's HTTP ceiling and against a tuned
// PostGIS on the same data and requests, in one run, and reports the ratios.
//
//	go run ./benchmarks [--quick] [--check] [--out benchmarks/results] [--steps risk,tiles,scaled]
//
// It builds cmd/indus, generates the default dataset and scaled ones with `indus gen` (cached in
// the user cache folder), starts a private PostGIS cluster (data/postgres) with tuned settings and
// loads the same layers into it. It compares /risk/area with the peer's best SQL on a seeded set
// of 38 varied areas (and with buildings on the scaled dataset), checking every answer; loads
// tiles from a ceiling that replays Indus's own tile bytes, Indus with and without its cache, and
// PostGIS's ST_AsMVT; and records build time, load time and memory of each dataset (1M buildings,
// and 10M in full mode).
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) > 3 && os.Args[1] == "serve-ceiling" { // re-exec'd children
		if err := serveCeiling(os.Args[2], os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 4 && os.Args[1] == "serve-peer" {
		if err := servePeer(os.Args[2], os.Args[3], os.Args[4]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.BoolVar(&o.quick, "quick", false, "short runs and a smaller scaled dataset (for CI)")
	flag.BoolVar(&o.check, "check", false, "exit 1 on a gross regression of a ratio or on disagreeing answers")
	flag.StringVar(&o.out, "out", "benchmarks/results", "folder for the report (latest.md, latest.json)")
	flag.IntVar(&o.workers, "workers", 32, "concurrent connections of the load generator")
	flag.StringVar(&o.steps, "steps", "", "run only these of the optional steps (comma list of risk, tiles, scaled); default: all")
	gobench := flag.Bool("gobench", false, "instead: run the Go micro-benchmarks 5 times into OUT/gobench-DATE.txt (compare two with benchstat)")
	calib := flag.String("calibrate", "", "instead: measure the risk cost model in process against the default dataset and 1M buildings, generated and kept in this folder")
	flag.Parse()
	if *calib != "" {
		if err := calibrate(*calib); err != nil {
			fmt.Fprintln(os.Stderr, "benchmarks:", err)
			os.Exit(1)
		}
		return
	}
	if *gobench {
		if err := goBench(o.out); err != nil {
			fmt.Fprintln(os.Stderr, "benchmarks:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "benchmarks:", err)
		os.Exit(1)
	}
}
