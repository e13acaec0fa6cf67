package pmtiles

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// HeaderSize is the length in bytes of the fixed header at the start of an archive.
const HeaderSize = 127

// RootLimit is how far into the archive the root directory must end (header included).
const RootLimit = 16384

// magic opens every archive; version is the only spec version this package knows.
const (
	magic   = "PMTiles"
	version = 3
)

// Compression names how tiles or the internal sections are compressed.
type Compression uint8

// The compressions of the spec.
const (
	UnknownCompression Compression = 0 // not said
	NoCompression      Compression = 1 // stored as is
	Gzip               Compression = 2 // gzip (RFC 1952)
	Brotli             Compression = 3 // brotli (RFC 7932)
	Zstd               Compression = 4 // Zstandard (RFC 8878)
)

// TileType names the format of the tiles.
type TileType uint8

// The tile types of the spec.
const (
	UnknownType TileType = 0 // unknown or other
	MVT         TileType = 1 // Mapbox Vector Tile
	PNG         TileType = 2 // PNG image
	JPEG        TileType = 3 // JPEG image
	WebP        TileType = 4 // WebP image
	AVIF        TileType = 5 // AVIF image
	MLT         TileType = 6 // MapLibre Tile
)

// Header is the decoded 127-byte header of an archive.
type Header struct {
	RootOffset, RootLength         uint64      // root directory
	MetadataOffset, MetadataLength uint64      // JSON metadata
	LeafOffset, LeafLength         uint64      // all leaf directories
	DataOffset, DataLength         uint64      // all tile data
	Addressed                      uint64      // tiles addressed, runs counted in full
	Entries                        uint64      // tile entries (run length > 0)
	Contents                       uint64      // distinct tile blobs in the data section
	Clustered                      bool        // tile data is in tile id order
	InternalCompression            Compression // of the directories and metadata
	TileCompression                Compression // of every tile
	TileType                       TileType
	MinZoom, MaxZoom               uint8      // zooms of the tiles
	Bounds                         [4]float64 // west, south, east, north in degrees
	CenterZoom                     uint8      // a zoom to show first
	Center                         [2]float64 // longitude, latitude in degrees to show first
}

// encode returns the 127 bytes of h.
func (h *Header) encode() []byte {
	b := make([]byte, HeaderSize)
	copy(b, magic)
	b[7] = version
	le := binary.LittleEndian
	for i, v := range []uint64{
		h.RootOffset, h.RootLength, h.MetadataOffset, h.MetadataLength,
		h.LeafOffset, h.LeafLength, h.DataOffset, h.DataLength,
		h.Addressed, h.Entries, h.Contents,
	} {
		le.PutUint64(b[8+8*i:], v)
	}
	if h.Clustered {
		b[96] = 1
	}
	b[97], b[98], b[99] = byte(h.InternalCompression), byte(h.TileCompression), byte(h.TileType)
	b[100], b[101] = h.MinZoom, h.MaxZoom
	for i, v := range h.Bounds {
		le.PutUint32(b[102+4*i:], uint32(e7(v)))
	}
	b[118] = h.CenterZoom
	le.PutUint32(b[119:], uint32(e7(h.Center[0])))
	le.PutUint32(b[123:], uint32(e7(h.Center[1])))
	return b
}

// e7 is a coordinate in units of 10^-7 degrees.
func e7(deg float64) int32 {
	return int32(math.Round(deg * 1e7))
}

// degrees reads a little-endian E7 coordinate.
func degrees(b []byte) float64 {
	return float64(int32(binary.LittleEndian.Uint32(b))) / 1e7
}

// decodeHeader parses and checks the first 127 bytes of an archive.
func decodeHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, fmt.Errorf("pmtiles: header is %d bytes, want %d", len(b), HeaderSize)
	}
	if string(b[:7]) != magic {
		return Header{}, errors.New("pmtiles: not a PMTiles archive (bad magic)")
	}
	if b[7] != version {
		return Header{}, fmt.Errorf("pmtiles: spec version %d, only 3 is supported", b[7])
	}
	le := binary.LittleEndian
	var u [11]uint64
	for i := range u {
		u[i] = le.Uint64(b[8+8*i:])
	}
	h := Header{
		RootOffset: u[0], RootLength: u[1], MetadataOffset: u[2], MetadataLength: u[3],
		LeafOffset: u[4], LeafLength: u[5], DataOffset: u[6], DataLength: u[7],
		Addressed: u[8], Entries: u[9], Contents: u[10],
		Clustered:           b[96] == 1,
		InternalCompression: Compression(b[97]),
		TileCompression:     Compression(b[98]),
		TileType:            TileType(b[99]),
		MinZoom:             b[100],
		MaxZoom:             b[101],
		CenterZoom:          b[118],
		Center:              [2]float64{degrees(b[119:]), degrees(b[123:])},
	}
	for i := range h.Bounds {
		h.Bounds[i] = degrees(b[102+4*i:])
	}
	if b[96] > 1 {
		return Header{}, fmt.Errorf("pmtiles: clustered flag is %d, want 0 or 1", b[96])
	}
	return h, h.check()
}

// check reports the first field of h that this package cannot trust or does not support.
func (h *Header) check() error {
	switch {
	case h.InternalCompression != NoCompression && h.InternalCompression != Gzip:
		return fmt.Errorf("pmtiles: internal compression %d is not supported (only none and gzip)", h.InternalCompression)
	case h.TileCompression > Zstd:
		return fmt.Errorf("pmtiles: unknown tile compression %d", h.TileCompression)
	case h.TileType > MLT:
		return fmt.Errorf("pmtiles: unknown tile type %d", h.TileType)
	case h.MinZoom > h.MaxZoom || h.MaxZoom > MaxZoom:
		return fmt.Errorf("pmtiles: zooms %d–%d are not within 0–%d in order", h.MinZoom, h.MaxZoom, MaxZoom)
	case !lonlat(h.Bounds[0], h.Bounds[1]) || !lonlat(h.Bounds[2], h.Bounds[3]) || !lonlat(h.Center[0], h.Center[1]):
		return fmt.Errorf("pmtiles: bounds %v or center %v out of range", h.Bounds, h.Center)
	case h.RootLength == 0 || h.RootOffset < HeaderSize || h.RootOffset > RootLimit || h.RootLength > RootLimit-h.RootOffset:
		return fmt.Errorf("pmtiles: root directory at %d+%d does not lie within bytes %d–%d", h.RootOffset, h.RootLength, HeaderSize, RootLimit)
	case h.MetadataLength == 0:
		return errors.New("pmtiles: metadata is empty, want a JSON object")
	}
	for _, s := range h.sections() {
		if s.length > 0 && (s.offset < HeaderSize || s.offset+s.length < s.offset) {
			return fmt.Errorf("pmtiles: %s at %d+%d overlaps the header or overflows", s.name, s.offset, s.length)
		}
	}
	return nil
}

// lonlat reports whether lon and lat are coordinates on the globe.
func lonlat(lon, lat float64) bool {
	return lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
}

// section is one byte range of an archive.
type section struct {
	name           string
	offset, length uint64
}

// sections lists the byte ranges the header points at.
func (h *Header) sections() []section {
	return []section{
		{"root directory", h.RootOffset, h.RootLength},
		{"metadata", h.MetadataOffset, h.MetadataLength},
		{"leaf directories", h.LeafOffset, h.LeafLength},
		{"tile data", h.DataOffset, h.DataLength},
	}
}
