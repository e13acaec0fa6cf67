// Package pmtilestest reads PMTiles archives with go-pmtiles' own deserializers: the independent
// reader the tests check Indus's archives with. Only tests import it.
package pmtilestest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"os"
	"testing"

	"github.com/cpec-digital/indus/tiles"
	gopm "github.com/protomaps/go-pmtiles/pmtiles"
)

// Archive is a whole archive in memory.
type Archive struct {
	B      []byte
	Header gopm.HeaderV3
	root   []gopm.EntryV3
	leaves map[uint64][]gopm.EntryV3
	Walked int // leaf directories decoded
}

// Read checks the archive at path with go-pmtiles' Verify and reads it.
func Read(t testing.TB, path string) *Archive {
	t.Helper()
	if err := gopm.Verify(log.New(io.Discard, "", 0), path); err != nil {
		t.Fatalf("go-pmtiles Verify %s: %v", path, err)
	}
	return Open(t, path)
}

// Open reads the archive at path without verifying it.
func Open(t testing.TB, path string) *Archive {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := gopm.DeserializeHeader(b[:gopm.HeaderV3LenBytes])
	if err != nil {
		t.Fatal(err)
	}
	root := gopm.DeserializeEntries(bytes.NewBuffer(b[h.RootOffset:h.RootOffset+h.RootLength]), h.InternalCompression)
	return &Archive{B: b, Header: h, root: root, leaves: map[uint64][]gopm.EntryV3{}}
}

// Tile follows the directories from the root to tile z/x/y and returns its stored bytes.
func (a *Archive) Tile(z uint8, x, y uint32) ([]byte, bool) {
	id := gopm.ZxyToID(z, x, y)
	dir := a.root
	for range 4 {
		e, ok := gopm.FindTile(dir, id)
		if !ok {
			return nil, false
		}
		if e.RunLength > 0 {
			at := a.Header.TileDataOffset + e.Offset
			return a.B[at : at+uint64(e.Length)], true
		}
		off := a.Header.LeafDirectoryOffset + e.Offset
		if a.leaves[off] == nil {
			a.leaves[off] = gopm.DeserializeEntries(bytes.NewBuffer(a.B[off:off+uint64(e.Length)]), a.Header.InternalCompression)
			a.Walked++
		}
		dir = a.leaves[off]
	}
	return nil, false
}

// Compare checks the tiles over (z, x, y) against the service's answers for layers: an empty
// tile must be absent, any other stored with the very bytes served. It counts both kinds.
func (a *Archive) Compare(t testing.TB, served *tiles.Service, layers []string, over [][3]uint32) (full, empty int) {
	t.Helper()
	for _, c := range over {
		want, err := served.Tile(context.Background(), tiles.Request{Layers: layers, Z: c[0], X: c[1], Y: c[2]})
		if err != nil {
			t.Fatal(err)
		}
		got, ok := a.Tile(uint8(c[0]), c[1], c[2])
		switch {
		case want.Empty && ok:
			t.Errorf("tile %v is empty but stored (%d bytes)", c, len(got))
		case !want.Empty && !ok:
			t.Errorf("tile %v (%d features) is missing", c, want.Features)
		case !want.Empty && !bytes.Equal(got, want.Gzip):
			t.Errorf("tile %v: %d bytes stored, %d served, not the same", c, len(got), len(want.Gzip))
		}
		if want.Empty {
			empty++
		} else {
			full++
		}
	}
	return full, empty
}

// Metadata decodes the archive's JSON metadata.
func (a *Archive) Metadata(t testing.TB) map[string]json.RawMessage {
	t.Helper()
	h := a.Header
	js, err := gopm.DeserializeMetadataBytes(bytes.NewReader(a.B[h.MetadataOffset:h.MetadataOffset+h.MetadataLength]), h.InternalCompression)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
