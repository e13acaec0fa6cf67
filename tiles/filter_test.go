package tiles

import (
	"testing"

	"github.com/cpec-digital/indus/data"
)

func TestFilter(t *testing.T) {
	spec := &data.LayerSpec{ID: "v", Fields: []data.Field{{Name: "depth_class", Type: data.FieldString},
		{Name: "population", Type: data.FieldInteger}, {Name: "fibre", Type: data.FieldBoolean}, {Name: "score", Type: data.FieldNumber}}}
	props := map[string]any{"depth_class": "medium", "population": int64(5000), "fibre": false, "score": 0.5}
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
		f, err := ParseFilter(tt.expr)
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
		if got := b.Match(props); got != tt.want {
			t.Errorf("%q = %v, want %v", tt.expr, got, tt.want)
		}
	}
	for _, bad := range []string{"", "a =", "= 3", "a in (1,", "a ! 3", "a = 'x", "(a = 1", "a = 1 b = 2", "and", "a in 3"} {
		if _, err := ParseFilter(bad); err == nil || data.KindOf(err) != data.KindInvalid {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"depth_class in (medium,high)", "population >= 5000 and fibre = false", "not (a = 'x')"} {
		f.Add(s)
	}
	spec := &data.LayerSpec{ID: "v", Fields: []data.Field{{Name: "a", Type: data.FieldString}, {Name: "population", Type: data.FieldInteger}}}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseFilter(s)
		if err != nil {
			return
		}
		if b, err := flt.Bind(spec); err == nil {
			b.Match(map[string]any{"a": "x", "population": int64(3)})
		}
		// the canonical form (a cache key) is deterministic
		if g, _ := ParseFilter(s); g.String() != flt.String() {
			t.Fatalf("canonical form of %q differs between parses", s)
		}
	})
}
