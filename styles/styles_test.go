package styles

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/testenv"
	"github.com/cpec-digital/indus/styles/glyphs"
)

var flood = &data.Hazard{Kind: "flood", ClassField: "depth_class", Classes: []data.HazardClass{
	{ID: "low", Label: "Flood 0.1–0.5 m", Colour: "#c6dbef"}, {ID: "medium", Label: "Flood 0.5–1.5 m", Colour: "#6baed6"},
	{ID: "high", Label: "Flood > 1.5 m", Colour: "#08519c"}}}

var heat = &data.Hazard{Kind: "heat", ClassField: "heat_class", Classes: []data.HazardClass{
	{ID: "moderate", Label: "≤ 30 days ≥ 40 °C", Colour: "#ffffb2"}, {ID: "extreme", Label: "> 90 days", Colour: "#e31a1c"}}}

var testLayers = []Entry{
	{ID: "flood_rp100", Theme: data.ThemeHazards, Title: "Flood 100", Geometry: "Polygon", Hazard: flood},
	{ID: "rivers", Theme: data.ThemeHydrology, Title: "Rivers", Geometry: "LineString"},
	{ID: "villages", Theme: data.ThemeSocioeconomic, Title: "Villages", Geometry: "Point", MinZoom: 5},
	{ID: "provinces", Theme: data.ThemeAdmin, Title: "Provinces", Geometry: "Polygon"},
	{ID: "schools", Theme: data.ThemeInfrastructure, Title: "User layer", Geometry: "MultiPoint"},
	{ID: "heat_stress", Theme: data.ThemeClimate, Title: "Heat", Geometry: "Polygon", Hazard: heat},
	{ID: "wetlands", Theme: data.ThemeEcology, Title: "Wetlands", Geometry: "Polygon"},
	{ID: "places", Theme: data.ThemeSocioeconomic, Title: "Places", Geometry: "Point", MinZoom: 3},
	{ID: "gauges", Theme: data.ThemeHydrology, Title: "Gauges", Geometry: "Point"},
}

func TestStylesAndLegendAgree(t *testing.T) {
	legend := map[string]LegendLayer{}
	for _, l := range Legend(testLayers) {
		legend[l.ID] = l
	}
	for _, name := range Names() {
		st, err := Style(name, testLayers, "http://x")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(st)
		var doc struct {
			Version int `json:"version"`
			Sources map[string]struct {
				Type, URL string
			} `json:"sources"`
			Layers []struct {
				ID, Type string
				Source   string         `json:"source"`
				Entry    string         `json:"source-layer"`
				Paint    map[string]any `json:"paint"`
				Metadata map[string]any
			} `json:"layers"`
		}
		json.Unmarshal(b, &doc)
		if doc.Version != 8 || doc.Layers[0].Type != "background" {
			t.Fatalf("%s: version %d", name, doc.Version)
		}
		for _, l := range doc.Layers[1:] {
			src := "indus"
			if l.ID == "provinces-label" {
				src = labelSource
			}
			if l.Source != src || (name != "indus" && l.Metadata["indus:theme"] != name) {
				t.Errorf("%s: layer %s source %q theme %q", name, l.ID, l.Source, l.Metadata["indus:theme"])
			}
			if !strings.Contains(doc.Sources["indus"].URL, l.Entry) || !strings.HasPrefix(doc.Sources["indus"].URL, "http://x/tiles/") {
				t.Errorf("%s: source URL %q lacks %s", name, doc.Sources["indus"].URL, l.Entry)
			}
			// every legend colour of the layer appears in its paint, and only those
			lg := legend[l.Entry]
			paint := fmt.Sprint(l.Paint)
			for _, it := range lg.Items {
				if (l.Type == "fill" || l.Type == "circle" || l.Type == "line") && !strings.HasSuffix(l.ID, "-outline") && !strings.Contains(paint, it.Color) {
					t.Errorf("%s: legend colour %s (%s) not in the style of %s: %s", name, it.Color, it.Label, l.ID, paint)
				}
			}
		}
	}
	if _, err := Style("nope", testLayers, ""); data.KindOf(err) != data.KindNotFound {
		t.Errorf("unknown style: %v", err)
	}
	if legend["flood_rp100"].Items[2].Color != "#08519c" || legend["schools"].Kind != "circle" {
		t.Errorf("legend %+v", legend)
	}
}

// TestStylesValidate runs MapLibre's own validator (npm @maplibre/maplibre-gl-style-spec, installed
// by make test) over every style, and over a broken one to show that it can fail.
func TestStylesValidate(t *testing.T) {
	script, _ := filepath.Abs("web/test/validate.mjs")
	testenv.Files(t, "the npm packages of styles/web (make web-deps runs npm ci)", "web/node_modules/@maplibre/maplibre-gl-style-spec")
	dir := t.TempDir()
	var files []string
	for _, name := range Names() {
		st, _ := Style(name, testLayers, "http://127.0.0.1")
		b, _ := json.Marshal(st)
		f := filepath.Join(dir, name+".json")
		os.WriteFile(f, b, 0o644)
		files = append(files, f)
	}
	out, err := exec.Command("node", append([]string{script}, files...)...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "0 errors") {
		t.Fatalf("validator: %v\n%s", err, out)
	}
	broken := filepath.Join(dir, "broken.json")
	os.WriteFile(broken, []byte(`{"version":8,"sources":{},"layers":[{"id":"a","type":"fill","source":"nope","paint":{"fill-color":["match",["get","b"],true,"#fff","#000"]}}]}`), 0o644)
	if out, err := exec.Command("node", script, broken).CombinedOutput(); err == nil {
		t.Fatalf("the validator accepted a broken style:\n%s", out)
	}
}

func TestWebFiles(t *testing.T) {
	for _, f := range []string{"index.html", "app.js", "app.css", "vendor/maplibre-gl.js", "vendor/maplibre-gl.css", "vendor/LICENSE.txt",
		"vendor/pmtiles.js", "vendor/pmtiles-LICENSE.txt", "vendor/fflate-LICENSE.txt", "vendor/mapbox-gl-rtl-text.js", "vendor/mapbox-gl-rtl-text-LICENSE.md"} {
		b, err := readWeb(f)
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestLabels: the named layers get symbol layers above everything else, in fontstacks the server
// has glyphs for, provinces from the zoom-3 tiles, rivers along their lines, places by size.
func TestLabels(t *testing.T) {
	fonts, err := glyphs.Load(glyphs.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	st, _ := Style("indus", testLayers, "https://maps.example.org")
	b, _ := json.Marshal(st)
	var doc struct {
		Glyphs  string
		Sources map[string]struct {
			Type    string
			Tiles   []string
			MaxZoom int
		}
		Layers []struct {
			ID, Type, Source string
			Filter           any
			MinZoom          int
			Layout           map[string]any
		}
	}
	json.Unmarshal(b, &doc)
	if doc.Glyphs != "https://maps.example.org/fonts/{fontstack}/{range}.pbf" {
		t.Errorf("glyphs %q", doc.Glyphs)
	}
	if s := doc.Sources[labelSource]; s.MaxZoom != 3 || len(s.Tiles) != 1 || s.Tiles[0] != "https://maps.example.org/tiles/provinces/{z}/{x}/{y}.mvt" {
		t.Errorf("area label source %+v", s)
	}
	got := map[string]int{}
	symbols := false
	for i, l := range doc.Layers {
		if l.Type != "symbol" {
			if symbols {
				t.Errorf("%s drawn over labels", l.ID)
			}
			continue
		}
		symbols = true
		got[l.ID] = i
		var names []string
		for _, f := range l.Layout["text-font"].([]any) {
			names = append(names, f.(string))
		}
		stack := strings.Join(names, ",")
		if _, _, err := fonts.Range(stack, "0-255"); err != nil || len(names) != 2 {
			t.Errorf("%s: fontstack %q: %v", l.ID, stack, err)
		}
		if l.Layout["text-field"] == nil || l.Layout["text-size"] == nil {
			t.Errorf("%s: %v", l.ID, l.Layout)
		}
	}
	if len(got) != 5 || got["provinces-label"] != len(doc.Layers)-1 {
		t.Errorf("label layers %v", got)
	}
	for _, l := range doc.Layers {
		switch l.ID {
		case "provinces-label":
			if l.Source != labelSource || !strings.Contains(fmt.Sprint(l.Layout["text-field"]), "name_ur") {
				t.Errorf("provinces: %+v", l)
			}
		case "rivers-label":
			if l.Layout["symbol-placement"] != "line" || l.MinZoom != 7 {
				t.Errorf("rivers: %+v", l)
			}
		case "places-label":
			if l.Filter == nil || l.MinZoom != 3 || l.Layout["symbol-sort-key"] == nil {
				t.Errorf("places: %+v", l)
			}
		}
	}
}

// TestHazardColoursFromCatalog draws a hazard layer the style table does not know in its catalog
// classes' colours and labels, matched on its class field.
func TestHazardColoursFromCatalog(t *testing.T) {
	dust := Entry{ID: "dust", Theme: data.ThemeHazards, Title: "Dust", Geometry: "MultiPolygon", Hazard: &data.Hazard{
		Kind: "dust_storm", ClassField: "dust_class", Classes: []data.HazardClass{
			{ID: "some", Label: "Some dust", Colour: "#fee391"}, {ID: "thick", Label: "Thick dust", Colour: "#993404"}}}}
	st, err := Style("hazards", []Entry{dust}, "http://x")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(st["layers"])
	if want := `"fill-color":["match",["get","dust_class"],"some","#fee391","thick","#993404","#993404"],"fill-opacity":0.45`; !strings.Contains(string(b), want) {
		t.Errorf("style layers %s\nlack %s", b, want)
	}
	lg := Legend([]Entry{dust})
	if len(lg) != 1 || lg[0].Field != "dust_class" || len(lg[0].Items) != 2 || lg[0].Items[1] != (LegendItem{Label: "Thick dust", Color: "#993404", Value: "thick"}) {
		t.Errorf("legend %+v", lg)
	}
	heatDef := DefOf(Entry{ID: "heat_stress", Theme: data.ThemeClimate, Hazard: heat})
	if heatDef.Opacity != 0.18 || heatDef.Classes[0].Color != "#ffffb2" {
		t.Errorf("a climate hazard is drawn %+v", heatDef)
	}
}

// A projection (a hazard layer of another scenario than the historical) is in the style, hidden
// until a client shows it, and every hazard layer says its kind, scenario and horizon.
func TestProjectionsHidden(t *testing.T) {
	future := *flood
	future.Scenario, future.Horizon = "ssp585", 2050
	st, err := Style("hazards", []Entry{
		{ID: "flood_rp100", Theme: data.ThemeHazards, Title: "Flood", Geometry: "Polygon", Hazard: flood},
		{ID: "flood_rp100_ssp585_2050", Theme: data.ThemeHazards, Title: "Flood 2050", Geometry: "Polygon", Hazard: &future},
	}, "http://x")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, l := range st["layers"].([]any) {
		m := l.(map[string]any)
		meta, _ := m["metadata"].(map[string]any)
		if meta == nil || meta["indus:hazard"] == nil {
			continue
		}
		layout, _ := m["layout"].(map[string]any)
		hidden := layout != nil && layout["visibility"] == "none"
		id := m["id"].(string)
		seen[id] = true
		switch {
		case meta["indus:scenario"] == "historical" && (hidden || meta["indus:horizon"] != data.HistoricalHorizon):
			t.Errorf("%s: today's map hidden or without its horizon: %v %v", id, layout, meta)
		case meta["indus:scenario"] == "ssp585" && (!hidden || meta["indus:horizon"] != 2050):
			t.Errorf("%s: a projection drawn over today's map: %v %v", id, layout, meta)
		}
	}
	if !seen["flood_rp100"] || !seen["flood_rp100_ssp585_2050"] {
		t.Errorf("layers %v", seen)
	}
}
