package pmtiles

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cpec-digital/indus/tiles/pmtiles/pmtilestest"
)

// sample is a header with every field set to a distinct value.
func sample() Header {
	return Header{
		RootOffset: 127, RootLength: 300, MetadataOffset: 427, MetadataLength: 50,
		LeafOffset: 477, LeafLength: 1000, DataOffset: 1477, DataLength: 1 << 40,
		Addressed: 9000, Entries: 800, Contents: 700,
		Clustered: true, InternalCompression: Gzip, TileCompression: Gzip, TileType: MVT,
		MinZoom: 2, MaxZoom: 14, Bounds: [4]float64{60.8729721, 23.6345, 77.8399, 37.084107},
		CenterZoom: 6, Center: [2]float64{-69.3451, -30.3753},
	}
}

func TestHeaderMatchesGoPMTiles(t *testing.T) {
	h := sample()
	b := h.encode()
	want := pmtilestest.SerializeHeader(t, pmtilestest.Header{
		RootOffset: 127, RootLength: 300, MetadataOffset: 427, MetadataLength: 50,
		LeafDirectoryOffset: 477, LeafDirectoryLength: 1000, TileDataOffset: 1477, TileDataLength: 1 << 40,
		AddressedTilesCount: 9000, TileEntriesCount: 800, TileContentsCount: 700,
		Clustered: true, InternalCompression: pmtilestest.Gzip, TileCompression: pmtilestest.Gzip, TileType: pmtilestest.MVT,
		MinZoom: 2, MaxZoom: 14, MinLonE7: 608729721, MinLatE7: 236345000, MaxLonE7: 778399000, MaxLatE7: 370841070,
		CenterZoom: 6, CenterLonE7: -693451000, CenterLatE7: -303753000,
	})
	if !bytes.Equal(b, want) {
		t.Fatalf("encode differs from go-pmtiles:\n got %x\nwant %x", b, want)
	}
	got, err := decodeHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	if got != h {
		t.Fatalf("round trip: got %+v, want %+v", got, h)
	}
}

func TestHeaderErrors(t *testing.T) {
	type edit = func(h *Header, b []byte) []byte
	field := func(f func(h *Header)) edit {
		return func(h *Header, _ []byte) []byte { f(h); return h.encode() }
	}
	raw := func(at int, v byte) edit {
		return func(_ *Header, b []byte) []byte { b[at] = v; return b }
	}
	for _, c := range []struct {
		name, want string
		edit       edit
	}{
		{"short", "header is", func(_ *Header, b []byte) []byte { return b[:100] }},
		{"magic", "bad magic", raw(0, 'X')},
		{"version 2", "spec version 2", raw(7, 2)},
		{"version 4", "spec version 4", raw(7, 4)},
		{"clustered 2", "clustered flag", raw(96, 2)},
		{"brotli", "internal compression 3", field(func(h *Header) { h.InternalCompression = Brotli })},
		{"unknown internal", "internal compression 0", field(func(h *Header) { h.InternalCompression = 0 })},
		{"tile compression", "tile compression 9", field(func(h *Header) { h.TileCompression = 9 })},
		{"tile type", "tile type 7", field(func(h *Header) { h.TileType = 7 })},
		{"zooms", "zooms", field(func(h *Header) { h.MinZoom, h.MaxZoom = 5, 4 })},
		{"zoom 32", "zooms", field(func(h *Header) { h.MaxZoom = 32 })},
		{"latitude", "out of range", field(func(h *Header) { h.Bounds[3] = 91 })},
		{"root far", "root directory", field(func(h *Header) { h.RootOffset = 16200 })},
		{"root in header", "root directory", field(func(h *Header) { h.RootOffset = 100 })},
		{"root empty", "root directory", field(func(h *Header) { h.RootLength = 0 })},
		{"no metadata", "metadata is empty", field(func(h *Header) { h.MetadataLength = 0 })},
		{"data overflow", "tile data", field(func(h *Header) { h.DataOffset = 1<<64 - 10 })},
		{"leaf in header", "leaf directories", field(func(h *Header) { h.LeafOffset = 3 })},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := sample()
			b := c.edit(&h, h.encode())
			_, err := decodeHeader(b)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error with %q", err, c.want)
			}
		})
	}
}

// FuzzHeader checks that any 127 bytes either fail to decode or decode to a header that encodes
// back to the same bytes.
func FuzzHeader(f *testing.F) {
	h := sample()
	f.Add(h.encode())
	h.InternalCompression, h.Clustered = NoCompression, false
	f.Add(h.encode())
	f.Add(make([]byte, HeaderSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := decodeHeader(b)
		if err != nil {
			return
		}
		if again := h.encode(); !bytes.Equal(again, b[:HeaderSize]) {
			t.Fatalf("decoded %+v re-encodes as %x, read from %x", h, again, b[:HeaderSize])
		}
	})
}
