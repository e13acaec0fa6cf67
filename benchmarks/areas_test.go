package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb/geojson"
	"github.com/peterstace/simplefeatures/geom"

	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/data/pakistan"
)

// defaultInputs builds the query set's inputs from the default dataset's generator and sources.
func defaultInputs(t *testing.T) *inputs {
	t.Helper()
	src, err := pakistan.LoadSources()
	if err != nil {
		t.Fatal(err)
	}
	out, err := pakistan.Generate(src, pakistan.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"villages.geojson": out.Vectors["villages.geojson"], "provinces.geojson": out.Vectors["provinces.geojson"]}
	for _, name := range []string{"pk-rivers-gshhg-wdbii.geojson"} {
		if files[name], err = os.ReadFile(filepath.Join("..", "data", "pakistan", "sources", name)); err != nil {
			t.Fatal(err)
		}
	}
	in, err := parseInputs(files)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestQuerySetIsVariedValidAndSeeded(t *testing.T) {
	in := defaultInputs(t)
	set := querySet(in)
	if len(set) < 30 {
		t.Fatalf("%d areas, want at least 30", len(set))
	}
	want := map[string]int{"star": 8, "hole": 4, "multipolygon": 4, "river strip": 4, "corridor": 4, "province": 7, "dense": 3, "empty": 3}
	got := map[string]int{}
	for _, a := range set {
		got[a.Class]++
		if a.Class != "province" {
			checkPolygon(t, a)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("classes %v, want %v", got, want)
	}
	if again := querySet(in); !reflect.DeepEqual(again, set) {
		t.Fatal("the query set is not the same from one call to the next")
	}
}

// strict validates a GeoJSON geometry as PostGIS's ST_IsValid would (simplefeatures' OGC rules,
// stricter than geo.Validate, which lets adjacent polygons share an edge).
func strict(geojson string) error {
	g, err := geom.UnmarshalGeoJSON([]byte(geojson))
	if err != nil {
		return err
	}
	return g.Validate()
}

// checkPolygon checks what the peer gets: a valid (multi)polygon of a sane size, and for stars
// 20-200 vertices and 5-100 km across.
func checkPolygon(t *testing.T, a area) {
	t.Helper()
	g, err := geojson.UnmarshalGeometry([]byte(a.PeerGeom))
	if err != nil {
		t.Fatalf("%s: %v", a.Name, err)
	}
	mp := geo.Polygons(g.Geometry())
	if err := strict(a.PeerGeom); err != nil {
		t.Fatalf("%s: invalid polygon: %v", a.Name, err)
	}
	if km2 := geo.AreaKm2(mp); km2 < 1 || km2 > 20_000 {
		t.Fatalf("%s: %.1f km²", a.Name, km2)
	}
	if a.Class == "star" {
		ring := mp[0][0]
		b := ring.Bound()
		across := (b.Max[1] - b.Min[1]) * 110.57
		if n := len(ring) - 1; n < 20 || n > 200 || across < 2.5 || across > 100 {
			t.Fatalf("%s: %d vertices, %.0f km north-south", a.Name, n, across)
		}
	}
	if a.Class == "corridor" && !strings.Contains(a.Where, `"buffer_m":5000`) {
		t.Fatalf("%s: Indus is not asked for the corridor: %s", a.Name, a.Where)
	}
	if a.Class == "hole" && len(mp[0]) != 2 || a.Class == "multipolygon" && len(mp) != 2 {
		t.Fatalf("%s: %d polygons, %d rings", a.Name, len(mp), len(mp[0]))
	}
}

func TestEmptyAreasHoldNoVillage(t *testing.T) {
	in := defaultInputs(t)
	for _, a := range querySet(in) {
		if a.Class != "empty" {
			continue
		}
		g, _ := geojson.UnmarshalGeometry([]byte(a.PeerGeom))
		b := g.Geometry().Bound()
		for _, v := range in.villages {
			if b.Contains(v) {
				t.Fatalf("%s holds village %v", a.Name, v)
			}
		}
	}
}

func TestAgreementIsStrict(t *testing.T) {
	base := answer{"flood_rp100/high/area": 100, "flood_rp100/high/villages.count": 12, "flood_rp100/high/buildings.area_km2": 0.2}
	cases := []struct {
		name   string
		change func(answer)
		agree  bool
	}{
		{"same", func(answer) {}, true},
		{"area 0.4 % off", func(a answer) { a["flood_rp100/high/area"] = 100.4 }, true},
		{"area 0.6 % off", func(a answer) { a["flood_rp100/high/area"] = 100.6 }, false},
		{"building area 1 % off", func(a answer) { a["flood_rp100/high/buildings.area_km2"] = 0.202 }, false},
		{"one village more", func(a answer) { a["flood_rp100/high/villages.count"] = 13 }, false},
		{"a class only one side has", func(a answer) { a["flood_rp10/low/villages.count"] = 1 }, false},
	}
	for _, c := range cases {
		other := answer{}
		for k, v := range base {
			other[k] = v
		}
		c.change(other)
		area, count, _ := agreement(base, other)
		if agree := area <= 0.005 && count == 0; agree != c.agree {
			t.Errorf("%s: agree %v (area %.4f, count %.0f), want %v", c.name, agree, area, count, c.agree)
		}
	}
}

func TestMedianF(t *testing.T) {
	if m := medianF([]float64{5, 1, 3}); m != 3 {
		t.Fatal(m)
	}
	if m := medianF([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Fatal(m)
	}
}
