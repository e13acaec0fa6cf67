// Package pmtilestest reads PMTiles archives with go-pmtiles' own deserializers: the independent
// reader the tests check Indus's archives with. Only tests import it. go-pmtiles lives in a module
// of its own (tiles/pmtiles/oracle, a command) so that Indus's go.mod does not carry it and the
// cloud SDKs it brings: each question is one `go run` of the oracle (the go command caches the
// built command), with JSON in and out.
package pmtilestest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/cpec-digital/indus/tiles"
)

// Compression and tile type codes of the PMTiles v3 header (go-pmtiles' constants).
const (
	NoCompression uint8 = 1
	Gzip          uint8 = 2
	MVT           uint8 = 1
)

// Header is a PMTiles v3 header as go-pmtiles reads it (its HeaderV3, field for field).
type Header struct {
	SpecVersion                              uint8
	RootOffset, RootLength                   uint64
	MetadataOffset, MetadataLength           uint64
	LeafDirectoryOffset, LeafDirectoryLength uint64
	TileDataOffset, TileDataLength           uint64
	AddressedTilesCount, TileEntriesCount    uint64
	TileContentsCount                        uint64
	Clustered                                bool
	InternalCompression, TileCompression     uint8
	TileType                                 uint8
	MinZoom, MaxZoom                         uint8
	MinLonE7, MinLatE7, MaxLonE7, MaxLatE7   int32
	CenterZoom                               uint8
	CenterLonE7, CenterLatE7                 int32
}

// Entry is a directory entry as go-pmtiles reads it (its EntryV3).
type Entry struct {
	TileID, Offset    uint64
	Length, RunLength uint32
}

// request and response are the oracle's (see tiles/pmtiles/oracle).
type request struct {
	Read    string
	Verify  bool
	Header  *Header
	Entries []Entry
	Decode  []byte
	ZXY     [][3]uint32
}

type response struct {
	Archive *struct {
		Header   Header
		Metadata json.RawMessage
		Entries  []Entry
		Tiles    map[string][2]uint64
		Leaves   int
	}
	Header, EntriesPlain, EntriesGzip []byte
	Decoded                           []Entry
	IDs                               []uint64
	Back                              [][3]uint32
}

// ask runs the oracle on req.
func ask(t testing.TB, req request) *response {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", ".")
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "oracle")
	cmd.Env = append(os.Environ(), "GOWORK=off") // the oracle's own go.mod, whatever the caller's workspace
	cmd.Stdin = bytes.NewReader(in)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go-pmtiles oracle: %v\n%s", err, stderr.Bytes())
	}
	var res response
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("go-pmtiles oracle answered %.200q: %v", out.Bytes(), err)
	}
	return &res
}

// Archive is a whole archive in memory, as go-pmtiles reads it.
type Archive struct {
	B        []byte
	Header   Header
	Walked   int // leaf directories decoded
	entries  []Entry
	tiles    map[string][2]uint64 // "z/x/y" → offset, length in B
	metadata json.RawMessage
}

// Read checks the archive at path with go-pmtiles' Verify and reads it.
func Read(t testing.TB, path string) *Archive { t.Helper(); return open(t, path, true) }

// Open reads the archive at path without verifying it.
func Open(t testing.TB, path string) *Archive { t.Helper(); return open(t, path, false) }

func open(t testing.TB, path string, verify bool) *Archive {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res := ask(t, request{Read: path, Verify: verify})
	r := res.Archive
	return &Archive{B: b, Header: r.Header, Walked: r.Leaves, entries: r.Entries, tiles: r.Tiles, metadata: r.Metadata}
}

// Entries are the archive's directory entries in order, leaves followed (IterateEntries).
func (a *Archive) Entries() []Entry { return a.entries }

// Tile returns the stored bytes of tile z/x/y, found by go-pmtiles' walk of the directories.
func (a *Archive) Tile(z uint8, x, y uint32) ([]byte, bool) {
	at, ok := a.tiles[strconv.Itoa(int(z))+"/"+strconv.FormatUint(uint64(x), 10)+"/"+strconv.FormatUint(uint64(y), 10)]
	if !ok {
		return nil, false
	}
	return a.B[at[0] : at[0]+at[1]], true
}

// Compare checks the tiles over (z, x, y) against the service's answers for layers: an empty
// tile must be absent, any other stored with the very bytes served. It counts both kinds. The
// tiles are found by go-pmtiles.
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
	var m map[string]json.RawMessage
	if err := json.Unmarshal(a.metadata, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Numbers numbers tiles as go-pmtiles does (ZxyToID) and returns the tiles those numbers name
// (IDToZxy).
func Numbers(t testing.TB, zxy [][3]uint32) (ids []uint64, back [][3]uint32) {
	t.Helper()
	if len(zxy) == 0 {
		return nil, nil
	}
	res := ask(t, request{ZXY: zxy})
	return res.IDs, res.Back
}

// SerializeHeader is go-pmtiles' encoding of h.
func SerializeHeader(t testing.TB, h Header) []byte {
	t.Helper()
	return ask(t, request{Header: &h}).Header
}

// SerializeEntries is go-pmtiles' encoding of a directory, plain and gzipped, and its decoding of
// the plain directory decode.
func SerializeEntries(t testing.TB, es []Entry, decode []byte) (plain, gzipped []byte, decoded []Entry) {
	t.Helper()
	res := ask(t, request{Entries: es, Decode: decode})
	return res.EntriesPlain, res.EntriesGzip, res.Decoded
}
