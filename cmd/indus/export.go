package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data/gdal"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/tiles"
	"github.com/cpec-digital/indus/tiles/export"
)

// exportCmd is `indus export pmtiles`: the tiles serve would serve for a layer set, written to a
// PMTiles archive for object storage and CDNs.
func exportCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "pmtiles" {
		return errors.New("export: usage: indus export pmtiles --layers L1,L2 --minzoom N --maxzoom M [--bbox w,s,e,n] --out FILE")
	}
	cfg, opt, out, err := exportFlags(args[1:], stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	reader := gdal.NewReader(cfg.Workers)
	defer reader.Close()
	set, err := loadDataset(ctx, cfg, reader, log)
	if err != nil {
		return err
	}
	// tiles.Config{} is the serving configuration but for the cache, which an export turns off.
	e, err := export.New(set, tiles.Config{}, opt, log)
	if err != nil {
		return err
	}
	defer e.Close()
	o := e.Options()
	b := o.Bound
	log.Info("exporting", "out", out, "layers", strings.Join(e.Layers(), ","), "zooms", fmt.Sprintf("%d-%d", o.MinZoom, o.MaxZoom),
		"bbox", fmt.Sprintf("%.5f,%.5f,%.5f,%.5f", b.Min[0], b.Min[1], b.Max[0], b.Max[1]), "workers", o.Workers)
	stop := watch(e, stderr, log)
	sum, err := e.Run(ctx, out)
	stop()
	if err != nil {
		return err
	}
	printSummary(stdout, out, e, sum)
	return nil
}

// exportFlags parses the export's flags; the data flags and their INDUS_* variables are serve's.
func exportFlags(args []string, stderr io.Writer) (config, export.Options, string, error) {
	fs := flag.NewFlagSet("export pmtiles", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := defaultConfig()
	env := func(k, def string) string {
		if v, ok := os.LookupEnv(k); ok {
			return v
		}
		return def
	}
	var opt export.Options
	layers := fs.String("layers", "", "comma list of layer ids, one MVT layer each (required)")
	fs.IntVar(&opt.MinZoom, "minzoom", 0, "first zoom written")
	fs.IntVar(&opt.MaxZoom, "maxzoom", 14, "last zoom written")
	bbox := fs.String("bbox", "", "w,s,e,n in degrees (default: the union of the layers' bounds)")
	out := fs.String("out", "", "archive to write (required); replaced only once complete")
	fs.IntVar(&opt.Workers, "workers", 0, "tiles drawn at once (default: one per core)")
	fs.StringVar(&cfg.Catalog, "catalog", env("INDUS_CATALOG", ""), "catalog YAML to read; empty: the embedded Pakistan dataset (INDUS_CATALOG)")
	fs.StringVar(&cfg.Snapshot, "snapshot", env("INDUS_SNAPSHOT", ""), "snapshot file to read, from indus build (INDUS_SNAPSHOT)")
	fs.StringVar(&cfg.DataDir, "data-dir", env("INDUS_DATA_DIR", ""), "folder for the default dataset's files and cached snapshots (INDUS_DATA_DIR)")
	fs.IntVar(&cfg.Workers, "gdal-workers", cfg.Workers, "GDAL reader threads at load")
	fs.StringVar(&cfg.LogLevel, "log-level", env("INDUS_LOG_LEVEL", cfg.LogLevel), "debug, info, warn or error (INDUS_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		return cfg, opt, "", err
	}
	opt.Layers, opt.Generator = splitComma(*layers), "indus "+version
	var err error
	switch {
	case fs.NArg() > 0:
		err = fmt.Errorf("export: unexpected arguments %v", fs.Args())
	case len(opt.Layers) == 0 || *out == "":
		err = errors.New("export: --layers and --out are required")
	case cfg.Snapshot != "" && cfg.Catalog != "":
		err = errors.New("export: give a catalog or a snapshot, not both")
	case *bbox != "":
		opt.Bound, err = parseBBox(*bbox)
	}
	return cfg, opt, *out, err
}

// parseBBox reads "w,s,e,n" as every bbox is read (geo.ParseBBox); an archive covers one
// rectangle, so a bbox across the antimeridian is refused: export each side.
func parseBBox(s string) (orb.Bound, error) {
	b, err := geo.ParseBBox(s)
	switch {
	case err != nil:
		return orb.Bound{}, fmt.Errorf("export: --bbox: %v", err)
	case b.Crosses():
		return orb.Bound{}, fmt.Errorf("export: --bbox %q crosses the antimeridian: an archive covers one rectangle, export each side (%g,%g,180,%g and -180,%g,%g,%g)",
			s, b[0], b[1], b[3], b[1], b[2], b[3])
	}
	return b.Bounds()[0], nil
}

// splitComma splits a comma list into trimmed, non-empty items.
func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// printSummary prints what the archive holds and how long it took.
func printSummary(w io.Writer, path string, e *export.Exporter, s export.Summary) {
	secs := max(s.Took.Seconds(), 1e-9)
	fmt.Fprintf(w, "%s: %s MB, %d layers, %d tiles stored (%d directory entries, %d unique), data version %s\n",
		path, strconv.FormatFloat(float64(s.Archive.Bytes)/1e6, 'f', 1, 64), len(e.Layers()), s.Archive.Addressed,
		s.Archive.Entries, s.Archive.Contents, e.DataVersion())
	fmt.Fprintf(w, "%d tiles visited, %d drawn, %d stored in %s: %.0f tiles drawn per second\n",
		s.Visited, s.Drawn, s.Archive.Addressed, s.Took.Round(time.Millisecond), float64(s.Drawn)/secs)
}

// watch shows the export's progress until the returned stop is called: a bar redrawn on a
// terminal, a log line every 10 s otherwise.
func watch(e *export.Exporter, stderr io.Writer, log *slog.Logger) (stop func()) {
	tty := isTerminal(stderr)
	every := 10 * time.Second
	if tty {
		every = 200 * time.Millisecond
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				if tty {
					fmt.Fprint(stderr, "\r\x1b[K")
				}
				return
			case <-t.C:
				if p := e.Progress(); tty {
					fmt.Fprint(stderr, "\r\x1b[K"+progressBar(p))
				} else {
					log.Info("export progress", "zoom", p.Zoom, "zoom_done", p.ZoomDone, "zoom_tiles", p.ZoomTotal, "stored", p.Stored,
						"mb", float64(p.Bytes/1e5)/10, "tiles_per_s", int(float64(p.Drawn)/max(p.Elapsed.Seconds(), 1e-9)), "elapsed", p.Elapsed.Round(time.Second))
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

// progressBar is one terminal line: the zoom, a bar over its tiles, and the totals.
func progressBar(p export.Progress) string {
	const width = 24
	frac := 0.0
	if p.ZoomTotal > 0 {
		frac = float64(p.ZoomDone) / float64(p.ZoomTotal)
	}
	n := int(frac * width)
	bar := strings.Repeat("█", n) + strings.Repeat("░", width-n)
	rate := float64(p.Drawn) / max(p.Elapsed.Seconds(), 1e-9)
	return fmt.Sprintf("z%d/%d %s %3.0f%% %d/%d · %d stored · %.1f MB · %.0f tiles/s · %s",
		p.Zoom, p.MaxZoom, bar, 100*frac, p.ZoomDone, p.ZoomTotal, p.Stored, float64(p.Bytes)/1e6, rate, p.Elapsed.Round(time.Second))
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
