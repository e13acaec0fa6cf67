package data_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/cpec-digital/indus/data"
)

const validLayer = `
layers:
  - id: villages
    theme: socioeconomic
    source: {path: villages.geojson}
    minzoom: 0
    maxzoom: 14
    fields:
      - {name: population, type: integer, description: people}
    metadata:
      identifier: x:villages
      title: Villages
      abstract: Villages of somewhere.
      theme: socioeconomic
      keywords: [villages]
      topic_category: society
      risk_role: exposure
      measure: persons
      spatial_extent: [60, 23, 78, 37]
      temporal_extent: current
      reference_date: "2026-01-01"
      crs: EPSG:4326
      resolution: points
      lineage: made up
      quality: none
      license: CC0-1.0
      contact: us
      update_frequency: never
`

func parse(t *testing.T, doc string) error {
	t.Helper()
	_, err := data.ParseCatalog(strings.NewReader(doc), "/d")
	return err
}

func TestValidCatalog(t *testing.T) {
	c, err := data.ParseCatalog(strings.NewReader(validLayer), "/d")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.ResolvePath("villages.geojson"); got != "/d/villages.geojson" {
		t.Errorf("ResolvePath = %q", got)
	}
	for _, p := range []string{"PG:dbname=gis", "/abs/x.gpkg", "/vsizip/a.zip/b.shp"} {
		if got := c.ResolvePath(p); got != p {
			t.Errorf("ResolvePath(%q) = %q", p, got)
		}
	}
}

// TestCatalogAccess reads the access section of a layer and keeps it through the JSON a snapshot
// stores; a public layer's JSON is what it was before access existed (data versions unchanged).
func TestCatalogAccess(t *testing.T) {
	doc := strings.Replace(validLayer, "    minzoom: 0\n", "    access: {groups: [telecom, ndma]}\n    minzoom: 0\n", 1)
	c, err := data.ParseCatalog(strings.NewReader(doc), "/d")
	if err != nil {
		t.Fatal(err)
	}
	if g := c.Layers[0].Access.Groups; len(g) != 2 || g[0] != "ndma" || g[1] != "telecom" {
		t.Fatalf("groups %v", g)
	}
	b, _ := json.Marshal(c.Layers[0])
	var back data.LayerSpec
	if err := json.Unmarshal(b, &back); err != nil || back.Access.String() != "groups: ndma, telecom" {
		t.Fatalf("JSON round trip: %s → %v %v", b, back.Access, err)
	}
	pub, _ := data.ParseCatalog(strings.NewReader(validLayer), "/d")
	if b, _ := json.Marshal(pub.Layers[0]); strings.Contains(string(b), "access") {
		t.Errorf("a public layer writes its access: %s", b)
	}
	for _, bad := range []string{"access: private", "access: {groups: []}", "access: {groups: [NDMA]}"} {
		if err := parse(t, strings.Replace(validLayer, "    minzoom: 0\n", "    "+bad+"\n    minzoom: 0\n", 1)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// Removing any one of the 18 elements must be refused with an error naming the layer and element.
func TestEachMissingMetadataElementRefused(t *testing.T) {
	elements := data.MetadataElements()
	if len(elements) != 18 {
		t.Fatalf("%d metadata elements, want 18", len(elements))
	}
	for _, el := range elements {
		t.Run(el, func(t *testing.T) {
			var doc map[string]any
			if err := yaml.Unmarshal([]byte(validLayer), &doc); err != nil {
				t.Fatal(err)
			}
			md := doc["layers"].([]any)[0].(map[string]any)["metadata"].(map[string]any)
			if _, ok := md[el]; !ok {
				t.Fatalf("fixture lacks %s", el)
			}
			delete(md, el)
			out, _ := yaml.Marshal(doc)
			err := parse(t, string(out))
			if err == nil {
				t.Fatalf("catalog without %s was accepted", el)
			}
			if data.KindOf(err) != data.KindInvalid || !strings.Contains(err.Error(), `layer "villages"`) || !strings.Contains(err.Error(), el) {
				t.Fatalf("error %q should name the layer and %q", err, el)
			}
		})
	}
}

func TestCatalogRefusals(t *testing.T) {
	tests := []struct{ name, from, to, want string }{
		{"theme outside the 7", "theme: socioeconomic\n    source", "theme: economy\n    source", `"economy" is not one of the 7 themes`},
		{"metadata theme outside the 7", "      theme: socioeconomic", "      theme: weather", "theme"},
		{"bad risk role", "risk_role: exposure", "risk_role: danger", "risk_role"},
		{"bad topic", "topic_category: society", "topic_category: stuff", "topic_category"},
		{"bad bbox", "[60, 23, 78, 37]", "[60, 23, 278, 37]", "spatial_extent"},
		{"empty keywords", "keywords: [villages]", "keywords: []", "keywords"},
		{"bad zoom", "maxzoom: 14", "maxzoom: 40", "zoom range"},
		{"bad id", "id: villages", "id: Villages!", "id"},
		{"unknown key", "minzoom: 0", "minzoom: 0\n    colour: red", "not valid YAML"},
		{"bad field type", "type: integer", "type: int", "field population"},
		{"no source", "source: {path: villages.geojson}", "source: {}", "source.path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(validLayer, tt.from, tt.to, 1)
			if doc == validLayer {
				t.Fatalf("fixture does not contain %q", tt.from)
			}
			err := parse(t, doc)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	if err := parse(t, validLayer+strings.Replace(validLayer, "layers:\n", "", 1)); err == nil || !strings.Contains(err.Error(), "used by another layer") {
		t.Errorf("duplicate id: err = %v", err)
	}
	if err := parse(t, ""); err == nil {
		t.Error("empty catalog accepted")
	}
}

func TestCoerce(t *testing.T) {
	tests := []struct {
		t    data.FieldType
		in   any
		want any
		ok   bool
	}{
		{data.FieldInteger, 3.0, int64(3), true},
		{data.FieldInteger, 3.5, nil, false},
		{data.FieldInteger, "42", int64(42), true},
		{data.FieldNumber, int64(2), 2.0, true},
		{data.FieldBoolean, int64(0), false, true},
		{data.FieldBoolean, "true", true, true},
		{data.FieldBoolean, "yes", nil, false},
		{data.FieldString, int64(7), "7", true},
		{data.FieldNumber, "NaN", nil, false},
	}
	for _, tt := range tests {
		got, err := data.Coerce(tt.t, tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Coerce(%s, %#v) = %#v, %v", tt.t, tt.in, got, err)
		}
	}
}

func ExampleParseCatalog() {
	_, err := data.ParseCatalog(strings.NewReader(strings.Replace(validLayer, "      lineage: made up\n", "", 1)), ".")
	fmt.Println(err)
	// Output: layer "villages": metadata element lineage is missing
}

func FuzzParseCatalog(f *testing.F) {
	f.Add(validLayer)
	f.Add("layers: [{id: a}]")
	f.Add(strings.Replace(validLayer, "    minzoom: 0\n", "    access: {groups: [ndma, telecom]}\n    minzoom: 0\n", 1))
	f.Add(strings.Replace(validLayer, "    minzoom: 0\n", "    access: public\n    minzoom: 0\n", 1))
	f.Fuzz(func(t *testing.T, doc string) {
		c, err := data.ParseCatalog(strings.NewReader(doc), ".")
		if err == nil && len(c.Layers) == 0 {
			t.Fatal("accepted a catalog without layers")
		}
	})
}
