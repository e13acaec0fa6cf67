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

// TestHazardKinds: a kind the code does not know, without frequency, is measured by its catalog
// classes (order and damaging flags); a projection is summed up apart from the historical flood.
func TestHazardKinds(t *testing.T) {
	r, _ := ParseAreaRequest([]byte(`{"bbox":[68.5,25,69.5,26]}`))
	res, err := hazardEngine().Area(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hazards) != 3 || res.Hazards[1].Layer != "dust" || res.Hazards[2].Layer != "flood_2050" {
		t.Fatalf("hazards %+v", res.Hazards)
	}
	flood, dust, proj := res.Hazards[0], res.Hazards[1], res.Hazards[2]
	if dust.Classes[0].Class != "some" || dust.Classes[1].Class != "thick" || dust.Damaging.AreaKm2 != dust.Classes[1].AreaKm2 ||
		dust.Damaging.Class != "dust load >= 2 g/m2" || dust.ReturnPeriod != 0 {
		t.Errorf("dust %+v", dust)
	}
	if !near(proj.Damaging.AreaKm2, flood.Total.AreaKm2) || proj.Damaging.Class != "depth >= 0.1 m" || flood.Damaging.Class != "depth >= 1.5 m" {
		t.Errorf("projection damaging %+v (flood total %g)", proj.Damaging, flood.Total.AreaKm2)
	}
	b, _ := json.Marshal(res.Hazards)
	for _, want := range []string{`{"layer":"flood","hazard":"flood","return_period":100,"classes":`, `{"layer":"dust","hazard":"dust_storm","classes":`,
		`{"layer":"flood_2050","hazard":"flood","return_period":100,"scenario":"ssp585","horizon":2050,"classes":`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("hazards JSON lacks %s", want)
		}
	}
	if len(res.Summary) != 3 {
		t.Fatalf("summary %+v", res.Summary)
	}
	s := res.Summary[1]
	if s.Hazard != "dust_storm" || s.ExpectedAnnualPopulation != nil || s.ReturnPeriods != nil || s.Level != "low" {
		t.Errorf("dust summary %+v", s)
	}
	if p := res.Summary[2]; p.Hazard != "flood" || p.Scenario != "ssp585" || p.Horizon != 2050 || p.ExpectedAnnualPopulation == nil ||
		!near(*p.ExpectedAnnualPopulation, (100+10+200)*0.01) {
		t.Errorf("projection summary %+v", p)
	}
	sj, _ := json.Marshal(res.Summary[1])
	if string(sj) != `{"hazard":"dust_storm","level":"low"}` {
		t.Errorf("dust summary JSON %s", sj)
	}
	pt, err := hazardEngine().Point(68.75, 25.75, nil)
	if err != nil {
		t.Fatal(err)
	}
	pj, _ := json.Marshal(pt.Hazards)
	if want := `[{"layer":"flood","hazard":"flood","return_period":100,"class":"high"},{"layer":"dust","hazard":"dust_storm","class":"thick"},{"layer":"flood_2050","hazard":"flood","return_period":100,"scenario":"ssp585","horizon":2050,"class":"high"}]`; string(pj) != want {
		t.Errorf("point %s\nwant %s", pj, want)
	}
}
