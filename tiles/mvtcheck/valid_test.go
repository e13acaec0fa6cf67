package mvtcheck

import (
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

type pt = [2]int64

// sq is a square ring, exterior (clockwise on screen) or, reversed, a hole.
func sq(x, y, w int64, hole bool) [][2]int64 {
	r := [][2]int64{{x, y}, {x + w, y}, {x + w, y + w}, {x, y + w}}
	if hole {
		slices.Reverse(r)
	}
	return r
}

func kinds(ps []problem) map[string][]int {
	out := map[string][]int{}
	for _, p := range ps {
		out[p.kind] = append(out[p.kind], p.ring)
	}
	return out
}

// Each rule of validity on hand-made rings: which kind is reported for which ring.
func TestValidity(t *testing.T) {
	for _, c := range []struct {
		name  string
		rings [][][2]int64
		want  map[string][]int
	}{
		{"square", [][][2]int64{sq(0, 0, 10, false)}, map[string][]int{}},
		{"square with hole", [][][2]int64{sq(0, 0, 10, false), sq(2, 2, 3, true)}, map[string][]int{}},
		{"hole touching the shell at a point", [][][2]int64{sq(0, 0, 10, false), {{0, 5}, {3, 7}, {3, 3}}}, map[string][]int{}},
		{"two parts touching at a corner", [][][2]int64{sq(0, 0, 10, false), sq(10, 10, 5, false)}, map[string][]int{}},
		{"part inside another's hole", [][][2]int64{sq(0, 0, 10, false), sq(2, 2, 6, true), sq(4, 4, 2, false)}, map[string][]int{}},
		{"figure eight touching at a vertex", [][][2]int64{{{0, 0}, {5, 5}, {10, 0}, {10, 10}, {5, 5}, {0, 10}}},
			map[string][]int{SelfTangency: {0}}},
		{"vertex on another edge", [][][2]int64{{{0, 0}, {10, 0}, {10, 10}, {5, 0}, {0, 10}}},
			map[string][]int{SelfTangency: {0}}},
		{"bow tie", [][][2]int64{{{0, 0}, {10, 10}, {10, 0}, {0, 20}}},
			map[string][]int{SelfIntersection: {0}}},
		{"spike", [][][2]int64{{{0, 0}, {10, 0}, {15, 0}, {10, 0}, {10, 10}, {0, 10}}},
			map[string][]int{Spike: {0}, SelfTangency: {0}}},
		{"spike back over the last vertex", [][][2]int64{{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 12}}},
			map[string][]int{Spike: {0}, SelfTangency: {0}}},
		{"zero area", [][][2]int64{{{0, 0}, {10, 0}, {5, 0}}}, map[string][]int{Degenerate: {0}, Spike: {0}}},
		{"hole outside", [][][2]int64{sq(0, 0, 10, false), sq(20, 20, 3, true)}, map[string][]int{HoleOutside: {1}}},
		{"hole crossing the shell", [][][2]int64{sq(0, 0, 10, false), sq(8, 2, 4, true)}, map[string][]int{RingsCross: {0, 1}}},
		{"hole sharing an edge", [][][2]int64{sq(0, 0, 10, false), sq(0, 2, 4, true)}, map[string][]int{RingsCross: {0, 1}, Disconnected: {1}}},
		{"nested holes", [][][2]int64{sq(0, 0, 10, false), sq(1, 1, 8, true), sq(3, 3, 2, true)}, map[string][]int{NestedHoles: {2}}},
		{"overlapping parts", [][][2]int64{sq(0, 0, 10, false), sq(2, 2, 3, false)}, map[string][]int{OverlappingParts: {1}}},
		{"hole touching the shell twice", [][][2]int64{sq(0, 0, 10, false), {{0, 5}, {5, 8}, {10, 5}, {5, 2}}},
			map[string][]int{Disconnected: {0}}},
		{"two holes and the shell in a loop", [][][2]int64{sq(0, 0, 10, false), {{0, 5}, {3, 7}, {5, 5}}, {{5, 5}, {8, 7}, {10, 5}}},
			map[string][]int{Disconnected: {0}}},
	} {
		got := kinds(validity(c.rings))
		for k := range got {
			slices.Sort(got[k])
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
			continue
		}
		for k, w := range c.want {
			if !slices.Equal(got[k], w) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
	}
}

// Check counts invalid rings of a tile built by hand: one feature with a figure eight.
func TestCheckCountsInvalidRings(t *testing.T) {
	zz := func(v int64) uint64 { return protowire.EncodeZigZag(v) }
	geom := []uint64{1 | 1<<3, zz(0), zz(0), 2 | 5<<3}
	prev := pt{0, 0}
	for _, p := range []pt{{5, 5}, {10, 0}, {10, 10}, {5, 5}, {0, 10}} {
		geom = append(geom, zz(p[0]-prev[0]), zz(p[1]-prev[1]))
		prev = p
	}
	geom = append(geom, 7|1<<3)
	var g []byte
	for _, v := range geom {
		g = protowire.AppendVarint(g, v)
	}
	var f []byte
	f = protowire.AppendTag(f, 1, protowire.VarintType)
	f = protowire.AppendVarint(f, 1)
	f = protowire.AppendTag(f, 3, protowire.VarintType)
	f = protowire.AppendVarint(f, 3)
	f = protowire.AppendTag(f, 4, protowire.BytesType)
	f = protowire.AppendBytes(f, g)
	var l []byte
	l = protowire.AppendTag(l, 15, protowire.VarintType)
	l = protowire.AppendVarint(l, 2)
	l = protowire.AppendTag(l, 1, protowire.BytesType)
	l = protowire.AppendString(l, "x")
	l = protowire.AppendTag(l, 2, protowire.BytesType)
	l = protowire.AppendBytes(l, f)
	l = protowire.AppendTag(l, 5, protowire.VarintType)
	l = protowire.AppendVarint(l, 4096)
	tile := protowire.AppendTag(nil, 3, protowire.BytesType)
	tile = protowire.AppendBytes(tile, l)
	rep := Check(tile, 64)
	if rep.InvalidRings != 1 || rep.Invalid[SelfTangency] != 1 || len(rep.Violations) != 1 {
		t.Fatalf("invalid rings %d, kinds %v, violations %v", rep.InvalidRings, rep.Invalid, rep.Violations)
	}
}

// Check reads any bytes without panicking, and counts no more invalid rings than it lists faults.
func FuzzCheck(f *testing.F) {
	f.Add([]byte{0x1a, 0x05, 0x78, 0x02, 0x0a, 0x01, 0x78})
	f.Fuzz(func(t *testing.T, b []byte) {
		rep := Check(b, 64)
		n := 0
		for _, c := range rep.Invalid {
			n += c
		}
		if rep.InvalidRings > n {
			t.Fatalf("%d invalid rings but %d faults", rep.InvalidRings, n)
		}
	})
}
