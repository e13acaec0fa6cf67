package pakistan

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/cpec-digital/indus/data/geo"
)

// The provinces layer is today's: no Federally Administered Tribal Areas (merged into Khyber
// Pakhtunkhwa in 2018), KP one polygon covering both Natural Earth units (their areas add up:
// nothing lost, no sliver left between them), the other units unchanged, and no village in PK-TA.
func TestProvincesAsAdministered(t *testing.T) {
	_, out := generated(t)
	fc, err := geojson.UnmarshalFeatureCollection(out.Vectors["provinces.geojson"])
	if err != nil {
		t.Fatal(err)
	}
	raw, err := readFC(fileProvinces)
	if err != nil {
		t.Fatal(err)
	}
	ne := map[string]orb.Geometry{}
	for _, f := range raw.Features {
		ne[f.Properties.MustString("iso_3166_2")] = f.Geometry
	}
	got := map[string]*geojson.Feature{}
	for _, f := range fc.Features {
		got[f.Properties.MustString("iso_3166_2")] = f
	}
	if len(fc.Features) != 7 || got["PK-TA"] != nil || got["PK-KP"] == nil {
		t.Fatalf("%d provinces %v, want 7 without PK-TA", len(fc.Features), keys(got))
	}
	kp := got["PK-KP"]
	want := geo.AreaKm2(ne["PK-KP"]) + geo.AreaKm2(ne["PK-TA"])
	if a := geo.AreaKm2(kp.Geometry); math.Abs(a-want) > 1e-6*want || len(geo.Polygons(kp.Geometry)) != 1 {
		t.Errorf("KP: %.1f km² in %d polygons, want %.1f km² in one", a, len(geo.Polygons(kp.Geometry)), want)
	}
	if kp.Properties.MustString("name_en") != "Khyber Pakhtunkhwa" || kp.Properties.MustString("type_en") != "Province" {
		t.Errorf("KP attributes %v", kp.Properties)
	}
	for _, p := range []orb.Point{{70.08, 33.0}, {71.05, 34.0}, {71.5, 34.0}} { // Miranshah, Landi Kotal, Peshawar
		if !geo.Contains(kp.Geometry, p) {
			t.Errorf("%v is not in Khyber Pakhtunkhwa", p)
		}
	}
	for code, g := range ne {
		if f := got[code]; code != "PK-KP" && code != "PK-TA" && (f == nil || geo.AreaKm2(f.Geometry) != geo.AreaKm2(g)) {
			t.Errorf("%s changed", code)
		}
	}
	villages, _ := geojson.UnmarshalFeatureCollection(out.Vectors["villages.geojson"])
	for _, v := range villages.Features {
		if v.Properties.MustString("province") == "PK-TA" {
			t.Fatalf("village %v is in PK-TA", v.Properties["village_id"])
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
