package fibre

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cpec-digital/indus/data/geo"
	"github.com/paulmach/orb"
)

// indus is a rough course of the Indus from the sea to the Potohar plateau.
func indus() orb.LineString {
	return orb.LineString{{67.3, 24.4}, {68.3, 25.4}, {68.6, 26.5}, {68.9, 27.7}, {70.0, 28.5},
		{70.6, 29.2}, {71.0, 30.5}, {71.5, 31.8}, {71.7, 32.8}, {72.2, 33.9}}
}

// densify splits every segment of l into pieces of about stepKm, like a digitised route.
func densify(l orb.LineString, stepKm float64) orb.LineString {
	out := orb.LineString{l[0]}
	for k := 0; k+1 < len(l); k++ {
		s := geo.NewArc(l[k], l[k+1])
		n := max(1, int(math.Ceil(geo.DistanceKm(l[k], l[k+1])/stepKm)))
		for i := 1; i <= n; i++ {
			out = append(out, s.At(float64(i)/float64(n)))
		}
	}
	return out
}

// settlements is a realistic instance: n villages clustered around towns (a Pareto-sized few
// large, many small), a third of the towns along the river and a tenth of the villages scattered;
// log-normal populations (median 900); the connected villages are the ones nearest to the big towns
// (plus a random draw); flood zones by distance to the river (4/8/15 km for 10/25/100 years).
func settlements(seed uint64, n, connected int) []Village {
	r := rand.New(rand.NewPCG(seed, 99))
	river := indus()
	type town struct {
		at     orb.Point
		size   float64
		spread float64
	}
	towns := make([]town, 160)
	total := 0.0
	for i := range towns {
		at := randPoint(r, 62, 75, 24.5, 35)
		if i%3 == 0 {
			at = geo.NewArc(river[i%(len(river)-1)], river[i%(len(river)-1)+1]).At(r.Float64())
			at[0] += r.NormFloat64() * 0.1
		}
		size := 1 / math.Pow(1-r.Float64(), 1/1.2)
		towns[i] = town{at, size, 0.08 + 0.05*math.Sqrt(size)}
		total += size
	}
	vs := make([]Village, n)
	score := make([]float64, n)
	for i := range vs {
		x, pick := r.Float64()*total, 0
		for ; pick < len(towns)-1 && x > towns[pick].size; pick++ {
			x -= towns[pick].size
		}
		tw := towns[pick]
		p := orb.Point{tw.at[0] + r.NormFloat64()*tw.spread, tw.at[1] + r.NormFloat64()*tw.spread}
		if i%10 == 0 {
			p = randPoint(r, 61, 77, 24, 37)
		}
		vs[i] = Village{ID: int64(i + 1), Point: p,
			Population: int64(math.Round(math.Max(80, math.Min(25000, math.Exp(math.Log(900)+0.8*r.NormFloat64())))))}
		dTown := math.Hypot(p[0]-tw.at[0], p[1]-tw.at[1])
		score[i] = r.Float64() + 1.2*math.Exp(-dTown/0.3)*math.Min(1, tw.size/3)
		floodZone(&vs[i], river)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return score[order[a]] > score[order[b]] })
	for _, i := range order[:connected] {
		vs[i].Connected = true
	}
	return vs
}

func floodZone(v *Village, river orb.LineString) {
	d := math.Inf(1)
	for k := 0; k+1 < len(river); k++ {
		sd, _ := newSegment(0, river[k], river[k+1]).DistanceKm(v.Point)
		d = math.Min(d, sd)
	}
	switch {
	case d < 4:
		v.FloodRP, v.FloodClass = 10, "high"
	case d < 8:
		v.FloodRP, v.FloodClass = 25, "medium"
	case d < 15:
		v.FloodRP, v.FloodClass = 100, "low"
	}
}

// routes is two digitised CPEC-like alignments with a vertex every 5 km.
func routes() []orb.LineString {
	east := indus()
	for i := range east {
		east[i][0] += 0.6
	}
	west := orb.LineString{{62.3, 25.1}, {64.0, 26.5}, {66.2, 27.5}, {67.0, 30.2}, {69.0, 31.8}, {71.5, 33.7}}
	return []orb.LineString{densify(east, 5), densify(west, 5)}
}

// TestRealistic checks the invariants on the benchmark instance.
func TestRealistic(t *testing.T) {
	if testing.Short() {
		t.Skip("30,000 villages")
	}
	vs := settlements(1, 30000, 22000)
	ro, err := Plan(vs, routes(), Options{Target: 30000, Weights: map[string]float64{"flood": 1, "backbone": 1}})
	if err != nil {
		t.Fatal(err)
	}
	checkSteps(t, vs, ro)
	sm := ro.Summary
	if sm.FloodZoneShareAfter != 1 || sm.FloodZoneShareBefore >= 1 || len(ro.Steps) != 8000 || ro.Steps[7999].Phase != 4 {
		t.Errorf("summary %+v", sm)
	}
	t.Logf("%d villages, %d people, %.0f cable km; flood-zone share %.3f → %.3f",
		len(ro.Steps), sm.PeopleConnected, sm.CableKm, sm.FloodZoneShareBefore, sm.FloodZoneShareAfter)
}

// BenchmarkPlan plans 8,000 of 30,000 clustered villages (22,000 connected, target 30,000).
func BenchmarkPlan(b *testing.B) {
	vs := settlements(1, 30000, 22000)
	lines := routes()
	for _, c := range []struct {
		name string
		w    map[string]float64
	}{{"villages", map[string]float64{"flood": 1}}, {"backbone", map[string]float64{"flood": 1, "backbone": 1}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Plan(vs, lines, Options{Target: 30000, Weights: c.w}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPlanSizes times plans of the shapes a request can take (villages in scope, connected
// before, target, backbone), to fit Estimate: go test -run '^$' -bench PlanSizes ./analytics/fibre
func BenchmarkPlanSizes(b *testing.B) {
	lines := routes()
	for _, c := range []struct {
		n, connected, target int
		backbone             bool
	}{
		{30000, 22000, 30000, false}, {30000, 22000, 30000, true}, {30000, 22000, 22100, false},
		{30000, 1000, 30000, false}, {30000, 1000, 2000, false}, {30000, 10, 30000, false}, {30000, 10, 30000, true},
		{30000, 0, 30000, true}, {30000, 0, 100, true}, {3000, 2200, 3000, false}, {3000, 10, 3000, true}, {300, 200, 300, true},
		{30000, 100, 30000, false}, {30000, 100, 5000, false}, {30000, 5000, 30000, false}, {30000, 10, 1000, false},
		{10000, 10, 10000, false}, {10000, 1000, 10000, false}, {30000, 22000, 30000, true},
	} {
		vs := settlements(1, c.n, c.connected)
		w := map[string]float64{"flood": 1}
		if c.backbone {
			w["backbone"] = 1
		}
		b.Run(fmt.Sprintf("n%d/c%d/t%d/bb%v", c.n, c.connected, c.target, c.backbone), func(b *testing.B) {
			b.ReportAllocs()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu := threadCPU()
			for b.Loop() {
				if _, err := Plan(vs, lines, Options{Target: c.target, Weights: w}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(threadCPU()-cpu)/1e6/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(Estimate(c.n, c.connected, c.target-c.connected, segments(w, lines)))/1e6, "est-ms")
		})
	}
}

// threadCPU is the CPU time of the calling thread.
func threadCPU() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

func segments(w map[string]float64, lines []orb.LineString) int {
	if w[WeightBackbone] == 0 {
		return 0
	}
	return Segments(lines)
}
