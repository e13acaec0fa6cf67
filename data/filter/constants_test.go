package filter

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
)

// TestLayerConstants: a hazard layer's kind, scenario, horizon and return period are named like
// fields by both languages and by Equal: a filter on them keeps every feature of a layer that has
// the value and none of one that has not; a layer without them (or without a frequency) refuses
// them as unknown, and a field of the same name hides the constant.
func TestLayerConstants(t *testing.T) {
	hazard := func(id, scenario string, horizon int, rp float64) (*data.LayerSpec, *data.Layer) {
		h := &data.Hazard{Kind: "flood", ClassField: "depth_class", Scenario: scenario, Horizon: horizon}
		if rp > 0 {
			h.Frequency = &data.Frequency{ReturnPeriod: rp}
		}
		spec := &data.LayerSpec{ID: id, Fields: []data.Field{{Name: "depth_class", Type: data.FieldString}}, Hazard: h}
		return spec, data.NewLayer(spec, []data.Feature{
			{ID: 1, Geometry: orb.Point{1, 2}, Properties: map[string]any{"depth_class": "high"}},
			{ID: 2, Geometry: orb.Point{2, 2}, Properties: map[string]any{"depth_class": "low"}},
		})
	}
	histSpec, hist := hazard("hist", "", 0, 100)
	projSpec, proj := hazard("proj", "ssp585", 2050, 25)
	count := func(lang, expr string, spec *data.LayerSpec, l *data.Layer) int {
		f, err := ParseIn(lang, "", expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		b, err := f.Bind(spec)
		if err != nil {
			t.Fatalf("%s on %s: %v", expr, spec.ID, err)
		}
		n := 0
		for i := range l.Len() {
			if b.Match(l, i) {
				n++
			}
		}
		return n
	}
	for _, tc := range []struct {
		lang, expr string
		hist, proj int
	}{
		{LangCQL2, "scenario = 'ssp585'", 0, 2},
		{LangCQL2, "scenario = 'historical' AND horizon = 2020", 2, 0},
		{LangCQL2, "hazard_kind = 'flood' AND depth_class = 'high'", 1, 1},
		{LangCQL2, "return_period >= 50", 2, 0},
		{LangCQL2, "horizon BETWEEN 2040 AND 2060", 0, 2},
		{LangCQL2, "scenario IN ('ssp245', 'ssp585')", 0, 2},
		{LangCQL2, "scenario LIKE 'ssp%'", 0, 2},
		{LangCQL2, "return_period IS NULL", 0, 0},
		{LangIndus, "scenario = ssp585", 0, 2},
		{LangIndus, "horizon < 2030 or depth_class = low", 2, 1},
		{LangIndus, "return_period in (25, 10)", 0, 2},
	} {
		if h, p := count(tc.lang, tc.expr, histSpec, hist), count(tc.lang, tc.expr, projSpec, proj); h != tc.hist || p != tc.proj {
			t.Errorf("%s: historical %d, ssp585 %d; want %d, %d", tc.expr, h, p, tc.hist, tc.proj)
		}
	}
	eq, err := Equal(projSpec, map[string]string{"scenario": "ssp585", "horizon": "2050"})
	if err != nil || !eq.Match(proj, 0) {
		t.Errorf("Equal on the projection: %v", err)
	}
	if eq, err := Equal(histSpec, map[string]string{"scenario": "ssp585"}); err != nil || eq.Match(hist, 0) {
		t.Errorf("Equal on the historical layer: %v", err)
	}
	for lang, expr := range map[string]string{LangCQL2: "scenario = 'x'", LangIndus: "horizon = 2050"} {
		f, _ := ParseIn(lang, "", expr)
		plain := &data.LayerSpec{ID: "villages", Fields: []data.Field{{Name: "population", Type: data.FieldInteger}}}
		if _, err := f.Bind(plain); err == nil {
			t.Errorf("%s on a layer that is not a hazard layer: accepted", expr)
		}
	}
	f, _ := ParseIn(LangCQL2, "", "horizon = 'soon'")
	if _, err := f.Bind(projSpec); err == nil || !strings.Contains(err.Error(), "cannot compare") {
		t.Errorf("a text horizon: %v", err)
	}
	// a field named scenario hides the constant
	own := &data.LayerSpec{ID: "own", Fields: []data.Field{{Name: "scenario", Type: data.FieldString}}, Hazard: &data.Hazard{Kind: "flood", ClassField: "scenario"}}
	l := data.NewLayer(own, []data.Feature{{ID: 1, Geometry: orb.Point{1, 2}, Properties: map[string]any{"scenario": "mine"}}})
	if count(LangCQL2, "scenario = 'mine'", own, l) != 1 || len(own.Constants()) != 2 {
		t.Errorf("the field does not hide the constant: %+v", own.Constants())
	}
}
