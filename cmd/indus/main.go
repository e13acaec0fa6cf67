// Command indus serves vector tiles and climate-risk answers for the China-Pakistan Economic
// Corridor. It is the only place where concrete types are wired together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/analytics/warnings"
	"github.com/cpec-digital/indus/cmd/indus/internal/httpapi"
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/gdal"
	"github.com/cpec-digital/indus/data/pakistan"
	"github.com/cpec-digital/indus/indexes"
	"github.com/cpec-digital/indus/tiles"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `indus: vector tiles and climate-risk answers for the China-Pakistan Economic Corridor

Usage:
  indus serve [flags]     serve the API (default: the embedded Pakistan dataset on :8080)
  indus gen --out DIR     write a dataset (real sources + generated layers + catalog.yaml) to DIR
  indus catalog           print the default catalog (a starting point for your own)
  indus version           print the version

Run "indus COMMAND -h" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(args, stderr)
	case "gen":
		err = gen(args, stdout, stderr)
	case "catalog":
		var b []byte
		if b, err = pakistan.Catalog(pakistan.DefaultOptions()); err == nil {
			_, err = stdout.Write(b)
		}
	case "version":
		fmt.Fprintln(stdout, "indus", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "indus: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "indus:", err)
		return 1
	}
	return 0
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// loadDataset materializes the default dataset if no catalog is given, then reads and indexes
// every layer through GDAL, logging progress when loading takes more than a moment.
func loadDataset(ctx context.Context, cfg config, reader *gdal.Reader, log *slog.Logger) (*indexes.Set, error) {
	start := time.Now()
	catPath := cfg.Catalog
	if catPath == "" {
		dir := cfg.DataDir
		if dir == "" {
			dir = defaultDataDir()
		}
		var err error
		if catPath, err = pakistan.Materialize(ctx, dir, pakistan.DefaultOptions(), reader); err != nil {
			return nil, fmt.Errorf("preparing the default dataset in %s: %w", dir, err)
		}
	}
	cat, err := data.LoadCatalogFile(catPath)
	if err != nil {
		return nil, err
	}
	var done, total atomic.Int64
	total.Store(int64(len(cat.Layers)))
	stop := make(chan struct{})
	defer close(stop)
	go func() { // progress indicator: silent for a fast load, a line a second for a slow one
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				log.Info("loading layers", "done", done.Load(), "total", total.Load(), "elapsed", time.Since(start).Round(time.Millisecond))
			}
		}
	}()
	ds, err := data.Load(ctx, cat, reader, data.LoadOptions{Workers: cfg.Workers, Progress: func(id string, d, t, n int) {
		done.Store(int64(d))
		log.Debug("layer loaded", "layer", id, "features", n, "done", d, "total", t)
	}})
	if err != nil {
		return nil, err
	}
	set := indexes.Build(ds)
	features := 0
	for _, l := range ds.Layers {
		features += len(l.Features)
	}
	log.Info("dataset loaded", "catalog", catPath, "layers", len(ds.Layers), "features", features,
		"read", ds.LoadTime.Round(time.Millisecond), "total", time.Since(start).Round(time.Millisecond), "data_version", ds.Version)
	return set, nil
}

func serve(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := loadConfig(fs, args)
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
	current := indexes.NewCurrent(set)
	cacheBytes := int64(cfg.CacheMB) << 20
	if cacheBytes == 0 {
		cacheBytes = -1 // --cache-mb 0 turns the tile cache off
	}
	ts, err := tiles.New(tiles.Config{CacheBytes: cacheBytes}, current.Load, log)
	if err != nil {
		return err
	}
	defer ts.Close()
	risk := analytics.NewEngine(analytics.DefaultConfig())
	go func() { // subdivide polygon layers for risk queries in the background
		if err := risk.Warm(current.Load()); err != nil {
			log.Warn("preparing risk indexes", "err", err)
		}
	}()
	srv := httpapi.New(httpapi.Config{PublicURL: cfg.PublicURL, RequestTimeout: cfg.RequestTimeout, Version: version,
		APIKey: cfg.APIKey, TileCacheControl: cfg.TileCache}, current, ts, risk, log)
	warn, err := startWarnings(cfg, current, ts, log)
	if err != nil {
		return err
	}
	if warn != nil {
		defer warn.Close()
		srv.EnableWarnings(warn)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("serving", "addr", ln.Addr().String(), "url", "http://"+ln.Addr().String()+"/")
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() { // SIGHUP reloads the catalog and data; requests keep being served from the old set
		for range hup {
			log.Info("reloading")
			if next, err := loadDataset(ctx, cfg, reader, log); err != nil {
				log.Error("reload failed; still serving the previous data", "err", err)
			} else {
				if warn != nil {
					warn.Swap(next) // keeps the live warnings layer
				} else {
					current.Store(next) // the data version changes, so cached tiles of the old data are not served
				}
				if err := risk.Warm(next); err != nil {
					log.Warn("preparing risk indexes", "err", err)
				}
			}
		}
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	return srv.Shutdown(sctx)
}

// startWarnings starts the flood warning service when the catalog has a gauge layer.
func startWarnings(cfg config, current *indexes.Current, ts *tiles.Service, log *slog.Logger) (*warnings.Service, error) {
	wc := warnings.DefaultConfig("")
	if _, ok := current.Load().Layer(wc.GaugeLayer); !ok {
		log.Warn("flood warnings disabled: the catalog has no gauge layer", "layer", wc.GaugeLayer)
		return nil, nil
	}
	dir := cfg.StateDir
	if dir == "" {
		dir = defaultStateDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	wc.JournalPath = filepath.Join(dir, "warnings.journal")
	wc.Sender, wc.SenderName, wc.Templates = cfg.CAPSender, cfg.CAPSenderName, cfg.CAPTemplates
	if cfg.APIKey == "" {
		log.Warn("no API key: POST /warnings/readings is disabled (set INDUS_API_KEY)")
	}
	return warnings.New(wc, current, ts, log)
}

func gen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	opt := pakistan.DefaultOptions()
	out := fs.String("out", "", "output folder (required)")
	fs.IntVar(&opt.Villages, "villages", opt.Villages, "number of villages")
	fs.IntVar(&opt.Fibre, "fibre", -1, "fibre-connected villages (default: 22/30 of the villages)")
	fs.IntVar(&opt.Buildings, "buildings", 0, "building footprints for scale tests")
	fs.Uint64Var(&opt.Seed, "seed", opt.Seed, "generator seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("gen: --out is required")
	}
	if opt.Fibre < 0 {
		opt.Fibre = opt.Villages * 22 / 30
	}
	reader := gdal.NewReader(1)
	defer reader.Close()
	path, err := pakistan.Materialize(context.Background(), *out, opt, reader)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, path)
	return nil
}
