package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/analytics/warnings"
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// warningImpact is the impact of a warning as /warnings/{id}.json serves it.
type warningImpact struct {
	DataVersion     string  `json:"data_version"`
	Population      int64   `json:"exposed_population"`
	Villages        int64   `json:"exposed_villages"`
	WithFibre       int64   `json:"exposed_villages_with_fibre"`
	WithoutFibre    int64   `json:"exposed_villages_without_fibre"`
	Health          int64   `json:"exposed_health_facilities"`
	Shelters        int64   `json:"exposed_shelters"`
	ShelterCapacity *int64  `json:"exposed_shelter_capacity"`
	RouteKm         float64 `json:"exposed_cpec_route_km"`
	Buildings       *int64  `json:"exposed_buildings"`
}

// postJSON posts body and decodes a 200 answer into into.
func postJSON(t *testing.T, url, body string, into any) {
	t.Helper()
	if b := fetchPost(t, url, body); json.Unmarshal([]byte(b), into) != nil {
		t.Fatalf("POST %s: not the JSON expected: %.300s", url, b)
	}
}

// impactMatchesRisk checks that a warning's impact is /risk/area's answer on the warning's own
// polygon (people, villages, fibre, CPEC route km; facilities = health facilities + shelters on
// the default data), and that the villages without fibre it lists are the ones it counts.
func impactMatchesRisk(t *testing.T, base, id string) warningImpact {
	t.Helper()
	var w struct {
		Impact *warningImpact  `json:"impact"`
		Area   json.RawMessage `json:"area"`
	}
	getJSON(t, base+"/warnings/"+id+".json", &w)
	if w.Impact == nil || w.Impact.Villages == 0 || w.Impact.Population == 0 {
		t.Fatalf("%s: impact %+v", id, w.Impact)
	}
	var risk struct {
		DataVersion string                        `json:"data_version"`
		InArea      map[string]map[string]float64 `json:"in_area"`
	}
	postJSON(t, base+"/risk/area", `{"geometry":`+string(w.Area)+`}`, &risk)
	v, f := risk.InArea["villages"], risk.InArea["facilities"]
	im := *w.Impact
	if im.DataVersion != risk.DataVersion || float64(im.Population) != v["population"] || float64(im.Villages) != v["count"] ||
		float64(im.WithFibre) != v["fibre"] || im.WithoutFibre != im.Villages-im.WithFibre ||
		im.RouteKm != math.Round(risk.InArea["cpec_routes"]["length_km"]*10)/10 || float64(im.Health+im.Shelters) != f["count"] ||
		im.ShelterCapacity == nil || float64(*im.ShelterCapacity) > f["capacity"] || im.Buildings != nil {
		t.Errorf("%s: impact %+v, /risk/area in_area %v", id, im, risk.InArea)
	}
	var list struct {
		Count    int              `json:"count"`
		Villages []map[string]any `json:"villages"`
	}
	getJSON(t, base+"/warnings/"+id+"/villages?fibre=false", &list)
	if int64(list.Count) != im.WithoutFibre || len(list.Villages) != list.Count || (list.Count > 0 && list.Villages[0]["fibre"] != false) {
		t.Errorf("%s: %d villages without fibre listed, impact says %d", id, list.Count, im.WithoutFibre)
	}
	csv := fetch(t, base+"/warnings/"+id+"/villages?fibre=false&format=csv", nil)
	if lines := strings.Count(string(csv.body), "\n"); csv.status != 200 || lines != list.Count+1 {
		t.Errorf("%s: CSV of %d lines for %d villages", id, lines, list.Count)
	}
	return im
}

// warningDocs returns a warning's JSON and CAP message, with the server's address taken out.
func warningDocs(t *testing.T, base, identifier string) string {
	t.Helper()
	var out bytes.Buffer
	for _, ext := range []string{".json", ".cap"} {
		r := fetch(t, base+"/warnings/"+identifier+ext, nil)
		if r.status != 200 {
			t.Fatalf("%s%s: %d", identifier, ext, r.status)
		}
		out.Write(bytes.ReplaceAll(r.body, []byte(base), []byte("BASE")))
	}
	return out.String()
}

// warningItem returns the properties of a warning's feature in /collections/warnings/items.
func warningItem(t *testing.T, base, id string) map[string]any {
	t.Helper()
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	getJSON(t, base+"/collections/warnings/items", &fc)
	for _, f := range fc.Features {
		if f.Properties["warning_id"] == id {
			return f.Properties
		}
	}
	t.Fatalf("%s is not in /collections/warnings/items", id)
	return nil
}

// itemHasImpact reports whether a warning feature's properties carry the impact.
func itemHasImpact(p map[string]any, im warningImpact) string {
	if p["exposed_population"] != float64(im.Population) || p["exposed_villages_without_fibre"] != float64(im.WithoutFibre) ||
		p["exposed_cpec_route_km"] != im.RouteKm || p["exposed_shelters"] != float64(im.Shelters) {
		return fmt.Sprintf("properties %v, impact %+v", p, im)
	}
	return ""
}

// impactSet is a small dataset: four villages (two inside the test square, one on fibre), five
// facilities of three kinds, a route crossing the square, buildings, and a flood layer.
func impactSet() *indexes.Set {
	pt := func(id int, p orb.Point, props map[string]any) data.Feature {
		return data.Feature{ID: uint64(id), Geometry: p, Properties: props}
	}
	villages := data.NewLayer(&data.LayerSpec{ID: "villages", Theme: data.ThemeSocioeconomic, MaxZoom: 14, Fields: []data.Field{
		{Name: "population", Type: data.FieldInteger}, {Name: "fibre", Type: data.FieldBoolean}}}, []data.Feature{
		pt(1, orb.Point{68.2, 26.2}, map[string]any{"population": int64(1000), "fibre": true}),
		pt(2, orb.Point{68.7, 26.7}, map[string]any{"population": int64(250), "fibre": false}),
		pt(3, orb.Point{69.5, 26.5}, map[string]any{"population": int64(9000), "fibre": false})})
	fac := func(id int, p orb.Point, kind string, capacity int64) data.Feature {
		return pt(id, p, map[string]any{"kind": kind, "capacity": capacity})
	}
	facilities := data.NewLayer(&data.LayerSpec{ID: "facilities", Theme: data.ThemeInfrastructure, MaxZoom: 14, Fields: []data.Field{
		{Name: "kind", Type: data.FieldString}, {Name: "capacity", Type: data.FieldInteger}}}, []data.Feature{
		fac(1, orb.Point{68.3, 26.3}, "hospital", 50), fac(2, orb.Point{68.4, 26.4}, "rural_health_centre", 10),
		fac(3, orb.Point{68.5, 26.5}, "flood_shelter", 400), fac(4, orb.Point{68.6, 26.6}, "flood_shelter", 600),
		fac(5, orb.Point{69.6, 26.6}, "flood_shelter", 700)})
	routes := data.NewLayer(&data.LayerSpec{ID: "cpec_routes", Theme: data.ThemeInfrastructure, MaxZoom: 14}, []data.Feature{
		{ID: 1, Geometry: orb.LineString{{67.5, 26.5}, {69.5, 26.5}}}})
	var blds []data.Feature
	for i := range 10 {
		x := 68.05 + 0.1*float64(i)
		blds = append(blds, data.Feature{ID: uint64(i + 1), Geometry: orb.Polygon{{{x, 26}, {x + 0.001, 26}, {x + 0.001, 26.001}, {x, 26.001}, {x, 26}}}})
	}
	buildings := data.NewLayer(&data.LayerSpec{ID: "buildings", Theme: data.ThemeSocioeconomic, MaxZoom: 14}, blds)
	flood := data.NewLayer(&data.LayerSpec{ID: "flood_rp100", Theme: data.ThemeHazards, MaxZoom: 14,
		Fields: []data.Field{{Name: "depth_class", Type: data.FieldString}}, Hazard: &data.Hazard{Kind: "flood", Frequency: &data.Frequency{ReturnPeriod: 100}, ClassField: "depth_class"}},
		[]data.Feature{{ID: 1, Geometry: orb.Polygon{{{68, 26}, {68.5, 26}, {68.5, 27}, {68, 27}, {68, 26}}}, Properties: map[string]any{"depth_class": "high"}}})
	return indexes.Build(&data.Dataset{Catalog: &data.Catalog{}, Layers: []*data.Layer{flood, villages, facilities, routes, buildings}, Version: "t1"})
}

// The adapter counts what /risk/area counts, splits facilities by kind with the shelters'
// capacity, counts buildings by the centre of their bbox, and caches by data version and area.
func TestImpactAssessor(t *testing.T) {
	served := indexes.NewServed(impactSet())
	cfg := analytics.DefaultConfig()
	a := newImpactAssessor(analytics.NewEngine(cfg, served.Load), cfg, served)
	square := orb.Ring{{68, 25.9}, {69, 25.9}, {69, 27}, {68, 27}, {68, 25.9}}
	imp, err := a.Exposure(square)
	if err != nil {
		t.Fatal(err)
	}
	capacity, buildings := int64(1000), int64(10)
	want := warnings.Impact{DataVersion: "t1", Population: 1250, Villages: 2, WithFibre: 1, WithoutFibre: 1, Health: 2, Shelters: 2,
		ShelterCapacity: &capacity, RouteKm: math.Round(geo.LengthKm(orb.LineString{{68, 26.5}, {69, 26.5}})*10) / 10, Buildings: &buildings}
	if got, exp := must(json.Marshal(imp)), must(json.Marshal(want)); string(got) != string(exp) {
		t.Errorf("impact\n%s\nwant\n%s", got, exp)
	}
	again, _ := a.Exposure(square)
	if again.ShelterCapacity != imp.ShelterCapacity || len(a.cache) != 1 {
		t.Errorf("not cached: %d entries", len(a.cache))
	}
	served.SetBase(impactSet()) // a new data version empties the cache
	if again, _ = a.Exposure(square); again.ShelterCapacity == imp.ShelterCapacity || *again.ShelterCapacity != capacity {
		t.Errorf("cache kept across data versions")
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
