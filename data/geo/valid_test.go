package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// Hand-made cases of each way an area can be invalid, and valid ones that come close.
func TestValidateCases(t *testing.T) {
	sq := func(x, y, s float64) orb.Ring {
		return orb.Ring{{x, y}, {x + s, y}, {x + s, y + s}, {x, y + s}, {x, y}}
	}
	cases := []struct {
		name  string
		mp    orb.MultiPolygon
		valid bool
	}{
		{"square", orb.MultiPolygon{{sq(0, 0, 1)}}, true},
		{"square with a hole", orb.MultiPolygon{{sq(0, 0, 4), sq(1, 1, 1)}}, true},
		{"repeated vertex", orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 0}, {1, 1}, {0, 0}}}}, true},
		{"hole touching the shell at a point", orb.MultiPolygon{{sq(0, 0, 4), {{0, 2}, {1, 1}, {1, 3}, {0, 2}}}}, true},
		{"polygons touching at a corner", orb.MultiPolygon{{sq(0, 0, 1)}, {sq(1, 1, 1)}}, true},
		{"polygon inside another's hole", orb.MultiPolygon{{sq(0, 0, 10), sq(2, 2, 6)}, {sq(4, 4, 1)}}, true},
		{"bow tie", orb.MultiPolygon{{{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}}}, false},
		{"ring touching itself", orb.MultiPolygon{{{{0, 0}, {4, 0}, {4, 4}, {2, 0}, {0, 4}, {0, 0}}}}, false},
		{"spike", orb.MultiPolygon{{{{0, 0}, {4, 0}, {4, 4}, {4, 6}, {4, 4}, {0, 4}, {0, 0}}}}, false},
		{"hole crossing the shell", orb.MultiPolygon{{sq(0, 0, 4), sq(3, 1, 2)}}, false},
		{"hole outside", orb.MultiPolygon{{sq(0, 0, 4), sq(6, 6, 1)}}, false},
		{"nested holes", orb.MultiPolygon{{sq(0, 0, 10), sq(1, 1, 8), sq(3, 3, 2)}}, false},
		{"overlapping polygons", orb.MultiPolygon{{sq(0, 0, 4)}, {sq(2, 2, 4)}}, false},
		{"polygon inside another", orb.MultiPolygon{{sq(0, 0, 4)}, {sq(1, 1, 1)}}, false},
		{"polygons sharing an edge (adjacent districts)", orb.MultiPolygon{{sq(0, 0, 1)}, {sq(1, 0, 1)}}, true},
		{"hole sharing an edge with its shell", orb.MultiPolygon{{sq(0, 0, 4), sq(0, 1, 1)}}, false},
	}
	for _, c := range cases {
		err := Validate(c.mp)
		if (err == nil) != c.valid {
			t.Errorf("%s: Validate = %v, want valid %v", c.name, err, c.valid)
		}
		// simplefeatures follows OGC there: polygons may touch only at points
		lenient := c.name == "polygons sharing an edge (adjacent districts)"
		if sf := toSF(c.mp).Validate(); (sf == nil) != c.valid && !lenient {
			t.Errorf("%s: simplefeatures says %v, the case says valid %v", c.name, sf, c.valid)
		}
	}
}

// On seeded shapes — stars, stars with holes that may stick out, shuffled rings that may cross,
// pairs of polygons that may overlap — Validate agrees with simplefeatures' validation.
func TestValidateAgreesWithSimplefeatures(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	counts := map[bool]int{}
	for k := range 600 {
		mp := randomArea(r, k)
		ours, theirs := Validate(mp) == nil, toSF(mp).Validate() == nil
		if ours != theirs {
			t.Fatalf("case %d: Validate valid=%v, simplefeatures valid=%v: %v", k, ours, theirs, mp)
		}
		counts[ours]++
	}
	if counts[true] < 100 || counts[false] < 100 {
		t.Fatalf("too few of one kind: %v", counts)
	}
}

func randomArea(r *rand.Rand, k int) orb.MultiPolygon {
	c := orb.Point{68 + r.Float64(), 27 + r.Float64()}
	shell := star(r, c, 0.1, 5+k%40)
	switch k % 4 {
	case 0: // a hole that may stick out of the shell
		h := star(r, orb.Point{c[0] + 0.08*(r.Float64()-0.5), c[1]}, 0.03, 6)
		return orb.MultiPolygon{{shell, h}}
	case 1: // a ring with two vertices swapped, which often crosses itself
		i, j := 1+r.IntN(len(shell)-2), 1+r.IntN(len(shell)-2)
		shell[i], shell[j] = shell[j], shell[i]
		return orb.MultiPolygon{{shell}}
	case 2: // two polygons that may overlap
		d := 0.15 + 0.1*r.Float64()
		a := 2 * math.Pi * r.Float64()
		other := star(r, orb.Point{c[0] + d*math.Cos(a), c[1] + d*math.Sin(a)}, 0.1, 7)
		return orb.MultiPolygon{{shell}, {other}}
	}
	return orb.MultiPolygon{{shell}}
}

func BenchmarkValidate(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	mp := orb.MultiPolygon{{star(r, orb.Point{68, 27}, 0.3, 200), star(r, orb.Point{68, 27}, 0.05, 20)}}
	b.Run("indus", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := Validate(mp); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("simplefeatures", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := toSF(mp).Validate(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
