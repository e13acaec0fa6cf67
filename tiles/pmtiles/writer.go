package pmtiles

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"os"
	"path/filepath"
)

// ErrClosed is returned by a Writer used after Close or Abort.
var ErrClosed = errors.New("pmtiles: writer is closed")

// Options tunes a Writer. Zero values take the defaults in brackets.
type Options struct {
	TileType        TileType    // [MVT]
	TileCompression Compression // how the tiles given to Add are already compressed [Gzip]
}

// Metadata is what Close writes besides the tiles: the JSON object and the header's geography.
type Metadata struct {
	JSON       json.RawMessage // a JSON object; for MVT it must hold vector_layers
	Bounds     [4]float64      // west, south, east, north; zero: the extent of the deepest zoom's tiles
	Center     [2]float64      // longitude, latitude; zero: the middle of Bounds
	CenterZoom uint8           // clamped to the zooms written
}

// Stats counts what Close wrote.
type Stats struct {
	Addressed uint64 // tiles addressed, runs counted in full
	Entries   uint64 // tile entries in the directories
	Contents  uint64 // distinct tile blobs stored
	Leaves    int    // leaf directories
	Bytes     int64  // archive size
}

// Writer writes a clustered PMTiles v3 archive: tiles go to a temporary file next to the
// output as they come, and Close assembles header, directories, metadata and tiles and
// renames the result into place. It is not safe for concurrent use.
type Writer struct {
	path      string
	opt       Options
	data      *os.File      // tile data, a temporary file next to path
	buf       *bufio.Writer // over data
	size      uint64        // bytes of tile data so far
	entries   []entry
	seen      map[[16]byte]uint32 // content hash → index of the first entry holding that content
	seeds     [2]maphash.Seed
	prev      []byte // the last tile's bytes, to extend runs
	last      uint64 // the last tile id
	addressed uint64
	contents  uint64
	minZoom   uint8
	ext       extent
	err       error // sticky: set once the writer is closed, aborted or broken
}

// extent is the range of tiles seen at one zoom.
type extent struct {
	z              uint8
	x0, y0, x1, y1 uint32
}

// Create starts an archive that Close will write to path.
func Create(path string, opt Options) (*Writer, error) {
	if opt.TileType == UnknownType {
		opt.TileType = MVT
	}
	if opt.TileCompression == UnknownCompression {
		opt.TileCompression = Gzip
	}
	if opt.TileType > MLT || opt.TileCompression > Zstd {
		return nil, fmt.Errorf("pmtiles: unknown tile type %d or compression %d", opt.TileType, opt.TileCompression)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".data-*")
	if err != nil {
		return nil, fmt.Errorf("pmtiles: %w", err)
	}
	return &Writer{
		path:  path,
		opt:   opt,
		data:  f,
		buf:   bufio.NewWriterSize(f, 1<<20),
		seen:  make(map[[16]byte]uint32),
		seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
	}, nil
}

// Add appends tile z/x/y, whose bytes are stored as given. Tiles must come in increasing tile
// id order (see TileID); a tile out of order is refused and the writer stays usable.
func (w *Writer) Add(z uint8, x, y uint32, data []byte) error {
	if w.err != nil {
		return w.err
	}
	if !Valid(z, x, y) {
		return fmt.Errorf("pmtiles: no tile %d/%d/%d", z, x, y)
	}
	if len(data) == 0 || len(data) > math.MaxUint32 {
		return fmt.Errorf("pmtiles: tile %d/%d/%d has %d bytes, want 1 byte to 4 GiB", z, x, y, len(data))
	}
	id := TileID(z, x, y)
	if w.addressed > 0 && id <= w.last {
		return fmt.Errorf("pmtiles: tile %d/%d/%d (id %d) added after id %d: tiles must come in increasing tile id order", z, x, y, id, w.last)
	}
	if !w.extend(id, data) {
		if err := w.store(id, data); err != nil {
			w.err = err
			return err
		}
	}
	w.track(z, x, y)
	w.last = id
	w.addressed++
	return nil
}

// extend lengthens the last entry's run if tile id follows it with the same bytes.
func (w *Writer) extend(id uint64, data []byte) bool {
	n := len(w.entries)
	if n == 0 {
		return false
	}
	e := &w.entries[n-1]
	if e.id+uint64(e.run) != id || e.run == math.MaxUint32 || !bytes.Equal(w.prev, data) {
		return false
	}
	e.run++
	return true
}

// store adds an entry for tile id, pointing at an earlier copy of the same bytes if there is one.
func (w *Writer) store(id uint64, data []byte) error {
	if len(w.entries) == math.MaxUint32 {
		return errors.New("pmtiles: more than 2^32 tile entries")
	}
	k := w.key(data)
	if i, ok := w.seen[k]; ok && int(w.entries[i].length) == len(data) {
		first := w.entries[i]
		w.entries = append(w.entries, entry{id: id, offset: first.offset, length: first.length, run: 1})
	} else {
		if _, err := w.buf.Write(data); err != nil {
			return fmt.Errorf("pmtiles: writing tile data: %w", err)
		}
		w.seen[k] = uint32(len(w.entries))
		w.entries = append(w.entries, entry{id: id, offset: w.size, length: uint32(len(data)), run: 1})
		w.size += uint64(len(data))
		w.contents++
	}
	w.prev = append(w.prev[:0], data...)
	return nil
}

// key hashes tile bytes to 128 bits with two independently seeded hashes, so that two
// different tiles share a key with odds of about n²/2¹²⁹ for n distinct tiles.
func (w *Writer) key(data []byte) [16]byte {
	var k [16]byte
	binary.LittleEndian.PutUint64(k[:8], maphash.Bytes(w.seeds[0], data))
	binary.LittleEndian.PutUint64(k[8:], maphash.Bytes(w.seeds[1], data))
	return k
}

// track records the zooms written and the extent of the deepest one.
func (w *Writer) track(z uint8, x, y uint32) {
	if w.addressed == 0 {
		w.minZoom = z
	}
	if w.addressed == 0 || z != w.ext.z {
		w.ext = extent{z: z, x0: x, y0: y, x1: x, y1: y}
		return
	}
	w.ext.x0, w.ext.x1 = min(w.ext.x0, x), max(w.ext.x1, x)
	w.ext.y0, w.ext.y1 = min(w.ext.y0, y), max(w.ext.y1, y)
}

// Abort discards the archive and its temporary file. It is safe to call at any time, also
// after Close (then it does nothing).
func (w *Writer) Abort() {
	if w.data != nil {
		w.data.Close()
		os.Remove(w.data.Name())
		w.data = nil
	}
	w.entries, w.seen, w.prev = nil, nil, nil
	w.err = ErrClosed
}
