package pmtiles

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
)

// tile is one tile given to a Writer in a test.
type tile struct {
	z    uint8
	x, y uint32
	data []byte
}

// counts returns what the header should say of tiles added in order: addressed tiles,
// entries (maximal runs of consecutive ids with equal bytes) and distinct contents.
func counts(ts []tile) (addressed, entries, contents uint64) {
	distinct := map[string]bool{}
	var prev *tile
	for i := range ts {
		t := &ts[i]
		distinct[string(t.data)] = true
		if prev == nil || TileID(t.z, t.x, t.y) != TileID(prev.z, prev.x, prev.y)+1 || !bytes.Equal(t.data, prev.data) {
			entries++
		}
		prev = t
	}
	return uint64(len(ts)), entries, uint64(len(distinct))
}

// mixed returns about six thousand tiles over zooms 0–7 in tile id order: runs of one "ocean"
// tile, repeats of a few "land" tiles scattered about, unique tiles, and gaps.
func mixed() []tile {
	rng := rand.New(rand.NewPCG(7, 11))
	pool := make([][]byte, 8)
	for i := range pool {
		pool[i] = randomBytes(rng, 20+i)
	}
	ocean := []byte("ocean tile, the same everywhere")
	var ts []tile
	for id := uint64(0); id < zoomStart(8); id++ {
		z, x, y, _ := ZXY(id)
		if z == 7 && (x < 80 || x > 90) { // the deepest zoom covers a strip only
			continue
		}
		var data []byte
		switch r := rng.IntN(100); {
		case r < 10:
			continue
		case r < 50 || (id/64)%3 == 0:
			data = ocean
		case r < 70:
			data = pool[rng.IntN(len(pool))]
		default:
			data = randomBytes(rng, 1+rng.IntN(300))
		}
		ts = append(ts, tile{z, x, y, data})
	}
	return ts
}

// distinct returns n tiny tiles with distinct bytes and lengths of 1 to 40 at scattered ids.
func distinct(n int) []tile {
	rng := rand.New(rand.NewPCG(3, 5))
	ts := make([]tile, 0, n)
	for id := uint64(0); len(ts) < n; id += 1 + uint64(rng.IntN(3)) {
		z, x, y, _ := ZXY(id)
		b := binary.AppendUvarint(nil, uint64(len(ts)))
		b = append(b, randomBytes(rng, rng.IntN(40))...)
		ts = append(ts, tile{z, x, y, b})
	}
	return ts
}

// randomBytes returns n random bytes.
func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// write makes an archive of ts at a new path and returns the path and the writer's stats.
func write(t testing.TB, ts []tile, meta Metadata) (string, Stats) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.pmtiles")
	w, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range ts {
		if err := w.Add(tl.z, tl.x, tl.y, tl.data); err != nil {
			t.Fatal(err)
		}
	}
	st, err := w.Close(meta)
	if err != nil {
		t.Fatal(err)
	}
	return path, st
}

// layers is metadata that satisfies the MVT rule.
const layers = `{"vector_layers":[{"id":"districts","fields":{"name":"String"}}],"name":"test"}`

// serve serves the file at path over HTTP with Range support and returns its URL.
func serve(t testing.TB, path string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, path)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// fileReader opens a Reader on the file at path and closes it when the test ends.
func fileReader(t testing.TB, path string) *Reader {
	t.Helper()
	src, err := FileSource(path)
	if err != nil {
		t.Fatal(err)
	}
	return mustOpen(t, src)
}

// mustOpen opens a Reader on src and closes it when the test ends.
func mustOpen(t testing.TB, src Source) *Reader {
	t.Helper()
	r, err := Open(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}
