package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// DatasetResult is what one dataset costs to build, load and hold.
type DatasetResult struct {
	Name          string  `json:"name"`
	Features      int     `json:"features"`
	GenS          float64 `json:"gen_s,omitempty"` // 0: reused from the cache
	BuildS        float64 `json:"build_s,omitempty"`
	BuildPeakMB   float64 `json:"build_peak_rss_mb,omitempty"`
	SnapshotMB    float64 `json:"snapshot_mb,omitempty"`
	ServingS      float64 `json:"serving_s"`  // process start to serving
	PreparedS     float64 `json:"prepared_s"` // process start to "risk queries prepared"
	SteadyRSSMB   float64 `json:"steady_rss_mb"`
	SteadyAnonMB  float64 `json:"steady_rss_anon_mb"` // heap and stacks
	SteadyFileMB  float64 `json:"steady_rss_file_mb"` // mapped files (the snapshot) resident
	PeakRSSMB     float64 `json:"peak_rss_mb"`
	FileBytesPerF float64 `json:"snapshot_bytes_per_feature,omitempty"`
	RSSBytesPerF  float64 `json:"rss_bytes_per_feature"`
}

// scale is one scaled dataset.
type scale struct{ villages, buildings int }

func (s scale) name() string {
	return fmt.Sprintf("%dk villages + %s buildings", s.villages/1000, millions(s.buildings))
}

func millions(n int) string {
	if n%1_000_000 == 0 {
		return strconv.Itoa(n/1_000_000) + "M"
	}
	return strconv.Itoa(n/1000) + "k"
}

// scaled measures each scaled dataset: generate (cached), indus build, serve --snapshot (time to
// serving, steady and peak RSS), cold buildings tiles, and on the first (1M buildings) the risk
// comparison with buildings and the admin-unit tables. Full mode adds 10M buildings.
func (st *suite) scaled() error {
	sizes := []scale{{200_000, 1_000_000}}
	if !st.o.quick {
		sizes = append(sizes, scale{200_000, 10_000_000})
	}
	var urls []string
	for i, s := range sizes {
		p, dir, err := st.serveScaled(s)
		if err != nil {
			return err
		}
		if i == 0 {
			in, err := readInputs(dir)
			if err != nil {
				p.stop()
				return err
			}
			urls = tileURLs(in.villages, "buildings", buildingZooms, 9, st.o.quick)
			if err := st.scaledExtras(p, dir, in); err != nil {
				p.stop()
				return err
			}
		}
		st.rep.Tiles = append(st.rep.Tiles, TileRun{"buildings z12-14", "indus cold tiles, " + s.name(), len(urls),
			load(prefixed(p.base, urls), st.o.workers, st.loadFor(), true)})
		p.stop()
	}
	st.buildingTileRatio()
	return nil
}

// serveScaled generates (or reuses) a dataset, builds its snapshot and serves it with the tile
// cache off, recording the costs once the risk tables are prepared.
func (st *suite) serveScaled(s scale) (*process, string, error) {
	dir := filepath.Join(st.cache, fmt.Sprintf("scaled-%d-%d", s.villages, s.buildings))
	d := DatasetResult{Name: "scaled: " + s.name() + " + default layers"}
	t0 := time.Now()
	if out, err := exec.Command(st.indus, "gen", "--out", dir, "--villages", strconv.Itoa(s.villages), "--buildings", strconv.Itoa(s.buildings)).CombinedOutput(); err != nil {
		return nil, "", fmt.Errorf("indus gen: %v\n%s", err, out)
	}
	if g := time.Since(t0).Seconds(); g > 2 {
		d.GenS = math.Round(g*10) / 10
	}
	snap := st.snapshot(s.buildings)
	var err error
	if d.BuildS, d.BuildPeakMB, err = timed(st.indus, "build", "--catalog", filepath.Join(dir, "catalog.yaml"), "--out", snap); err != nil {
		return nil, "", err
	}
	if fi, err := os.Stat(snap); err == nil {
		d.SnapshotMB = math.Round(float64(fi.Size())/1e5) / 10
	}
	p, err := startIndus(st.indus, filepath.Join(st.tmp, "s-"+strconv.Itoa(s.buildings)), "--snapshot", snap, "--cache-mb", "0")
	if err != nil {
		return nil, "", err
	}
	if err := p.waitPrepared(5 * time.Minute); err != nil {
		p.stop()
		return nil, "", err
	}
	time.Sleep(2 * time.Second) // let the preparation's garbage be collected
	d.Features, d.ServingS, d.PreparedS = p.features, p.loadS, p.prepS
	d.SteadyRSSMB, d.PeakRSSMB = p.rssMB(), p.status("VmHWM")
	d.SteadyAnonMB, d.SteadyFileMB = p.status("RssAnon"), p.status("RssFile")
	d.FileBytesPerF = math.Round(d.SnapshotMB * 1e6 / float64(d.Features))
	d.RSSBytesPerF = math.Round(d.SteadyRSSMB * (1 << 20) / float64(d.Features))
	st.rep.Datasets = append(st.rep.Datasets, d)
	return p, dir, nil
}

// timed runs a command and returns its wall time (s) and peak resident set (MB).
func timed(name string, args ...string) (float64, float64, error) {
	cmd := exec.Command(name, args...)
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("%s %v: %v\n%s", name, args, err, out)
	}
	s := math.Round(time.Since(t0).Seconds()*10) / 10
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if ru == nil {
		return s, 0, nil
	}
	return s, math.Round(float64(ru.Maxrss)/1024*10) / 10, nil
}

// buildingTileRatio compares cold building tiles at 10M with 1M buildings per byte sent.
func (st *suite) buildingTileRatio() {
	var runs []TileRun
	for _, t := range st.rep.Tiles {
		if t.List == "buildings z12-14" {
			runs = append(runs, t)
		}
	}
	if len(runs) == 2 && runs[0].BytesPerS > 0 {
		st.rep.Ratios["buildings_cold_bytes_per_s_10m_over_1m"] = round3(runs[1].BytesPerS / runs[0].BytesPerS)
		st.rep.Ratios["buildings_cold_tiles_per_s_10m_over_1m"] = round3(runs[1].PerSecond / runs[0].PerSecond)
	}
}

// scaledExtras runs what needs the 1M dataset: the risk comparison with buildings, the admin
// tables, and 14-layer composites on a second server with its tile cache on.
func (st *suite) scaledExtras(p *process, dir string, in *inputs) error {
	if err := st.scaledRisk(p, dir, in); err != nil {
		return err
	}
	cached, err := startIndus(st.indus, filepath.Join(st.tmp, "s-cached"), "--snapshot", st.snapshot(1_000_000))
	if err != nil {
		return err
	}
	defer cached.stop()
	return st.allLayerTiles(cached.base, in.villages)
}

func (st *suite) snapshot(buildings int) string {
	return filepath.Join(st.tmp, fmt.Sprintf("scaled-%d.snapshot", buildings))
}

// AdminTiming is a province answered from the precomputed admin-unit tables.
type AdminTiming struct {
	Province string  `json:"province"`
	HTTPMs   float64 `json:"http_ms"`   // median, client side
	ServerMs float64 `json:"server_ms"` // median of timing_ms
}

// scaledRisk loads the scaled dataset into the peer (schema big, with buildings) and compares
// a 50 km dense area and one area of each generated class, with buildings; then times provinces.
func (st *suite) scaledRisk(p *process, dir string, in *inputs) error {
	ctx := context.Background()
	t0 := time.Now()
	if err := loadDataset(ctx, st.pg.Conn(), "big", p.base, dir, st.tmp, true); err != nil {
		return err
	}
	st.rep.Durations["load_postgis_scaled"] = math.Round(time.Since(t0).Seconds())
	pool, err := peerPool(ctx, st.pg.Conn(), "big")
	if err != nil {
		return err
	}
	defer pool.Close()
	st.rep.Peer.TableMB = tableSizes(ctx, pool)
	c := &riskClient{base: p.base, hazards: floodLayers, exposure: []string{"villages", "buildings"}, http: httpClient()}
	areas := scaledSet(in)
	q := peerQuery{pool: pool, buildings: true}
	if q.pr, st.rep.Peer.ScaledProj, err = chooseProjection(ctx, c, q, areas); err != nil {
		return err
	}
	if st.rep.ScaledRisk, err = compareAreas(ctx, c, q, areas, st.reps()); err != nil {
		return err
	}
	st.rep.Failures = append(st.rep.Failures, disagreements(st.rep.ScaledRisk)...)
	st.rep.Ratios["risk_50km_buildings_speed_up"] = st.rep.ScaledRisk[0].SpeedUp
	st.rep.Admin, err = adminTimings(c, in, 20)
	return err
}

// scaledSet is a 50 km area at the densest place, then one area of each generated class.
func scaledSet(in *inputs) []area {
	var out []area
	for _, a := range querySet(in) {
		if a.Class == "dense" { // the first is the densest
			a.Class, a.Name = "50 km", "50 km at the densest place ("+a.Name+")"
		}
		if a.Class == "province" || a.Class == "empty" || slices.ContainsFunc(out, func(b area) bool { return b.Class == a.Class }) {
			continue
		}
		if a.Class == "50 km" {
			out = append([]area{a}, out...)
			continue
		}
		out = append(out, a)
	}
	return out
}

func adminTimings(c *riskClient, in *inputs, reps int) ([]AdminTiming, error) {
	var out []AdminTiming
	for _, p := range in.provinces {
		a := area{Name: p.id, Where: fmt.Sprintf(`"admin":{"layer":"provinces","id":%q}`, p.id)}
		var h []time.Duration
		var s []float64
		for range reps {
			_, d, sms, err := c.ask(a)
			if err != nil {
				return nil, err
			}
			h, s = append(h, d), append(s, sms)
		}
		out = append(out, AdminTiming{Province: p.id, HTTPMs: ms(median(h)), ServerMs: medianF(s)})
	}
	return out, nil
}

// tableSizes lists the peer's tables with their indexes, in MB.
func tableSizes(ctx context.Context, pool *pgxpool.Pool) map[string]int {
	rows, err := pool.Query(ctx, `SELECT n.nspname || '.' || c.relname, (pg_total_relation_size(c.oid) / 1048576)::int
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname IN ('def', 'big')`)
	if err != nil {
		return nil
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var name string
		var mb int
		if rows.Scan(&name, &mb) == nil {
			out[name] = mb
		}
	}
	return out
}
