package warnings

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data/geo"
)

// areaAssessor is a deterministic stand-in for the analytics adapter: figures from the area's
// size, so that different areas get different figures.
type areaAssessor struct{ calls atomic.Int64 }

func (a *areaAssessor) Exposure(r orb.Ring) (Impact, error) {
	a.calls.Add(1)
	km2 := geo.AreaKm2(orb.Polygon{r})
	v := int64(km2 / 40)
	capacity, buildings := v/60*900, v*180
	return Impact{DataVersion: "w", Population: v*950 + 7, Villages: v, WithFibre: v * 2 / 3, WithoutFibre: v - v*2/3,
		Health: v / 25, Shelters: v / 60, ShelterCapacity: &capacity, RouteKm: math.Round(km2/9) / 10, Buildings: &buildings}, nil
}

// Alerts and Updates carry the impact of their own area, in the JSON, the warnings layer and the
// CAP message (parameters and one sentence in each language); a Cancel carries none.
func TestImpactOnVersions(t *testing.T) {
	s := scenario(t)
	for _, w := range allVersions(s) {
		if (w.MsgType == "Cancel") != (w.Impact == nil) {
			t.Fatalf("%s %s: impact %+v", w.Identifier, w.MsgType, w.Impact)
		}
		if w.Impact == nil {
			continue
		}
		want, _ := (&areaAssessor{}).Exposure(w.Area)
		if b, _ := json.Marshal(w.Impact); string(b) != string(must(json.Marshal(want))) {
			t.Errorf("%s: impact %s, want the area's", w.Identifier, b)
		}
		b, err := s.CAP(w)
		if err != nil {
			t.Fatal(err)
		}
		cap := string(b)
		for _, p := range w.Impact.parameters() {
			if strings.Count(cap, "<valueName>"+p.ValueName+"</valueName>\n      <value>"+p.Value+"</value>") != 2 {
				t.Errorf("%s: parameter %s=%s not in both info blocks", w.Identifier, p.ValueName, p.Value)
			}
		}
		if !strings.Contains(cap, "In the warning area: "+w.Impact.text().People+" people in ") ||
			!strings.Contains(cap, "انتباہ والے علاقے میں "+w.Impact.text().Villages+" دیہات میں") {
			t.Errorf("%s: no impact sentence in both languages:\n%s", w.Identifier, cap)
		}
	}
	l, _ := s.served.Load().Layer(LayerID)
	p := l.Properties(0)
	if p["exposed_population"] == nil || p["exposed_cpec_route_km"] == nil || p["exposed_buildings"] == nil {
		t.Errorf("warnings layer properties %v", p)
	}
}

// A replay after a restart gives every version the same impact, JSON and CAP, computing it again.
func TestImpactReplay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	first := &areaAssessor{}
	s, _, _ := newService(t, path, func(c *Config) { c.Assessor = first })
	for h, q := range []float64{310000, 580000, 700000, 100000, 900000} {
		if _, err := s.Submit([]Reading{reading("SKR", h, q)}); err != nil {
			t.Fatal(err)
		}
	}
	before := allVersions(s)
	s.Close()
	again := &areaAssessor{}
	s2, _, _ := newService(t, path, func(c *Config) { c.Assessor = again })
	after := allVersions(s2)
	if len(after) != len(before) || again.calls.Load() != first.calls.Load() || first.calls.Load() != 4 {
		t.Fatalf("%d versions after replay (%d before); impact computed %d times (%d before)",
			len(after), len(before), again.calls.Load(), first.calls.Load())
	}
	for i := range before {
		j1, j2 := must(json.Marshal(before[i])), must(json.Marshal(after[i]))
		c1, c2 := must(s.CAP(before[i])), must(s2.CAP(after[i]))
		if string(j1) != string(j2) || string(c1) != string(c2) {
			t.Errorf("%s differs after replay:\n%s\n%s", before[i].Identifier, j1, j2)
		}
	}
}
