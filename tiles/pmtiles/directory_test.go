package pmtiles

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cpec-digital/indus/tiles/pmtiles/pmtilestest"
)

// entries returns n sorted, non-overlapping entries with contiguous, repeated and leaf offsets.
func entries(rng *rand.Rand, n int) []entry {
	es := make([]entry, n)
	var id, next uint64
	for i := range es {
		e := entry{id: id, length: 1 + rng.Uint32N(5000), run: rng.Uint32N(4)}
		switch rng.IntN(3) {
		case 0:
			e.offset = next
		case 1:
			e.offset = rng.Uint64N(next + 1)
		default:
			e.offset = next + rng.Uint64N(1<<40)
		}
		next = max(next, e.offset+uint64(e.length))
		es[i] = e
		id += uint64(max(e.run, 1)) + rng.Uint64N(3)
	}
	return es
}

func toGo(es []entry) []pmtilestest.Entry {
	out := make([]pmtilestest.Entry, len(es))
	for i, e := range es {
		out[i] = pmtilestest.Entry{TileID: e.id, Offset: e.offset, Length: e.length, RunLength: e.run}
	}
	return out
}

func TestDirectoryMatchesGoPMTiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	for _, n := range []int{1, 2, 10, 1000, 20000} {
		es := entries(rng, n)
		ours := appendDirectory(nil, es)
		theirs, gzipped, decoded := pmtilestest.SerializeEntries(t, toGo(es), ours)
		if !bytes.Equal(ours, theirs) {
			t.Fatalf("%d entries: encoding differs from go-pmtiles", n)
		}
		if !slices.Equal(decoded, toGo(es)) {
			t.Fatalf("%d entries: go-pmtiles decodes something else", n)
		}
		got, err := directory(Gzip, gzipped)
		if err != nil || !slices.Equal(got, es) {
			t.Fatalf("%d entries: decoding go-pmtiles' gzip directory: %v", n, err)
		}
	}
}

func TestDirectoryErrors(t *testing.T) {
	uv := func(vs ...uint64) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.AppendUvarint(b, v)
		}
		return b
	}
	for _, c := range []struct {
		name, want string
		b          []byte
	}{
		{"empty input", "truncated", nil},
		{"no entries", "claims 0 entries", uv(0)},
		{"count lies", "claims 1000000 entries", append(uv(1000000), make([]byte, 40)...)},
		{"count overflows", "overflows 64 bits", bytes.Repeat([]byte{0xff}, 11)},
		{"truncated", "truncated", uv(2, 1, 1, 1, 1, 500, 500)},
		{"id varint overflows", "overflows 64 bits", append(append(uv(1), bytes.Repeat([]byte{0x80}, 9)...), 0x7f, 1, 1, 1)},
		{"id sum overflows", "overflows 64 bits", uv(2, 1<<63, 1<<63, 1, 1, 1, 1, 1, 0)},
		{"unsorted", "not sorted", uv(2, 5, 0, 1, 1, 1, 1, 1, 0)},
		{"run overlaps", "overlaps", uv(2, 5, 2, 3, 1, 1, 1, 1, 0)},
		{"zero length", "length 0", uv(1, 5, 1, 0, 1)},
		{"length too big", "32 bits", uv(1, 5, 1, 1<<32, 1)},
		{"first offset 0", "no offset", uv(1, 5, 1, 1, 0)},
		{"trailing", "trailing", uv(1, 5, 1, 1, 1, 9)},
		{"offset overflows", "offset overflows", uv(2, 5, 1, 1, 1, 1<<32-1, 1, 1<<64-1, 0)},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeDirectory(c.b)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error with %q", err, c.want)
			}
		})
	}
}

func TestFind(t *testing.T) {
	es := []entry{{id: 3, run: 2, length: 1}, {id: 10, run: 0, length: 1}, {id: 20, run: 1, length: 1}}
	for id, want := range map[uint64]int{0: -1, 3: 0, 4: 0, 5: -1, 10: 1, 15: 1, 20: 2, 21: -1} {
		e, ok := find(es, id)
		if (want < 0) != !ok || (ok && e != es[want]) {
			t.Errorf("find(%d) = %+v %v, want entry %d", id, e, ok, want)
		}
	}
}

// A tight limit makes plan grow the leaf size until the root fits; the leaves hold every entry.
func TestPlanGrowsLeaves(t *testing.T) {
	es := entries(rand.New(rand.NewPCG(9, 9)), 60000)
	leaves := len(es)
	for _, limit := range []int{maxRoot, 400, 60} {
		l, err := plan(es, &packer{}, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.root) > limit || l.count < 1 {
			t.Fatalf("limit %d: root of %d bytes, %d leaves", limit, len(l.root), l.count)
		}
		roots, err := directory(Gzip, l.root)
		if err != nil {
			t.Fatal(err)
		}
		var all []entry
		for _, r := range roots {
			leaf, err := directory(Gzip, l.leaves[r.offset:r.offset+uint64(r.length)])
			if err != nil || r.run != 0 || r.id != leaf[0].id {
				t.Fatalf("limit %d: leaf at %d: %v", limit, r.offset, err)
			}
			all = append(all, leaf...)
		}
		if !slices.Equal(all, es) {
			t.Fatalf("limit %d: the leaves do not hold the entries", limit)
		}
		if limit == 60 && l.count >= leaves {
			t.Fatalf("limit %d: %d leaves, as many as with a looser limit", limit, l.count)
		}
		leaves = l.count
		t.Logf("limit %d: %d leaves, root %d bytes", limit, l.count, len(l.root))
	}
}

// FuzzDirectory checks that no input panics or allocates without bound, and that whatever
// decodes re-encodes to the same entries.
func FuzzDirectory(f *testing.F) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{1, 3, 50} {
		f.Add(appendDirectory(nil, entries(rng, n)))
	}
	f.Add([]byte{1, 0, 1, 1, 1})
	f.Add([]byte{2, 5, 0, 1, 1, 1, 1, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		directory(Gzip, b)
		es, err := decodeDirectory(b)
		if err != nil {
			return
		}
		again, err := decodeDirectory(appendDirectory(nil, es))
		if err != nil || !slices.Equal(again, es) {
			t.Fatalf("entries %+v do not survive a round trip: %v", es, err)
		}
	})
}
