package analytics

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// boxKm2 is the ellipsoidal area of a lon/lat box (geo checks AreaKm2 by numerical integration).
func boxKm2(w, s, e, n float64) float64 { return geo.AreaKm2(box(w, s, e, n)) }

func box(w, s, e, n float64) orb.Polygon {
	return orb.Polygon{{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}}
}

func TestExpectedAnnual(t *testing.T) {
	// ½(100+200)(0.1-0.04) + ½(200+400)(0.04-0.01) + 400·0.01 = 9 + 9 + 4
	if got := ExpectedAnnual([]float64{0.1, 0.04, 0.01}, []float64{100, 200, 400}); math.Abs(got-22) > 1e-9 {
		t.Fatalf("got %v, want 22", got)
	}
}

// floodSpec is the test hazard layer "flood": 100-year, classes low (0.1, 0.5] and high (1.5, 99]
// m, high damaging.
func floodSpec() *data.LayerSpec {
	return &data.LayerSpec{ID: "flood", Theme: data.ThemeHazards, MaxZoom: 14,
		Fields: []data.Field{{Name: "depth_class", Type: data.FieldString}},
		Hazard: &data.Hazard{Kind: "flood", Frequency: &data.Frequency{ReturnPeriod: 100}, ClassField: "depth_class",
			Intensity: data.Intensity{Measure: "depth", Unit: "m"}, Classes: []data.HazardClass{
				{ID: "low", Min: 0.1, Max: 0.5}, {ID: "high", Min: 1.5, Max: 99, Damaging: true}}}}
}

// testSet: a hazard layer of two 1°x1° squares (high at 68-69E, low at 69-70E; the high square
// has a hole at 68.25-68.5E 25.25-25.5N), villages at known places, a road along 25.75N, and a
// province covering 68-70E.
func testSet() *indexes.Set {
	high := box(68, 25, 69, 26)
	high = append(high, box(68.25, 25.25, 68.5, 25.5)[0])
	flood := floodSpec()
	villages := &data.LayerSpec{ID: "villages", Theme: data.ThemeSocioeconomic, MaxZoom: 14,
		Fields:   []data.Field{{Name: "village_id", Type: data.FieldInteger}, {Name: "population", Type: data.FieldInteger}, {Name: "fibre", Type: data.FieldBoolean}},
		Metadata: data.Metadata{RiskRole: data.RoleExposure}}
	roads := &data.LayerSpec{ID: "roads", Theme: data.ThemeInfrastructure, MaxZoom: 14, Metadata: data.Metadata{RiskRole: data.RoleExposure}}
	prov := &data.LayerSpec{ID: "provinces", Theme: data.ThemeAdmin, MaxZoom: 14, KeyField: "code",
		Fields: []data.Field{{Name: "code", Type: data.FieldString}, {Name: "name", Type: data.FieldString}}}
	fac := &data.LayerSpec{ID: "facilities", Theme: data.ThemeInfrastructure, MaxZoom: 14,
		Fields: []data.Field{{Name: "kind", Type: data.FieldString}}, Metadata: data.Metadata{RiskRole: data.RoleVulnerability}}
	vill := func(id int, lon, lat float64, pop int64, fibre bool) data.Feature {
		return data.Feature{ID: uint64(id), Geometry: orb.Point{lon, lat}, Properties: map[string]any{"village_id": int64(id), "population": pop, "fibre": fibre}}
	}
	layers := []*data.Layer{
		data.NewLayer(flood, []data.Feature{
			{ID: 1, Geometry: high, Properties: map[string]any{"depth_class": "high"}},
			{ID: 2, Geometry: box(69, 25, 70, 26), Properties: map[string]any{"depth_class": "low"}},
		}),
		data.NewLayer(villages, []data.Feature{
			vill(1, 68.75, 25.75, 100, true), // high zone
			vill(2, 68.4, 25.4, 50, false),   // in the hole: dry
			vill(3, 69.3, 25.5, 200, false),  // low zone
			vill(4, 70.4, 25.5, 1000, true),  // outside every zone
			vill(5, 68.9, 25.1, 10, true),    // high zone
		}),
		data.NewLayer(roads, []data.Feature{{ID: 1, Geometry: orb.LineString{{67.5, 25.75}, {70.5, 25.75}}}}),
		data.NewLayer(prov, []data.Feature{
			{ID: 1, Geometry: box(68, 25, 70, 26), Properties: map[string]any{"code": "PK-XX", "name": "Test"}},
			{ID: 2, Geometry: box(70, 25, 71, 26), Properties: map[string]any{"code": "PK-YY", "name": "East"}},
		}),
		data.NewLayer(fac, []data.Feature{
			{ID: 1, Geometry: orb.Point{68.76, 25.75}, Properties: map[string]any{"kind": "hospital"}},
			{ID: 2, Geometry: orb.Point{69.5, 25.52}, Properties: map[string]any{"kind": "flood_shelter"}},
		}),
	}
	cat := &data.Catalog{}
	for _, l := range layers {
		cat.Layers = append(cat.Layers, *l.Spec)
	}
	return indexes.Build(&data.Dataset{Catalog: cat, Layers: layers, Version: "t"})
}

func engine() *Engine {
	c := DefaultConfig()
	c.AdminLayer = "provinces"
	set := testSet()
	return NewEngine(c, func() *indexes.Set { return set })
}

func area(t *testing.T, body string) *AreaResult {
	t.Helper()
	r, err := ParseAreaRequest([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine().Area(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

// Hand-computed case: the query box 68.5-69.5E, 25-26N takes half of each square, the high half
// without the part of the hole (68.5 is the hole's east edge, so none of it).
func TestAreaHandComputed(t *testing.T) {
	res := area(t, `{"bbox":[68.5,25,69.5,26]}`)
	h := res.Hazards[0]
	wantHigh := boxKm2(68.5, 25, 69, 26)
	wantLow := boxKm2(69, 25, 69.5, 26)
	if h.Classes[0].Class != "low" || h.Classes[1].Class != "high" {
		t.Fatalf("classes %+v", h.Classes)
	}
	if !near(h.Classes[1].AreaKm2, wantHigh) || !near(h.Classes[0].AreaKm2, wantLow) {
		t.Errorf("areas high %.4f low %.4f, want %.4f %.4f", h.Classes[1].AreaKm2, h.Classes[0].AreaKm2, wantHigh, wantLow)
	}
	if !near(res.Query.AreaKm2, boxKm2(68.5, 25, 69.5, 26)) {
		t.Errorf("query area %.4f", res.Query.AreaKm2)
	}
	// villages 1 and 5 are in the high half, 3 in the low half.
	vh, vl := h.Classes[1].Exposure["villages"], h.Classes[0].Exposure["villages"]
	if vh["count"] != 2 || vh["population"] != 110 || vh["fibre"] != 2 || vl["count"] != 1 || vl["population"] != 200 || vl["fibre"] != 0 {
		t.Errorf("villages high %v low %v", vh, vl)
	}
	// the road crosses the box: 1° of longitude at 25.75N in each half.
	if r := h.Classes[1].Exposure["roads"]["length_km"]; math.Abs(r-geo.DistanceKm(orb.Point{68.5, 25.75}, orb.Point{69, 25.75})) > 1e-6 {
		t.Errorf("road in high zone %.4f km", r)
	}
	if got := res.InArea["villages"]; got["count"] != 3 || got["population"] != 310 {
		t.Errorf("villages in area %v", got)
	}
	if h.Damaging.AreaKm2 != h.Classes[1].AreaKm2 || h.Damaging.Exposure["villages"]["population"] != 110 {
		t.Errorf("damaging = %+v", h.Damaging)
	}
	s := res.Summary[0]
	// one return period, damaging share ≈ 0.5 ≥ 5 %: level low; EAP = 310 × 0.01
	if s.Level != "low" || s.ExpectedAnnualPopulation == nil || !near(*s.ExpectedAnnualPopulation, 3.1) {
		t.Errorf("summary %+v", s)
	}
	ri := res.RiskIndex
	// one hazard kind: H&E = its score = 10·log10(1 + 99·s)/2 with s the expected annual share of
	// the population in damaging classes, 110·0.01/310; V = 10·log10(1+310/A)/3; LCC = 10·(1/3 +
	// 2/3)/2 = 5 (villages 5 and 3 are over 10 km from the only hospital).
	wantHE := 10 * math.Log10(1+99*110*0.01/310) / 2
	density := 310 / res.Query.AreaKm2
	wantV := 10 * math.Log10(1+density) / 3
	if ri.Indicators.Villages != 3 || !near(ri.Indicators.NoFibreShare, 1.0/3) || !near(ri.Indicators.FarFromHealth, 2.0/3) ||
		ri.HazardExposure != round2(wantHE) || ri.LackOfCopingCapacity != 5 || ri.Vulnerability != round2(wantV) ||
		ri.Value != round2(math.Cbrt(wantHE*wantV*5)) || ri.Scenario != "historical" || ri.Horizon != 2020 ||
		len(ri.HazardComponents) != 1 || ri.HazardComponents[0] != (HazardComponent{"flood", round2(wantHE)}) ||
		len(ri.Indicators.Hazards) != 1 || !ri.Indicators.Hazards[0].Annual || !near(ri.Indicators.Hazards[0].ExposedShare, 1.1/310) {
		t.Errorf("risk index %+v", ri)
	}
}

// A query polygon with a hole and a multipolygon spanning two provinces.
func TestAreaHolesAndMultiPolygons(t *testing.T) {
	res := area(t, `{"geometry":{"type":"MultiPolygon","coordinates":[
		[[[68,25],[69,25],[69,26],[68,26],[68,25]],[[68.6,25.6],[68.6,25.9],[68.9,25.9],[68.9,25.6],[68.6,25.6]]],
		[[[69.5,25],[70.5,25],[70.5,26],[69.5,26],[69.5,25]]]]}}`)
	h := res.Hazards[0]
	wantHigh := boxKm2(68, 25, 69, 26) - boxKm2(68.25, 25.25, 68.5, 25.5) - boxKm2(68.6, 25.6, 68.9, 25.9)
	wantLow := boxKm2(69.5, 25, 70, 26)
	if !near(h.Classes[1].AreaKm2, wantHigh) || !near(h.Classes[0].AreaKm2, wantLow) {
		t.Errorf("high %.4f (want %.4f), low %.4f (want %.4f)", h.Classes[1].AreaKm2, wantHigh, h.Classes[0].AreaKm2, wantLow)
	}
	// village 1 (68.75, 25.75) is in the query's hole now; village 5 is in; 3 in low; 4 outside zones.
	if v := h.Classes[1].Exposure["villages"]; v["count"] != 1 || v["population"] != 10 {
		t.Errorf("high villages %v", v)
	}
	if v := res.InArea["villages"]; v["count"] != 3 || v["population"] != 1060 {
		t.Errorf("villages in area %v", v)
	}
}

func TestAdminAndCorridor(t *testing.T) {
	res := area(t, `{"admin":{"layer":"provinces","id":"PK-XX"}}`)
	if !near(res.Query.AreaKm2, boxKm2(68, 25, 70, 26)) || res.InArea["villages"]["count"] != 4 {
		t.Errorf("admin query: area %.2f, villages %v", res.Query.AreaKm2, res.InArea["villages"])
	}
	// 1 km either side of a ~100 km east-west line: 2·1·L + π·1² km².
	res = area(t, `{"corridor":{"geometry":{"type":"LineString","coordinates":[[68.1,25.3],[69.1,25.3]]},"buffer_m":1000}}`)
	l := geo.DistanceKm(orb.Point{68.1, 25.3}, orb.Point{69.1, 25.3})
	want := 2*l + math.Pi
	if math.Abs(res.Query.AreaKm2-want)/want > 0.005 {
		t.Errorf("corridor area %.3f km², want %.3f", res.Query.AreaKm2, want)
	}
	if res.Query.Kind != "corridor" {
		t.Errorf("kind %q", res.Query.Kind)
	}
	// the same with the top-level geometry + buffer_m form
	res2 := area(t, `{"geometry":{"type":"LineString","coordinates":[[68.1,25.3],[69.1,25.3]]},"buffer_m":1000}`)
	if res2.Query.AreaKm2 != res.Query.AreaKm2 {
		t.Errorf("two corridor forms differ")
	}
}

func TestBadInput(t *testing.T) {
	many := make([]string, 0, MaxVertices+2)
	for i := 0; i <= MaxVertices; i++ {
		a := float64(i) / float64(MaxVertices) * 2 * math.Pi
		many = append(many, fmt.Sprintf("[%f,%f]", 68+math.Cos(a), 25+math.Sin(a)))
	}
	many = append(many, many[0])
	tests := []struct {
		name, body string
		kind       data.Kind
		want       string
	}{
		{"not json", `{"bbox":`, data.KindInvalid, "invalid JSON"},
		{"unknown key", `{"box":[1,2,3,4]}`, data.KindInvalid, "invalid JSON"},
		{"nothing", `{}`, data.KindInvalid, "exactly one"},
		{"two", `{"bbox":[68,25,69,26],"admin":{"layer":"provinces","id":"PK-XX"}}`, data.KindInvalid, "exactly one"},
		{"bad geojson", `{"geometry":{"type":"Polygon","coordinates":"x"}}`, data.KindInvalid, "invalid GeoJSON"},
		{"point", `{"geometry":{"type":"Point","coordinates":[68,25]}}`, data.KindInvalid, "Polygon"},
		{"bowtie", `{"geometry":{"type":"Polygon","coordinates":[[[68,25],[69,26],[69,25],[68,26],[68,25]]]}}`, data.KindInvalid, "self-intersecting"},
		{"huge number", `{"geometry":{"type":"Polygon","coordinates":[[[68,25],[1e400,26],[69,25],[68,25]]]}}`, data.KindInvalid, "invalid"},
		{"out of range", `{"geometry":{"type":"Polygon","coordinates":[[[68,25],[190,26],[69,25],[68,25]]]}}`, data.KindInvalid, "outside the WGS84 range"},
		{"too many vertices", `{"geometry":{"type":"Polygon","coordinates":[[` + strings.Join(many, ",") + `]]}}`, data.KindTooLarge, "too many vertices"},
		{"empty", `{"geometry":{"type":"Polygon","coordinates":[]}}`, data.KindInvalid, "empty"},
		{"short ring", `{"geometry":{"type":"Polygon","coordinates":[[[68,25],[69,25],[68,25]]]}}`, data.KindInvalid, "at least 4"},
		{"zero area", `{"geometry":{"type":"Polygon","coordinates":[[[68,25],[69,25],[70,25],[68,25]]]}}`, data.KindInvalid, ""},
		{"bbox order", `{"bbox":[69,25,68,26]}`, data.KindInvalid, "west < east"},
		{"bbox size", `{"bbox":[69,25,68]}`, data.KindInvalid, "bad bbox"},
		{"unknown admin", `{"admin":{"layer":"provinces","id":"PK-ZZ"}}`, data.KindNotFound, `no unit "PK-ZZ"`},
		{"unknown admin layer", `{"admin":{"layer":"districts","id":"1"}}`, data.KindNotFound, `no layer "districts"`},
		{"unknown hazard", `{"bbox":[68,25,69,26],"hazards":["quake"]}`, data.KindNotFound, `"quake"`},
		{"not a hazard", `{"bbox":[68,25,69,26],"hazards":["villages"]}`, data.KindInvalid, "hazard layer"},
		{"no buffer", `{"corridor":{"geometry":{"type":"LineString","coordinates":[[68,25],[69,25]]}}}`, data.KindInvalid, "buffer_m"},
		{"huge buffer", `{"corridor":{"geometry":{"type":"LineString","coordinates":[[68,25],[69,25]]},"buffer_m":1e6}}`, data.KindInvalid, "buffer_m"},
		{"too large", `{"bbox":[-179,-80,179,80]}`, data.KindTooLarge, "area too large"},
		{"tiny buffer", `{"corridor":{"geometry":{"type":"LineString","coordinates":[[68,25],[69,25]]},"buffer_m":0.001}}`, data.KindInvalid, "buffer_m"},
		{"polar corridor", `{"corridor":{"geometry":{"type":"LineString","coordinates":[[68,90],[69,90]]},"buffer_m":500}}`, data.KindInvalid, "pole"},
		{"antimeridian", `{"corridor":{"geometry":{"type":"LineString","coordinates":[[179.9,25],[-179.9,25]]},"buffer_m":500}}`, data.KindInvalid, "antimeridian"},
		{"buffer with a polygon", `{"geometry":{"type":"Polygon","coordinates":[[[68,25],[69,25],[69,26],[68,25]]]},"buffer_m":1e308}`, data.KindInvalid, "bad buffer_m"},
		{"buffer with a bbox", `{"bbox":[68,25,69,26],"buffer_m":500}`, data.KindInvalid, "bad buffer_m"},
		{"buffer with an admin unit", `{"admin":{"layer":"provinces","id":"PK-XX"},"buffer_m":-1}`, data.KindInvalid, "bad buffer_m"},
		{"huge corridor buffer", `{"corridor":{"geometry":{"type":"LineString","coordinates":[[68,25],[69,25]]},"buffer_m":1e308}}`, data.KindInvalid, "buffer_m"},
		{"not an exposure layer", `{"bbox":[68,25,69,26],"exposure":["flood"]}`, data.KindInvalid, "not an exposure layer"},
		{"one point line", `{"corridor":{"geometry":{"type":"LineString","coordinates":[[68,25],[68,25]]},"buffer_m":500}}`, data.KindInvalid, "same"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseAreaRequest([]byte(tt.body))
			if err == nil {
				_, err = engine().Area(context.Background(), r)
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if data.KindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v (%s), want %s containing %q", err, data.KindOf(err), tt.kind, tt.want)
			}
		})
	}
}

func TestDeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, _ := ParseAreaRequest([]byte(`{"bbox":[68,25,70,26]}`))
	_, err := engine().Area(ctx, r)
	if data.KindOf(err) != data.KindTimeout {
		t.Fatalf("err = %v, want a timeout", err)
	}
	// a deadline the estimate cannot meet: refused before any work, with the reason
	short, cancel2 := context.WithTimeout(context.Background(), time.Microsecond)
	defer cancel2()
	_, err = engine().Area(short, r)
	if data.KindOf(err) != data.KindTooLarge || !strings.Contains(err.Error(), "too large to answer in time") {
		t.Fatalf("err = %v, want an early refusal", err)
	}
}

func TestPoint(t *testing.T) {
	res, err := engine().Point(68.75, 25.75, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hazards) != 1 || res.Hazards[0].Class == nil || *res.Hazards[0].Class != "high" {
		t.Fatalf("hazards %+v", res.Hazards)
	}
	if res.Admin == nil || res.Admin.Key != "PK-XX" {
		t.Errorf("admin %+v", res.Admin)
	}
	h := res.Nearest["health_facility"]
	if h == nil || h.ID != 1 || math.Abs(h.DistanceM-math.Round(geo.DistanceKm(orb.Point{68.75, 25.75}, orb.Point{68.76, 25.75})*1000)) > 0 {
		t.Errorf("health %+v", h)
	}
	if s := res.Nearest["shelter"]; s == nil || s.ID != 2 {
		t.Errorf("shelter %+v", s)
	}
	// in the hole: dry
	res, _ = engine().Point(68.4, 25.4, nil)
	if res.Hazards[0].Class != nil {
		t.Errorf("a point in the hole has class %v", *res.Hazards[0].Class)
	}
	if _, err := engine().Point(200, 0, nil); data.KindOf(err) != data.KindInvalid {
		t.Errorf("out of range: %v", err)
	}
}

func TestRank(t *testing.T) {
	e := engine()
	res, err := e.Rank(context.Background(), "provinces", "flood", "exposed_population", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Units) != 2 || res.Units[0].Key != "PK-XX" || res.Units[0].Value != 310 || res.Units[1].Value != 0 || res.Units[0].Rank != 1 {
		t.Fatalf("units %+v", res.Units)
	}
	if _, err := e.Rank(context.Background(), "provinces", "flood", "colour", nil); data.KindOf(err) != data.KindInvalid {
		t.Errorf("bad metric: %v", err)
	}
	if _, err := e.Rank(context.Background(), "provinces", "quake", "", nil); data.KindOf(err) != data.KindInvalid || !strings.Contains(err.Error(), `"quake" is neither a hazard kind (flood) nor a hazard layer (flood)`) {
		t.Errorf("bad hazard: %v", err)
	}
}

func TestExports(t *testing.T) {
	res := area(t, `{"bbox":[68.5,25,69.5,26]}`)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, res); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "hazard_layer" || rows[2][3] != "high" {
		t.Fatalf("csv rows %v", rows)
	}
	col := -1
	for i, h := range rows[0] {
		if h == "villages.population" {
			col = i
		}
	}
	if col < 0 || rows[2][col] != "110" {
		t.Errorf("villages.population column: %v", rows)
	}
	b, err := ExposedGeoJSON(context.Background(), res)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	json.Unmarshal(b, &fc)
	kinds := map[string]int{}
	for _, f := range fc.Features {
		kinds[f.Properties["kind"].(string)+"/"+fmt.Sprint(f.Properties["layer"])]++
	}
	if kinds["hazard_zone/flood"] != 2 || kinds["exposed/villages"] != 3 {
		t.Errorf("export kinds %v", kinds)
	}
}

func FuzzAreaRequest(f *testing.F) {
	f.Add(`{"bbox":[68.5,25,69.5,26]}`)
	f.Add(`{"geometry":{"type":"Polygon","coordinates":[[[68,25],[69,26],[69,25],[68,25]]]}}`)
	f.Add(`{"corridor":{"geometry":{"type":"LineString","coordinates":[[68,25],[69,25]]},"buffer_m":500}}`)
	e := engine()
	f.Fuzz(func(t *testing.T, body string) {
		watchdog := time.AfterFunc(5*time.Second, func() {
			pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
			panic(fmt.Sprintf("slow input %q", body))
		})
		defer watchdog.Stop()
		r, err := ParseAreaRequest([]byte(body))
		if err != nil {
			return
		}
		res, err := e.Area(context.Background(), r)
		if err != nil {
			if k := data.KindOf(err); k == data.KindInternal {
				t.Fatalf("internal error for %q: %v", body, err)
			}
			return
		}
		if res.Query.AreaKm2 <= 0 || math.IsNaN(res.RiskIndex.Value) {
			t.Fatalf("bad result for %q: %+v", body, res.Query)
		}
	})
}

func BenchmarkAreaSmall(b *testing.B) {
	r, _ := ParseAreaRequest([]byte(`{"bbox":[68.5,25,69.5,26]}`))
	e := engine()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Area(context.Background(), r); err != nil {
			b.Fatal(err)
		}
	}
}

// An admin query read from the precomputed units equals the one computed, for every subset of
// layers; ranks read from them too.
func TestAdminUnitsFromTheTable(t *testing.T) {
	bodies := []string{
		`{"admin":{"layer":"provinces","id":"PK-XX"}}`,
		`{"admin":{"layer":"provinces","id":"PK-XX"},"exposure":["villages"]}`,
		`{"admin":{"layer":"provinces","id":"PK-YY"},"hazards":["flood"],"exposure":["roads","facilities"]}`,
	}
	cold := engine()
	warm := engine()
	if err := warm.Warm(warm.current()); err != nil {
		t.Fatal(err)
	}
	for _, body := range bodies {
		r, _ := ParseAreaRequest([]byte(body))
		a, err := cold.Area(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		r2, _ := ParseAreaRequest([]byte(body))
		b, err := warm.Area(context.Background(), r2)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := warm.fromUnits(warm.current(), r2.Admin, nil, nil, nil); !ok {
			t.Fatalf("%s: not answered from the table", body)
		}
		a.TimingMs, b.TimingMs = 0, 0
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Errorf("%s:\ncomputed   %s\nfrom table %s", body, ja, jb)
		}
	}
}

// Config.Observe hears every query by kind, failed ones too.
func TestObserveQueries(t *testing.T) {
	c := DefaultConfig()
	c.AdminLayer = "provinces"
	var mu sync.Mutex
	got := map[string]int{}
	c.Observe = func(kind string, took time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if took < 0 {
			t.Errorf("%s took %v", kind, took)
		}
		got[kind]++
	}
	set := testSet()
	e := NewEngine(c, func() *indexes.Set { return set })
	e.Point(68.75, 25.75, nil)
	e.Point(200, 0, nil)
	e.Rank(context.Background(), "provinces", "flood", "", nil)
	req, err := ParseAreaRequest([]byte(`{"bbox":[68.5,25.5,69,26]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Area(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{KindPoint: 2, KindRank: 1, KindArea: 1}; !maps.Equal(got, want) {
		t.Errorf("observed %v, want %v", got, want)
	}
}

// restricted is testSet with the provinces readable by the group ndma only.
func restricted() *Engine {
	set := testSet() // its own specs
	l, _ := set.Layer("provinces")
	l.Spec.Access = access.Rule{Groups: []string{"ndma"}}
	return NewEngine(DefaultConfig(), func() *indexes.Set { return set })
}

// A unit of an admin layer the caller may not read is refused exactly as one of a layer that does
// not exist, whether its answer is in the table or not; a member of the group reads it, and the
// answer lists the admin layer among those it read.
func TestRestrictedAdminUnit(t *testing.T) {
	for _, warmed := range []bool{false, true} {
		e := restricted()
		if warmed {
			if err := e.Warm(e.current()); err != nil {
				t.Fatal(err)
			}
		}
		ask := func(layer, id string, who *access.Principal) (*AreaResult, error) {
			return e.Area(context.Background(), &AreaRequest{Admin: &AdminRef{Layer: layer, ID: id}, Who: who})
		}
		for _, who := range []*access.Principal{nil, {ID: "t", Groups: []string{"telecom"}}} {
			for _, id := range []string{"PK-XX", "PK-ZZ", "1"} {
				res, err := ask("provinces", id, who)
				_, unknown := ask("provincez", id, who)
				if err == nil || data.KindOf(err) != data.KindNotFound || strings.ReplaceAll(unknown.Error(), "provincez", "provinces") != err.Error() {
					t.Errorf("warmed %v, %v, %s: answered %v, %v; unknown layer: %v", warmed, who, id, res != nil, err, unknown)
				}
			}
			if _, err := e.Rank(context.Background(), "provinces", "", "", who); err == nil || err.Error() != `no layer "provinces"` {
				t.Errorf("rank for %v: %v", who, err)
			}
		}
		res, err := ask("provinces", "PK-XX", &access.Principal{ID: "n", Groups: []string{"ndma"}})
		if err != nil || res.InArea["villages"]["count"] != 4 || strings.Join(res.Layers(), ",") != "provinces,flood,facilities,roads,villages" {
			t.Errorf("warmed %v, ndma: %v %v", warmed, err, res.Layers())
		}
	}
}
