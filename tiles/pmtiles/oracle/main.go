// Command oracle answers questions about PMTiles with go-pmtiles' own code: the independent
// reader and serializer the tests of Indus's PMTiles writer, reader and export check them
// against (through tiles/pmtiles/pmtilestest, which runs it with go run). It is a module of its
// own so that Indus's go.mod does not carry go-pmtiles and the cloud SDKs it brings.
//
// It reads one JSON Request on stdin and writes one JSON Response on stdout; every part of the
// request is optional and answered in the part of the response of the same name.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"

	gopm "github.com/protomaps/go-pmtiles/pmtiles"
)

// Request is what the tests ask.
type Request struct {
	Read    string         // an archive to read
	Verify  bool           // check it with go-pmtiles' Verify first
	Header  *gopm.HeaderV3 // a header to serialize
	Entries []gopm.EntryV3 // a directory to serialize, plain and gzipped
	Decode  []byte         // a plain (uncompressed) directory to deserialize
	ZXY     [][3]uint32    // tiles to number (ZxyToID), and the numbers back (IDToZxy)
}

// Response is what go-pmtiles says.
type Response struct {
	Archive      *Archive       `json:",omitempty"`
	Header       []byte         `json:",omitempty"`
	EntriesPlain []byte         `json:",omitempty"`
	EntriesGzip  []byte         `json:",omitempty"`
	Decoded      []gopm.EntryV3 `json:",omitempty"`
	IDs          []uint64       `json:",omitempty"`
	Back         [][3]uint32    `json:",omitempty"`
}

// Archive is an archive as go-pmtiles reads it: its header, its metadata (decompressed), every
// directory entry in order, every tile's data by "z/x/y" (offset from the file's start, length)
// and the leaf directories it decoded.
type Archive struct {
	Header   gopm.HeaderV3
	Metadata json.RawMessage
	Entries  []gopm.EntryV3
	Tiles    map[string][2]uint64
	Leaves   int
}

func main() {
	var req Request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail(err)
	}
	res, err := answer(&req)
	if err != nil {
		fail(err)
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "oracle:", err)
	os.Exit(1)
}

func answer(req *Request) (*Response, error) {
	res := &Response{}
	if req.Read != "" {
		a, err := read(req.Read, req.Verify)
		if err != nil {
			return nil, err
		}
		res.Archive = a
	}
	if req.Header != nil {
		res.Header = gopm.SerializeHeader(*req.Header)
	}
	if req.Entries != nil {
		res.EntriesPlain = gopm.SerializeEntries(req.Entries, gopm.NoCompression)
		res.EntriesGzip = gopm.SerializeEntries(req.Entries, gopm.Gzip)
	}
	if req.Decode != nil {
		res.Decoded = gopm.DeserializeEntries(bytes.NewBuffer(req.Decode), gopm.NoCompression)
	}
	for _, c := range req.ZXY {
		id := gopm.ZxyToID(uint8(c[0]), c[1], c[2])
		z, x, y := gopm.IDToZxy(id)
		res.IDs = append(res.IDs, id)
		res.Back = append(res.Back, [3]uint32{uint32(z), x, y})
	}
	return res, nil
}

// read reads the archive at path whole, through go-pmtiles' deserializers.
func read(path string, verify bool) (*Archive, error) {
	if verify {
		if err := gopm.Verify(log.New(io.Discard, "", 0), path); err != nil {
			return nil, fmt.Errorf("go-pmtiles Verify %s: %w", path, err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < gopm.HeaderV3LenBytes {
		return nil, fmt.Errorf("%s: %d bytes, shorter than a header", path, len(b))
	}
	h, err := gopm.DeserializeHeader(b[:gopm.HeaderV3LenBytes])
	if err != nil {
		return nil, err
	}
	a := &Archive{Header: h, Tiles: map[string][2]uint64{}}
	if a.Metadata, err = gopm.DeserializeMetadataBytes(bytes.NewReader(b[h.MetadataOffset:h.MetadataOffset+h.MetadataLength]), h.InternalCompression); err != nil {
		return nil, err
	}
	fetch := func(off, n uint64) ([]byte, error) {
		if off != h.RootOffset {
			a.Leaves++
		}
		return b[off : off+n], nil
	}
	err = gopm.IterateEntries(h, fetch, func(e gopm.EntryV3) {
		a.Entries = append(a.Entries, e)
		for id := e.TileID; id < e.TileID+uint64(e.RunLength); id++ {
			z, x, y := gopm.IDToZxy(id)
			a.Tiles[fmt.Sprintf("%d/%d/%d", z, x, y)] = [2]uint64{h.TileDataOffset + e.Offset, uint64(e.Length)}
		}
	})
	return a, err
}
