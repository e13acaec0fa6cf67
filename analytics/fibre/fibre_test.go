package fibre

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data/fault"
	"github.com/cpec-digital/indus/data/geo"
)

// randomVillages places n villages in a 3° box; a share of them are connected. With equalPop every
// village has 500 people, else 80 to 5,000; flood zones are drawn at random.
func randomVillages(r *rand.Rand, n int, share float64, equalPop bool) []Village {
	vs := make([]Village, n)
	rps := []int{0, 0, 0, 10, 25, 100}
	classes := []string{"low", "medium", "high"}
	for i := range vs {
		vs[i] = Village{ID: int64(1000 + 7*i), Point: randPoint(r, 68, 71, 25, 28), Population: 500,
			Connected: r.Float64() < share, FloodRP: rps[r.IntN(len(rps))]}
		if !equalPop {
			vs[i].Population = 80 + r.Int64N(4921)
		}
		if vs[i].FloodRP > 0 {
			vs[i].FloodClass = classes[r.IntN(3)]
		}
	}
	return vs
}

func countConnected(vs []Village) int {
	n := 0
	for _, v := range vs {
		if v.Connected {
			n++
		}
	}
	return n
}

// kruskalKm is the weight of a minimum spanning tree of the villages in final, with the connected
// ones joined at no cost: Kruskal over all pairs.
func kruskalKm(vs []Village, final map[int64]bool) float64 {
	var nodes []orb.Point
	parent := []int{}
	root := -1
	find := func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, v := range vs {
		if !v.Connected && !final[v.ID] {
			continue
		}
		k := len(nodes)
		nodes, parent = append(nodes, v.Point), append(parent, k)
		if v.Connected {
			if root < 0 {
				root = k
			}
			parent[k] = root
		}
	}
	type edge struct {
		d    float64
		a, b int
	}
	var es []edge
	for a := range nodes {
		for b := a + 1; b < len(nodes); b++ {
			es = append(es, edge{geo.DistanceKm(nodes[a], nodes[b]), a, b})
		}
	}
	sort.Slice(es, func(i, j int) bool { return es[i].d < es[j].d })
	total := 0.0
	for _, e := range es {
		if ra, rb := find(e.a), find(e.b); ra != rb {
			parent[ra] = rb
			total += e.d
		}
	}
	return total
}

// TestMinimumSpanningTree: with w_flood = 0 and equal populations the plan's cable is the MST of
// the final villages (connected ones joined at no cost) times the route factor.
func TestMinimumSpanningTree(t *testing.T) {
	for seed := range uint64(150) {
		r := rand.New(rand.NewPCG(seed, 7))
		vs := randomVillages(r, 40+r.IntN(161), 0.05+0.4*r.Float64(), true)
		conn := countConnected(vs)
		if conn == 0 {
			vs[0].Connected, conn = true, 1
		}
		target := conn + r.IntN(len(vs)-conn+1)
		factor := 1 + r.Float64()
		ro, err := Plan(vs, nil, Options{Target: target, RouteFactor: factor, PhaseSize: 7})
		if err != nil {
			t.Fatal(err)
		}
		final := map[int64]bool{}
		for _, s := range ro.Steps {
			final[s.VillageID] = true
		}
		want := kruskalKm(vs, final) * factor
		if got := ro.Summary.CableKm; math.Abs(got-want) > 1e-9*math.Max(1, want) {
			t.Fatalf("seed %d (%d villages, %d connected, target %d): cable %.9f km, MST × %.3f = %.9f km",
				seed, len(vs), conn, target, got, factor, want)
		}
	}
}

// bruteForce replays the objective from scratch at every step: all distances recomputed, no
// index. It returns the village ids in build order and their cable km.
func bruteForce(vs []Village, lines []orb.LineString, wFlood float64, target int) ([]int64, []float64) {
	var segs []segment
	for li, l := range lines {
		for k := 0; k+1 < len(l); k++ {
			segs = append(segs, newSegment(li, l[k], l[k+1]))
		}
	}
	conn := map[int]bool{}
	for i, v := range vs {
		if v.Connected {
			conn[i] = true
		}
	}
	var ids []int64
	var kms []float64
	for len(conn) < target {
		bi, bs, bd := -1, -1.0, 0.0
		for i, v := range vs {
			if conn[i] {
				continue
			}
			d := math.Inf(1)
			for j := range conn {
				d = math.Min(d, geo.DistanceKm(vs[j].Point, v.Point))
			}
			for _, s := range segs {
				sd, _ := s.DistanceKm(v.Point)
				d = math.Min(d, sd)
			}
			score := math.Inf(1)
			if d > 0 {
				score = float64(v.Population) * (1 + wFlood*FloodExposure(v.FloodRP)) / d
			}
			if bi < 0 || score > bs || score == bs && v.ID < vs[bi].ID {
				bi, bs, bd = i, score, d
			}
		}
		conn[bi] = true
		ids, kms = append(ids, vs[bi].ID), append(kms, bd)
	}
	return ids, kms
}

// randomBackbone is a few bent lines across the villages' box.
func randomBackbone(r *rand.Rand) []orb.LineString {
	lines := make([]orb.LineString, 1+r.IntN(3))
	for i := range lines {
		p := randPoint(r, 68, 71, 25, 28)
		for range 2 + r.IntN(30) {
			lines[i] = append(lines[i], p)
			p = orb.Point{p[0] + r.NormFloat64()*0.2, p[1] + r.NormFloat64()*0.2}
		}
	}
	return lines
}

// TestMatchesBruteForce compares the incremental planner with the from-scratch replay, with
// flood weights, uneven populations and backbone lines.
func TestMatchesBruteForce(t *testing.T) {
	for seed := range uint64(60) {
		r := rand.New(rand.NewPCG(seed, 11))
		vs := randomVillages(r, 40+r.IntN(120), 0.3*r.Float64(), false)
		var lines []orb.LineString
		wb := float64(r.IntN(2))
		if wb == 1 || countConnected(vs) == 0 {
			wb, lines = 1, randomBackbone(r)
		}
		wf := []float64{0, 0.5, 3}[r.IntN(3)]
		conn := countConnected(vs)
		target := conn + r.IntN(len(vs)-conn+1)
		ro, err := Plan(vs, lines, Options{Target: target, Weights: map[string]float64{"flood": wf, "backbone": wb}, RouteFactor: 1})
		if err != nil {
			t.Fatal(err)
		}
		ids, kms := bruteForce(vs, lines, wf, target)
		for k, s := range ro.Steps {
			if s.VillageID != ids[k] || s.CableKm != kms[k] {
				t.Fatalf("seed %d step %d: village %d with %.9f km, brute force %d with %.9f km",
					seed, k+1, s.VillageID, s.CableKm, ids[k], kms[k])
			}
		}
		if len(ro.Steps) != len(ids) {
			t.Fatalf("seed %d: %d steps, brute force %d", seed, len(ro.Steps), len(ids))
		}
	}
}

// checkSteps verifies the invariants of a plan of vs.
func checkSteps(t *testing.T, vs []Village, ro *Rollout) {
	t.Helper()
	byID := map[int64]Village{}
	for _, v := range vs {
		byID[v.ID] = v
	}
	conn := countConnected(vs)
	if len(ro.Steps) != ro.Options.Target-conn {
		t.Fatalf("%d steps, want target %d − connected %d", len(ro.Steps), ro.Options.Target, conn)
	}
	linked := map[int64]bool{}
	for _, v := range vs {
		linked[v.ID] = v.Connected
	}
	var people int64
	km := 0.0
	for k, s := range ro.Steps {
		v, ok := byID[s.VillageID]
		switch {
		case !ok || v.Connected:
			t.Fatalf("step %d: village %d unknown or already connected", k+1, s.VillageID)
		case linked[s.VillageID]:
			t.Fatalf("step %d: village %d twice", k+1, s.VillageID)
		case s.FromKind == FromVillage && !linked[s.FromID]:
			t.Fatalf("step %d: links from village %d, not connected yet", k+1, s.FromID)
		case s.Order != k+1 || s.Phase != k/ro.Options.PhaseSize+1:
			t.Fatalf("step %d: order %d phase %d (phase size %d)", k+1, s.Order, s.Phase, ro.Options.PhaseSize)
		case s.Population != v.Population || s.FloodRP != v.FloodRP || s.FloodClass != v.FloodClass || s.Point != v.Point:
			t.Fatalf("step %d: village fields %+v differ from %+v", k+1, s, v)
		case math.Abs(geo.DistanceKm(s.FromPoint, s.Point)*ro.Options.RouteFactor-s.CableKm) > 1e-6:
			t.Fatalf("step %d: cable %.6f km, but %v to %v", k+1, s.CableKm, s.FromPoint, s.Point)
		}
		linked[s.VillageID] = true
		people += s.Population
		km += s.CableKm
		if s.ConnectedTotal != conn+k+1 || s.PeopleTotal != people || math.Abs(s.CableKmTotal-km) > 1e-9*km {
			t.Fatalf("step %d: running totals %d %d %.3f, want %d %d %.3f", k+1, s.ConnectedTotal, s.PeopleTotal, s.CableKmTotal, conn+k+1, people, km)
		}
	}
	sm := ro.Summary
	if sm.PeopleConnected != people || math.Abs(sm.CableKm-km) > 1e-9*km || sm.ConnectedAfter != ro.Options.Target || sm.ConnectedBefore != conn {
		t.Fatalf("summary %+v disagrees with the steps", sm)
	}
}

// TestInvariants checks the steps, totals, phases and determinism across runs and input orders.
func TestInvariants(t *testing.T) {
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 13))
		vs := randomVillages(r, 60+r.IntN(140), 0.1+0.3*r.Float64(), false)
		lines := randomBackbone(r)
		conn := countConnected(vs)
		opt := Options{Target: conn + r.IntN(len(vs)-conn+1), PhaseSize: 1 + r.IntN(20),
			Weights: map[string]float64{"flood": 2, "backbone": float64(r.IntN(2))}}
		ro, err := Plan(vs, lines, opt)
		if err != nil {
			t.Fatal(err)
		}
		checkSteps(t, vs, ro)
		for range 3 {
			shuffled := slices.Clone(vs)
			r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			again, err := Plan(shuffled, lines, opt)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ro, again) {
				t.Fatalf("seed %d: a shuffled input gives another plan", seed)
			}
		}
	}
}

// TestFloodWeighting: a village in the 10-year zone 12 km out overtakes one outside every zone
// 10 km out once w_flood makes its value more than 1.2 times larger; a 100-year zone is not enough.
func TestFloodWeighting(t *testing.T) {
	hub := orb.Point{70, 30}
	east := orb.Point{70 + 12/(111.19508*math.Cos(30*math.Pi/180)), 30} // ≈ 12 km east
	north := orb.Point{70, 30 + 10/111.19508}                           // 10 km north
	order := func(rp int, wf float64) []int64 {
		vs := []Village{{ID: 1, Point: hub, Population: 100, Connected: true},
			{ID: 2, Point: north, Population: 100},
			{ID: 3, Point: east, Population: 100, FloodRP: rp, FloodClass: "high"}}
		ro, err := Plan(vs, nil, Options{Target: 3, Weights: map[string]float64{"flood": wf}})
		if err != nil {
			t.Fatal(err)
		}
		return []int64{ro.Steps[0].VillageID, ro.Steps[1].VillageID}
	}
	for _, c := range []struct {
		rp   int
		wf   float64
		want []int64
	}{
		{10, 0, []int64{2, 3}},    // 100/10 > 100/12
		{10, 1, []int64{3, 2}},    // 200/12 > 100/10
		{25, 1, []int64{3, 2}},    // 140/12 > 100/10
		{100, 1, []int64{2, 3}},   // 110/12 < 100/10
		{100, 2.5, []int64{3, 2}}, // 125/12 > 100/10
	} {
		if got := order(c.rp, c.wf); !slices.Equal(got, c.want) {
			t.Errorf("%d-year zone, w_flood %g: order %v, want %v", c.rp, c.wf, got, c.want)
		}
	}
	if FloodExposure(10) != 1 || FloodExposure(25) != 0.4 || FloodExposure(100) != 0.1 || FloodExposure(0) != 0 {
		t.Errorf("exposure 10/25/100/none = %g %g %g %g", FloodExposure(10), FloodExposure(25), FloodExposure(100), FloodExposure(0))
	}
}

// TestBackbone: with the backbone on, villages link from the nearest line at the hand-computed
// distance; with it off, from the connected village.
func TestBackbone(t *testing.T) {
	lines := []orb.LineString{
		{{60, 20}, {60, 21}},             // far away
		{{70, 29}, {70, 29.5}, {70, 31}}, // a meridian
	}
	vs := []Village{{ID: 1, Point: orb.Point{72, 30}, Population: 10, Connected: true},
		{ID: 2, Point: orb.Point{70.1, 30}, Population: 100, FloodRP: 25, FloodClass: "low"},
		{ID: 3, Point: orb.Point{70, 32}, Population: 100}}
	ro, err := Plan(vs, lines, Options{Target: 3, Weights: map[string]float64{"backbone": 1}, RouteFactor: 1.5})
	if err != nil {
		t.Fatal(err)
	}
	// R·asin(cos 30°·sin 0.1°) = 9.629775 km to the meridian; 1° of latitude = 111.19508 km to its end
	want := []struct {
		id, from int64
		km       float64
		fromPt   orb.Point
	}{{2, 1, 9.629775 * 1.5, orb.Point{70, 30.0000378}}, {3, 1, 111.19508 * 1.5, orb.Point{70, 31}}}
	for k, w := range want {
		s := ro.Steps[k]
		if s.VillageID != w.id || s.FromKind != FromBackbone || s.FromID != w.from || math.Abs(s.CableKm-w.km) > 1e-5 ||
			math.Abs(s.FromPoint[0]-w.fromPt[0]) > 1e-7 || math.Abs(s.FromPoint[1]-w.fromPt[1]) > 1e-7 {
			t.Errorf("step %d: %+v, want village %d from line %d at %v, %.6f km", k+1, s, w.id, w.from, w.fromPt, w.km)
		}
	}
	if sm := ro.Summary; sm.FloodZonePeople != 100 || sm.FloodZoneShareBefore != 0 || sm.FloodZoneShareAfter != 1 {
		t.Errorf("summary %+v: want 100 people in the flood zone, share 0 then 1", sm)
	}
	off, err := Plan(vs, lines, Options{Target: 3})
	if err != nil {
		t.Fatal(err)
	}
	if s := off.Steps[0]; s.FromKind != FromVillage || s.FromID != 1 {
		t.Errorf("backbone off: first step %+v, want a link from village 1", s)
	}
}

// TestBadInput checks that bad options and villages are refused as invalid, naming the field.
func TestBadInput(t *testing.T) {
	vs := []Village{{ID: 1, Point: orb.Point{70, 30}, Population: 5, Connected: true},
		{ID: 2, Point: orb.Point{70.1, 30}, Population: 5}, {ID: 3, Point: orb.Point{70.2, 30}, Population: 5}}
	cases := []struct {
		name  string
		vs    []Village
		lines []orb.LineString
		opt   Options
		field string
	}{
		{"unknown weight", vs, nil, Options{Target: 3, Weights: map[string]float64{"flod": 1}}, `weights: unknown weight "flod"`},
		{"negative flood", vs, nil, Options{Target: 3, Weights: map[string]float64{"flood": -0.5}}, "weights.flood"},
		{"NaN flood", vs, nil, Options{Target: 3, Weights: map[string]float64{"flood": math.NaN()}}, "weights.flood"},
		{"backbone 0.5", vs, nil, Options{Target: 3, Weights: map[string]float64{"backbone": 0.5}}, "weights.backbone"},
		{"negative target", vs, nil, Options{Target: -1}, "target"},
		{"target below connected", vs, nil, Options{Target: 0}, "target: below"},
		{"target above villages", vs, nil, Options{Target: 4}, "target: above"},
		{"route factor", vs, nil, Options{Target: 3, RouteFactor: 0.9}, "route_factor"},
		{"phase size", vs, nil, Options{Target: 3, PhaseSize: -2}, "phase_size"},
		{"huge flood", vs, nil, Options{Target: 3, Weights: map[string]float64{"flood": 1e308}}, "weights.flood: must be a number from 0 to 1000"},
		{"flood over the range", vs, nil, Options{Target: 3, Weights: map[string]float64{"flood": 1000.5}}, "weights.flood"},
		{"infinite flood", vs, nil, Options{Target: 3, Weights: map[string]float64{"flood": math.Inf(1)}}, "weights.flood"},
		{"huge route factor", vs, nil, Options{Target: 3, RouteFactor: 1e308}, "route_factor: must be a number from 1 to 10"},
		{"NaN route factor", vs, nil, Options{Target: 3, RouteFactor: math.NaN()}, "route_factor"},
		{"huge phase size", vs, nil, Options{Target: 3, PhaseSize: 1 << 40}, "phase_size: must be from 1 to 1000000"},
		{"duplicate id", append(slices.Clone(vs), Village{ID: 2}), nil, Options{Target: 3}, "villages[id=2]: duplicate"},
		{"negative population", []Village{vs[0], {ID: 9, Population: -1}}, nil, Options{Target: 2}, "villages[id=9].population"},
		{"bad point", []Village{vs[0], {ID: 9, Point: orb.Point{200, 0}}}, nil, Options{Target: 2}, "villages[id=9].point"},
		{"bad return period", []Village{vs[0], {ID: 9, FloodRP: -10}}, nil, Options{Target: 2}, "villages[id=9].flood_rp"},
		{"short line", vs, []orb.LineString{{{70, 30}}}, Options{Target: 3, Weights: map[string]float64{"backbone": 1}}, "backbone[0]"},
		{"nothing to grow from", vs[1:], nil, Options{Target: 1}, "villages: none is connected"},
	}
	for _, c := range cases {
		_, err := Plan(c.vs, c.lines, c.opt)
		if err == nil || fault.KindOf(err) != fault.KindInvalid || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: error %v, want invalid naming %q", c.name, err, c.field)
		}
	}
	if ro, err := Plan(vs, nil, Options{Target: 3, Weights: map[string]float64{"flood": MaxFloodWeight}, RouteFactor: MaxRouteFactor,
		PhaseSize: MaxPhaseSize}); err != nil || len(ro.Steps) != 2 || ro.Summary.CableKm <= 0 || math.IsInf(ro.Summary.CableKm, 0) {
		t.Errorf("the largest options: %v, %v", ro, err)
	}
	if ro, err := Plan(vs, nil, Options{Target: 1}); err != nil || len(ro.Steps) != 0 {
		t.Errorf("target = connected: %v, %v; want an empty plan", ro, err)
	}
}

// TestExports checks the CSV and GeoJSON against the steps.
func TestExports(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	vs := randomVillages(r, 80, 0.2, false)
	lines := randomBackbone(r)
	ro, err := Plan(vs, lines, Options{Target: 70, PhaseSize: 10, Weights: map[string]float64{"flood": 1, "backbone": 1}})
	if err != nil {
		t.Fatal(err)
	}
	checkSteps(t, vs, ro)
	var buf bytes.Buffer
	if err := ro.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(ro.Steps)+1 || rows[0][2] != "village_id" || len(rows[0]) != len(rows[1]) {
		t.Fatalf("CSV: %d rows, header %v", len(rows), rows[0])
	}
	last, s := rows[len(rows)-1], ro.Steps[len(ro.Steps)-1]
	if last[2] != strconv.FormatInt(s.VillageID, 10) || last[16] != strconv.FormatFloat(s.CableKmTotal, 'f', 3, 64) || last[1] != strconv.Itoa(s.Phase) {
		t.Errorf("CSV last row %v, step %+v", last, s)
	}
	buf.Reset()
	if err := ro.WriteGeoJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type     string
		Features []struct {
			Geometry   struct{ Type string }
			Properties map[string]any
		}
		Summary map[string]any
	}
	if err := json.Unmarshal(buf.Bytes(), &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != 2*len(ro.Steps) || fc.Summary["cable_km"] != ro.Summary.CableKm {
		t.Fatalf("GeoJSON: %s with %d features, summary %v", fc.Type, len(fc.Features), fc.Summary)
	}
	for k, f := range fc.Features {
		want := map[bool]string{true: "LineString", false: "Point"}[k%2 == 0]
		if f.Geometry.Type != want || f.Properties["order"] != float64(k/2+1) {
			t.Fatalf("feature %d: %s order %v, want %s order %d", k, f.Geometry.Type, f.Properties["order"], want, k/2+1)
		}
	}
}

// TestTies: two villages at bit-identical distances with equal populations come out smaller id
// first, whatever the input order.
func TestTies(t *testing.T) {
	vs := []Village{{ID: 5, Point: orb.Point{70.125, 30}, Population: 50},
		{ID: 1, Point: orb.Point{70, 30}, Population: 50, Connected: true},
		{ID: 3, Point: orb.Point{69.875, 30}, Population: 50}}
	if geo.DistanceKm(vs[0].Point, vs[1].Point) != geo.DistanceKm(vs[2].Point, vs[1].Point) {
		t.Fatal("the test needs equal distances")
	}
	for range 2 {
		ro, err := Plan(vs, nil, Options{Target: 3})
		if err != nil {
			t.Fatal(err)
		}
		if ro.Steps[0].VillageID != 3 || ro.Steps[1].VillageID != 5 || ro.Steps[1].FromID != 1 {
			t.Errorf("steps %+v: want village 3, then 5 from 1", ro.Steps)
		}
		slices.Reverse(vs)
	}
}
