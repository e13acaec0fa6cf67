package filter

import (
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
)

func TestFilter(t *testing.T) {
	spec := &data.LayerSpec{ID: "v", Fields: []data.Field{{Name: "depth_class", Type: data.FieldString},
		{Name: "population", Type: data.FieldInteger}, {Name: "fibre", Type: data.FieldBoolean}, {Name: "score", Type: data.FieldNumber}}}
	props := map[string]any{"depth_class": "medium", "population": int64(5000), "fibre": false, "score": 0.5}
	l := data.NewLayer(spec, []data.Feature{{ID: 1, Geometry: orb.Point{1, 2}, Properties: props}})
	tests := []struct {
		expr string
		want bool
	}{
		{"depth_class in (medium,high)", true},
		{"depth_class in ('low')", false},
		{"population >= 5000 and fibre = false", true},
		{"population > 5000 or fibre = true", false},
		{"not (population < 100)", true},
		{"score <= 0.5 and score > 0.25", true},
		{"depth_class != medium", false},
		{`depth_class = "medium"`, true},
		{"missing_is_false = 1", false},
		{"(population = 5000 or population = 1) and not fibre = true", true},
	}
	for _, tt := range tests {
		f, err := Parse(tt.expr)
		if err != nil {
			t.Fatalf("%q: %v", tt.expr, err)
		}
		if tt.expr == "missing_is_false = 1" {
			if _, err := f.Bind(spec); err == nil {
				t.Errorf("%q: unknown field accepted", tt.expr)
			}
			continue
		}
		b, err := f.Bind(spec)
		if err != nil {
			t.Fatalf("%q: %v", tt.expr, err)
		}
		if got := b.Match(l, 0); got != tt.want {
			t.Errorf("%q = %v, want %v", tt.expr, got, tt.want)
		}
	}
	for _, bad := range []string{"", "a =", "= 3", "a in (1,", "a ! 3", "a = 'x", "(a = 1", "a = 1 b = 2", "and", "a in 3"} {
		if _, err := Parse(bad); err == nil || data.KindOf(err) != data.KindInvalid {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"depth_class in (medium,high)", "population >= 5000 and fibre = false", "not (a = 'x')"} {
		f.Add(s)
	}
	spec := &data.LayerSpec{ID: "v", Fields: []data.Field{{Name: "a", Type: data.FieldString}, {Name: "population", Type: data.FieldInteger}}}
	l := data.NewLayer(spec, []data.Feature{{ID: 1, Geometry: orb.Point{1, 2}, Properties: map[string]any{"a": "x", "population": int64(3)}}})
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := Parse(s)
		if err != nil {
			return
		}
		if b, err := flt.Bind(spec); err == nil {
			b.Match(l, 0)
		}
		// the canonical form (a cache key) is deterministic
		if g, _ := Parse(s); g.String() != flt.String() {
			t.Fatalf("canonical form of %q differs between parses", s)
		}
	})
}

func TestEqual(t *testing.T) {
	spec := &data.LayerSpec{ID: "v", Fields: []data.Field{{Name: "province", Type: data.FieldString},
		{Name: "population", Type: data.FieldInteger}, {Name: "fibre", Type: data.FieldBoolean}}}
	l := data.NewLayer(spec, []data.Feature{
		{ID: 1, Geometry: orb.Point{1, 2}, Properties: map[string]any{"province": "PK-SD", "population": int64(5000), "fibre": true}},
		{ID: 2, Geometry: orb.Point{1, 2}, Properties: map[string]any{"province": "PK-SD", "population": int64(400), "fibre": false}},
		{ID: 3, Geometry: orb.Point{1, 2}, Properties: map[string]any{"province": "PK-PB"}},
	})
	cases := []struct {
		values map[string]string
		want   []int
	}{
		{map[string]string{"province": "PK-SD"}, []int{0, 1}},
		{map[string]string{"province": "PK-SD", "fibre": "true"}, []int{0}},
		{map[string]string{"population": "400"}, []int{1}},
		{map[string]string{"fibre": "false"}, []int{1}}, // a null attribute equals nothing
		{map[string]string{}, []int{0, 1, 2}},
	}
	for _, c := range cases {
		f, err := Equal(spec, c.values)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for i := range l.Len() {
			if f.Match(l, i) {
				got = append(got, i)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%v: matched %v, want %v", c.values, got, c.want)
		}
	}
	if _, err := Equal(spec, map[string]string{"population": "many"}); data.KindOf(err) != data.KindInvalid {
		t.Errorf("a non-number for an integer field: %v", err)
	}
	if _, err := Equal(spec, map[string]string{"nope": "1"}); data.KindOf(err) != data.KindInvalid {
		t.Errorf("an unknown field: %v", err)
	}
}

// A NaN attribute compares with nothing: only != matches it (as in IEEE and SQL comparisons).
func TestFilterNaN(t *testing.T) {
	spec := &data.LayerSpec{ID: "v", Fields: []data.Field{{Name: "score", Type: data.FieldNumber}}}
	l := data.NewLayer(spec, []data.Feature{{ID: 1, Geometry: orb.Point{1, 2}, Properties: map[string]any{"score": math.NaN()}}})
	for expr, want := range map[string]bool{"score = 1": false, "score < 1": false, "score >= 1": false, "score <= 1": false,
		"score > -1": false, "score != 1": true, "score in (1, 2)": false} {
		f, err := Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.Bind(spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.Match(l, 0); got != want {
			t.Errorf("%q on NaN = %v, want %v", expr, got, want)
		}
	}
}
