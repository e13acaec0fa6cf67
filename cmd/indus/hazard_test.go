package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// TestHazardKindFromCatalog: a hazard kind no Go code knows (dust_storm, testdata/dust), added by
// a catalog entry alone, is answered by /risk/area, /risk/point and /risk/rank, drawn in tiles,
// described by TileJSON, /catalog and its collection, and styled and listed in the legend in the
// catalog's colours.
func TestHazardKindFromCatalog(t *testing.T) {
	base := startServer(t, binary(t), "--catalog", "testdata/dust/catalog.yaml")

	var area struct {
		Hazards []struct {
			Layer    string        `json:"layer"`
			Hazard   string        `json:"hazard"`
			RP       *float64      `json:"return_period"`
			Classes  []hazardClass `json:"classes"`
			Damaging hazardClass   `json:"damaging"`
		} `json:"hazards"`
		Summary []map[string]any `json:"summary"`
	}
	postJSON(t, base+"/risk/area", `{"bbox":[67.9,24.9,69.6,26.1],"exposure":["villages"]}`, &area)
	if len(area.Hazards) != 1 {
		t.Fatalf("hazards %+v", area.Hazards)
	}
	h := area.Hazards[0]
	if h.Layer != "dust" || h.Hazard != "dust_storm" || h.RP != nil || len(h.Classes) != 2 || h.Classes[0].Class != "some" || h.Classes[1].Class != "thick" {
		t.Fatalf("dust %+v", h)
	}
	if p := h.Classes[1].Exposure["villages"]["population"]; p != 500 || h.Classes[0].Exposure["villages"]["population"] != 300 ||
		h.Damaging.Class != "dust load >= 2 g/m2" || h.Damaging.Exposure["villages"]["population"] != 500 || h.Damaging.AreaKm2 < 5000 {
		t.Errorf("classes %+v damaging %+v", h.Classes, h.Damaging)
	}
	if len(area.Summary) != 1 || area.Summary[0]["hazard"] != "dust_storm" || area.Summary[0]["expected_annual_population"] != nil {
		t.Errorf("summary %v", area.Summary)
	}

	var point struct {
		Hazards []struct{ Layer, Hazard, Class string } `json:"hazards"`
	}
	getJSON(t, base+"/risk/point?lon=68.25&lat=25.5", &point)
	if len(point.Hazards) != 1 || point.Hazards[0].Hazard != "dust_storm" || point.Hazards[0].Class != "thick" {
		t.Errorf("point %+v", point)
	}
	var rank struct {
		Hazard string `json:"hazard"`
		Units  []struct {
			Key      string  `json:"key"`
			Damaging float64 `json:"damaging_area_km2"`
		} `json:"units"`
	}
	getJSON(t, base+"/risk/rank?admin=regions&metric=damaging_area_km2", &rank)
	if rank.Hazard != "dust_storm" || len(rank.Units) != 2 || rank.Units[0].Key != "W" || rank.Units[0].Damaging < 5000 || rank.Units[1].Damaging != 0 {
		t.Errorf("rank %+v", rank)
	}
	for path, want := range map[string]string{
		"/risk/rank?admin=regions&hazard=flood":          `\"flood\" is neither a hazard kind (dust_storm) nor a hazard layer (dust)`,
		"/risk/point?lon=68.25&lat=25.5&scenario=ssp585": `\"ssp585\": the scenarios are historical`,
		"/risk/point?lon=68.25&lat=25.5&horizon=2050":    `2050: the horizons of scenario historical are 2020`,
		"/risk/rank?admin=regions&horizon=soon":          `\"soon\" is not a year`,
	} {
		if code, _, body := get(t, base+path); code != http.StatusBadRequest || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d %s, want 400 with %s", path, code, body, want)
		}
	}

	tl := maptile.At(orb.Point{68.25, 25.5}, 8)
	code, _, mvt := get(t, fmt.Sprintf("%s/tiles/dust/%d/%d/%d.mvt", base, tl.Z, tl.X, tl.Y))
	if code != 200 || !strings.Contains(string(mvt), "dust_class") || !strings.Contains(string(mvt), "thick") {
		t.Errorf("tile: %d, %d bytes", code, len(mvt))
	}
	var tj struct {
		VectorLayers []struct {
			ID     string            `json:"id"`
			Fields map[string]string `json:"fields"`
		} `json:"vector_layers"`
	}
	getJSON(t, base+"/tiles/dust.json", &tj)
	if len(tj.VectorLayers) != 1 || tj.VectorLayers[0].ID != "dust" || tj.VectorLayers[0].Fields["dust_class"] == "" {
		t.Errorf("TileJSON %+v", tj)
	}
	_, _, style := get(t, base+"/styles/hazards.json")
	if want := `"fill-color":["match",["get","dust_class"],"some","#fee391","thick","#993404","#993404"]`; !strings.Contains(string(style), want) {
		t.Errorf("style lacks %s:\n%s", want, style)
	}
	_, _, legend := get(t, base+"/styles/legend.json")
	if want := `"items":[{"label":"Some dust","color":"#fee391","value":"some"},{"label":"Thick dust","color":"#993404","value":"thick"}]`; !strings.Contains(string(legend), want) {
		t.Errorf("legend lacks %s:\n%s", want, legend)
	}
	for _, path := range []string{"/catalog", "/collections/dust"} {
		_, _, doc := get(t, base+path)
		if want := `"hazard":{"kind":"dust_storm","intensity":{"measure":"dust load","unit":"g/m2"},"class_field":"dust_class","classes":[{"id":"some"`; !strings.Contains(string(doc), want) ||
			!strings.Contains(string(doc), `"scenario":"historical","horizon":2020}`) {
			t.Errorf("%s lacks the hazard block: %.600s", path, doc)
		}
	}
}

type hazardClass struct {
	Class    string                        `json:"class"`
	AreaKm2  float64                       `json:"area_km2"`
	Exposure map[string]map[string]float64 `json:"exposure"`
}
