package pmtiles

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"reflect"
	"sync"
	"testing"

	"github.com/cpec-digital/indus/tiles/pmtiles/pmtilestest"
)

// pakistan is the metadata of the mixed archive, with explicit geography.
func pakistan() Metadata {
	return Metadata{
		JSON:       json.RawMessage(`{"vector_layers":[{"id":"districts","fields":{"name":"String"}}],"name":"Indus","attribution":"© CPEC Digital","type":"overlay"}`),
		Bounds:     [4]float64{60.8729721, 23.6345, 77.8399, 37.084107},
		Center:     [2]float64{69.3451, 30.3753},
		CenterZoom: 5,
	}
}

func TestMixedArchiveHeader(t *testing.T) {
	ts := mixed()
	path, st := write(t, ts, pakistan())
	addressed, entries, contents := counts(ts)
	if entries == addressed || contents == entries || len(ts) < 4000 {
		t.Fatalf("fixture lacks runs or repeats: %d tiles, %d entries, %d contents", addressed, entries, contents)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{Addressed: addressed, Entries: entries, Contents: contents, Leaves: 0, Bytes: fi.Size()}
	if st != want {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
	g := pmtilestest.Open(t, path)
	h := g.Header
	wantH := pmtilestest.Header{
		SpecVersion: 3, RootOffset: 127, RootLength: h.RootLength,
		MetadataOffset: 127 + h.RootLength, MetadataLength: h.MetadataLength,
		LeafDirectoryOffset: 127 + h.RootLength + h.MetadataLength, LeafDirectoryLength: 0,
		TileDataOffset: 127 + h.RootLength + h.MetadataLength, TileDataLength: uint64(fi.Size()) - h.TileDataOffset,
		AddressedTilesCount: addressed, TileEntriesCount: entries, TileContentsCount: contents,
		Clustered: true, InternalCompression: pmtilestest.Gzip, TileCompression: pmtilestest.Gzip, TileType: pmtilestest.MVT,
		MinZoom: 0, MaxZoom: 7, MinLonE7: 608729721, MinLatE7: 236345000, MaxLonE7: 778399000, MaxLatE7: 370841070,
		CenterZoom: 5, CenterLonE7: 693451000, CenterLatE7: 303753000,
	}
	if h != wantH {
		t.Fatalf("go-pmtiles reads header\n%+v\nwant\n%+v", h, wantH)
	}
	if h.RootOffset+h.RootLength > RootLimit || h.MetadataLength == 0 {
		t.Fatalf("root ends at %d, metadata %d bytes", h.RootOffset+h.RootLength, h.MetadataLength)
	}
	var md, wantMD map[string]any
	raw, _ := json.Marshal(g.Metadata(t))
	if err := json.Unmarshal(raw, &md); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(pakistan().JSON, &wantMD); err != nil || !reflect.DeepEqual(md, wantMD) {
		t.Fatalf("go-pmtiles reads metadata %v, want %v (%v)", md, wantMD, err)
	}
}

// The data section holds each distinct tile once, entries in tile id order, and every blob is
// either contiguous with the previous entry's or an earlier copy (clustered).
func TestMixedArchiveEntries(t *testing.T) {
	ts := mixed()
	path, _ := write(t, ts, pakistan())
	g := pmtilestest.Open(t, path)
	all := g.Entries()
	var next, blobs uint64
	var sum uint64
	for i, e := range all {
		switch {
		case e.Offset == next:
			next += uint64(e.Length)
			blobs++
		case e.Offset+uint64(e.Length) > next:
			t.Fatalf("entry %d at %d+%d is neither contiguous nor an earlier copy", i, e.Offset, e.Length)
		}
		sum += uint64(e.RunLength)
	}
	_, entries, contents := counts(ts)
	if uint64(len(all)) != entries || blobs != contents || next != g.Header.TileDataLength || sum != uint64(len(ts)) {
		t.Fatalf("%d entries, %d blobs, %d data bytes, %d tiles; want %d, %d, %d, %d",
			len(all), blobs, next, sum, entries, contents, g.Header.TileDataLength, len(ts))
	}
}

// Every tile reads back byte for byte through go-pmtiles and through Reader on a file and over
// HTTP; every tile id of zooms 0–7 not written reads as absent.
func TestMixedArchiveTiles(t *testing.T) {
	ts := mixed()
	path, _ := write(t, ts, pakistan())
	g := pmtilestest.Open(t, path)
	file := fileReader(t, path)
	web := mustOpen(t, HTTPSource(serve(t, path), nil))
	want := map[uint64][]byte{}
	for _, tl := range ts {
		want[TileID(tl.z, tl.x, tl.y)] = tl.data
	}
	ctx := context.Background()
	for id := uint64(0); id < zoomStart(9); id++ {
		z, x, y, _ := ZXY(id)
		w, present := want[id]
		if b, ok := g.Tile(z, x, y); ok != present || !bytes.Equal(b, w) {
			t.Fatalf("go-pmtiles: tile %d/%d/%d present %v, want %v", z, x, y, ok, present)
		}
		for name, r := range map[string]*Reader{"file": file, "http": web} {
			b, ok, err := r.Tile(ctx, z, x, y)
			if err != nil || ok != present || !bytes.Equal(b, w) {
				t.Fatalf("%s reader: tile %d/%d/%d present %v (%v), want %v", name, z, x, y, ok, err, present)
			}
		}
	}
	var md, wantMD any
	json.Unmarshal(web.Metadata(), &md)
	json.Unmarshal(pakistan().JSON, &wantMD)
	if !reflect.DeepEqual(md, wantMD) {
		t.Fatalf("metadata %s", web.Metadata())
	}
	if h := file.Header(); h.Bounds != pakistan().Bounds || h.Center != pakistan().Center || !h.Clustered {
		t.Fatalf("header %+v", h)
	}
}

// 200,000 distinct tiny tiles at scattered ids need leaf directories; both readers find every
// tile, and the default bounds are the extent of the deepest zoom.
func TestLeafArchive(t *testing.T) {
	ts := distinct(200_000)
	path, st := write(t, ts, Metadata{JSON: json.RawMessage(layers)})
	g := pmtilestest.Open(t, path)
	if st.Leaves < 2 || g.Header.LeafDirectoryLength == 0 || g.Header.RootOffset+g.Header.RootLength > RootLimit {
		t.Fatalf("%d leaves, %d leaf bytes, root ends at %d", st.Leaves, g.Header.LeafDirectoryLength, g.Header.RootOffset+g.Header.RootLength)
	}
	r := fileReader(t, path)
	ctx := context.Background()
	for _, tl := range ts {
		b, ok := g.Tile(tl.z, tl.x, tl.y)
		mine, found, err := r.Tile(ctx, tl.z, tl.x, tl.y)
		if !ok || !bytes.Equal(b, tl.data) || err != nil || !found || !bytes.Equal(mine, tl.data) {
			t.Fatalf("tile %d/%d/%d: go-pmtiles %v, ours %v %v", tl.z, tl.x, tl.y, ok, found, err)
		}
	}
	if g.Walked != st.Leaves {
		t.Fatalf("go-pmtiles walked %d leaves, writer made %d", g.Walked, st.Leaves)
	}
	last := ts[len(ts)-1]
	e := extent{x0: math.MaxUint32}
	for _, tl := range ts {
		if tl.z == last.z {
			e = extent{x0: min(e.x0, tl.x), x1: max(e.x1, tl.x)}
		}
	}
	n := math.Exp2(float64(last.z))
	wantWest, wantEast := float64(e.x0)/n*360-180, float64(e.x1+1)/n*360-180
	h := r.Header()
	if h.MinZoom != 0 || h.MaxZoom != last.z || math.Abs(h.Bounds[0]-wantWest) > 1e-7 || math.Abs(h.Bounds[2]-wantEast) > 1e-7 {
		t.Fatalf("zooms %d–%d, bounds %v; want max zoom %d, west %v, east %v", h.MinZoom, h.MaxZoom, h.Bounds, last.z, wantWest, wantEast)
	}
	t.Logf("%d tiles: %d leaves, root %d bytes, leaves %d bytes, archive %d bytes", len(ts), st.Leaves, g.Header.RootLength, g.Header.LeafDirectoryLength, st.Bytes)
}

// Many goroutines read tiles over HTTP through one Reader, sharing and evicting leaves.
func TestLeafArchiveConcurrent(t *testing.T) {
	ts := distinct(200_000)
	path, _ := write(t, ts, Metadata{JSON: json.RawMessage(layers)})
	r := mustOpen(t, HTTPSource(serve(t, path), nil))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := g; i < len(ts); i += 997 {
				tl := ts[i]
				b, ok, err := r.Tile(context.Background(), tl.z, tl.x, tl.y)
				if err != nil || !ok || !bytes.Equal(b, tl.data) {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent read failed: %v", err)
	}
}
