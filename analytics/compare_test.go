package analytics

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
)

// scenarioEngine: two hazard kinds in two climates over 1°×1° squares along 25–26N, and a third
// kind only in the historical one:
//
//	flood, RP 100, historical:      deep 68–68.5E, shallow 68.5–69E
//	flood, RP 100, ssp585/2050:     deep 68–69E,   shallow 69–69.5E
//	glof, no frequency, historical: outburst 69.5–70E
//	glof, no frequency, ssp585/2050: outburst 69.5–70.5E
//	heat, no frequency, historical: hot 70–71E (no ssp585 layer)
//
// Villages at 25.5N and 68.25, 68.75, … 70.75E (100, 200, … 600 people; fibre on 3 and 6), two
// buildings (0.01° squares at 68.6E and 69.2E) and three regions R1 68–69E, R2 69–70E, R3 70–71E.
func scenarioEngine() *Engine {
	flood := []data.HazardClass{{ID: "shallow", Min: 0.1, Max: 0.5}, {ID: "deep", Min: 0.5, Max: 99, Damaging: true}}
	one := func(id string) []data.HazardClass {
		return []data.HazardClass{{ID: id, Min: 0, Max: 1, Damaging: true}}
	}
	hz := func(id, kind string, classes []data.HazardClass, rp float64, scenario string, zones map[string]orb.Polygon) *data.Layer {
		h := &data.Hazard{Kind: kind, ClassField: "class", Intensity: data.Intensity{Measure: "m", Unit: "u"}, Classes: classes}
		if rp > 0 {
			h.Frequency = &data.Frequency{ReturnPeriod: rp}
		}
		if scenario != "" {
			h.Scenario, h.Horizon = scenario, 2050
		}
		spec := &data.LayerSpec{ID: id, Theme: data.ThemeHazards, MaxZoom: 14, Fields: []data.Field{{Name: "class", Type: data.FieldString}}, Hazard: h}
		var fs []data.Feature
		for _, c := range classes { // in class order, for a stable feature order
			if z, ok := zones[c.ID]; ok {
				fs = append(fs, data.Feature{ID: uint64(len(fs) + 1), Geometry: z, Properties: map[string]any{"class": c.ID}})
			}
		}
		return data.NewLayer(spec, fs)
	}
	villages := &data.LayerSpec{ID: "villages", Theme: data.ThemeSocioeconomic, MaxZoom: 14, Metadata: data.Metadata{RiskRole: data.RoleExposure},
		Fields: []data.Field{{Name: "village_id", Type: data.FieldInteger}, {Name: "population", Type: data.FieldInteger}, {Name: "fibre", Type: data.FieldBoolean}}}
	var vs []data.Feature
	for k := range 6 {
		vs = append(vs, data.Feature{ID: uint64(k + 1), Geometry: orb.Point{68.25 + 0.5*float64(k), 25.5},
			Properties: map[string]any{"village_id": int64(k + 1), "population": int64(100 * (k + 1)), "fibre": k == 2 || k == 5}})
	}
	buildings := &data.LayerSpec{ID: "buildings", Theme: data.ThemeInfrastructure, MaxZoom: 14, Metadata: data.Metadata{RiskRole: data.RoleExposure}}
	regions := &data.LayerSpec{ID: "regions", Theme: data.ThemeAdmin, MaxZoom: 14, KeyField: "code",
		Fields: []data.Field{{Name: "code", Type: data.FieldString}, {Name: "name", Type: data.FieldString}}}
	layers := []*data.Layer{
		hz("flood_hist", "flood", flood, 100, "", map[string]orb.Polygon{"deep": box(68, 25, 68.5, 26), "shallow": box(68.5, 25, 69, 26)}),
		hz("flood_585", "flood", flood, 100, "ssp585", map[string]orb.Polygon{"deep": box(68, 25, 69, 26), "shallow": box(69, 25, 69.5, 26)}),
		hz("glof_hist", "glof", one("outburst"), 0, "", map[string]orb.Polygon{"outburst": box(69.5, 25, 70, 26)}),
		hz("glof_585", "glof", one("outburst"), 0, "ssp585", map[string]orb.Polygon{"outburst": box(69.5, 25, 70.5, 26)}),
		hz("heat_hist", "heat", one("hot"), 0, "", map[string]orb.Polygon{"hot": box(70, 25, 71, 26)}),
		data.NewLayer(villages, vs),
		data.NewLayer(buildings, []data.Feature{{ID: 1, Geometry: box(68.6, 25.6, 68.61, 25.61)}, {ID: 2, Geometry: box(69.2, 25.6, 69.21, 25.61)}}),
		data.NewLayer(regions, []data.Feature{
			{ID: 1, Geometry: box(68, 25, 69, 26), Properties: map[string]any{"code": "R1", "name": "One"}},
			{ID: 2, Geometry: box(69, 25, 70, 26), Properties: map[string]any{"code": "R2", "name": "Two"}},
			{ID: 3, Geometry: box(70, 25, 71, 26), Properties: map[string]any{"code": "R3", "name": "Three"}},
		}),
	}
	cat := &data.Catalog{}
	for _, l := range layers {
		cat.Layers = append(cat.Layers, *l.Spec)
	}
	set := indexes.Build(&data.Dataset{Catalog: cat, Layers: layers, Version: "s"})
	c := DefaultConfig()
	c.AdminLayer = "regions"
	return NewEngine(c, func() *indexes.Set { return set })
}

func compareOn(t *testing.T, e *Engine, body string) (*CompareResult, error) {
	t.Helper()
	r, err := ParseCompareRequest([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return e.Compare(context.Background(), r)
}

// TestCompareHandComputed: the baseline (historical) and ssp585/2050 side by side, per kind and
// frequency, with the deltas of areas and of every exposure measure, computed by hand from the
// squares; heat, with no ssp585 layer, says so.
func TestCompareHandComputed(t *testing.T) {
	for _, admin := range []bool{false, true} { // computed, and read from the admin table
		e := scenarioEngine()
		body := `{"bbox":[68,25,71,26],"compare":{"scenario":"ssp585","horizon":2050}}`
		if admin {
			if err := e.Warm(e.current()); err != nil {
				t.Fatal(err)
			}
			body = `{"admin":{"layer":"regions","id":"R1"},"compare":{"scenario":"ssp585","horizon":2050}}`
		}
		res, err := compareOn(t, e, body)
		if err != nil {
			t.Fatal(err)
		}
		if res.Baseline != (Climate{"historical", 2020}) || res.Compared != (Climate{"ssp585", 2050}) || len(res.Hazards) != 3 {
			t.Fatalf("climates %v %v, hazards %+v", res.Baseline, res.Compared, res.Hazards)
		}
		fl := res.Hazards[0]
		if fl.Hazard != "flood" || fl.ReturnPeriod != 100 || fl.BaselineLayer != "flood_hist" || fl.ComparedLayer != "flood_585" || fl.Missing != "" ||
			len(fl.Classes) != 2 || fl.Classes[0].Class != "shallow" || fl.Classes[1].Class != "deep" {
			t.Fatalf("flood %+v", fl)
		}
		deep, shallow := fl.Classes[1], fl.Classes[0]
		// deep grows by 68.5–69E, with village 2 (200 people, no fibre) and the building at 68.6E
		if !near(deep.Baseline.AreaKm2, boxKm2(68, 25, 68.5, 26)) || !near(deep.Compared.AreaKm2, boxKm2(68, 25, 69, 26)) ||
			!near(deep.Delta.AreaKm2, boxKm2(68.5, 25, 69, 26)) {
			t.Errorf("deep areas %+v", deep)
		}
		if v := deep.Delta.Exposure["villages"]; v["count"] != 1 || v["population"] != 200 || v["fibre"] != 0 || len(v) != 3 ||
			deep.Baseline.Exposure["villages"]["population"] != 100 || deep.Compared.Exposure["villages"]["population"] != 300 {
			t.Errorf("deep villages %+v", deep)
		}
		bKm2 := boxKm2(68.6, 25.6, 68.61, 25.61)
		if b := deep.Delta.Exposure["buildings"]; b["count"] != 1 || !near(b["area_km2"], bKm2) {
			t.Errorf("deep buildings %v", b)
		}
		if admin { // R1 ends at 69E: the shallow zone moves out of it
			if !near(shallow.Delta.AreaKm2, -boxKm2(68.5, 25, 69, 26)) || shallow.Delta.Exposure["villages"]["population"] != -200 {
				t.Errorf("R1 shallow %+v", shallow)
			}
		} else if !near(shallow.Delta.AreaKm2, boxKm2(69, 25, 69.5, 26)-boxKm2(68.5, 25, 69, 26)) ||
			shallow.Delta.Exposure["villages"]["population"] != 300-200 || shallow.Delta.Exposure["villages"]["fibre"] != 1 ||
			shallow.Delta.Exposure["buildings"]["count"] != 0 || !near(shallow.Delta.Exposure["buildings"]["area_km2"], boxKm2(69.2, 25.6, 69.21, 25.61)-bKm2) {
			t.Errorf("shallow %+v", shallow)
		}
		if fl.Damaging.Class != "m >= 0.5 u" || fl.Damaging.Delta.Exposure["villages"]["population"] != 200 || fl.Total == nil {
			t.Errorf("damaging %+v", fl.Damaging)
		}
		gl, heat := res.Hazards[1], res.Hazards[2]
		if admin {
			if gl.Hazard != "glof" || gl.Classes[0].Delta.AreaKm2 != 0 || gl.Classes[0].Compared.Exposure["villages"]["count"] != 0 {
				t.Errorf("R1 glof %+v", gl)
			}
		} else if gl.Hazard != "glof" || gl.ReturnPeriod != 0 || !near(gl.Classes[0].Delta.AreaKm2, boxKm2(70, 25, 70.5, 26)) ||
			gl.Classes[0].Delta.Exposure["villages"]["population"] != 500 || gl.Classes[0].Baseline.Exposure["villages"]["population"] != 400 {
			t.Errorf("glof %+v", gl)
		}
		if heat.Hazard != "heat" || heat.BaselineLayer != "heat_hist" || heat.ComparedLayer != "" || heat.Missing != "no ssp585/2050 layer for kind heat" ||
			heat.Classes != nil || heat.Total != nil {
			t.Errorf("heat %+v", heat)
		}
		s := res.Summary
		if len(s) != 3 || s[0].Hazard != "flood" || s[0].Delta == nil || s[2].Missing != "no ssp585/2050 layer for kind heat" || s[2].Compared != nil {
			t.Fatalf("summary %+v", s)
		}
		// expected annual exposed population: RP 100 only, so 0.01 × everyone in a zone
		wantB, wantC := 0.01*(100+200), 0.01*(100+200+300)
		if admin {
			wantB, wantC = 0.01*300, 0.01*300
		}
		if !near(*s[0].Baseline.ExpectedAnnualPopulation, wantB) || !near(*s[0].Compared.ExpectedAnnualPopulation, wantC) ||
			!near(*s[0].Delta.ExpectedAnnualPopulation, wantC-wantB) || s[1].Delta != nil || s[1].Baseline.Level == "" {
			t.Errorf("summary %+v %+v", s[0], s[1])
		}
		want := []string{"flood_hist", "glof_hist", "heat_hist", "flood_585", "glof_585"}
		if admin {
			want = append([]string{"regions"}, want...)
		}
		if got := res.Layers(); len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
			t.Errorf("layers %v", got)
		}
	}
}

// TestCompareSelectorsAndBadInput: a kind narrows both sides, a projection compared with the
// historical baseline reports the kinds the baseline lacks, and what cannot be compared is 400.
func TestCompareSelectorsAndBadInput(t *testing.T) {
	e := scenarioEngine()
	res, err := compareOn(t, e, `{"bbox":[68,25,71,26],"hazard":"glof","compare":{"scenario":"ssp585"}}`)
	if err != nil || len(res.Hazards) != 1 || res.Hazards[0].ComparedLayer != "glof_585" || res.Compared != (Climate{"ssp585", 2050}) {
		t.Fatalf("glof: %v %+v", err, res)
	}
	// the other way round: ssp585 as the baseline, historical compared; heat has no baseline
	res, err = compareOn(t, e, `{"bbox":[68,25,71,26],"scenario":"ssp585","compare":{"scenario":"historical"}}`)
	if err != nil {
		t.Fatal(err)
	}
	if h := res.Hazards[2]; h.Hazard != "heat" || h.Missing != "no ssp585/2050 layer for kind heat" || h.ComparedLayer != "heat_hist" ||
		res.Hazards[0].Classes[1].Delta.Exposure["villages"]["population"] != -200 {
		t.Errorf("reverse: %+v", res.Hazards)
	}
	// by layer id: only its frequency is paired
	if res, err = compareOn(t, e, `{"bbox":[68,25,71,26],"hazard":"flood_hist","compare":{"scenario":"ssp585","horizon":2050}}`); err != nil ||
		len(res.Hazards) != 1 || res.Hazards[0].ComparedLayer != "flood_585" {
		t.Errorf("by id: %v %+v", err, res)
	}
	for body, want := range map[string]string{
		`{"bbox":[68,25,71,26],"compare":{"scenario":"ssp999"}}`:                     `compare: unknown scenario: "ssp999": the scenarios are historical, ssp585`,
		`{"bbox":[68,25,71,26],"compare":{"scenario":"ssp585","horizon":2080}}`:      `compare: unknown horizon: 2080: the horizons of scenario ssp585 are 2050`,
		`{"bbox":[68,25,71,26],"compare":{"scenario":"historical"}}`:                 `compare equals the baseline: both are historical/2020`,
		`{"bbox":[68,25,71,26],"compare":{"scenario":"historical","horizon":2020}}`:  `compare equals the baseline`,
		`{"bbox":[68,25,71,26],"compare":{}}`:                                        `compare needs a scenario`,
		`{"bbox":[68,25,71,26]}`:                                                     `compare needs a scenario`,
		`{"bbox":[68,25,71,26],"hazards":["flood_hist"],"compare":{"scenario":"x"}}`: `hazards and compare`,
		`{"bbox":[68,25,71,26],"hazard":"quake","compare":{"scenario":"ssp585"}}`:    `unknown hazard: "quake"`,
		`{"compare":{"scenario":"ssp585"}}`:                                          `say where`,
	} {
		_, err := compareOn(t, e, body)
		if data.KindOf(err) != data.KindInvalid || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want 400 with %s", body, err, want)
		}
	}
	if _, err := ParseCompareRequest([]byte(`{"bbox":[68,25,71,26],"compare":{"scenario":"ssp585","year":2050}}`)); data.KindOf(err) != data.KindInvalid {
		t.Errorf("unknown key: %v", err)
	}
}

// TestCompareCSV: one row per pair, class and measure, and one saying what is missing.
func TestCompareCSV(t *testing.T) {
	res, err := compareOn(t, scenarioEngine(), `{"bbox":[68,25,71,26],"exposure":["villages"],"compare":{"scenario":"ssp585","horizon":2050}}`)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCompareCSV(&buf, res); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	find := func(hazard, class, measure string) []string {
		for _, r := range rows {
			if r[0] == hazard && r[4] == class && r[5] == measure {
				return r
			}
		}
		return nil
	}
	// flood: shallow, deep, all, damaging × (area, 3 village measures); glof: 3 classes × 4; heat: 1
	if len(rows) != 1+16+12+1 || strings.Join(rows[0], ",") != "hazard,return_period,baseline_layer,compared_layer,class,measure,baseline,compared,delta,missing" {
		t.Fatalf("%d rows: %v", len(rows), rows[0])
	}
	if r := find("flood", "deep", "villages.population"); r == nil || r[1] != "100" || r[6] != "100" || r[7] != "300" || r[8] != "200" {
		t.Errorf("deep population row %v", r)
	}
	if r := find("heat", "", ""); r == nil || r[9] != "no ssp585/2050 layer for kind heat" {
		t.Errorf("heat row %v", r)
	}
}

// TestMultiHazardIndex: the index of each climate combines its kinds; the components are
// recomputed here from the villages by hand: per kind the (expected annual) damaging population
// share, log10(1 + 99 s), min-max over the regions, 10 − (Π(10 − x))^(1/n); density
// log10(1 + people/km²); coping from the fibre shares (no facilities: far-from-health 0).
func TestMultiHazardIndex(t *testing.T) {
	e := scenarioEngine()
	area := [3]float64{boxKm2(68, 25, 69, 26), boxKm2(69, 25, 70, 26), boxKm2(70, 25, 71, 26)}
	pop := [3]float64{300, 700, 1100}
	noFibre := [3]float64{1, 0.5, 0.5}
	for _, tc := range []struct {
		scenario string
		kinds    []string
		shares   [][3]float64 // per kind, per region
	}{
		{"ssp585", []string{"flood", "glof"}, [][3]float64{{0.01 * 300 / 300, 0, 0}, {0, 400.0 / 700, 500.0 / 1100}}},
		{"", []string{"flood", "glof", "heat"}, [][3]float64{{0.01 * 100 / 300, 0, 0}, {0, 400.0 / 700, 0}, {0, 0, 1}}},
	} {
		res, err := e.RankFor(context.Background(), "regions", HazardSelector{Scenario: tc.scenario}, "index", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Hazards, tc.kinds) || res.Metric != "index" {
			t.Fatalf("%s: kinds %v", tc.scenario, res.Hazards)
		}
		norm := func(xs [3]float64) [3]float64 {
			lo, hi := math.Min(xs[0], math.Min(xs[1], xs[2])), math.Max(xs[0], math.Max(xs[1], xs[2]))
			var out [3]float64
			for i, x := range xs {
				if hi > lo {
					out[i] = 10 * (x - lo) / (hi - lo)
				}
			}
			return out
		}
		var logs [][3]float64
		for _, s := range tc.shares {
			var l [3]float64
			for i := range s {
				l[i] = math.Log10(1 + 99*s[i])
			}
			logs = append(logs, norm(l))
		}
		var dens [3]float64
		for i := range dens {
			dens[i] = math.Log10(1 + pop[i]/area[i])
		}
		v, lcc := norm(dens), norm(noFibre)
		want := map[string][2]float64{} // region: risk, H&E
		for i, code := range []string{"R1", "R2", "R3"} {
			prod := 1.0
			for k := range tc.kinds {
				prod *= 10 - logs[k][i]
			}
			he := 10 - math.Pow(prod, 1/float64(len(tc.kinds)))
			want[code] = [2]float64{round2(math.Cbrt(he * v[i] * lcc[i] / 2)), round2(he)}
		}
		for k, u := range res.Units {
			ri := u.RiskIndex
			if ri.Value != want[u.Key][0] || ri.HazardExposure != want[u.Key][1] || ri.Value != u.Value || ri.Scenario != map[string]string{"": "historical"}[tc.scenario]+tc.scenario ||
				len(ri.HazardComponents) != len(tc.kinds) || ri.Method != methodRank || ri.Normalization != normRank {
				t.Errorf("%s %s: %+v, want risk %v", tc.scenario, u.Key, ri, want[u.Key])
			}
			for j, c := range ri.HazardComponents {
				i := int(u.Key[1] - '1')
				if c.Hazard != tc.kinds[j] || c.Score != round2(logs[j][i]) || !near(u.Indicators.Hazards[j].ExposedShare, tc.shares[j][i]) {
					t.Errorf("%s %s component %d: %+v (indicator %+v), want %s %.2f", tc.scenario, u.Key, j, c, u.Indicators.Hazards[j], tc.kinds[j], logs[j][i])
				}
			}
			if k > 0 && u.Value > res.Units[k-1].Value {
				t.Errorf("%s: not in order: %+v", tc.scenario, res.Units)
			}
		}
	}
	// one kind of the projection: its index has that kind alone; the per-kind metrics are its own
	res, err := e.RankFor(context.Background(), "regions", HazardSelector{Hazard: "glof", Scenario: "ssp585"}, "damaging_area_km2", nil)
	if err != nil {
		t.Fatal(err)
	}
	half := boxKm2(69.5, 25, 70, 26) // of R2 and of R3
	if res.Hazard != "glof" || !slices.Equal(res.Hazards, []string{"glof"}) || !near(res.Units[0].Value, half) || !near(res.Units[1].Value, half) ||
		res.Units[2].Key != "R1" || res.Units[2].Value != 0 || len(res.Units[0].RiskIndex.HazardComponents) != 1 {
		t.Errorf("glof rank %+v", res.Units)
	}
}

// FuzzCompareRequest: any body is parsed and compared without a crash or an internal error, and
// every pair either says what is missing or has figures whose deltas are compared − baseline.
func FuzzCompareRequest(f *testing.F) {
	f.Add(`{"bbox":[68,25,71,26],"compare":{"scenario":"ssp585","horizon":2050}}`)
	f.Add(`{"admin":{"layer":"regions","id":"R2"},"hazard":"glof","compare":{"scenario":"ssp585"}}`)
	f.Add(`{"bbox":[68,25,71,26],"scenario":"ssp585","compare":{"scenario":"historical","horizon":2020}}`)
	f.Add(`{"bbox":[68,25,71,26],"hazard":"flood_585","compare":{"scenario":"historical"}}`)
	e := scenarioEngine()
	f.Fuzz(func(t *testing.T, body string) {
		r, err := ParseCompareRequest([]byte(body))
		if err != nil {
			return
		}
		res, err := e.Compare(context.Background(), r)
		if err != nil {
			if data.KindOf(err) == data.KindInternal {
				t.Fatalf("internal error for %q: %v", body, err)
			}
			return
		}
		for _, h := range res.Hazards {
			if (h.Missing == "") == (h.Total == nil) || (h.Missing == "" && !near(h.Total.Delta.AreaKm2, h.Total.Compared.AreaKm2-h.Total.Baseline.AreaKm2)) {
				t.Fatalf("%q: pair %+v", body, h)
			}
		}
		if res.Baseline == res.Compared {
			t.Fatalf("%q: compared with itself", body)
		}
	})
}
