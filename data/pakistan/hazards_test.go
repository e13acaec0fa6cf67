package pakistan

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
)

// TestEarlierLayersUnchanged: the layers made before the seven hazards are the same bytes (the
// values of the rasters, the GeoJSON) as generated at f2b9371, so today's flood and heat answers
// and the villages and facilities do not move.
func TestEarlierLayersUnchanged(t *testing.T) {
	_, out := generated(t)
	for name, want := range map[string]string{
		"cpec_routes.geojson": "ea826a5b1ad2bdab327574d6",
		"facilities.geojson":  "4df3879e4e8b1d1578c14ccc",
		"flood_rp10.tif":      "d2d0bda849545b4679d2eee9",
		"flood_rp100.tif":     "dd1e38a06f6c7f3bb7ccb86e",
		"flood_rp25.tif":      "a77e8b28a28f99e1448abb11",
		"gauges.geojson":      "e70682b4d50bf1f09b8299fe",
		"heat_stress.tif":     "2f06684f06476d8548eea7bb",
		"provinces.geojson":   "de147d6142ac03940e26da75",
		"villages.geojson":    "8d1ac4790025db1da721bb76",
		"wetlands.tif":        "f764e3849575594933e1fb3c",
	} {
		h := sha256.New()
		if g, ok := out.Grids[name]; ok {
			b := make([]byte, 4)
			for _, v := range g.Values {
				binary.LittleEndian.PutUint32(b, math.Float32bits(v))
				h.Write(b)
			}
		} else {
			h.Write(out.Vectors[name])
		}
		if got := hex.EncodeToString(h.Sum(nil)[:12]); got != want {
			t.Errorf("%s hashes to %s, was %s", name, got, want)
		}
	}
}

// hazardCatalog is the default catalog, parsed.
func hazardCatalog(t *testing.T) *data.Catalog {
	t.Helper()
	b, err := Catalog(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	c, err := data.ParseCatalog(bytes.NewReader(b), ".")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSevenHazards: the catalog maps seven kinds of hazard today, floods, heat and storm surge also
// under SSP2-4.5 and SSP5-8.5 in 2050, each from a generated raster, labelled synthetic, with the
// frequency the docs give.
func TestSevenHazards(t *testing.T) {
	_, out := generated(t)
	c := hazardCatalog(t)
	type key struct {
		kind, scenario string
	}
	layers := map[key][]string{}
	for _, l := range c.Layers {
		h := l.Hazard
		if h == nil {
			continue
		}
		layers[key{h.Kind, h.Scenario}] = append(layers[key{h.Kind, h.Scenario}], l.ID)
		if out.Grids[l.Source.Path] == nil {
			t.Errorf("%s: no generated raster %s", l.ID, l.Source.Path)
		}
		m := l.Metadata
		if !strings.HasSuffix(m.Title, "(synthetic)") || !strings.Contains(m.Lineage, "seed 2022") || !strings.HasPrefix(m.Quality, "Synthetic") {
			t.Errorf("%s: not labelled synthetic: %q / %q / %q", l.ID, m.Title, m.Lineage, m.Quality)
		}
		if h.Scenario != data.ScenarioHistorical && (h.Horizon != 2050 || !strings.Contains(m.Lineage, "IPCC AR6") && !strings.Contains(m.Lineage, "Hirabayashi")) {
			t.Errorf("%s: scenario %s %d, lineage %q", l.ID, h.Scenario, h.Horizon, m.Lineage)
		}
	}
	want := map[key][]string{
		{"flood", "historical"}:       {"flood_rp10", "flood_rp25", "flood_rp100"},
		{"flood", "ssp245"}:           {"flood_rp10_ssp245_2050", "flood_rp25_ssp245_2050", "flood_rp100_ssp245_2050"},
		{"flood", "ssp585"}:           {"flood_rp10_ssp585_2050", "flood_rp25_ssp585_2050", "flood_rp100_ssp585_2050"},
		{"glof", "historical"}:        {"glof"},
		{"landslide", "historical"}:   {"landslide_kkh"},
		{"storm_surge", "historical"}: {"storm_surge_rp100"},
		{"storm_surge", "ssp245"}:     {"storm_surge_rp100_ssp245_2050"},
		{"storm_surge", "ssp585"}:     {"storm_surge_rp100_ssp585_2050"},
		{"earthquake", "historical"}:  {"earthquake_pga475"},
		{"heat", "historical"}:        {"heat_stress"},
		{"heat", "ssp245"}:            {"heat_stress_ssp245_2050"},
		{"heat", "ssp585"}:            {"heat_stress_ssp585_2050"},
		{"drought", "historical"}:     {"drought"},
	}
	if fmt.Sprint(layers) != fmt.Sprint(want) {
		t.Errorf("hazard layers\n%v\nwant\n%v", layers, want)
	}
	for id, rp := range map[string]float64{"glof": 0, "landslide_kkh": 0, "drought": 0, "heat_stress": 0, "storm_surge_rp100": 100, "earthquake_pga475": 475} {
		if l, _ := c.Layer(id); l.Hazard.ReturnPeriod() != rp {
			t.Errorf("%s: return period %g, want %g", id, l.Hazard.ReturnPeriod(), rp)
		}
	}
}

// cellsOf calls fn with the centre and value of every cell of g holding more than 0.
func cellsOf(g *data.Grid, fn func(p orb.Point, v float64)) {
	gt := g.GeoTransform
	for y := range g.Height {
		for x := range g.Width {
			if v := g.At(x, y); v > 0 {
				fn(orb.Point{gt[0] + (float64(x)+0.5)*gt[1], gt[3] + (float64(y)+0.5)*gt[5]}, float64(v))
			}
		}
	}
}

// valueAt is the value of the cell of g holding p.
func valueAt(g *data.Grid, p orb.Point) float64 {
	gt := g.GeoTransform
	return float64(g.At(int((p[0]-gt[0])/gt[1]), int((p[1]-gt[3])/gt[5])))
}

func place(t *testing.T, s *Sources, name string) orb.Point {
	p, ok := s.Place(name)
	if !ok {
		t.Fatalf("no place %s", name)
	}
	return p.Point
}

// TestGLOF: 33 lakes high in Gilgit-Baltistan and Chitral; the outburst zones all north of 34.5°N,
// deepest at the lakes, following the rivers down.
func TestGLOF(t *testing.T) {
	s, out := generated(t)
	fc, err := geojson.UnmarshalFeatureCollection(out.Vectors["glacial_lakes.geojson"])
	if err != nil || len(fc.Features) != 33 {
		t.Fatalf("lakes: %v, %d", err, len(fc.Features))
	}
	g := out.Grids["glof.tif"]
	for _, f := range fc.Features {
		p := f.Geometry.(orb.Point)
		prov := f.Properties.MustString("province")
		if p[1] < 35.5 || !(prov == "PK-GB" || prov == "PK-KP" && p[0] < 72.7) || !geo.Contains(s.Country, p) {
			t.Errorf("lake %v at %v in %s: want Gilgit-Baltistan or Chitral north of 35.5N", f.ID, p, prov)
		}
		if d := valueAt(g, p); d < 1.5 || d < 0.5*f.Properties.MustFloat64("outburst_depth_m") {
			t.Errorf("lake %v: depth %.2f at the lake, outburst depth %v", f.ID, d, f.Properties["outburst_depth_m"])
		}
	}
	wet, sampled, near := 0, 0, 0
	cellsOf(g, func(p orb.Point, _ float64) {
		if wet++; p[1] <= 34.5 {
			t.Fatalf("GLOF zone at %v, south of 34.5N", p)
		}
		if wet%10 == 0 {
			sampled++
			if geo.DistanceKm(p, nearestRiverVertex(s, p)) < 3 {
				near++
			}
		}
	})
	if wet < 3000 || float64(near) < 0.95*float64(sampled) {
		t.Errorf("%d wet cells; of %d sampled, %d within 3 km of a river vertex", wet, sampled, near)
	}
}

func nearestRiverVertex(s *Sources, p orb.Point) orb.Point {
	best, bd := orb.Point{}, math.Inf(1)
	for _, r := range s.Rivers {
		if r.Level > 4 || !r.Line.Bound().Pad(0.1).Contains(p) {
			continue
		}
		for _, q := range r.Line {
			if d := math.Hypot(q[0]-p[0], q[1]-p[1]); d < bd {
				best, bd = q, d
			}
		}
	}
	return best
}

// TestLandslide: the corridor lies within 10 km of the Karakoram Highway and is most susceptible in
// the gorges north of 35°N.
func TestLandslide(t *testing.T) {
	s, out := generated(t)
	var kkh []orb.LineString
	for _, f := range routes(s) {
		if slices.Contains(kkhStops, f.Properties["from"].(string)) && slices.Contains(kkhStops, f.Properties["to"].(string)) {
			kkh = append(kkh, lineOf(f.Geometry.Coordinates.([][2]float64)))
		}
	}
	var sum, n [2]float64
	cells := 0
	cellsOf(out.Grids["landslide_kkh.tif"], func(p orb.Point, v float64) {
		cells++
		if k := cells % 7; k == 0 && kmToLines(kkh, p) > 11.5 {
			t.Fatalf("landslide cell %v is %.1f km from the highway", p, kmToLines(kkh, p))
		}
		north := 0
		if p[1] > 35 {
			north = 1
		}
		sum[north] += v
		n[north]++
	})
	if cells < 5000 || sum[1]/n[1] < sum[0]/n[0]+15 {
		t.Errorf("%d cells; mean score %.0f north of 35N, %.0f south", cells, sum[1]/n[1], sum[0]/n[0])
	}
}

func kmToLines(ls []orb.LineString, p orb.Point) float64 {
	best := math.Inf(1)
	for _, l := range ls {
		for _, q := range l {
			best = math.Min(best, geo.DistanceKm(p, q))
		}
	}
	return best
}

// TestStormSurge: the surge lies within 40 km of the Arabian Sea, reaches Karachi and deepest on
// the Indus delta; sea-level rise raises it in every wet cell by at least the rise.
func TestStormSurge(t *testing.T) {
	s, out := generated(t)
	var coast []orb.Point
	for _, poly := range s.Country {
		for _, q := range poly[0] {
			if q[1] < 25.75 && q[0] > 61.7 && q[0] < 68.2 {
				coast = append(coast, q)
			}
		}
	}
	today := out.Grids["storm_surge_rp100.tif"]
	cells := 0
	cellsOf(today, func(p orb.Point, _ float64) {
		if cells++; cells%5 == 0 && kmToLines([]orb.LineString{coast}, p) > 40 {
			t.Fatalf("surge at %v, %.0f km from the coast", p, kmToLines([]orb.LineString{coast}, p))
		}
	})
	if delta := valueAt(today, orb.Point{67.6, 24.15}); cells < 5000 || delta < 1 {
		t.Errorf("%d surge cells; %.2f m on the delta", cells, delta)
	}
	for _, name := range []string{"Karachi", "Gwadar", "Pasni"} {
		p, found := place(t, s, name), false
		cellsOf(today, func(q orb.Point, _ float64) { found = found || geo.DistanceKm(p, q) < 15 })
		if !found {
			t.Errorf("no surge within 15 km of %s", name)
		}
	}
	prev := today
	for _, sc := range Scenarios {
		g := out.Grids["storm_surge_rp100"+sc.Suffix()+".tif"]
		for i, v := range today.Values {
			if v > 0 && math.Abs(float64(g.Values[i]-v)-sc.SeaLevelM) > 0.0101 || g.Values[i] < prev.Values[i] {
				t.Fatalf("%s cell %d: %.2f m, was %.2f m today, %.2f m in the scenario before", sc.ID, i, g.Values[i], v, prev.Values[i])
			}
		}
		prev = g
	}
}

// TestEarthquake: zone 4 lies only in the north and west (Quetta, Muzaffarabad in it; south of
// 33.5°N none in Punjab or Sindh); Karachi is in zone 2B or lower, the Sindh and Punjab plains in 2A or
// lower.
func TestEarthquake(t *testing.T) {
	s, out := generated(t)
	g := out.Grids["earthquake_pga475.tif"]
	zone4 := 0
	cellsOf(g, func(p orb.Point, v float64) {
		if v <= 0.05 || v > 1 {
			t.Fatalf("PGA %.3f g at %v", v, p)
		}
		if v > 0.32 {
			zone4++
			for _, pr := range s.Provinces {
				if p[1] < 33.5 && (pr.Code == "PK-PB" || pr.Code == "PK-SD") && geo.Contains(pr.Shape, p) {
					t.Fatalf("zone 4 (%.3f g) at %v, in %s", v, p, pr.Code)
				}
			}
		}
	})
	for name, want := range map[string][2]float64{
		"Quetta": {0.32, 1}, "Muzaffarābād": {0.32, 1}, "Karachi": {0.16, 0.24}, "Hyderabad": {0.05, 0.16},
		"Sukkur": {0.05, 0.16}, "Lahore": {0.05, 0.16}, "Multan": {0.05, 0.16}, "Islamabad": {0.16, 0.32},
	} {
		if v := valueAt(g, place(t, s, name)); v <= want[0] || v > want[1] {
			t.Errorf("%s: PGA %.3f g, want (%g, %g]", name, v, want[0], want[1])
		}
	}
	if zone4 < 300 {
		t.Errorf("%d cells in zone 4", zone4)
	}
}

// TestDrought: drought years are most frequent in the Thar and Balochistan, least on the irrigated
// Punjab plain.
func TestDrought(t *testing.T) {
	s, out := generated(t)
	g := out.Grids["drought.tif"]
	mithi, lahore, quetta := valueAt(g, place(t, s, "Mithi")), valueAt(g, place(t, s, "Lahore")), valueAt(g, place(t, s, "Turbat"))
	if mithi <= 30 || quetta <= 20 || lahore > 10 {
		t.Errorf("drought %% of years: Mithi %.0f, Turbat %.0f, Lahore %.0f", mithi, quetta, lahore)
	}
}

// TestScenarios: a scenario's flood and heat maps are never below today's, nor SSP2-4.5's above
// SSP5-8.5's; today's 100-year flood is the 25-year flood of SSP2-4.5 and the 10-year flood of
// SSP5-8.5 cell for cell; heat adds 14 and 19 days where today has 30 or more.
func TestScenarios(t *testing.T) {
	_, out := generated(t)
	grid := func(name string) []float32 { return out.Grids[name].Values }
	for _, rp := range ReturnPeriods {
		h, a, b := grid(fmt.Sprintf("flood_rp%d.tif", rp)), grid(fmt.Sprintf("flood_rp%d_ssp245_2050.tif", rp)), grid(fmt.Sprintf("flood_rp%d_ssp585_2050.tif", rp))
		for i := range h {
			if h[i] > a[i] || a[i] > b[i] {
				t.Fatalf("rp %d cell %d: %.2f, %.2f, %.2f m", rp, i, h[i], a[i], b[i])
			}
		}
	}
	if !slices.Equal(grid("flood_rp100.tif"), grid("flood_rp25_ssp245_2050.tif")) || !slices.Equal(grid("flood_rp100.tif"), grid("flood_rp10_ssp585_2050.tif")) {
		t.Error("today's 100-year flood is not the 25-year flood of SSP2-4.5 and the 10-year flood of SSP5-8.5")
	}
	h, a, b := grid("heat_stress.tif"), grid("heat_stress_ssp245_2050.tif"), grid("heat_stress_ssp585_2050.tif")
	for i := range h {
		if h[i] >= 30 && (a[i] != h[i]+14 || b[i] != h[i]+19) || h[i] > a[i] || a[i] > b[i] {
			t.Fatalf("heat cell %d: %v, %v, %v days", i, h[i], a[i], b[i])
		}
	}
	if p := floodParamsAt(1000); math.Abs(p.widthKm-(15+7*(3-2)/(2-math.Log10(25)))) > 1e-9 {
		t.Errorf("1000-year flood width %g", p.widthKm)
	}
}

// TestOtherSeedOtherHazards: the new hazards follow the seed.
func TestOtherSeedOtherHazards(t *testing.T) {
	s, a := generated(t)
	opt := DefaultOptions()
	opt.Seed = 7
	b, err := Generate(s, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"glof.tif", "landslide_kkh.tif", "storm_surge_rp100.tif", "earthquake_pga475.tif", "drought.tif"} {
		if slices.Equal(a.Grids[name].Values, b.Grids[name].Values) {
			t.Errorf("%s is the same with another seed", name)
		}
	}
	if bytes.Equal(a.Vectors["glacial_lakes.geojson"], b.Vectors["glacial_lakes.geojson"]) {
		t.Error("the lakes are the same with another seed")
	}
}
