package data_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/cpec-digital/indus/data"
)

// hazardLayer is a flood layer whose hazard block starts at line 8 (classes at 13-15).
const hazardLayer = `layers:
  - id: flood_rp100
    theme: hazards
    source: {path: flood.tif, raster: {band: 1}}
    minzoom: 0
    maxzoom: 14
    fields: [{name: depth_class, type: string, description: class}]
    hazard:
      kind: flood
      intensity: {measure: depth, unit: m}
      class_field: depth_class
      classes:
        - {id: low, label: "Flood 0.1–0.5 m", min: 0.1, max: 0.5, colour: "#c6dbef", damaging: false}
        - {id: medium, label: "Flood 0.5–1.5 m", min: 0.5, max: 1.5, colour: "#6baed6", damaging: true}
        - {id: high, label: "Flood > 1.5 m", min: 1.5, max: 1000, colour: "#08519c", damaging: true}
      frequency: {return_period: 100}
    metadata:
      identifier: x:flood
      title: Flood
      abstract: A flood.
      theme: hazards
      keywords: [flood]
      topic_category: inlandWaters
      risk_role: hazard
      measure: depth
      spatial_extent: [60, 23, 78, 37]
      temporal_extent: current
      reference_date: "2026-01-01"
      crs: EPSG:4326
      resolution: 2 km
      lineage: made up
      quality: none
      license: CC0-1.0
      contact: us
      update_frequency: never
`

func TestHazardBlock(t *testing.T) {
	c, err := data.ParseCatalog(strings.NewReader(hazardLayer), "/d")
	if err != nil {
		t.Fatal(err)
	}
	h := c.Layers[0].Hazard
	if h.Kind != "flood" || h.Scenario != "historical" || h.Horizon != 2020 || h.ReturnPeriod() != 100 || h.AnnualProbability() != 0.01 {
		t.Errorf("hazard %+v, rp %g, p %g", h, h.ReturnPeriod(), h.AnnualProbability())
	}
	if got := h.DamagingLabel(); got != "depth >= 0.5 m" || !h.Damaging("high") || h.Damaging("low") || h.Damaging("nope") {
		t.Errorf("damaging label %q", got)
	}
	// the raster takes the hazard's class field and classes
	r := c.Layers[0].Source.Raster
	if r.ClassField != "depth_class" || len(r.Classes) != 3 || r.Classes[2] != (data.Class{Name: "high", Min: 1.5, Max: 1000}) {
		t.Errorf("raster %+v", r)
	}
	// the catalog document and the snapshot's YAML give the block back as written
	js, _ := json.Marshal(h)
	if want := `{"kind":"flood","intensity":{"measure":"depth","unit":"m"},"class_field":"depth_class","classes":[{"id":"low","label":"Flood 0.1–0.5 m","min":0.1,"max":0.5,"colour":"#c6dbef","damaging":false},`; !strings.HasPrefix(string(js), want) ||
		!strings.HasSuffix(string(js), `"frequency":{"return_period":100},"scenario":"historical","horizon":2020}`) {
		t.Errorf("JSON %s", js)
	}
	y, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := data.ParseCatalog(strings.NewReader(string(y)), "/d")
	if err != nil {
		t.Fatalf("the catalog's own YAML is refused: %v\n%s", err, y)
	}
	if bj, _ := json.Marshal(back.Layers[0].Hazard); string(bj) != string(js) {
		t.Errorf("YAML round trip\n%s\nwant\n%s", bj, js)
	}
	p := strings.Replace(hazardLayer, "{return_period: 100}", "{annual_probability: 0.02}", 1)
	if c, err := data.ParseCatalog(strings.NewReader(p), "/d"); err != nil || c.Layers[0].Hazard.ReturnPeriod() != 50 {
		t.Errorf("annual probability: %v", err)
	}
	s := strings.Replace(hazardLayer, "      frequency: {return_period: 100}\n", "", 1)
	if c, err := data.ParseCatalog(strings.NewReader(s), "/d"); err != nil || c.Layers[0].Hazard.ReturnPeriod() != 0 || c.Layers[0].Hazard.AnnualProbability() != 0 {
		t.Errorf("susceptibility map: %v", err)
	}
}

// TestHazardRefused: every wrong hazard block is refused with its line, the layer and the element.
func TestHazardRefused(t *testing.T) {
	rep := func(old, new string) string {
		if !strings.Contains(hazardLayer, old) {
			t.Fatalf("no %q", old)
		}
		return strings.Replace(hazardLayer, old, new, 1)
	}
	low := `{id: low, label: "Flood 0.1–0.5 m", min: 0.1, max: 0.5, colour: "#c6dbef", damaging: false}`
	cases := []struct{ name, doc, want string }{
		{"old form", rep("    hazard:\n      kind: flood\n", "    hazard:\n      type: flood\n      return_period: 25\n"),
			`line 9: layer "flood_rp100": hazard uses the old form {type, return_period, class_field}; write it as`},
		{"unknown key", rep("      kind: flood\n", "      kind: flood\n      knd: x\n"),
			`line 10: layer "flood_rp100": hazard.knd is not a known key (want kind, intensity, class_field, classes, frequency, scenario, horizon)`},
		{"unknown class key", rep(`damaging: false}`, `damaging: false, color: "#000000"}`),
			`line 13: layer "flood_rp100": hazard.classes[1].color is not a known key`},
		{"unknown intensity key", rep("{measure: depth, unit: m}", "{measure: depth, units: m}"),
			`line 10: layer "flood_rp100": hazard.intensity.units is not a known key`},
		{"no unit", rep("{measure: depth, unit: m}", "{measure: depth}"),
			`line 10: layer "flood_rp100": hazard.intensity needs a measure and a unit`},
		{"bad kind", rep("kind: flood", "kind: Flood!"), `line 9: layer "flood_rp100": hazard.kind "Flood!" must match`},
		{"class field", rep("class_field: depth_class", "class_field: depth"), `line 11: layer "flood_rp100": hazard.class_field "depth" must name one of the layer's fields`},
		{"out of order", strings.Replace(rep("        - "+low+"\n", ""), "      frequency:", "        - "+low+"\n      frequency:", 1),
			`line 15: layer "flood_rp100": hazard.classes[3] "low" (0.1, 0.5] overlaps or comes before "high" (1.5, 1000]: list classes from the least to the most intense`},
		{"overlap", rep("min: 1.5, max: 1000", "min: 1.2, max: 1000"),
			`line 15: layer "flood_rp100": hazard.classes[3] "high" (1.2, 1000] overlaps or comes before "medium" (0.5, 1.5]`},
		{"empty id", rep("{id: low,", `{id: "",`), `line 13: layer "flood_rp100": hazard.classes[1] needs an id and a label`},
		{"empty label", rep(`label: "Flood > 1.5 m"`, `label: " "`), `line 15: layer "flood_rp100": hazard.classes[3] needs an id and a label`},
		{"repeated id", rep("{id: high,", "{id: low,"), `line 15: layer "flood_rp100": hazard.classes[3] id "low" is used by another class`},
		{"min not below max", rep("min: 0.1, max: 0.5", "min: 0.5, max: 0.5"), `line 13: layer "flood_rp100": hazard.classes[1] "low" needs finite min < max`},
		{"bad colour", rep(`"#6baed6"`, `blue`), `line 14: layer "flood_rp100": hazard.classes[2] "medium" has colour "blue", want #rrggbb`},
		{"not a number", rep("max: 1000", "max: lots"), `line 15: layer "flood_rp100": hazard.classes[3].max "lots" is not a number`},
		{"no classes", rep("      classes:\n", "      classes: []\n      x_classes:\n"), `line 13: layer "flood_rp100": hazard.x_classes is not a known key`},
		{"both frequencies", rep("{return_period: 100}", "{return_period: 100, annual_probability: 0.01}"),
			`line 16: layer "flood_rp100": hazard.frequency gives both return_period and annual_probability; give one`},
		{"empty frequency", rep("{return_period: 100}", "{}"),
			`line 16: layer "flood_rp100": hazard.frequency needs return_period or annual_probability; leave frequency out for a susceptibility or zoning map`},
		{"probability", rep("{return_period: 100}", "{annual_probability: 1}"), `line 16: layer "flood_rp100": hazard.frequency annual_probability 1 must be more than 0 and less than 1`},
		{"return period", rep("{return_period: 100}", "{return_period: 0.5}"), `line 16: layer "flood_rp100": hazard.frequency return_period 0.5 must be 1 year or more`},
		{"projection without horizon", rep("      frequency:", "      scenario: ssp585\n      frequency:"), `line 9: layer "flood_rp100": hazard.horizon 0 must be a year from 1800 to 2300`},
		{"bad scenario", rep("      frequency:", "      scenario: SSP5-8.5\n      horizon: 2050\n      frequency:"), `line 16: layer "flood_rp100": hazard.scenario "SSP5-8.5" must match`},
		{"not a year", rep("      frequency:", "      horizon: soon\n      frequency:"), `line 16: layer "flood_rp100": hazard.horizon "soon" is not a whole number`},
		{"not a bool", rep("damaging: false}", "damaging: no way}"), `line 13: layer "flood_rp100": hazard.classes[1].damaging "no way" is not true or false`},
		{"twice", rep("      kind: flood\n", "      kind: flood\n      kind: heat\n"), `line 10: layer "flood_rp100": hazard.kind is given twice`},
		{"raster disagrees", rep("raster: {band: 1}", "raster: {band: 1, class_field: depth_class, classes: [{name: low, min: 0, max: 9}]}"),
			`line 12: layer "flood_rp100": hazard.classes disagree with source.raster`},
	}
	block := hazardLayer[strings.Index(hazardLayer, "    hazard:"):strings.Index(hazardLayer, "    metadata:")]
	cases = append(cases, struct{ name, doc, want string }{"not a mapping", strings.Replace(hazardLayer, block, "    hazard: flood\n", 1),
		`line 8: layer "flood_rp100": hazard must be a mapping`})
	for _, c := range cases {
		err := parse(t, c.doc)
		if err == nil || !strings.Contains(err.Error(), c.want) || data.KindOf(err) != data.KindInvalid {
			t.Errorf("%s: got %v\nwant %s", c.name, err, c.want)
		}
	}
	// two layers may not map the same hazard: the same kind, frequency (100 years = 1 %) and scenario
	second := strings.Replace(strings.Replace(hazardLayer, "layers:\n", "", 1), "flood_rp100", "flood_b", 1)
	second = strings.Replace(second, "{return_period: 100}", "{annual_probability: 0.01}", 1)
	err := parse(t, hazardLayer+second)
	if want := `line 43: layer "flood_b": hazard (kind flood, return period 100, scenario historical, horizon 2020) is also mapped by layer "flood_rp100"`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("duplicate hazard: %v\nwant %s", err, want)
	}
	if err := parse(t, hazardLayer+strings.Replace(second, "{annual_probability: 0.01}", "{annual_probability: 0.01}\n      scenario: ssp245\n      horizon: 2050", 1)); err != nil {
		t.Errorf("the same flood under another scenario is refused: %v", err)
	}
}

// TestOldHazardFormTeachesTheNewOne: a catalog of the old form is refused with a block to paste.
func TestOldHazardFormTeachesTheNewOne(t *testing.T) {
	block := hazardLayer[strings.Index(hazardLayer, "    hazard:"):strings.Index(hazardLayer, "    metadata:")]
	doc := strings.Replace(hazardLayer, block, "    hazard: {type: flood, return_period: 25, class_field: depth_class}\n", 1)
	err := parse(t, doc)
	if err == nil {
		t.Fatal("old form accepted")
	}
	for _, want := range []string{`line 8: layer "flood_rp100": hazard uses the old form`, "kind: flood", "class_field: depth_class",
		"frequency: {return_period: 25}", "scenario: historical", "damaging: true"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v\nlacks %q", err, want)
		}
	}
}

// FuzzHazardBlock feeds arbitrary hazard blocks to the catalog parser: it must never panic, and a
// block it accepts has ordered classes with colours, a probability in (0, 1) or none, a scenario
// and a horizon, and comes back the same through the YAML a snapshot stores.
func FuzzHazardBlock(f *testing.F) {
	block := hazardLayer[strings.Index(hazardLayer, "    hazard:"):strings.Index(hazardLayer, "    metadata:")]
	f.Add(block)
	f.Add("    hazard: {type: flood, return_period: 25, class_field: depth_class}\n")
	f.Add("    hazard:\n      kind: heat\n      intensity: {measure: hot days, unit: days}\n      class_field: depth_class\n      classes: [{id: a, label: A, min: 0, max: 1, colour: \"#000000\"}]\n      scenario: ssp585\n      horizon: 2050\n")
	f.Add("    hazard:\n      frequency: {annual_probability: 0.5, return_period: 2}\n")
	f.Add("    hazard: [1, 2]\n")
	f.Fuzz(func(t *testing.T, b string) {
		c, err := data.ParseCatalog(strings.NewReader(strings.Replace(hazardLayer, block, b, 1)), "/d")
		if err != nil || c.Layers[0].Hazard == nil {
			return
		}
		h := c.Layers[0].Hazard
		for i, cl := range h.Classes {
			if !(cl.Min < cl.Max) || (i > 0 && cl.Min < h.Classes[i-1].Max) || len(cl.Colour) != 7 || cl.ID == "" {
				t.Fatalf("accepted class %d %+v", i, cl)
			}
		}
		if p := h.AnnualProbability(); len(h.Classes) == 0 || p < 0 || p >= 1 || (p > 0) != (h.Frequency != nil) || h.Scenario == "" || h.Horizon == 0 {
			t.Fatalf("accepted %+v", h)
		}
		y, err := yaml.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		back, err := data.ParseCatalog(strings.NewReader(string(y)), "/d")
		if err != nil {
			t.Fatalf("own YAML refused: %v\n%s", err, y)
		}
		if a, b := fmtJSON(h), fmtJSON(back.Layers[0].Hazard); a != b {
			t.Fatalf("round trip\n%s\n%s", a, b)
		}
	})
}

func fmtJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestHazardErrorNamesFile: loading a catalog file, the error starts with the file and the line.
func TestHazardErrorNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "my.yaml")
	bad := strings.Replace(hazardLayer, `colour: "#08519c"`, `colour: "#08519"`, 1)
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := data.LoadCatalogFile(path)
	if want := "catalog " + path + `: line 15: layer "flood_rp100": hazard.classes[3] "high" has colour "#08519", want #rrggbb`; err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
