package data

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
)

// FuzzDecodeSnapshot feeds the snapshot reader mutated files whose checksums are recomputed (so
// that the fuzzer gets past them to the preamble, table of contents and section contents): it must
// refuse them with an error or return layers every feature of which can be read without a panic.
func FuzzDecodeSnapshot(f *testing.F) {
	seed := seedSnapshot(f)
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add(seed[:preambleSize])
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := DecodeSnapshot(aligned(reseal(b)), "fuzz")
		if err != nil {
			return
		}
		for _, l := range ds.Layers {
			readEvery(l)
		}
	})
}

// seedSnapshot is a small snapshot with every geometry kind, holes, multi-parts and nulls.
func seedSnapshot(tb testing.TB) []byte {
	dir := tb.TempDir()
	cat := testCatalog(tb)
	b := NewBuilder(&cat.Layers[0], "")
	for _, ft := range randomFeatures(30, 5) {
		if err := b.AddFeature(ft); err != nil {
			tb.Fatal(err)
		}
	}
	path := filepath.Join(dir, "seed.snapshot")
	if _, err := WriteSnapshot(path, cat, []*Builder{b}); err != nil {
		tb.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// reseal recomputes the checksum of every section the table of contents names (when it lies in
// the file) and of the table itself, which it appends again at the end.
func reseal(b []byte) []byte {
	if len(b) < preambleSize {
		return b
	}
	off, n := binary.LittleEndian.Uint64(b[16:]), binary.LittleEndian.Uint64(b[24:])
	if off > uint64(len(b)) || n > uint64(len(b))-off {
		return b
	}
	dec := json.NewDecoder(bytes.NewReader(b[off : off+n]))
	dec.UseNumber()
	var t any
	if dec.Decode(&t) != nil {
		return b
	}
	fixCRCs(t, b)
	js, err := json.Marshal(t)
	if err != nil {
		return b
	}
	out := append([]byte(nil), b...)
	for len(out)%64 != 0 {
		out = append(out, 0)
	}
	binary.LittleEndian.PutUint64(out[16:], uint64(len(out)))
	binary.LittleEndian.PutUint64(out[24:], uint64(len(js)))
	binary.LittleEndian.PutUint32(out[32:], crc(js))
	return append(out, js...)
}

// fixCRCs sets the crc32c of every {off, len, crc32c} object in v to that of its bytes in b.
func fixCRCs(v any, b []byte) {
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			fixCRCs(x, b)
		}
	case map[string]any:
		o, ok1 := v["off"].(json.Number)
		n, ok2 := v["len"].(json.Number)
		if ok1 && ok2 {
			oi, e1 := o.Int64()
			ni, e2 := n.Int64()
			if e1 == nil && e2 == nil && oi >= 0 && ni >= 0 && oi <= int64(len(b)) && ni <= int64(len(b))-oi {
				v["crc32c"] = crc(b[oi : oi+ni])
			}
		}
		for _, x := range v {
			fixCRCs(x, b)
		}
	}
}

// aligned copies b to 8-byte aligned memory, as a mapping is.
func aligned(b []byte) []byte {
	words := make([]uint64, (len(b)+7)/8)
	out := bytesOf(words)[:len(b)]
	copy(out, b)
	return out
}

// readEvery reads every feature of l every way the server does.
func readEvery(l *Layer) {
	for i := range l.Len() {
		l.ID(i)
		l.Geometry(i)
		l.Properties(i)
		l.FeatureBound(i)
		l.Point(i)
		l.Points(i)
		l.Rings(i, func(int, orb.Ring) {})
	}
	l.Shape()
	l.GeometryType()
}

// Every number of the table of contents (counts, offsets, lengths, widths, kinds) set to values
// around and far from the truth: the reader refuses the file or reads it whole, never panics.
func TestSnapshotTOCMutations(t *testing.T) {
	seed := seedSnapshot(t)
	off, n := binary.LittleEndian.Uint64(seed[16:]), binary.LittleEndian.Uint64(seed[24:])
	var leaves int
	for k := 0; ; k++ {
		for _, v := range []int64{-1, 0, 1, 7, 64, 1 << 31, 1 << 62} {
			toc := decodeNumbers(t, seed[off:off+n])
			found, done := setLeaf(toc, k, v)
			if !found {
				if leaves == 0 {
					t.Fatal("no numbers in the table of contents")
				}
				return
			}
			leaves += done
			js, _ := json.Marshal(toc)
			b := append(append([]byte(nil), seed[:off]...), js...)
			binary.LittleEndian.PutUint64(b[24:], uint64(len(js)))
			ds, err := DecodeSnapshot(aligned(reseal(b)), "mutated")
			if err == nil {
				for _, l := range ds.Layers {
					readEvery(l)
				}
			}
		}
	}
}

func decodeNumbers(t *testing.T, b []byte) any {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// setLeaf sets the k-th number (in a fixed walk order, checksums excepted) of v to x.
func setLeaf(v any, k int, x int64) (found bool, counted int) {
	i := 0
	var walk func(v any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				if walk(e) {
					return true
				}
			}
		case map[string]any:
			for _, key := range sortedKeys(v) {
				if _, ok := v[key].(json.Number); ok && key != "crc32c" {
					if i == k {
						v[key] = json.Number(strconv.FormatInt(x, 10))
						return true
					}
					i++
				} else if walk(v[key]) {
					return true
				}
			}
		}
		return false
	}
	if walk(v) {
		return true, 1
	}
	return false, 0
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
