package pmtiles

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// BenchmarkAdd adds a million small tiles (zooms 0–10 in id order) per op and reports the time
// per tile, the writer's heap per directory entry, and the time Close takes to assemble.
// "unique" gives every tile its own bytes (the most memory); "mixed" makes every third block
// of 64 tiles an ocean run and a tenth of the rest repeats of one land tile.
func BenchmarkAdd(b *testing.B) {
	for _, mix := range []bool{false, true} {
		name := map[bool]string{false: "unique", true: "mixed"}[mix]
		b.Run(name, func(b *testing.B) { benchAdd(b, 1_000_000, mix) })
	}
}

// benchAdd is one BenchmarkAdd case of n tiles.
func benchAdd(b *testing.B, n int, mix bool) {
	b.ReportAllocs()
	var perEntry float64
	var closing time.Duration
	for range b.N {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "bench.pmtiles")
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		w, err := Create(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		buf := make([]byte, 32)
		for id := range uint64(n) {
			z, x, y, _ := ZXY(id)
			data := benchTile(buf, id, mix)
			if err := w.Add(z, x, y, data); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		perEntry = float64(after.HeapAlloc-before.HeapAlloc) / float64(len(w.entries))
		start := time.Now()
		if _, err := w.Close(Metadata{JSON: json.RawMessage(layers)}); err != nil {
			b.Fatal(err)
		}
		closing = time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/tile")
	b.ReportMetric(perEntry, "heapB/entry")
	b.ReportMetric(float64(closing.Milliseconds()), "ms/close")
}

// benchTile fills buf with the bytes of tile id: 32 bytes, unique unless mix makes it ocean or land.
func benchTile(buf []byte, id uint64, mix bool) []byte {
	switch {
	case mix && (id/64)%3 == 0:
		return append(buf[:0], "ocean ocean ocean ocean ocean oc"...)
	case mix && id%10 == 0:
		return append(buf[:0], "land land land land land land la"...)
	}
	for i := 0; i < len(buf); i += 8 {
		binary.LittleEndian.PutUint64(buf[i:], id*0x9e3779b97f4a7c15+uint64(i))
	}
	return buf
}

// BenchmarkTile looks up tiles that all lie in one leaf directory, so every lookup after the
// first finds the leaf in the cache and reads only the tile from the file.
func BenchmarkTile(b *testing.B) {
	ts := distinct(200_000)
	path, st := write(b, ts, Metadata{JSON: json.RawMessage(layers)})
	if st.Leaves < 2 {
		b.Fatalf("want leaves, got %d", st.Leaves)
	}
	r := fileReader(b, path)
	ctx := context.Background()
	some := ts[100_000:101_000]
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		tl := some[i%len(some)]
		if _, ok, err := r.Tile(ctx, tl.z, tl.x, tl.y); !ok || err != nil {
			b.Fatal(ok, err)
		}
		i++
	}
}
