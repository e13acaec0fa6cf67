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
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/analytics/impact"
	"github.com/cpec-digital/indus/analytics/planning"
	"github.com/cpec-digital/indus/analytics/warnings"
	"github.com/cpec-digital/indus/cmd/indus/internal/httpapi"
	"github.com/cpec-digital/indus/data/gdal"
	"github.com/cpec-digital/indus/data/pakistan"
	"github.com/cpec-digital/indus/indexes"
	"github.com/cpec-digital/indus/indexes/features"
	"github.com/cpec-digital/indus/styles/glyphs"
	"github.com/cpec-digital/indus/tiles"
	"github.com/cpec-digital/indus/tiles/archive"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `indus: vector tiles and climate-risk answers for the China-Pakistan Economic Corridor

Usage:
  indus serve [flags]     serve the API (default: the embedded Pakistan dataset on :8080)
  indus build --out FILE  read a catalog's layers through GDAL into a snapshot file (--catalog;
                          default: the embedded dataset), for indus serve --snapshot FILE
  indus export pmtiles --layers L1,L2 --minzoom N --maxzoom M [--bbox w,s,e,n] --out FILE
                          write the tiles serve would serve into a PMTiles archive (--catalog,
                          --snapshot as for serve)
  indus fonts [--out DIR] [FONT.ttf ...]
                          render the glyph ranges of fonts for map labels (default: the Noto fonts
                          the server embeds, into styles/glyphs/fonts)
  indus gen --out DIR     write a dataset (real sources + generated layers + catalog.yaml) to DIR
  indus catalog           print the default catalog (a starting point for your own)
  indus keys add|revoke|list --file FILE
                          manage the API keys file ($INDUS_KEYS); add prints the new key's token once
  indus audit verify|tail FILE
                          check the audit log's hash chain (--head HASH), or print its last records (-n N, -f)
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
	case "build":
		err = build(args, stdout, stderr)
	case "export":
		err = exportCmd(args, stdout, stderr)
	case "fonts":
		err = fontsCmd(args, stdout, stderr)
	case "keys":
		err = keysCmd(args, stdout, stderr)
	case "audit":
		err = auditCmd(args, stdout, stderr)
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
	ln, err := net.Listen("tcp", cfg.Addr) // at once: /ready and /health say "loading" meanwhile
	if err != nil {
		return err
	}
	h := newHandoff(ln)
	defer h.close()
	o := newOps()
	stopStarting := starting(h, o, log)
	defer stopStarting()
	log.Info("listening", "addr", ln.Addr().String())
	arch, err := openArchives(ctx, cfg) // before the data: a bad archive fails fast
	if err != nil {
		return err
	}
	defer arch.Close()
	st, err := openState(ctx, cfg, log) // before the data too: an unreachable database fails fast
	if err != nil {
		return err
	}
	defer st.close()
	tr, err := openTrust(cfg, log) // keys and audit log before the data too
	if err != nil {
		return err
	}
	defer tr.close()
	go tr.syncs(ctx)
	reader := gdal.NewReader(cfg.Workers)
	defer reader.Close()
	load := func() (*indexes.Set, error) { return loadDataset(ctx, cfg, reader, log) }
	set, layers, err := st.load(ctx, o.timedLoad(httpapi.ReasonLoading, load))
	if err != nil {
		return err
	}
	a, err := wire(cfg, set, arch, st, tr, log, o)
	if err != nil {
		return err
	}
	defer a.close()
	a.layers = layers
	hup := make(chan os.Signal, 1) // asked for before "serving" is logged: a SIGHUP from then on reloads
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	stopStarting()
	log.Info("serving", "addr", ln.Addr().String(), "url", "http://"+ln.Addr().String()+"/")
	reload := o.timedLoad(reasonReloading, load)
	go a.reloads(ctx, hup, st, reload)
	go a.watch(ctx, st, reload)
	return a.run(ctx, h.view(true))
}

// app is the wired server: the served layers and the services over them.
type app struct {
	log    *slog.Logger
	served *indexes.Served
	tiles  *tiles.Service
	risk   *analytics.Engine
	warn   *warnings.Service
	srv    *httpapi.Server
	trust  *trust
	ops    ops
	retire time.Duration // how long a replaced dataset stays mapped for the requests still reading it
	delay  time.Duration // at shutdown, /ready answers 503 this long before the listener closes
	drain  time.Duration // then requests in flight have this long to finish

	mu     sync.Mutex // one reload at a time
	layers string     // the PG layer versions of the data served (with --state-db)
}

// newTiles builds the tile service over current with its hot cache: in process (ristretto) of
// --cache-mb, none at 0.
func newTiles(cfg config, current func() *indexes.Set, log *slog.Logger) (*tiles.Service, error) {
	tc := tiles.Config{CacheBytes: -1}
	if cfg.CacheMB > 0 {
		c, err := tiles.NewRistretto(int64(cfg.CacheMB) << 20)
		if err != nil {
			return nil, err
		}
		tc = tiles.Config{Cache: c}
	}
	return tiles.New(tc, current, log)
}

// wire builds the services over set and the HTTP server over them, with o's metrics and
// readiness and tr's keys, audit log and rate limits.
func wire(cfg config, set *indexes.Set, arch *archive.Set, st *state, tr *trust, log *slog.Logger, o ops) (*app, error) {
	a := &app{log: log, trust: tr, served: indexes.NewServed(set), ops: o, retire: max(2*max(cfg.RequestTimeout, cfg.RiskTimeout), 2*time.Minute),
		delay: cfg.ShutdownDelay, drain: max(cfg.RequestTimeout, cfg.RiskTimeout) + 5*time.Second}
	fonts, err := glyphs.Load(glyphs.Embedded()) // the labels' glyphs, rendered by indus fonts
	if err != nil {
		return nil, err
	}
	if a.tiles, err = newTiles(cfg, a.served.Load, log); err != nil {
		return nil, err
	}
	riskCfg := analytics.DefaultConfig()
	riskCfg.Observe = o.metrics.ObserveRisk
	a.risk = analytics.NewEngine(riskCfg, a.served.Load)
	go a.warm(set) // prepare risk queries in the background
	assessor := impact.New(a.risk, riskCfg, a.served)
	o.phase.set(reasonReplaying)
	a.warn, err = startWarnings(cfg, a.served, a.tiles, assessor, st, o, log)
	if err != nil {
		a.tiles.Close()
		return nil, err
	}
	o.phase.set("")
	feat := features.New(a.served.Load)
	svc := httpapi.Services{Features: feat, Tiles: a.tiles, Risk: a.risk, Warnings: a.warn, Archives: arch,
		Planner: planning.New(planning.DefaultConfig(), a.served.Load)}
	tr.services(&svc)
	a.srv = httpapi.New(o.httpConfig(httpapi.Config{PublicURL: cfg.PublicURL, RequestTimeout: cfg.RequestTimeout, RiskTimeout: cfg.RiskTimeout,
		Version: version, TileCacheControl: cfg.TileCache, Glyphs: fonts, OperatorFigures: cfg.Keys != ""}), svc, log)
	o.metrics.Tiles(a.tiles.Stats)
	if a.warn != nil {
		o.metrics.Warnings(a.warn.Stats)
	}
	o.metrics.Data(func() string { return feat.Summary(nil).Version })
	return a, nil
}

// warm prepares the risk engine for set (zones, class tables, admin units), logging how long it
// took; queries asked meanwhile are answered without the tables.
func (a *app) warm(set *indexes.Set) {
	start := time.Now()
	if err := a.risk.Warm(set); err != nil {
		a.log.Warn("preparing risk queries", "err", err)
		return
	}
	took := time.Since(start).Round(time.Millisecond)
	debug.FreeOSMemory() // the admin units' members (millions for a national layer) are garbage now
	a.log.Info("risk queries prepared", "data_version", set.Dataset.Version, "took", took)
}

func (a *app) close() {
	if a.warn != nil {
		a.warn.Close()
	}
	a.tiles.Close()
}

// reloads loads the catalog and data again on every SIGHUP, until ctx ends.
func (a *app) reloads(ctx context.Context, hup <-chan os.Signal, st *state, load func() (*indexes.Set, error)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		a.ops.phase.set(reasonReloading) // before the log line: /ready says so from then on
		a.log.Info("reloading")
		a.trust.reloadKeys()
		a.reload(ctx, st, load)
	}
}

// reload loads the data again and swaps it in at once: requests keep being served from the old
// set until the new one is indexed. A failed reload keeps the old data, as does one the audit log
// cannot record (refused, like any change unrecorded).
func (a *app) reload(ctx context.Context, st *state, load func() (*indexes.Set, error)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	next, layers, err := st.load(ctx, load)
	a.ops.phase.set("") // ready again, whether the reload failed or not (a shutdown stays)
	if err != nil {
		a.log.Error("reload failed; still serving the previous data", "err", err)
		a.trust.reloaded("", err)
		return
	}
	if err := a.trust.reloaded(next.Dataset.Version, nil); err != nil {
		a.log.Error("reload refused: the audit log cannot record it; still serving the previous data until a reload once it can", "err", err)
		next.Dataset.Close()
		return
	}
	old := a.served.SetBase(next) // the data version changes, so cached tiles of the old data are not served
	time.AfterFunc(a.retire, func() { old.Dataset.Close() })
	a.layers = layers
	a.log.Info("reloaded", "data_version", next.Dataset.Version, "layer_versions", layers)
	a.warm(next)
}

// run serves on ln until ctx ends, then shuts down gracefully: /ready answers 503 for the
// shutdown delay, then the listener closes, event streams end with a last event, and requests in
// flight finish.
func (a *app) run(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- a.srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.ops.phase.set(httpapi.ReasonShuttingDown)
	a.log.Info("shutting down", "delay", a.delay)
	time.Sleep(a.delay)
	sctx, scancel := context.WithTimeout(context.Background(), a.drain)
	defer scancel()
	err := a.srv.Shutdown(sctx)
	a.log.Info("shut down", "err", err)
	return err
}

// startWarnings starts the flood warning service when the catalog has a gauge layer; assess
// measures the impact of each warning area.
// With the state database, readings and warnings are kept there instead of the journal.
func startWarnings(cfg config, served *indexes.Served, ts *tiles.Service, assess warnings.Assessor, st *state, o ops, log *slog.Logger) (*warnings.Service, error) {
	wc := warnings.DefaultConfig("")
	if _, ok := served.Load().Layer(wc.GaugeLayer); !ok {
		log.Warn("flood warnings disabled: the catalog has no gauge layer", "layer", wc.GaugeLayer)
		return nil, nil
	}
	wc.Sender, wc.SenderName, wc.Templates, wc.Web, wc.Contact = cfg.CAPSender, cfg.CAPSenderName, cfg.CAPTemplates, cfg.CAPWeb, cfg.CAPContact
	wc.Assessor = assess
	wc.ObserveSync = o.metrics.ObserveFsync
	if st != nil {
		wc.Log = st.log
		return warnings.New(wc, served, ts, log)
	}
	dir := cfg.StateDir
	if dir == "" {
		dir = defaultStateDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	wc.JournalPath = filepath.Join(dir, "warnings.journal")
	return warnings.New(wc, served, ts, log)
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
