package tiles

import (
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/tiles/mvtcheck"
)

// ring makes a closed ring of tile points.
func ring(pts ...[2]float64) orb.Ring {
	r := make(orb.Ring, 0, len(pts)+1)
	for _, p := range pts {
		r = append(r, orb.Point(p))
	}
	return append(r, r[0])
}

// parts turns polygons into the decoded form mvtcheck checks (rings without their closing point).
func parts(mp orb.MultiPolygon) [][][2]int64 {
	var out [][][2]int64
	for _, p := range mp {
		for _, r := range p {
			var pts [][2]int64
			for _, q := range r[:len(r)-1] {
				pts = append(pts, [2]int64{int64(q[0]), int64(q[1])})
			}
			out = append(out, pts)
		}
	}
	return out
}

// Rings that touch, cross or run back on themselves, or holes that overlap their shell along the
// clip box, come out as valid polygons (mvtcheck finds no fault) of the expected shape; valid
// polygons come out unchanged.
func TestCleanPolygonRepairs(t *testing.T) {
	for _, c := range []struct {
		name   string
		in     orb.Polygon
		rings  []int   // rings of each polygon out
		area2s []int64 // twice the area of each ring out, signed (shells positive)
	}{
		{"square with a hole", orb.Polygon{ring([2]float64{0, 0}, [2]float64{100, 0}, [2]float64{100, 100}, [2]float64{0, 100}), ring([2]float64{20, 20}, [2]float64{20, 40}, [2]float64{40, 40}, [2]float64{40, 20})},
			[]int{2}, []int64{20000, -800}},
		{"figure eight touching at a vertex", orb.Polygon{ring([2]float64{0, 0}, [2]float64{50, 50}, [2]float64{100, 0}, [2]float64{100, 100}, [2]float64{50, 50}, [2]float64{0, 100})},
			[]int{1, 1}, []int64{5000, 5000}},
		{"neck collapsed into an inverted hole", orb.Polygon{ring([2]float64{0, 0}, [2]float64{50, 0}, [2]float64{40, 20}, [2]float64{60, 20}, [2]float64{50, 0}, [2]float64{100, 0}, [2]float64{100, 100}, [2]float64{0, 100})},
			[]int{2}, []int64{20000, -400}},
		{"vertex on another edge", orb.Polygon{ring([2]float64{0, 0}, [2]float64{100, 0}, [2]float64{100, 100}, [2]float64{50, 0}, [2]float64{0, 100})},
			[]int{1, 1}, []int64{5000, 5000}},
		{"bow tie", orb.Polygon{ring([2]float64{0, 0}, [2]float64{100, 100}, [2]float64{100, 0}, [2]float64{20, 80})},
			[]int{1, 1}, []int64{5000, 3000}},
		{"spike along an edge", orb.Polygon{ring([2]float64{0, 0}, [2]float64{100, 0}, [2]float64{150, 0}, [2]float64{120, 0}, [2]float64{100, 100}, [2]float64{0, 100})},
			[]int{1}, []int64{22000}},
		{"hole cut by the clip box along the shell's edge", orb.Polygon{ring([2]float64{0, 0}, [2]float64{100, 0}, [2]float64{100, 100}, [2]float64{0, 100}), ring([2]float64{100, 20}, [2]float64{60, 20}, [2]float64{60, 40}, [2]float64{100, 40})},
			[]int{1}, []int64{20000 - 1600}},
		{"hole touching the shell twice", orb.Polygon{ring([2]float64{0, 0}, [2]float64{100, 0}, [2]float64{100, 100}, [2]float64{0, 100}), ring([2]float64{0, 50}, [2]float64{50, 80}, [2]float64{100, 50}, [2]float64{50, 20})},
			[]int{1, 1}, []int64{7000, 7000}},
	} {
		got := cleanPolygon(c.in, 0, nil)
		if faults := mvtcheck.Faults(parts(got)); len(faults) > 0 {
			t.Errorf("%s: %v gives faults %v", c.name, got, faults)
		}
		var rings []int
		var areas []int64
		for _, p := range got {
			rings = append(rings, len(p))
			for _, r := range parts(orb.MultiPolygon{p}) {
				areas = append(areas, mvtcheck.Area(r))
			}
		}
		if !slices.Equal(rings, c.rings) || !slices.Equal(areas, c.area2s) {
			t.Errorf("%s: %v: rings %v areas %v, want %v %v", c.name, got, rings, areas, c.rings, c.area2s)
		}
	}
}

// A valid polygon is returned as it was cleaned: the same points in the same order.
func TestCleanPolygonLeavesValidAlone(t *testing.T) {
	in := orb.Polygon{ring([2]float64{0, 0}, [2]float64{100, 0}, [2]float64{100, 100}, [2]float64{0, 100}),
		ring([2]float64{0, 50}, [2]float64{30, 70}, [2]float64{30, 30})} // a hole touching the shell at a point
	got := cleanPolygon(in, 0, nil)
	if len(got) != 1 || !orb.Equal(got[0], in) {
		t.Fatalf("%v, want %v", got, in)
	}
}

// Any polygon of grid points, however it touches, crosses or overlaps itself, comes out of
// cleaning as polygons that mvtcheck finds valid.
func FuzzCleanPolygon(f *testing.F) {
	f.Add([]byte{0, 0, 50, 50, 100, 0, 100, 100, 50, 50, 0, 100}, uint8(0))
	f.Add([]byte{0, 0, 100, 0, 100, 100, 0, 100, 0, 50, 50, 80, 100, 50, 50, 20}, uint8(4))
	f.Add([]byte{0, 0, 100, 100, 100, 0, 20, 80, 30, 30, 60, 30, 60, 60}, uint8(4))
	f.Fuzz(func(t *testing.T, b []byte, cut uint8) {
		var pts []orb.Point
		for i := 0; i+1 < len(b) && len(pts) < 40; i += 2 {
			pts = append(pts, orb.Point{float64(b[i] % 64), float64(b[i+1] % 64)})
		}
		var p orb.Polygon
		k := int(cut)%4 + 3
		for len(pts) >= 3 {
			n := min(k, len(pts))
			if len(pts)-n < 3 {
				n = len(pts)
			}
			p = append(p, append(orb.Ring(slices.Clone(pts[:n])), pts[0]))
			pts = pts[n:]
		}
		if len(p) == 0 {
			return
		}
		got := cleanPolygon(p, 0, nil)
		for _, q := range got {
			if faults := mvtcheck.Faults(parts(orb.MultiPolygon{q})); len(faults) > 0 {
				t.Fatalf("%v gives %v: %v", p, q, faults)
			}
		}
	})
}
