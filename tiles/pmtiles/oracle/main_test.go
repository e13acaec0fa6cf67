package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	gopm "github.com/protomaps/go-pmtiles/pmtiles"
)

// An archive assembled from go-pmtiles' own serializers reads back whole: header, metadata,
// entries and each tile id's bytes, a run included.
func TestReadAnswersWhatGoPMTilesWrote(t *testing.T) {
	tiles := [][]byte{[]byte("zero"), []byte("one and two")}
	entries := []gopm.EntryV3{{TileID: 0, Offset: 0, Length: 4, RunLength: 1}, {TileID: 1, Offset: 4, Length: 11, RunLength: 2}}
	root := gopm.SerializeEntries(entries, gopm.Gzip)
	meta, err := gopm.SerializeMetadata(map[string]any{"name": "t"}, gopm.Gzip)
	if err != nil {
		t.Fatal(err)
	}
	h := gopm.HeaderV3{SpecVersion: 3, RootOffset: gopm.HeaderV3LenBytes, RootLength: uint64(len(root)),
		InternalCompression: gopm.Gzip, TileCompression: gopm.Gzip, TileType: gopm.Mvt, Clustered: true,
		AddressedTilesCount: 3, TileEntriesCount: 2, TileContentsCount: 2, MaxZoom: 1}
	h.MetadataOffset = h.RootOffset + h.RootLength
	h.MetadataLength = uint64(len(meta))
	h.LeafDirectoryOffset = h.MetadataOffset + h.MetadataLength
	h.TileDataOffset = h.LeafDirectoryOffset
	h.TileDataLength = 15
	file := slices.Concat(gopm.SerializeHeader(h), root, meta, tiles[0], tiles[1])
	path := filepath.Join(t.TempDir(), "t.pmtiles")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := answer(&Request{Read: path, Entries: entries, ZXY: [][3]uint32{{1, 1, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	a := res.Archive
	if a.Header != h || string(a.Metadata) != `{"name":"t"}` || !slices.Equal(a.Entries, entries) || a.Leaves != 0 || len(a.Tiles) != 3 {
		t.Fatalf("archive %+v", a)
	}
	for zxy, want := range map[string][]byte{"0/0/0": tiles[0], "1/0/0": tiles[1], "1/0/1": tiles[1]} { // ids 0, 1, 2
		at, ok := a.Tiles[zxy]
		if got := file[at[0] : at[0]+at[1]]; !ok || !bytes.Equal(got, want) {
			t.Errorf("tile %s: %q, want %q", zxy, got, want)
		}
	}
	if d := gopm.DeserializeEntries(bytes.NewBuffer(res.EntriesPlain), gopm.NoCompression); !slices.Equal(d, entries) {
		t.Errorf("plain directory decodes to %v", d)
	}
	if res.IDs[0] != 3 || res.Back[0] != [3]uint32{1, 1, 1} { // zoom 1 starts at id 1; (1, 1) is the third on the curve
		t.Errorf("tile 1/1/1: id %d, back %v", res.IDs[0], res.Back[0])
	}
}
