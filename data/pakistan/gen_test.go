package pakistan

import (
	"bytes"
	"encoding/json"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"github.com/cpec-digital/indus/data"
)

var (
	genOnce sync.Once
	genSrc  *Sources
	genOut  *Output
	genErr  error
)

func generated(t testing.TB) (*Sources, *Output) {
	t.Helper()
	genOnce.Do(func() {
		if genSrc, genErr = LoadSources(); genErr == nil {
			genOut, genErr = Generate(genSrc, DefaultOptions())
		}
	})
	if genErr != nil {
		t.Fatal(genErr)
	}
	return genSrc, genOut
}

func TestSources(t *testing.T) {
	s, _ := generated(t)
	if len(s.Provinces) != 7 || len(s.Places) != 443 || len(s.Rivers) != 908 {
		t.Fatalf("%d provinces, %d places, %d rivers; want 7, 443, 908", len(s.Provinces), len(s.Places), len(s.Rivers))
	}
	if p, _ := s.Place("Karachi"); p.Population != 11624219 {
		t.Errorf("Karachi population = %d", p.Population)
	}
}

func TestVillages(t *testing.T) {
	s, out := generated(t)
	fc, err := geojson.UnmarshalFeatureCollection(out.Vectors["villages.geojson"])
	if err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != 30000 {
		t.Fatalf("%d villages, want 30000", len(fc.Features))
	}
	fibre, pop := 0, 0.0
	perProv := map[string]int{}
	for _, f := range fc.Features {
		p := f.Geometry.(orb.Point)
		if !planar.MultiPolygonContains(s.Country, p) {
			t.Fatalf("village %v at %v is outside Pakistan", f.ID, p)
		}
		if f.Properties.MustBool("fibre") {
			fibre++
		}
		pop += f.Properties.MustFloat64("population")
		perProv[f.Properties.MustString("province")]++
	}
	if fibre != 22000 {
		t.Errorf("%d fibre-connected villages, want 22000", fibre)
	}
	// Denser on the plains: Punjab and Sindh hold more villages than Balochistan, the largest province.
	if perProv["PK-PB"] <= perProv["PK-BA"] || perProv["PK-SD"] <= perProv["PK-BA"] {
		t.Errorf("villages per province %v: want Punjab and Sindh above Balochistan", perProv)
	}
	if pop < 20e6 || pop > 60e6 {
		t.Errorf("village population %.0f is implausible", pop)
	}
}

func TestDeterministic(t *testing.T) {
	s, a := generated(t)
	b, err := Generate(s, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range a.Vectors {
		if !bytes.Equal(v, b.Vectors[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	for name, g := range a.Grids {
		for i, v := range g.Values {
			if b.Grids[name].Values[i] != v {
				t.Fatalf("%s differs at cell %d", name, i)
			}
		}
	}
	other := DefaultOptions()
	other.Seed++
	c, err := Generate(s, other)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Vectors["villages.geojson"], c.Vectors["villages.geojson"]) {
		t.Error("another seed gave the same villages")
	}
}

func TestFloodDepth(t *testing.T) {
	s, out := generated(t)
	g10, g25, g100 := out.Grids["flood_rp10.tif"], out.Grids["flood_rp25.tif"], out.Grids["flood_rp100.tif"]
	wet := map[int]int{}
	for i := range g100.Values {
		if g10.Values[i] > g25.Values[i] || g25.Values[i] > g100.Values[i] {
			t.Fatalf("cell %d: depth not monotonic in return period: %v %v %v", i, g10.Values[i], g25.Values[i], g100.Values[i])
		}
		for rp, g := range map[int]*data.Grid{10: g10, 25: g25, 100: g100} {
			if g.Values[i] > 0 {
				wet[rp]++
			}
		}
	}
	if !(wet[10] < wet[25] && wet[25] < wet[100]) {
		t.Errorf("wet cells %v: want more for rarer floods", wet)
	}
	// Deeper downstream: the deepest water in Sindh beats the deepest in Khyber Pakhtunkhwa.
	maxIn := func(code string) float32 {
		var pr Province
		for _, p := range s.Provinces {
			if p.Code == code {
				pr = p
			}
		}
		var m float32
		for y := range g100.Height {
			for x := range g100.Width {
				v := g100.At(x, y)
				if v > m {
					p := orb.Point{60.8 + (float64(x)+0.5)*0.02, 37.1 - (float64(y)+0.5)*0.02}
					if pr.Bound.Contains(p) && planar.MultiPolygonContains(pr.Shape, p) {
						m = v
					}
				}
			}
		}
		return m
	}
	if sd, kp := maxIn("PK-SD"), maxIn("PK-KP"); sd <= kp || sd < 1.5 {
		t.Errorf("max 100-year depth Sindh %.2f m, KP %.2f m: want Sindh deeper and > 1.5 m", sd, kp)
	}
}

func TestInfrastructure(t *testing.T) {
	_, out := generated(t)
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(out.Vectors["gauges.geojson"], &fc); err != nil || len(fc.Features) != 11 {
		t.Fatalf("gauges: %v, %d", err, len(fc.Features))
	}
	if err := json.Unmarshal(out.Vectors["cpec_routes.geojson"], &fc); err != nil {
		t.Fatal(err)
	}
	stops := map[string]bool{}
	for _, f := range fc.Features {
		stops[f.Properties["from"].(string)] = true
		stops[f.Properties["to"].(string)] = true
	}
	for _, want := range []string{"Khunjerab Pass", "Islamabad", "Lahore", "Multan", "Sukkur", "Karachi", "Quetta", "Gwadar"} {
		if !stops[want] {
			t.Errorf("no CPEC segment through %s", want)
		}
	}
}

func TestCatalogRendersAndValidates(t *testing.T) {
	for _, opt := range []Options{DefaultOptions(), {Seed: 1, Villages: 10, Fibre: 5, Buildings: 100}} {
		b, err := Catalog(opt)
		if err != nil {
			t.Fatal(err)
		}
		c, err := data.ParseCatalog(bytes.NewReader(b), ".")
		if err != nil {
			t.Fatalf("%+v: %v", opt, err)
		}
		themes := map[data.Theme]int{}
		for _, l := range c.Layers {
			themes[l.Theme]++
		}
		for _, th := range data.Themes() {
			if themes[th.ID] == 0 {
				t.Errorf("theme %s has no layer", th.ID)
			}
		}
		_, hasBuildings := c.Layer("buildings")
		if hasBuildings != (opt.Buildings > 0) {
			t.Errorf("buildings layer present = %v with %d buildings", hasBuildings, opt.Buildings)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	s, _ := generated(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(s, DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}
