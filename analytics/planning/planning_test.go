package planning

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/indexes"
)

// testSet: eight villages on a line at 26°N from 68.0 to 68.7°E (ids 101…108, the odd ones on
// fibre), a 10-year flood zone over 68.15–68.35°E inside a 100-year one over 68.1–68.55°E, two
// provinces split at 68.4°E, and a backbone line along 26.03°N.
func testSet() *indexes.Set {
	vspec := &data.LayerSpec{ID: "villages", Theme: data.ThemeSocioeconomic, MaxZoom: 14, Fields: []data.Field{
		{Name: "village_id", Type: data.FieldInteger}, {Name: "population", Type: data.FieldInteger}, {Name: "fibre", Type: data.FieldBoolean}}}
	var vs []data.Feature
	for i := range 8 {
		vs = append(vs, data.Feature{ID: uint64(i + 1), Geometry: orb.Point{68 + 0.1*float64(i), 26},
			Properties: map[string]any{"village_id": int64(101 + i), "population": int64(1000 * (i + 1)), "fibre": i%2 == 0}})
	}
	box := func(w, e, s, n float64) orb.Polygon { return orb.Polygon{{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}} }
	flood := func(rp int, zone orb.Polygon, class string) *data.Layer {
		return data.NewLayer(&data.LayerSpec{ID: "flood_rp" + map[int]string{10: "10", 100: "100"}[rp], Theme: data.ThemeHazards, MaxZoom: 14,
			Fields: []data.Field{{Name: "depth_class", Type: data.FieldString}},
			Hazard: &data.Hazard{Kind: "flood", Frequency: &data.Frequency{ReturnPeriod: float64(rp)}, ClassField: "depth_class"}},
			[]data.Feature{{ID: 1, Geometry: zone, Properties: map[string]any{"depth_class": class}}})
	}
	prov := data.NewLayer(&data.LayerSpec{ID: "provinces", Theme: data.ThemeAdmin, MaxZoom: 14, KeyField: "code",
		Fields: []data.Field{{Name: "code", Type: data.FieldString}}}, []data.Feature{
		{ID: 1, Geometry: box(67, 68.4, 25, 27), Properties: map[string]any{"code": "PK-SD"}},
		{ID: 2, Geometry: box(68.4, 70, 25, 27), Properties: map[string]any{"code": "PK-PB"}}})
	routes := data.NewLayer(&data.LayerSpec{ID: "cpec_routes", Theme: data.ThemeInfrastructure, MaxZoom: 14},
		[]data.Feature{{ID: 1, Geometry: orb.LineString{{67.9, 26.03}, {68.8, 26.03}}}})
	rivers := data.NewLayer(&data.LayerSpec{ID: "rivers", Theme: data.ThemeHydrology, MaxZoom: 14},
		[]data.Feature{{ID: 1, Geometry: orb.LineString{{67.9, 26.2}, {68.8, 26.2}}}})
	layers := []*data.Layer{flood(100, box(68.1, 68.55, 25.5, 26.5), "low"), flood(10, box(68.15, 68.35, 25.5, 26.5), "high"),
		data.NewLayer(vspec, vs), prov, routes, rivers}
	return indexes.Build(&data.Dataset{Catalog: &data.Catalog{}, Layers: layers, Version: "p1"})
}

func intp(v int) *int { return &v }

// Villages get the flood zone of the most frequent return period that contains them, once per
// data version.
func TestInputs(t *testing.T) {
	set := testSet()
	p := New(DefaultConfig(), func() *indexes.Set { return set })
	in, err := p.inputs(set, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range in.villages {
		got = append(got, strings.TrimSpace(strings.Join([]string{itoa(v.ID), itoa(int64(v.FloodRP)), v.FloodClass}, " ")))
	}
	if want := "101 0|102 100 low|103 10 high|104 10 high|105 100 low|106 100 low|107 0|108 0"; strings.Join(got, "|") != want {
		t.Errorf("villages %s, want %s", strings.Join(got, "|"), want)
	}
	if again, _ := p.inputs(set, nil); &again.villages[0] != &in.villages[0] || len(in.backbone) != 1 {
		t.Errorf("inputs rebuilt for the same data, or backbone %v", in.backbone)
	}
}

func itoa(v int64) string { b, _ := json.Marshal(v); return string(b) }

// A plan over every village, then over one province; the JSON has the options with defaults, the
// summary and the steps.
func TestPlan(t *testing.T) {
	set := testSet()
	p := New(DefaultConfig(), func() *indexes.Set { return set })
	res, err := p.Plan(context.Background(), &Request{Target: intp(8), Weights: map[string]float64{"flood": 1}})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Rollout.Summary
	if res.Villages != 8 || len(res.Rollout.Steps) != 4 || s.ConnectedBefore != 4 || s.PeopleConnected != 2000+4000+6000+8000 ||
		s.FloodZoneShareAfter != 1 || s.FloodZoneShareBefore != float64(3000+5000)/float64(2000+3000+4000+5000+6000) {
		t.Errorf("plan %+v", s)
	}
	b, _ := json.Marshal(res)
	var js struct {
		Options struct {
			Target      int                `json:"target"`
			Weights     map[string]float64 `json:"weights"`
			RouteFactor float64            `json:"route_factor"`
			PhaseSize   int                `json:"phase_size"`
		} `json:"options"`
		Summary map[string]float64 `json:"summary"`
		Steps   []map[string]any   `json:"steps"`
	}
	if err := json.Unmarshal(b, &js); err != nil || js.Options.Target != 8 || js.Options.RouteFactor != 1.3 || js.Options.PhaseSize != 2000 ||
		js.Options.Weights["backbone"] != 0 || js.Summary["people_connected"] != 20000 || len(js.Steps) != 4 || js.Steps[0]["from_kind"] != "village" {
		t.Errorf("JSON %v %s", err, b)
	}
	sd, err := p.Plan(context.Background(), &Request{Target: intp(4), Weights: map[string]float64{"backbone": 1}, Admin: &AdminRef{"provinces", "PK-SD"}})
	if err != nil || sd.Villages != 4 || sd.Rollout.Summary.ConnectedBefore != 2 || sd.Rollout.Steps[0].FromKind != "backbone" {
		t.Fatalf("PK-SD plan: %v %+v", err, sd)
	}
	for _, st := range sd.Rollout.Steps {
		if st.VillageID > 104 {
			t.Errorf("village %d is outside PK-SD", st.VillageID)
		}
	}
}

// Bad requests are refused with the field they are about: 400 for bad values, 404 for unknown
// admin layers and units.
func TestBadPlans(t *testing.T) {
	set := testSet()
	p := New(DefaultConfig(), func() *indexes.Set { return set })
	for _, tt := range []struct {
		body string
		kind data.Kind
		want string
	}{
		{`{"target": 8, "weights": {"rain": 1}}`, data.KindInvalid, `weights: unknown weight "rain"`},
		{`{"target": -1}`, data.KindInvalid, "target: must be ≥ 0"},
		{`{"target": 3}`, data.KindInvalid, "target: below the villages already connected"},
		{`{"target": 9}`, data.KindInvalid, "target: above the number of villages"},
		{`{"weights": {"flood": 1}}`, data.KindInvalid, "target: required"},
		{`{"target": "all"}`, data.KindInvalid, "target: must be a int"},
		{`{"target": 8, "colour": "red"}`, data.KindInvalid, `unknown field "colour"`},
		{`{"target": 8} {}`, data.KindInvalid, "trailing data"},
		{`{"target": 8, "weights": {"flood": -1}}`, data.KindInvalid, "weights.flood"},
		{`{"target": 8, "weights": {"backbone": 0.5}}`, data.KindInvalid, "weights.backbone"},
		{`{"target": 8, "route_factor": 0.5}`, data.KindInvalid, "route_factor"},
		{`{"target": 8, "phase_size": -3}`, data.KindInvalid, "phase_size"},
		{`{"target": 4, "admin": {"layer": "provinces"}}`, data.KindInvalid, "admin: needs layer and id"},
		{`{"target": 4, "admin": {"layer": "districts", "id": "X"}}`, data.KindNotFound, `admin.layer: no layer "districts"`},
		{`{"target": 4, "admin": {"layer": "provinces", "id": "PK-XX"}}`, data.KindNotFound, `admin.id: no unit "PK-XX" in provinces`},
		{`{"target": 4, "admin": {"layer": "rivers", "id": "1"}}`, data.KindInvalid, "admin.layer: not an admin layer"},
	} {
		r, err := ParseRequest([]byte(tt.body))
		if err == nil {
			_, err = p.Plan(context.Background(), r)
		}
		if data.KindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v (%s), want %s %q", tt.body, err, data.KindOf(err), tt.kind, tt.want)
		}
	}
}

// restrictedSet is testSet with the 10-year flood layer and the provinces readable by the group
// ndma only.
func restrictedSet() *indexes.Set {
	set := testSet()
	var layers []*data.Layer
	for _, l := range set.Layers() {
		spec := *l.Spec
		if spec.ID == "flood_rp10" || spec.ID == "provinces" {
			spec.Access = access.Rule{Groups: []string{"ndma"}}
		}
		var feats []data.Feature
		for i := range l.Len() {
			feats = append(feats, data.Feature{ID: l.ID(i), Geometry: l.Geometry(i), Properties: l.Properties(i)})
		}
		layers = append(layers, data.NewLayer(&spec, feats))
	}
	return indexes.Build(&data.Dataset{Catalog: &data.Catalog{}, Layers: layers, Version: "p2"})
}

// A caller plans only from the layers they may read: a restricted admin layer is an unknown one
// (the same error), a restricted flood layer does not classify their villages; a member of the
// group plans from both, and the plan lists the layers it read.
func TestPlanAccess(t *testing.T) {
	set := restrictedSet()
	p := New(DefaultConfig(), func() *indexes.Set { return set })
	ndma := &access.Principal{ID: "n", Groups: []string{"ndma"}}
	for _, who := range []*access.Principal{nil, {ID: "t", Groups: []string{"telecom"}}} {
		for _, ref := range []AdminRef{{"provinces", "PK-SD"}, {"provinces", "nope"}} {
			_, err := p.Plan(context.Background(), &Request{Target: intp(4), Admin: &ref, Who: who})
			_, unknown := p.Plan(context.Background(), &Request{Target: intp(4), Admin: &AdminRef{"provincez", ref.ID}, Who: who})
			if err == nil || strings.ReplaceAll(unknown.Error(), "provincez", "provinces") != err.Error() || data.KindOf(err) != data.KindNotFound {
				t.Errorf("%v %v: %v; unknown layer: %v", who, ref, err, unknown)
			}
		}
		res, err := p.Plan(context.Background(), &Request{Target: intp(8), Weights: map[string]float64{"flood": 1}, Who: who})
		if err != nil || strings.Join(res.Layers(), ",") != "villages,flood_rp100" {
			t.Fatalf("%v: %v %v", who, err, res)
		}
		for _, st := range res.Rollout.Steps {
			if st.FloodRP == 10 {
				t.Errorf("%v: village %d in the restricted 10-year zone", who, st.VillageID)
			}
		}
	}
	res, err := p.Plan(context.Background(), &Request{Target: intp(4), Admin: &AdminRef{"provinces", "PK-SD"},
		Weights: map[string]float64{"backbone": 1}, Who: ndma})
	if err != nil || res.Villages != 4 || strings.Join(res.Layers(), ",") != "villages,flood_rp10,flood_rp100,provinces,cpec_routes" {
		t.Fatalf("ndma: %v %+v", err, res)
	}
	tens := 0
	for _, st := range res.Rollout.Steps {
		if st.FloodRP == 10 {
			tens++
		}
	}
	if tens == 0 {
		t.Errorf("ndma: no village in the 10-year zone: %+v", res.Rollout.Steps)
	}
}

// Any body is a plan or a 4xx error, and every plan encodes as JSON (no infinite numbers).
func FuzzPlanRequest(f *testing.F) {
	for _, s := range []string{`{"target": 8, "weights": {"flood": 1, "backbone": 1}}`, `{"target": 6, "route_factor": 1e308}`,
		`{"target": 4, "admin": {"layer": "provinces", "id": "PK-SD"}, "phase_size": 1}`, `{"target": 8, "weights": {"flood": 1000}, "route_factor": 10}`} {
		f.Add([]byte(s))
	}
	set := testSet()
	p := New(DefaultConfig(), func() *indexes.Set { return set })
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseRequest(body)
		if err == nil {
			var res *Result
			if res, err = p.Plan(context.Background(), r); err == nil {
				if _, jerr := json.Marshal(res); jerr != nil {
					t.Fatalf("%s: %v", body, jerr)
				}
				return
			}
		}
		if k := data.KindOf(err); k != data.KindInvalid && k != data.KindNotFound {
			t.Fatalf("%s: %v (%s)", body, err, k)
		}
	})
}
