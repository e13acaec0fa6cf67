package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/gdal"
	"github.com/cpec-digital/indus/data/pakistan"
	"github.com/cpec-digital/indus/indexes"
)

// loadDataset serves a snapshot: the one --snapshot names, or the catalog's layers (the embedded
// dataset when no catalog is given) built into a snapshot cached in the data dir and built again
// only when the catalog or a source file changes.
func loadDataset(ctx context.Context, cfg config, reader *gdal.Reader, log *slog.Logger) (*indexes.Set, error) {
	start := time.Now()
	path, err := snapshotFor(ctx, cfg, reader, log)
	if err != nil {
		return nil, err
	}
	ds, err := data.OpenSnapshot(path)
	if err != nil {
		return nil, err
	}
	if err := checkPublic(ds.Catalog, analytics.DefaultConfig()); err != nil {
		ds.Close()
		return nil, err
	}
	set := indexes.Build(ds)
	features := 0
	for _, l := range ds.Layers {
		features += l.Len()
	}
	log.Info("dataset loaded", "snapshot", path, "layers", len(ds.Layers), "features", features,
		"total", time.Since(start).Round(time.Millisecond), "data_version", ds.Version)
	return set, nil
}

// snapshotFor returns the snapshot to serve, building it when there is none up to date.
func snapshotFor(ctx context.Context, cfg config, reader *gdal.Reader, log *slog.Logger) (string, error) {
	if cfg.Snapshot != "" {
		return cfg.Snapshot, nil
	}
	catPath, cat, err := catalogFor(ctx, cfg, reader)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(dataDir(cfg), "snapshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	abs, _ := filepath.Abs(catPath)
	sum := sha256.Sum256([]byte(abs))
	out := filepath.Join(dir, filepath.Base(filepath.Dir(abs))+"-"+hex.EncodeToString(sum[:4])+".snapshot")
	stamp := sourceStamp(catPath, cat)
	if old, err := os.ReadFile(out + ".stamp"); err == nil && stamp != "" && string(old) == stamp {
		if _, err := os.Stat(out); err == nil {
			return out, nil
		}
	}
	if err := buildSnapshot(ctx, cat, reader, out, cfg.Workers, log); err != nil {
		return "", err
	}
	if stamp != "" {
		os.WriteFile(out+".stamp", []byte(stamp), 0o644)
	}
	return out, nil
}

// catalogFor reads the configured catalog, or materializes the embedded dataset and reads its.
func catalogFor(ctx context.Context, cfg config, reader *gdal.Reader) (string, *data.Catalog, error) {
	catPath := cfg.Catalog
	if catPath == "" {
		dir := filepath.Join(dataDir(cfg), "pakistan")
		var err error
		if catPath, err = pakistan.Materialize(ctx, dir, pakistan.DefaultOptions(), reader); err != nil {
			return "", nil, fmt.Errorf("preparing the default dataset in %s: %w", dir, err)
		}
	}
	cat, err := data.LoadCatalogFile(catPath)
	return catPath, cat, err
}

func dataDir(cfg config) string {
	if cfg.DataDir != "" {
		return cfg.DataDir
	}
	return defaultDataDir()
}

// sourceStamp identifies the catalog and its source files (size and modification time), or is
// empty when a source is not a file (PG: and other connections are read again at every start).
func sourceStamp(catPath string, cat *data.Catalog) string {
	h := sha256.New()
	raw, err := os.ReadFile(catPath)
	if err != nil {
		return ""
	}
	h.Write(raw)
	fmt.Fprintf(h, "format %d\n", data.FormatVersion)
	for _, l := range cat.Layers {
		st, err := os.Stat(cat.ResolvePath(l.Source.Path))
		if err != nil || st.IsDir() {
			return ""
		}
		fmt.Fprintf(h, "%s %d %d\n", l.Source.Path, st.Size(), st.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// buildSnapshot reads every layer through GDAL, spilling to a folder beside out, and writes the
// snapshot, logging progress every few seconds of a long build.
func buildSnapshot(ctx context.Context, cat *data.Catalog, reader *gdal.Reader, out string, workers int, log *slog.Logger) error {
	start := time.Now()
	spill, err := os.MkdirTemp(filepath.Dir(out), "build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(spill)
	defer debug.FreeOSMemory() // the builders' buffers are garbage now
	var done atomic.Int64
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				log.Info("building snapshot", "layers_done", done.Load(), "layers", len(cat.Layers), "elapsed", time.Since(start).Round(time.Second))
			}
		}
	}()
	version, err := data.Build(ctx, cat, reader, out, data.LoadOptions{Workers: workers, SpillDir: spill,
		Progress: func(id string, d, _, n int) {
			done.Store(int64(d))
			log.Debug("layer read", "layer", id, "features", n)
		}})
	if err != nil {
		return err
	}
	log.Info("snapshot built", "path", out, "data_version", version, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// build is `indus build`: a catalog's layers into a snapshot file.
func build(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := defaultConfig()
	out := fs.String("out", "", "snapshot file to write (required)")
	fs.StringVar(&cfg.Catalog, "catalog", "", "catalog YAML to read; empty: the embedded Pakistan dataset")
	fs.StringVar(&cfg.DataDir, "data-dir", os.Getenv("INDUS_DATA_DIR"), "folder for the embedded dataset's files (default: user cache dir)")
	fs.IntVar(&cfg.Workers, "gdal-workers", cfg.Workers, "layers read at once")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("build: --out is required")
	}
	log := newLogger(cfg, stderr)
	reader := gdal.NewReader(cfg.Workers)
	defer reader.Close()
	start := time.Now()
	_, cat, err := catalogFor(context.Background(), cfg, reader)
	if err != nil {
		return err
	}
	if err := buildSnapshot(context.Background(), cat, reader, *out, cfg.Workers, log); err != nil {
		return err
	}
	return summarize(stdout, *out, start)
}

// summarize prints what a snapshot holds.
func summarize(w io.Writer, path string, start time.Time) error {
	ds, err := data.OpenSnapshot(path)
	if err != nil {
		return err
	}
	st, _ := os.Stat(path)
	features := 0
	for _, l := range ds.Layers {
		features += l.Len()
	}
	fmt.Fprintf(w, "%s: %d layers, %d features, %s MB, data version %s, built in %s\n", path, len(ds.Layers), features,
		strconv.FormatFloat(float64(st.Size())/1e6, 'f', 1, 64), ds.Version, time.Since(start).Round(time.Millisecond))
	return nil
}
