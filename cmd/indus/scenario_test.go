package main

import (
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
)

// TestRiskCompareAndIndex: with testdata/scenarios (flood and GLOF in the historical climate and
// ssp585/2050, heat only in the historical one), POST /risk/compare answers both climates side by
// side with the deltas the squares give by hand, says heat has no ssp585 layer, exports CSV and
// refuses what cannot be compared; /risk/rank ranks by the multi-hazard index of a scenario and
// by one kind of it.
func TestRiskCompareAndIndex(t *testing.T) {
	base := startServer(t, binary(t), "--catalog", "testdata/scenarios/catalog.yaml")
	body := `{"bbox":[68,25,71,26],"exposure":["villages"],"compare":{"scenario":"ssp585","horizon":2050}}`
	type figures struct {
		AreaKm2  float64                       `json:"area_km2"`
		Exposure map[string]map[string]float64 `json:"exposure"`
	}
	var cmp struct {
		Baseline, Compared struct {
			Scenario string `json:"scenario"`
			Horizon  int    `json:"horizon"`
		}
		Hazards []struct {
			Hazard        string `json:"hazard"`
			Missing       string `json:"missing"`
			BaselineLayer string `json:"baseline_layer"`
			ComparedLayer string `json:"compared_layer"`
			Classes       []struct {
				Class                     string
				Baseline, Compared, Delta figures
			}
		}
	}
	postJSON(t, base+"/risk/compare", body, &cmp)
	if cmp.Baseline.Scenario != "historical" || cmp.Baseline.Horizon != 2020 || cmp.Compared.Scenario != "ssp585" || cmp.Compared.Horizon != 2050 || len(cmp.Hazards) != 3 {
		t.Fatalf("comparison %+v", cmp)
	}
	fl, gl, heat := cmp.Hazards[0], cmp.Hazards[1], cmp.Hazards[2]
	// deep flood grows from 68-68.5E to 68-69E: village 2 (200 people) joins village 1 (100)
	if deep := fl.Classes[1]; fl.Hazard != "flood" || deep.Class != "deep" || deep.Baseline.Exposure["villages"]["population"] != 100 ||
		deep.Compared.Exposure["villages"]["population"] != 300 || deep.Delta.Exposure["villages"]["count"] != 1 ||
		math.Abs(deep.Delta.AreaKm2-(deep.Compared.AreaKm2-deep.Baseline.AreaKm2)) > 1e-6 || math.Abs(deep.Delta.AreaKm2/deep.Baseline.AreaKm2-1) > 1e-3 {
		t.Errorf("flood %+v", fl)
	}
	if out := gl.Classes[0]; gl.Hazard != "glof" || gl.ComparedLayer != "glof_585" || out.Delta.Exposure["villages"]["population"] != 500 {
		t.Errorf("glof %+v", gl)
	}
	if heat.Hazard != "heat" || heat.Missing != "no ssp585/2050 layer for kind heat" || heat.Classes != nil {
		t.Errorf("heat %+v", heat)
	}
	res, err := http.Post(base+"/risk/compare?format=csv", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(res.Body).ReadAll()
	res.Body.Close()
	if err != nil || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" || len(rows) != 30 || rows[len(rows)-1][9] != "no ssp585/2050 layer for kind heat" {
		t.Errorf("CSV: %v, %s, %d rows", err, res.Header.Get("Content-Type"), len(rows))
	}
	for body, want := range map[string]string{
		`{"bbox":[68,25,71,26],"compare":{"scenario":"ssp126"}}`:                `"compare: unknown scenario","detail":"\"ssp126\": the scenarios are historical, ssp585"`,
		`{"bbox":[68,25,71,26],"compare":{"scenario":"ssp585","horizon":2100}}`: `the horizons of scenario ssp585 are 2050`,
		`{"bbox":[68,25,71,26],"compare":{"scenario":"historical"}}`:            `compare equals the baseline`,
		`{"bbox":[68,25,71,26]}`: `compare needs a scenario`,
	} {
		res, err := http.Post(base+"/risk/compare", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 1000)
		n, _ := res.Body.Read(b)
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(b[:n]), want) {
			t.Errorf("%s: %d %s, want 400 with %s", body, res.StatusCode, b[:n], want)
		}
	}

	type rank struct {
		Hazard  string   `json:"hazard"`
		Hazards []string `json:"hazards"`
		Units   []struct {
			Key       string  `json:"key"`
			Value     float64 `json:"value"`
			RiskIndex struct {
				Value            float64 `json:"value"`
				Scenario         string  `json:"scenario"`
				HazardComponents []struct {
					Hazard string  `json:"hazard"`
					Score  float64 `json:"score"`
				} `json:"hazard_components"`
			} `json:"risk_index"`
		} `json:"units"`
	}
	var r rank
	getJSON(t, base+"/risk/rank?admin=regions&metric=index&scenario=ssp585", &r)
	// R1: flood share 1 % expected annual (the most), no GLOF; R2 and R3 GLOF (4/7 the most), no flood
	if r.Hazard != "flood" || strings.Join(r.Hazards, ",") != "flood,glof" || len(r.Units) != 3 || r.Units[0].RiskIndex.Scenario != "ssp585" {
		t.Fatalf("rank %+v", r)
	}
	comps := map[string]string{}
	for i, u := range r.Units {
		if u.Value != u.RiskIndex.Value || (i > 0 && u.Value > r.Units[i-1].Value) || len(u.RiskIndex.HazardComponents) != 2 {
			t.Errorf("unit %+v", u)
		}
		c := u.RiskIndex.HazardComponents
		comps[u.Key] = fmt.Sprintf("%s:%g %s:%g", c[0].Hazard, c[0].Score, c[1].Hazard, c[1].Score)
	}
	if comps["R1"] != "flood:10 glof:0" || comps["R2"] != "flood:0 glof:10" || !strings.HasPrefix(comps["R3"], "flood:0 glof:9.") {
		t.Errorf("components %v", comps)
	}
	r = rank{}
	getJSON(t, base+"/risk/rank?admin=regions&hazard=glof&scenario=ssp585&metric=exposed_population", &r)
	if r.Hazard != "glof" || strings.Join(r.Hazards, ",") != "glof" || r.Units[0].Key != "R3" || r.Units[0].Value != 500 || r.Units[1].Key != "R2" || r.Units[1].Value != 400 || r.Units[2].Value != 0 {
		t.Errorf("glof rank %+v", r)
	}
}

// TestHazardQueryables: a hazard collection lists its kind, scenario, horizon and return period as
// queryables with their value, and items filters on them keep all of a layer or none of it.
func TestHazardQueryables(t *testing.T) {
	base := startServer(t, binary(t), "--catalog", "testdata/scenarios/catalog.yaml")
	var q struct {
		Properties map[string]struct {
			Type  string `json:"type"`
			Const any    `json:"const"`
		} `json:"properties"`
	}
	getJSON(t, base+"/collections/flood_585/queryables", &q)
	if p := q.Properties; p["scenario"].Const != "ssp585" || p["horizon"].Const != 2050.0 || p["horizon"].Type != "integer" ||
		p["hazard_kind"].Const != "flood" || p["return_period"].Const != 100.0 || p["depth_class"].Type != "string" {
		t.Errorf("queryables %+v", q.Properties)
	}
	q.Properties = nil
	getJSON(t, base+"/collections/glof_hist/queryables", &q)
	if _, ok := q.Properties["return_period"]; ok || q.Properties["scenario"].Const != "historical" {
		t.Errorf("glof queryables %+v", q.Properties)
	}
	matched := func(path string) int {
		var page struct {
			NumberMatched int `json:"numberMatched"`
		}
		getJSON(t, base+path, &page)
		return page.NumberMatched
	}
	for path, want := range map[string]int{
		"/collections/flood_hist/items?filter=scenario%3D%27ssp585%27":                            0,
		"/collections/flood_585/items?filter=scenario%3D%27ssp585%27":                             2,
		"/collections/flood_585/items?filter=horizon%3D2050%20AND%20depth_class%3D%27deep%27":     1,
		"/collections/flood_hist/items?scenario=historical&horizon=2020":                          2,
		"/collections/flood_585/items?scenario=historical":                                        0,
		"/collections/glof_585/items?filter-lang=indus&filter=hazard_kind%3Dglof":                 1,
		"/collections/flood_hist/items?filter=return_period%20%3E%3D%2050%20AND%20horizon%3C2030": 2,
	} {
		if got := matched(path); got != want {
			t.Errorf("%s: %d matched, want %d", path, got, want)
		}
	}
	if code, _, body := get(t, base+"/collections/villages/items?filter=scenario%3D%27ssp585%27"); code != http.StatusBadRequest || !strings.Contains(string(body), `no queryable \"scenario\"`) {
		t.Errorf("villages filtered by scenario: %d %s", code, body)
	}
}
