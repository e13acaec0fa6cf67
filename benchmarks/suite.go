package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cpec-digital/indus/data/postgres"
)

type options struct {
	quick, check bool
	out          string
	workers      int
	steps        string // comma list of steps to run; empty: all
}

// Report is everything one run measured.
type Report struct {
	Date        string             `json:"date"`
	Mode        string             `json:"mode"`
	Machine     map[string]string  `json:"machine"`
	Peer        PeerInfo           `json:"postgis"`
	Risk        []RiskResult       `json:"risk"`
	RiskClasses []ClassStat        `json:"risk_classes"`
	ScaledRisk  []RiskResult       `json:"scaled_risk"`
	Admin       []AdminTiming      `json:"admin_tables"`
	Tiles       []TileRun          `json:"tiles"`
	Datasets    []DatasetResult    `json:"datasets"`
	Ratios      map[string]float64 `json:"ratios"`
	Goals       []Goal             `json:"goals"`
	Failures    []string           `json:"failures,omitempty"`
	Durations   map[string]float64 `json:"durations_s"`
}

// PeerInfo is how the PostGIS peer was set up.
type PeerInfo struct {
	Version    string           `json:"version"`
	Settings   []string         `json:"settings"`
	Projection ProjectionChoice `json:"projection"`
	ScaledProj ProjectionChoice `json:"scaled_projection"`
	TableMB    map[string]int   `json:"table_mb"`
}

// Goal is one target of issues 11 and 12 and where we stand.
type Goal struct {
	Name   string `json:"name"`
	Target string `json:"target"`
	Value  string `json:"value"`
	Met    bool   `json:"met"`
}

// suite is one benchmark run: its options, working folder, report and the processes it started.
type suite struct {
	o      options
	tmp    string
	cache  string // generated scaled datasets, kept between runs
	rep    *Report
	indus  string // the built binary
	def    string // the default dataset's folder
	cached *process
	cold   *process
	pg     *postgres.Cluster
	stops  []func()
}

func run(o options) error {
	if _, err := os.Stat("go.mod"); err != nil {
		return errors.New("run from the repository root: go run ./benchmarks")
	}
	began := time.Now()
	st, err := newSuite(o)
	if err != nil {
		return err
	}
	defer os.RemoveAll(st.tmp)
	defer st.stop()
	st.onSignal()
	for _, step := range []struct {
		name string
		fn   func() error
	}{
		{"build_and_generate", st.build}, {"start_indus", st.startIndus}, {"load_postgis", st.startPostGIS},
		{"risk", st.risk}, {"tiles", st.tiles}, {"scaled", st.scaled},
	} {
		optional := step.name == "risk" || step.name == "tiles" || step.name == "scaled"
		if o.steps != "" && optional && !strings.Contains(","+o.steps+",", ","+step.name+",") {
			continue
		}
		t0 := time.Now()
		fmt.Fprintf(os.Stderr, "benchmarks: %s\n", step.name)
		if err := step.fn(); err != nil {
			return fmt.Errorf("%s: %w", step.name, err)
		}
		st.rep.Durations[step.name] = math.Round(time.Since(t0).Seconds()*10) / 10
	}
	return st.finish(began)
}

func newSuite(o options) (*suite, error) {
	tmp, err := os.MkdirTemp("", "indus-bench-")
	if err != nil {
		return nil, err
	}
	os.Chmod(tmp, 0o755) // the postgres user must reach its data folder inside
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = filepath.Join("benchmarks", "results", "tmp")
	}
	rep := &Report{Date: time.Now().UTC().Format(time.RFC3339), Mode: "full", Machine: machine(),
		Ratios: map[string]float64{}, Durations: map[string]float64{}}
	if o.quick {
		rep.Mode = "quick"
	}
	return &suite{o: o, tmp: tmp, cache: filepath.Join(cache, "indus-bench"), rep: rep}, nil
}

// onSignal stops the servers (PostgreSQL above all) and removes the working folder when the run
// is interrupted.
func (st *suite) onSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-ch
		fmt.Fprintln(os.Stderr, "benchmarks: stopping on", s)
		st.stop()
		os.RemoveAll(st.tmp)
		os.Exit(1)
	}()
}

func (st *suite) stop() {
	for i := len(st.stops) - 1; i >= 0; i-- {
		st.stops[i]()
	}
}

// build compiles cmd/indus and generates the default dataset with it.
func (st *suite) build() error {
	st.indus = filepath.Join(st.tmp, "indus")
	if out, err := exec.Command("go", "build", "-o", st.indus, "./cmd/indus").CombinedOutput(); err != nil {
		return fmt.Errorf("building indus: %v\n%s", err, out)
	}
	st.def = filepath.Join(st.tmp, "default")
	if out, err := exec.Command(st.indus, "gen", "--out", st.def).CombinedOutput(); err != nil {
		return fmt.Errorf("indus gen: %v\n%s", err, out)
	}
	return nil
}

// startIndus starts Indus with and without its tile cache on the default dataset.
func (st *suite) startIndus() error {
	var err error
	if st.cached, err = startIndus(st.indus, filepath.Join(st.tmp, "s1"), catalogFlags(st.def)...); err != nil {
		return err
	}
	st.stops = append(st.stops, st.cached.stop)
	if err := st.cached.waitPrepared(2 * time.Minute); err != nil {
		return err
	}
	st.rep.Datasets = append(st.rep.Datasets, DatasetResult{Name: "default (Pakistan)", Features: st.cached.features,
		ServingS: st.cached.loadS, PreparedS: st.cached.prepS, SteadyRSSMB: st.cached.rssMB(), PeakRSSMB: st.cached.status("VmHWM"),
		SteadyAnonMB: st.cached.status("RssAnon"), SteadyFileMB: st.cached.status("RssFile")})
	if st.cold, err = startIndus(st.indus, filepath.Join(st.tmp, "s2"), append(catalogFlags(st.def), "--cache-mb", "0")...); err != nil {
		return err
	}
	st.stops = append(st.stops, st.cold.stop)
	return st.cold.waitPrepared(2 * time.Minute)
}

// startPostGIS starts the tuned PostGIS peer and loads the default dataset into schema def.
func (st *suite) startPostGIS() error {
	ctx := context.Background()
	var err error
	if st.pg, err = startPeer(ctx, filepath.Join(st.tmp, "pg"), peerSharedMB); err != nil {
		return err
	}
	st.stops = append(st.stops, func() { st.pg.Stop() })
	st.rep.Peer.Settings = peerSettings(peerSharedMB)
	st.rep.Peer.Version = peerVersion(ctx, st.pg.Conn())
	return loadDataset(ctx, st.pg.Conn(), "def", st.cached.base, st.def, st.tmp, false)
}

// peerSharedMB is the peer's shared_buffers: the scaled schema with 1M buildings takes about
// 700 MB with its indexes (the report lists table sizes), the default one 30 MB.
const peerSharedMB = 2048

// risk compares the varied query set on quiet servers (before the tile load heats them up).
func (st *suite) risk() error {
	ctx := context.Background()
	in, err := readInputs(st.def)
	if err != nil {
		return err
	}
	pool, err := peerPool(ctx, st.pg.Conn(), "def")
	if err != nil {
		return err
	}
	defer pool.Close()
	c := &riskClient{base: st.cached.base, hazards: floodLayers, exposure: []string{"villages"}, http: httpClient()}
	areas := querySet(in)
	p := peerQuery{pool: pool}
	if p.pr, st.rep.Peer.Projection, err = chooseProjection(ctx, c, p, areas); err != nil {
		return err
	}
	if st.rep.Risk, err = compareAreas(ctx, c, p, areas, st.reps()); err != nil {
		return err
	}
	st.rep.RiskClasses = classStats(st.rep.Risk)
	st.rep.Failures = append(st.rep.Failures, disagreements(st.rep.Risk)...)
	var speed []float64
	for _, r := range st.rep.Risk {
		speed = append(speed, r.SpeedUp)
	}
	st.rep.Ratios["risk_speed_up_median"] = round3(medianF(speed))
	worst := math.Inf(1)
	for _, s := range st.rep.RiskClasses {
		worst = math.Min(worst, s.MedianSpeed)
	}
	st.rep.Ratios["risk_worst_class_median"] = round3(worst)
	st.rep.Ratios["risk_bound_median"], st.rep.Ratios["risk_bound_worst_class"] = bounds(st.rep.Risk, st.rep.RiskClasses)
	return nil
}

func (st *suite) reps() int {
	if st.o.quick {
		return 3
	}
	return 5
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func machine() map[string]string {
	m := map[string]string{"cores": strconv.Itoa(runtime.NumCPU()), "go": runtime.Version(), "os": runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m["load_average"] = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		m["memory"] = strings.TrimSpace(strings.TrimPrefix(strings.SplitN(string(b), "\n", 2)[0], "MemTotal:"))
	}
	if out, err := exec.Command("gdal-config", "--version").Output(); err == nil {
		m["gdal"] = strings.TrimSpace(string(out))
	}
	return m
}
