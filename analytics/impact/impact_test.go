package impact

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/analytics/warnings"
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

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
func TestAssessor(t *testing.T) {
	served := indexes.NewServed(impactSet())
	cfg := analytics.DefaultConfig()
	a := New(analytics.NewEngine(cfg, served.Load), cfg, served)
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
