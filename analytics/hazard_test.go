package analytics

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
)

// hazardEngine is the test set with two more hazard layers over the same squares: a dust storm
// susceptibility map (no frequency; only its "thick" class damaging) and a flood projection.
func hazardEngine() *Engine {
	ds := testSet().Dataset
	dust := &data.LayerSpec{ID: "dust", Theme: data.ThemeHazards, MaxZoom: 14,
		Fields: []data.Field{{Name: "dust_class", Type: data.FieldString}},
		Hazard: &data.Hazard{Kind: "dust_storm", ClassField: "dust_class", Intensity: data.Intensity{Measure: "dust load", Unit: "g/m2"},
			Classes: []data.HazardClass{{ID: "some", Min: 0, Max: 1}, {ID: "thick", Min: 2, Max: 9, Damaging: true}}}}
	proj := &data.LayerSpec{ID: "flood_2050", Theme: data.ThemeHazards, MaxZoom: 14,
		Fields: []data.Field{{Name: "depth_class", Type: data.FieldString}},
		Hazard: &data.Hazard{Kind: "flood", ClassField: "depth_class", Intensity: data.Intensity{Measure: "depth", Unit: "m"},
			Frequency: &data.Frequency{AnnualProbability: 0.01}, Scenario: "ssp585", Horizon: 2050,
			Classes: []data.HazardClass{{ID: "low", Min: 0.1, Max: 0.5, Damaging: true}, {ID: "high", Min: 1.5, Max: 99, Damaging: true}}}}
	layers := slices.Clone(ds.Layers)
	for _, spec := range []*data.LayerSpec{dust, proj} {
		var feats []data.Feature
		for i := range ds.Layers[0].Len() { // the flood squares, classes renamed for the dust
			class := ds.Layers[0].Value(i, 0).String()
			if spec == dust {
				class = map[string]string{"high": "thick", "low": "some"}[class]
			}
			feats = append(feats, data.Feature{ID: uint64(i + 1), Geometry: ds.Layers[0].Geometry(i), Properties: map[string]any{spec.Fields[0].Name: class}})
		}
		layers = append(layers, data.NewLayer(spec, feats))
	}
	cat := &data.Catalog{}
	for _, l := range layers {
		cat.Layers = append(cat.Layers, *l.Spec)
	}
	set := indexes.Build(&data.Dataset{Catalog: cat, Layers: layers, Version: "t2"})
	c := DefaultConfig()
	c.AdminLayer = "provinces"
	return NewEngine(c, func() *indexes.Set { return set })
}

func areaOn(t *testing.T, e *Engine, body string) (*AreaResult, error) {
	t.Helper()
	r, err := ParseAreaRequest([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return e.Area(context.Background(), r)
}

// TestHazardKinds: a kind the code does not know, without frequency, is measured by its catalog
// classes (order and damaging flags); a projection is reported when its scenario is asked for,
// and summed up apart from the historical flood.
func TestHazardKinds(t *testing.T) {
	e := hazardEngine()
	res, err := areaOn(t, e, `{"bbox":[68.5,25,69.5,26]}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hazards) != 2 || res.Hazards[1].Layer != "dust" {
		t.Fatalf("hazards %+v", res.Hazards)
	}
	flood, dust := res.Hazards[0], res.Hazards[1]
	if dust.Classes[0].Class != "some" || dust.Classes[1].Class != "thick" || dust.Damaging.AreaKm2 != dust.Classes[1].AreaKm2 ||
		dust.Damaging.Class != "dust load >= 2 g/m2" || dust.ReturnPeriod != 0 {
		t.Errorf("dust %+v", dust)
	}
	b, _ := json.Marshal(res.Hazards)
	for _, want := range []string{`{"layer":"flood","hazard":"flood","return_period":100,"classes":`, `{"layer":"dust","hazard":"dust_storm","classes":`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("hazards JSON lacks %s", want)
		}
	}
	if len(res.Summary) != 2 {
		t.Fatalf("summary %+v", res.Summary)
	}
	if sj, _ := json.Marshal(res.Summary[1]); string(sj) != `{"hazard":"dust_storm","level":"low"}` {
		t.Errorf("dust summary JSON %s", sj)
	}
	proj, err := areaOn(t, e, `{"bbox":[68.5,25,69.5,26],"scenario":"ssp585"}`)
	if err != nil || len(proj.Hazards) != 1 {
		t.Fatalf("projection: %v %+v", err, proj)
	}
	ph := proj.Hazards[0]
	if !near(ph.Damaging.AreaKm2, flood.Total.AreaKm2) || ph.Damaging.Class != "depth >= 0.1 m" || flood.Damaging.Class != "depth >= 1.5 m" {
		t.Errorf("projection damaging %+v (flood total %g)", ph.Damaging, flood.Total.AreaKm2)
	}
	if b, _ := json.Marshal(ph); !strings.HasPrefix(string(b), `{"layer":"flood_2050","hazard":"flood","return_period":100,"scenario":"ssp585","horizon":2050,"classes":`) {
		t.Errorf("projection JSON %.120s", b)
	}
	if p := proj.Summary[0]; p.Hazard != "flood" || p.Scenario != "ssp585" || p.Horizon != 2050 || p.ExpectedAnnualPopulation == nil ||
		!near(*p.ExpectedAnnualPopulation, (100+10+200)*0.01) {
		t.Errorf("projection summary %+v", p)
	}
	pt, err := e.PointFor(68.75, 25.75, HazardSelector{Hazard: "flood", Scenario: "ssp585", Horizon: 2050}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pj, _ := json.Marshal(pt.Hazards); string(pj) != `[{"layer":"flood_2050","hazard":"flood","return_period":100,"scenario":"ssp585","horizon":2050,"class":"high"}]` {
		t.Errorf("point %s", pj)
	}
	pt, _ = e.Point(68.75, 25.75, nil)
	if pj, _ := json.Marshal(pt.Hazards); string(pj) != `[{"layer":"flood","hazard":"flood","return_period":100,"class":"high"},{"layer":"dust","hazard":"dust_storm","class":"thick"}]` {
		t.Errorf("point %s", pj)
	}
}

// TestHazardSelectors: kind or layer id, scenario and horizon pick the layers of area, point and
// rank answers; what no layer has is refused, naming what there is.
func TestHazardSelectors(t *testing.T) {
	e := hazardEngine()
	layers := func(body string) string {
		res, err := areaOn(t, e, body)
		if err != nil {
			return err.Error()
		}
		return strings.Join(res.Layers()[:len(res.Hazards)], ",")
	}
	for body, want := range map[string]string{
		`{"bbox":[68.5,25,69.5,26],"hazard":"dust_storm"}`:                               "dust",
		`{"bbox":[68.5,25,69.5,26],"hazard":"flood"}`:                                    "flood",
		`{"bbox":[68.5,25,69.5,26],"hazard":"flood_2050"}`:                               "flood_2050",
		`{"bbox":[68.5,25,69.5,26],"hazard":"flood","scenario":"ssp585","horizon":2050}`: "flood_2050",
		`{"bbox":[68.5,25,69.5,26],"horizon":2020}`:                                      "flood,dust",
		`{"bbox":[68.5,25,69.5,26],"hazard":"quake"}`:                                    `unknown hazard: "quake" is neither a hazard kind (flood, dust_storm) nor a hazard layer (flood, dust, flood_2050)`,
		`{"bbox":[68.5,25,69.5,26],"scenario":"ssp126"}`:                                 `unknown scenario: "ssp126": the scenarios are historical, ssp585`,
		`{"bbox":[68.5,25,69.5,26],"scenario":"ssp585","horizon":2080}`:                  `unknown horizon: 2080: the horizons of scenario ssp585 are 2050`,
		`{"bbox":[68.5,25,69.5,26],"hazards":["flood"],"scenario":"ssp585"}`:             `hazards and hazard, scenario or horizon: name hazard layers or select them, not both`,
	} {
		if got := layers(body); got != want {
			t.Errorf("%s: %s, want %s", body, got, want)
		}
	}
	if _, err := e.PointFor(68.75, 25.75, HazardSelector{Scenario: "ssp999"}, nil); data.KindOf(err) != data.KindInvalid {
		t.Errorf("point, unknown scenario: %v", err)
	}
	r, err := e.RankFor(context.Background(), "provinces", HazardSelector{Scenario: "ssp585", Horizon: 2050}, "damaging_area_km2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Hazard != "flood" || r.Scenario != "ssp585" || len(r.Layers) != 2 || r.Layers[1] != "flood_2050" || r.Units[0].Damaging < 11137 {
		t.Errorf("rank of the projection: %+v", r)
	}
	if r, err := e.RankFor(context.Background(), "provinces", HazardSelector{Hazard: "dust_storm"}, "", nil); err != nil || r.Layers[1] != "dust" {
		t.Errorf("rank of the dust: %v %+v", err, r)
	}
}
