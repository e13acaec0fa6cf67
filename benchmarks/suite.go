package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cpec-digital/indus/data/postgres"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

type options struct {
	quick, check bool
	out          string
	workers      int
}

// Report is everything one run measured.
type Report struct {
	Date      string             `json:"date"`
	Mode      string             `json:"mode"`
	Machine   map[string]string  `json:"machine"`
	Tiles     []LoadResult       `json:"tiles"`
	TileURLs  int                `json:"tile_urls"`
	Layers    string             `json:"layers"`
	Risk      []RiskResult       `json:"risk"`
	Datasets  []DatasetResult    `json:"datasets"`
	Ratios    map[string]float64 `json:"ratios"`
	Goals     []Goal             `json:"goals"`
	Failures  []string           `json:"failures,omitempty"`
	Durations map[string]float64 `json:"durations_s"`
}

// RiskResult compares one area query.
type RiskResult struct {
	Name       string  `json:"name"`
	IndusMs    float64 `json:"indus_ms"`
	PostGISMs  float64 `json:"postgis_ms"`
	SpeedUp    float64 `json:"speed_up"`
	MaxRelDiff float64 `json:"max_relative_difference"`
	Agree      bool    `json:"agree"`
}

// DatasetResult is the start-up cost of one dataset.
type DatasetResult struct {
	Name     string  `json:"name"`
	Features int     `json:"features"`
	LoadS    float64 `json:"load_s"` // process start to serving
	RSSMB    float64 `json:"rss_mb"`
}

// Goal is one target of issue 7 and where we stand.
type Goal struct {
	Name   string `json:"name"`
	Target string `json:"target"`
	Value  string `json:"value"`
	Met    bool   `json:"met"`
}

const benchLayers = "flood_rp100,rivers,villages,provinces"

// suite is one benchmark run: its options, working folder, report and the processes it started.
type suite struct {
	o      options
	tmp    string
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
	tmp, err := os.MkdirTemp("", "indus-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	os.Chmod(tmp, 0o755) // the postgres user must reach its data folder inside
	st := &suite{o: o, tmp: tmp, rep: &Report{Date: time.Now().UTC().Format(time.RFC3339), Mode: "full", Machine: machine(),
		Ratios: map[string]float64{}, Layers: benchLayers, Durations: map[string]float64{}}}
	if o.quick {
		st.rep.Mode = "quick"
	}
	defer st.stop()
	for _, step := range []struct {
		name string
		fn   func() error
	}{
		{"build_and_generate", st.build}, {"start_indus", st.startIndus}, {"load_postgis", st.startPostGIS},
		{"risk", st.risk}, {"tiles", st.tiles}, {"scaled_dataset", st.scaled},
	} {
		t0 := time.Now()
		if err := step.fn(); err != nil {
			return fmt.Errorf("%s: %w", step.name, err)
		}
		st.rep.Durations[step.name] = math.Round(time.Since(t0).Seconds()*10) / 10
	}
	return st.finish(began)
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
	if st.cached, err = startIndus(st.indus, st.def, filepath.Join(st.tmp, "s1")); err != nil {
		return err
	}
	st.stops = append(st.stops, st.cached.stop)
	st.rep.Datasets = append(st.rep.Datasets, DatasetResult{Name: "default (Pakistan)", Features: st.cached.features,
		LoadS: st.cached.loadS, RSSMB: st.cached.rssMB()})
	if st.cold, err = startIndus(st.indus, st.def, filepath.Join(st.tmp, "s2"), "--cache-mb", "0"); err != nil {
		return err
	}
	st.stops = append(st.stops, st.cold.stop)
	return nil
}

// startPostGIS starts a private PostGIS cluster and loads the same layers into it.
func (st *suite) startPostGIS() error {
	var err error
	if st.pg, err = postgres.Start(context.Background(), filepath.Join(st.tmp, "pg")); err != nil {
		return err
	}
	st.stops = append(st.stops, func() { st.pg.Stop() })
	return loadPostGIS(st.cached.base, st.def, st.tmp, st.pg.Conn())
}

// risk compares area queries on quiet servers (before the tile load heats them up).
func (st *suite) risk() error {
	var err error
	if st.rep.Risk, err = compareRisk(st.cached.base, st.pg.Conn(), st.o.quick); err != nil {
		return err
	}
	var speed []float64
	for _, r := range st.rep.Risk {
		speed = append(speed, r.SpeedUp)
		if !r.Agree {
			st.rep.Failures = append(st.rep.Failures, fmt.Sprintf("risk query %q: Indus and PostGIS differ by %.3f %%", r.Name, r.MaxRelDiff*100))
		}
	}
	slices.Sort(speed)
	st.rep.Ratios["risk_speed_up_median"] = round3(speed[len(speed)/2])
	return nil
}

// tiles loads the ceiling, Indus cached and cold, and the PostGIS peer with the same tile list.
func (st *suite) tiles() error {
	urls := tileURLs(st.def, st.o.quick)
	st.rep.TileURLs = len(urls)
	full := func(base string) []string {
		out := make([]string, len(urls))
		for i, u := range urls {
			out[i] = base + u
		}
		return out
	}
	dur := 15 * time.Second
	if st.o.quick {
		dur = 5 * time.Second
	}
	warm := load("warm-up", full(st.cached.base), 4, 3*time.Second, true) // fills the cache: each URL at least once
	size := int(math.Max(1000, warm.MeanBytes))
	self, _ := os.Executable()
	ceiling, err := startChild(self, filepath.Join(st.tmp, "ceiling.addr"), "serve-ceiling", filepath.Join(st.tmp, "ceiling.addr"), strconv.Itoa(size))
	if err != nil {
		return err
	}
	st.stops = append(st.stops, ceiling.stop)
	peer, err := startChild(self, filepath.Join(st.tmp, "peer.addr"), "serve-peer", filepath.Join(st.tmp, "peer.addr"), st.pg.Conn())
	if err != nil {
		return err
	}
	st.stops = append(st.stops, peer.stop)
	load("peer warm-up", full(peer.base), 4, 3*time.Second, false)
	w := st.o.workers
	st.rep.Tiles = append(st.rep.Tiles,
		load("ceiling: fixed bytes, minimal Fiber handler", full(ceiling.base), w, dur, true),
		load("indus cached tiles", full(st.cached.base), w, dur, true),
		load("indus cold tiles (cache off)", full(st.cold.base), w, dur, true),
		load("postgis ST_AsMVT, thin Fiber handler", full(peer.base), w, dur, false),
	)
	ps := func(i int) float64 { return st.rep.Tiles[i].PerSecond }
	st.rep.Ratios["cached_over_ceiling"] = round3(ps(1) / ps(0))
	st.rep.Ratios["cold_over_postgis"] = round3(ps(2) / ps(3))
	st.rep.Ratios["cached_over_postgis"] = round3(ps(1) / ps(3))
	st.cached.stop()
	st.cold.stop()
	return nil
}

// scaled generates a scaled dataset and measures its load time and memory.
func (st *suite) scaled() error {
	villages, buildings := "200000", "1000000"
	if st.o.quick {
		villages, buildings = "60000", "150000"
	}
	dir := filepath.Join(st.tmp, "scaled")
	if out, err := exec.Command(st.indus, "gen", "--out", dir, "--villages", villages, "--buildings", buildings).CombinedOutput(); err != nil {
		return fmt.Errorf("indus gen (scaled): %v\n%s", err, out)
	}
	big, err := startIndus(st.indus, dir, filepath.Join(st.tmp, "s3"))
	if err != nil {
		return err
	}
	defer big.stop()
	st.rep.Datasets = append(st.rep.Datasets, DatasetResult{Name: fmt.Sprintf("scaled (%s villages, %s buildings)", villages, buildings),
		Features: big.features, LoadS: big.loadS, RSSMB: big.rssMB()})
	return nil
}

// finish checks the goals and gross regressions and writes the report.
func (st *suite) finish(began time.Time) error {
	rep := st.rep
	rep.Goals = goals(rep)
	if rep.Ratios["cached_over_ceiling"] < 0.5 {
		rep.Failures = append(rep.Failures, fmt.Sprintf("cached/ceiling = %.2f, below 0.5", rep.Ratios["cached_over_ceiling"]))
	}
	rep.Durations["total"] = math.Round(time.Since(began).Seconds())
	if err := write(rep, st.o.out); err != nil {
		return err
	}
	if st.o.check && len(rep.Failures) > 0 {
		return fmt.Errorf("gross regression: %s", strings.Join(rep.Failures, "; "))
	}
	return nil
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func goals(r *Report) []Goal {
	var g []Goal
	add := func(name, target string, value string, met bool) { g = append(g, Goal{name, target, value, met}) }
	add("cached tiles vs ceiling", ">= 0.8x", fmt.Sprintf("%.2fx", r.Ratios["cached_over_ceiling"]), r.Ratios["cached_over_ceiling"] >= 0.8)
	add("cold tiles vs PostGIS", ">= 5x", fmt.Sprintf("%.2fx", r.Ratios["cold_over_postgis"]), r.Ratios["cold_over_postgis"] >= 5)
	add("area queries vs PostGIS (median)", ">= 20x, equal answers", fmt.Sprintf("%.1fx", r.Ratios["risk_speed_up_median"]), r.Ratios["risk_speed_up_median"] >= 20 && len(r.Failures) == 0)
	add("default dataset load", "<= 2 s", fmt.Sprintf("%.2f s", r.Datasets[0].LoadS), r.Datasets[0].LoadS <= 2)
	if len(r.Datasets) > 1 {
		d := r.Datasets[1]
		add("scaled dataset memory", "1M polygons in <= 1 GB", fmt.Sprintf("%d features, %.0f MB", d.Features, d.RSSMB), d.RSSMB <= 1024 && d.Features >= 1_000_000)
	}
	return g
}

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

// process is a started server.
type process struct {
	cmd      *exec.Cmd
	base     string
	loadS    float64
	features int
}

func (p *process) stop() {
	if p.cmd != nil && p.cmd.Process != nil {
		p.cmd.Process.Kill()
		p.cmd.Wait()
		p.cmd = nil
	}
}

// rssMB reads the resident set of the process.
func (p *process) rssMB() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			kb, _ := strconv.Atoi(strings.Fields(l)[1])
			return math.Round(float64(kb)/1024*10) / 10
		}
	}
	return 0
}

var (
	servingRE  = regexp.MustCompile(`msg=serving addr=(\S+)`)
	featuresRE = regexp.MustCompile(`msg="dataset loaded".* features=(\d+)`)
)

func startIndus(bin, data, state string, extra ...string) (*process, error) {
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--catalog", filepath.Join(data, "catalog.yaml"), "--state-dir", state}, extra...)
	cmd := exec.Command(bin, args...)
	stderr, _ := cmd.StderrPipe()
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd}
	sc := bufio.NewScanner(stderr)
	var log bytes.Buffer
	for sc.Scan() {
		line := sc.Text()
		log.WriteString(line + "\n")
		if m := featuresRE.FindStringSubmatch(line); m != nil {
			p.features, _ = strconv.Atoi(m[1])
		}
		if m := servingRE.FindStringSubmatch(line); m != nil {
			p.loadS = math.Round(time.Since(t0).Seconds()*1000) / 1000
			p.base = "http://" + m[1]
			go io.Copy(io.Discard, stderr)
			return p, nil
		}
	}
	p.stop()
	return nil, fmt.Errorf("indus did not start:\n%s", log.String())
}

func startChild(self, addrFile string, args ...string) (*process, error) {
	cmd := exec.Command(self, args...)
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd}
	for range 200 {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			p.base = "http://" + string(b)
			return p, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("%s did not start", args[0])
}

// loadPostGIS loads the benchmark layers: the flood zones as Indus polygonized them (exported
// through the Features API), and the vector files as they are.
func loadPostGIS(base, data, tmp, conn string) error {
	ogr := func(src, name string, extra ...string) error {
		args := append([]string{"-f", "PostgreSQL", "PG:" + conn, src, "-nln", name, "-lco", "GEOMETRY_NAME=geom", "-lco", "FID=fid", "-overwrite"}, extra...)
		if out, err := exec.Command("ogr2ogr", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ogr2ogr %s: %v\n%s", name, err, out)
		}
		return nil
	}
	for _, l := range []string{"flood_rp10", "flood_rp25", "flood_rp100"} {
		path := filepath.Join(tmp, l+".geojson")
		if err := export(base, l, path); err != nil {
			return err
		}
		if err := ogr(path, l, "-nlt", "PROMOTE_TO_MULTI"); err != nil {
			return err
		}
	}
	if err := ogr(filepath.Join(data, "villages.geojson"), "villages"); err != nil {
		return err
	}
	if err := ogr(filepath.Join(data, "pk-admin1-ne10m.geojson"), "provinces", "-nlt", "PROMOTE_TO_MULTI", "-select", "iso_3166_2,name_en"); err != nil {
		return err
	}
	if err := ogr(filepath.Join(data, "pk-rivers-gshhg-wdbii.geojson"), "rivers"); err != nil {
		return err
	}
	pool, err := pgxpool.New(context.Background(), conn)
	if err != nil {
		return err
	}
	defer pool.Close()
	_, err = pool.Exec(context.Background(), "ANALYZE")
	return err
}

func export(base, layer, path string) error {
	var all []json.RawMessage
	for offset := 0; ; offset += 10000 {
		res, err := http.Get(fmt.Sprintf("%s/collections/%s/items?limit=10000&offset=%d", base, layer, offset))
		if err != nil {
			return err
		}
		var page struct {
			Features []json.RawMessage `json:"features"`
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil {
			return err
		}
		all = append(all, page.Features...)
		if len(page.Features) < 10000 {
			break
		}
	}
	b, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": all})
	return os.WriteFile(path, b, 0o644)
}

// tileURLs is a fixed, seeded list of tiles over Pakistan, z6-14, centred on villages (so that the
// list follows where people and data are), with more tiles at higher zooms as map clients request.
func tileURLs(data string, quick bool) []string {
	raw, _ := os.ReadFile(filepath.Join(data, "villages.geojson"))
	var fc struct {
		Features []struct {
			Geometry struct {
				Coordinates [2]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	json.Unmarshal(raw, &fc)
	r := rand.New(rand.NewPCG(7, 7))
	weights := []struct{ z, n int }{{6, 10}, {7, 20}, {8, 30}, {9, 40}, {10, 50}, {11, 60}, {12, 70}, {13, 60}, {14, 60}}
	seen := map[string]bool{}
	var out []string
	for _, w := range weights {
		n := w.n
		if quick {
			n = max(n/2, 5)
		}
		for k := 0; k < n*3 && n > 0; k++ {
			c := fc.Features[r.IntN(len(fc.Features))].Geometry.Coordinates
			t := maptile.At(orb.Point{c[0], c[1]}, maptile.Zoom(w.z))
			u := fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", benchLayers, t.Z, t.X, t.Y)
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
				n--
			}
		}
	}
	return out
}
