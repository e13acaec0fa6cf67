package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"golang.org/x/sys/unix"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
)

// calibration is one request measured in process: the work the cost model counts, its
// estimate, and the CPU and wall time the answer (and export) took, the least of three runs.
type calibration struct {
	Dataset, Name string
	Terms         []float64
	EstimateMs    float64
	CPUMs, WallMs float64
}

// calibrate measures the cost model of /risk/area (analytics.Estimate) against the time of the
// answers on the default dataset and on 1M buildings (generated with indus gen and built into
// snapshots under dir, reused when there), prints the distribution of measured/estimated and the
// unit costs a non-negative least-squares fit of the relative error would choose, and writes the
// rows to dir/calibration.json. CPU time is used (the process's user+system time), so that a busy
// machine does not inflate the figures (the calling thread's, exactly).
func calibrate(dir string) error {
	indus := filepath.Join(dir, "indus")
	if out, err := exec.Command("go", "build", "-o", indus, "./cmd/indus").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	var rows []calibration
	for _, ds := range []struct {
		name string
		args []string
	}{{"default", nil}, {"1M buildings", []string{"--villages", "200000", "--buildings", "1000000"}}} {
		gen := filepath.Join(dir, strings.ReplaceAll(ds.name, " ", "-"))
		snap := gen + ".snapshot"
		if err := ensureSnapshot(indus, gen, snap, ds.args); err != nil {
			return err
		}
		rs, err := calibrateOn(ds.name, gen, snap)
		if err != nil {
			return err
		}
		rows = append(rows, rs...)
	}
	b, _ := json.MarshalIndent(rows, "", " ")
	if err := os.WriteFile(filepath.Join(dir, "calibration.json"), b, 0o644); err != nil {
		return err
	}
	printCalibration(rows)
	return nil
}

func ensureSnapshot(indus, gen, snap string, args []string) error {
	if _, err := os.Stat(filepath.Join(gen, "catalog.yaml")); err != nil {
		if out, err := exec.Command(indus, append([]string{"gen", "--out", gen}, args...)...).CombinedOutput(); err != nil {
			return fmt.Errorf("indus gen: %v\n%s", err, out)
		}
	}
	if _, err := os.Stat(snap); err != nil {
		if out, err := exec.Command(indus, "build", "--catalog", filepath.Join(gen, "catalog.yaml"), "--out", snap).CombinedOutput(); err != nil {
			return fmt.Errorf("indus build: %v\n%s", err, out)
		}
	}
	return nil
}

// calibrateOn loads a snapshot, warms an engine as the server does and measures the requests.
func calibrateOn(name, gen, snap string) ([]calibration, error) {
	ds, err := data.OpenSnapshot(snap)
	if err != nil {
		return nil, err
	}
	defer ds.Close()
	set := indexes.Build(ds)
	e := analytics.NewEngine(analytics.DefaultConfig(), func() *indexes.Set { return set })
	if err := e.Warm(set); err != nil {
		return nil, err
	}
	in, err := readInputs(gen)
	if err != nil {
		return nil, err
	}
	var out []calibration
	for _, rq := range calibrationRequests(in) {
		r, err := analytics.ParseAreaRequest([]byte(rq.body))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", rq.name, err)
		}
		r.Export = rq.export
		c, err := e.Estimate(context.Background(), r)
		if err != nil {
			fmt.Fprintf(os.Stderr, "calibrate: %s: %v\n", rq.name, err)
			continue
		}
		cpu, wall, err := timeAnswer(e, r)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", rq.name, err)
		}
		out = append(out, calibration{name, rq.name, c.Terms[:], ms(c.Estimate), ms(cpu), ms(wall)})
		fmt.Fprintf(os.Stderr, "%-14s %-44s estimate %9.1f ms, cpu %9.1f ms, wall %9.1f ms\n", name, rq.name, ms(c.Estimate), ms(cpu), ms(wall))
	}
	return out, nil
}

// timeAnswer is the least CPU and wall time of three answers (and exports) of r, on one OS
// thread (the answer is computed on the calling goroutine).
func timeAnswer(e *analytics.Engine, r *analytics.AreaRequest) (cpu, wall time.Duration, err error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu, wall = time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for range 3 {
		c0, w0 := cpuTime(), time.Now()
		res, err := e.Area(context.Background(), r)
		if err == nil && r.Export {
			_, err = analytics.ExposedGeoJSON(context.Background(), res)
		}
		if err != nil {
			return 0, 0, err
		}
		cpu, wall = min(cpu, cpuTime()-c0), min(wall, time.Since(w0))
	}
	return cpu, wall, nil
}

// cpuTime is the CPU time of the calling thread (exact, unlike the sampled rusage).
func cpuTime() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

type calibrationRequest struct {
	name, body string
	export     bool
}

// calibrationRequests are the benchmark areas (but the provinces, answered from tables), bboxes
// of 0.1° to 4°, corridors (300 km walks, the zigzags of issue 20), stars of 1,000 to 9,999
// vertices, and GeoJSON exports of some of them.
func calibrationRequests(in *inputs) []calibrationRequest {
	var out []calibrationRequest
	for _, a := range querySet(in) {
		if a.Class != "province" {
			out = append(out, calibrationRequest{name: a.Name, body: "{" + a.Where + "}"})
		}
	}
	r := rand.New(rand.NewPCG(20, 9))
	for _, d := range []float64{0.1, 0.5, 1, 2, 4} {
		c := in.villages[r.IntN(len(in.villages))]
		body := fmt.Sprintf(`{"bbox":[%g,%g,%g,%g]}`, c[0]-d/2, c[1]-d/2, c[0]+d/2, c[1]+d/2)
		out = append(out, calibrationRequest{name: fmt.Sprintf("bbox %g°", d), body: body},
			calibrationRequest{name: fmt.Sprintf("bbox %g° geojson", d), body: body, export: true})
	}
	for _, n := range []int{1000, 5000, 9999} {
		c := in.villages[r.IntN(len(in.villages))]
		g, _ := json.Marshal(geojson.NewGeometry(orb.Polygon{star(r, c, 60, 0.45, n)}))
		body := `{"geometry":` + string(g) + `}`
		out = append(out, calibrationRequest{name: fmt.Sprintf("star of %d vertices", n), body: body},
			calibrationRequest{name: fmt.Sprintf("star of %d vertices geojson", n), body: body, export: true})
	}
	for _, z := range []struct {
		n   int
		amp float64
	}{{1000, 0.001}, {9999, 0.001}, {500, 0.003}, {2000, 0.003}} {
		line := make(orb.LineString, z.n)
		for i := range line {
			line[i] = orb.Point{68 + 0.00005*float64(i), 27 + z.amp*float64(i%2)}
		}
		g, _ := json.Marshal(geojson.NewGeometry(line))
		out = append(out, calibrationRequest{name: fmt.Sprintf("zigzag %d × %.0f m, 50 km", z.n, z.amp*111000),
			body: `{"geometry":` + string(g) + `,"buffer_m":50000}`})
	}
	return out
}

// printCalibration prints the distribution of measured (CPU) over estimated time, over all the
// requests and over those that take 1 ms or more (an estimate matters when it nears a deadline of
// seconds), the worst, and the unit costs a fit would choose with their distribution.
func printCalibration(rows []calibration) {
	names, current := analytics.CostModel()
	ns := make([]float64, len(current))
	for k, u := range current {
		ns[k] = float64(u)
	}
	fmt.Println("with the unit costs in analytics:")
	printRatios(rows, func(r calibration) float64 { return predict(r, ns) / 1e6 })
	units := fitUnits(rows)
	fmt.Println("fitted unit costs:")
	for k, name := range names {
		fmt.Printf("  %-20s %12.0f ns\n", name, units[k])
	}
	printRatios(rows, func(r calibration) float64 { return predict(r, units) / 1e6 })
}

func printRatios(rows []calibration, estimate func(calibration) float64) {
	for _, least := range []float64{0, 1} {
		var ratios []float64
		worst, worstName := 1.0, ""
		for _, r := range rows {
			if r.CPUMs < least {
				continue
			}
			x := r.CPUMs / math.Max(estimate(r), 1e-3)
			ratios = append(ratios, x)
			if d := math.Max(x, 1/x); d > worst {
				worst, worstName = d, fmt.Sprintf("%s, %s: measured %.1f ms, estimated %.1f ms", r.Dataset, r.Name, r.CPUMs, estimate(r))
			}
		}
		slices.Sort(ratios)
		q := func(f float64) float64 { return ratios[int(f*float64(len(ratios)-1))] }
		within := 0
		for _, x := range ratios {
			if x >= 0.5 && x <= 2 {
				within++
			}
		}
		fmt.Printf("  %d requests of %g ms or more: measured/estimated min %.2f, p10 %.2f, median %.2f, p90 %.2f, max %.2f; %d within 2×; worst: %s\n",
			len(ratios), least, q(0), q(0.1), q(0.5), q(0.9), q(1), within, worstName)
	}
}

func predict(r calibration, units []float64) float64 {
	p := 0.0
	for j, u := range units {
		p += r.Terms[j] * u
	}
	return p
}

// fitUnits fits non-negative unit costs (ns) minimizing Σ((estimate − measured)/max(measured,
// 1 ms))², by projected coordinate descent.
func fitUnits(rows []calibration) []float64 {
	names, _ := analytics.CostModel()
	n := len(names)
	w := make([]float64, n)
	for range 3000 {
		for k := range n {
			var num, den float64
			for _, r := range rows {
				m := math.Max(r.CPUMs, 1) * 1e6
				x := r.Terms[k] / m
				num += x * (r.CPUMs*1e6/m - (predict(r, w)-r.Terms[k]*w[k])/m)
				den += x * x
			}
			if den > 0 {
				w[k] = math.Max(0, num/den)
			}
		}
	}
	return w
}
