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
)

var testLayers = []Entry{
	{ID: "flood_rp100", Theme: data.ThemeHazards, Title: "Flood 100", Geometry: "Polygon"},
	{ID: "rivers", Theme: data.ThemeHydrology, Title: "Rivers", Geometry: "LineString"},
	{ID: "villages", Theme: data.ThemeSocioeconomic, Title: "Villages", Geometry: "Point", MinZoom: 5},
	{ID: "provinces", Theme: data.ThemeAdmin, Title: "Provinces", Geometry: "Polygon"},
	{ID: "schools", Theme: data.ThemeInfrastructure, Title: "User layer", Geometry: "MultiPoint"},
	{ID: "heat_stress", Theme: data.ThemeClimate, Title: "Heat", Geometry: "Polygon"},
	{ID: "wetlands", Theme: data.ThemeEcology, Title: "Wetlands", Geometry: "Polygon"},
}

func TestStylesAndLegendAgree(t *testing.T) {
	legend := map[string]LegendLayer{}
	for _, l := range Legend(testLayers) {
		legend[l.ID] = l
	}
	for _, name := range Names() {
		st, err := Style(name, testLayers, "http://x/tiles/")
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
				Metadata map[string]string
			} `json:"layers"`
		}
		json.Unmarshal(b, &doc)
		if doc.Version != 8 || doc.Layers[0].Type != "background" {
			t.Fatalf("%s: version %d", name, doc.Version)
		}
		for _, l := range doc.Layers[1:] {
			if l.Source != "indus" || (name != "indus" && l.Metadata["indus:theme"] != name) {
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
	if _, err := os.Stat("web/node_modules/@maplibre/maplibre-gl-style-spec"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("npm packages of styles/web are not installed (make test runs npm ci)")
		}
		t.Skip("npm packages of styles/web are not installed (make test runs npm ci)")
	}
	dir := t.TempDir()
	var files []string
	for _, name := range Names() {
		st, _ := Style(name, testLayers, "http://127.0.0.1/tiles/")
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
		"vendor/pmtiles.js", "vendor/pmtiles-LICENSE.txt", "vendor/fflate-LICENSE.txt"} {
		b, err := readWeb(f)
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
