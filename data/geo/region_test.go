package geo

import (
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/peterstace/simplefeatures/geom"
)

// Hand-known answers against the box [0,10]²: shapes whose bbox meets the box but which do not,
// shapes that only touch it, and shapes that hold it or lie in it.
func TestRegionHandComputed(t *testing.T) {
	box := NewRegion(orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{10, 10}})
	cases := []struct {
		name string
		g    orb.Geometry
		want bool
	}{
		{"L around the corner, 2 away", orb.Polygon{{{12, -5}, {20, -5}, {20, 20}, {-5, 20}, {-5, 12}, {12, 12}, {12, -5}}}, false},
		{"L whose inner corner touches the box", orb.Polygon{{{10, -5}, {20, -5}, {20, 20}, {-5, 20}, {-5, 10}, {10, 10}, {10, -5}}}, true},
		{"diagonal line past the corner", orb.LineString{{-1, 22}, {22, -1}}, false},
		{"diagonal line through the corner", orb.LineString{{-1, 21}, {21, -1}}, true},
		{"line crossing with no vertex inside", orb.LineString{{-5, 5}, {15, 6}}, true},
		{"point on the east edge", orb.Point{10, 5}, true},
		{"point on a corner", orb.Point{0, 0}, true},
		{"point just east", orb.Point{math.Nextafter(10, 11), 5}, false},
		{"point inside", orb.Point{3, 3}, true},
		{"polygon holding the box", orb.Polygon{{{-1, -1}, {11, -1}, {11, 11}, {-1, 11}, {-1, -1}}}, true},
		{"polygon inside the box", orb.Polygon{{{1, 1}, {2, 1}, {2, 2}, {1, 1}}}, true},
		{"the box in a polygon's hole", orb.Polygon{{{-5, -5}, {15, -5}, {15, 15}, {-5, 15}, {-5, -5}}, {{-1, -1}, {-1, 11}, {11, 11}, {11, -1}, {-1, -1}}}, false},
		{"a hole whose edge is the box's", orb.Polygon{{{-5, -5}, {15, -5}, {15, 15}, {-5, 15}, {-5, -5}}, {{-1, -1}, {-1, 10}, {11, 10}, {11, -1}, {-1, -1}}}, true},
		{"multipoint with one point in", orb.MultiPoint{{20, 20}, {5, 5}}, true},
		{"multipoint all out", orb.MultiPoint{{20, 20}, {-5, 5}}, false},
		{"collection with a touching line", orb.Collection{orb.Point{30, 30}, orb.LineString{{10, 20}, {10, 10}}}, true},
		{"a line of one point, inside", orb.LineString{{5, 5}}, true},
		{"an empty multipolygon", orb.MultiPolygon{}, false},
	}
	for _, c := range cases {
		if got := box.Intersects(c.g); got != c.want {
			t.Errorf("%s: Intersects = %v, want %v", c.name, got, c.want)
		}
		if got := NewRegion(c.g).Intersects(orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{10, 10}}); got != c.want {
			t.Errorf("%s, the other way round: Intersects = %v, want %v", c.name, got, c.want)
		}
	}
	if e := NewRegion(orb.MultiPoint{}); !e.Empty() || e.Intersects(orb.Point{0, 0}) {
		t.Error("an empty region intersects")
	}
}

// A point on a segment whose coordinates are not exact in binary: the floating-point
// determinant is not zero, the rational one decides.
func TestRegionExactOrientation(t *testing.T) {
	a, b := orb.Point{0.1, 0.1}, orb.Point{0.3, 0.3}
	for range 1000 {
		p := orb.Point{0.1 + rand.Float64()*0.2, 0}
		p[1] = p[0]
		if got, want := orientSign(a, b, p), ratOrient(a, b, p); got != want {
			t.Fatalf("orientSign(%v, %v, %v) = %d, exact %d", a, b, p, got, want)
		}
		line := NewRegion(orb.LineString{a, b})
		if got := line.Intersects(p); got != (ratOrient(a, b, p) == 0) {
			t.Fatalf("point %v on the line: %v, exact orientation %d", p, got, ratOrient(a, b, p))
		}
	}
}

// ratOrient is the orientation in rational arithmetic only.
func ratOrient(p, q, r orb.Point) int {
	rat := func(v float64) *big.Rat { return new(big.Rat).SetFloat64(v) }
	x1, y1 := new(big.Rat).Sub(rat(q[0]), rat(p[0])), new(big.Rat).Sub(rat(q[1]), rat(p[1]))
	x2, y2 := new(big.Rat).Sub(rat(r[0]), rat(p[0])), new(big.Rat).Sub(rat(r[1]), rat(p[1]))
	return new(big.Rat).Mul(x1, y2).Cmp(new(big.Rat).Mul(y1, x2))
}

// On seeded shapes on a small integer grid (where many touch, and where simplefeatures'
// arithmetic is exact too), Intersects agrees with simplefeatures' Intersects both ways round.
func TestRegionAgreesWithSimplefeatures(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	counts, invalid := map[bool]int{}, 0
	for k := range 3000 {
		a, b := gridShape(r), gridShape(r)
		sa, err1 := geom.UnmarshalWKT(wkt.MarshalString(a))
		sb, err2 := geom.UnmarshalWKT(wkt.MarshalString(b))
		if err1 != nil || err2 != nil {
			invalid++ // a star that is not simple: Intersects is not defined on it
			continue
		}
		want := geom.Intersects(sa, sb)
		if got := NewRegion(a).Intersects(b); got != want {
			t.Fatalf("case %d: %s ∩ %s: Intersects = %v, simplefeatures %v", k, wkt.MarshalString(a), wkt.MarshalString(b), got, want)
		}
		if got := NewRegion(b).Intersects(a); got != want {
			t.Fatalf("case %d (swapped): %s ∩ %s: Intersects = %v, simplefeatures %v", k, wkt.MarshalString(b), wkt.MarshalString(a), got, want)
		}
		counts[want]++
	}
	t.Logf("answers %v, %d invalid shapes", counts, invalid)
	if counts[true] < 500 || counts[false] < 500 || invalid > 600 {
		t.Fatalf("too few of one answer: %v (%d invalid shapes)", counts, invalid)
	}
}

// gridShape is a point, a line, a multipoint, a star polygon (maybe with a box hole) or a
// multipolygon of two stars, on the integer grid 0..12.
func gridShape(r *rand.Rand) orb.Geometry {
	pt := func() orb.Point { return orb.Point{float64(r.IntN(13)), float64(r.IntN(13))} }
	switch r.IntN(6) {
	case 0:
		return pt()
	case 1:
		return orb.MultiPoint{pt(), pt(), pt()}
	case 2:
		l := orb.LineString{pt(), pt()}
		for l[0] == l[1] {
			l[1] = pt()
		}
		if r.IntN(2) == 0 {
			l = append(l, pt())
		}
		return l
	case 3:
		return gridStar(r, 6, 6, 6)
	case 4:
		p := orb.Polygon{{{0, 0}, {12, 0}, {12, 12}, {0, 12}, {0, 0}}}
		x, y := float64(1+r.IntN(8)), float64(1+r.IntN(8))
		return append(p, orb.Ring{{x, y}, {x, y + 3}, {x + 3, y + 3}, {x + 3, y}, {x, y}})
	}
	return orb.MultiPolygon{gridStar(r, 3, 3, 3), gridStar(r, 9, 9, 3)}
}

// gridStar is a simple polygon of grid points around (cx, cy) within radius rad, sorted by
// angle (distinct angles, so the ring cannot cross itself).
func gridStar(r *rand.Rand, cx, cy, rad int) orb.Polygon {
	var ring orb.Ring
	seen := map[float64]bool{}
	for len(ring) < 3+r.IntN(5) {
		p := orb.Point{float64(cx - rad + r.IntN(2*rad+1)), float64(cy - rad + r.IntN(2*rad+1))}
		ang := math.Atan2(p[1]-float64(cy), p[0]-float64(cx))
		if p == (orb.Point{float64(cx), float64(cy)}) || seen[ang] {
			continue
		}
		seen[ang] = true
		ring = append(ring, p)
	}
	slices.SortFunc(ring, func(a, b orb.Point) int {
		return cmpFloat(math.Atan2(a[1]-float64(cy), a[0]-float64(cx)), math.Atan2(b[1]-float64(cy), b[0]-float64(cx)))
	})
	return orb.Polygon{append(ring, ring[0])}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
