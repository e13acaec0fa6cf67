package pmtiles

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// leafBudget is how many directory entries a Reader keeps in its leaf cache (24 bytes each).
const leafBudget = 1 << 18

// maxDepth is how many directories a lookup may walk: the root and up to three leaf levels.
const maxDepth = 4

// maxTile is the largest tile a Reader will fetch, a guard for sources of unknown size.
const maxTile = 1 << 28

// Reader looks tiles up in a PMTiles v3 archive. It is safe for concurrent use.
type Reader struct {
	src    Source
	header Header
	root   []entry
	meta   json.RawMessage
	leaves *cache
}

// Open reads and checks the header, root directory and metadata of the archive in src. The
// Reader owns src from then on: Open closes it on failure (if it is an io.Closer), and so
// does Close.
func Open(ctx context.Context, src Source) (*Reader, error) {
	r, err := open(ctx, src)
	if err != nil {
		if c, ok := src.(io.Closer); ok {
			c.Close()
		}
		return nil, err
	}
	return r, nil
}

// open does Open's work.
func open(ctx context.Context, src Source) (*Reader, error) {
	prefix, err := src.ReadAt(ctx, 0, RootLimit)
	if err != nil {
		return nil, err
	}
	h, err := decodeHeader(prefix)
	if err != nil {
		return nil, err
	}
	if err := fits(&h, src.Size()); err != nil {
		return nil, err
	}
	r := &Reader{src: src, header: h, leaves: newCache(leafBudget)}
	if h.RootOffset+h.RootLength > uint64(len(prefix)) {
		return nil, fmt.Errorf("pmtiles: archive of %d bytes ends inside the root directory", len(prefix))
	}
	if r.root, err = directory(h.InternalCompression, prefix[h.RootOffset:h.RootOffset+h.RootLength]); err != nil {
		return nil, fmt.Errorf("%w (root directory)", err)
	}
	if r.meta, err = r.metadata(ctx, prefix); err != nil {
		return nil, err
	}
	return r, nil
}

// fits checks that every section of h lies within an archive of size bytes, if size is known.
func fits(h *Header, size int64) error {
	if size < 0 {
		return nil
	}
	for _, s := range h.sections() {
		if s.length > 0 && (s.offset > uint64(size) || s.length > uint64(size)-s.offset) {
			return fmt.Errorf("pmtiles: %s at %d+%d lies beyond the archive's %d bytes", s.name, s.offset, s.length, size)
		}
	}
	return nil
}

// directory decompresses and decodes one directory.
func directory(c Compression, b []byte) ([]entry, error) {
	raw, err := unpack(c, b)
	if err != nil {
		return nil, err
	}
	return decodeDirectory(raw)
}

// metadata reads, decompresses and checks the JSON metadata, using prefix if it holds it.
func (r *Reader) metadata(ctx context.Context, prefix []byte) (json.RawMessage, error) {
	h := &r.header
	var b []byte
	var err error
	if end := h.MetadataOffset + h.MetadataLength; end <= uint64(len(prefix)) {
		b = prefix[h.MetadataOffset:end]
	} else if b, err = r.read(ctx, h.MetadataOffset, h.MetadataLength, maxSection); err != nil {
		return nil, err
	}
	js, err := unpack(h.InternalCompression, b)
	if err != nil {
		return nil, fmt.Errorf("%w (metadata)", err)
	}
	if js = bytes.TrimSpace(js); len(js) == 0 || js[0] != '{' || !json.Valid(js) {
		return nil, fmt.Errorf("pmtiles: metadata is not a JSON object")
	}
	return json.RawMessage(bytes.Clone(js)), nil
}

// read fetches n bytes at off, refusing more than limit and short answers.
func (r *Reader) read(ctx context.Context, off, n, limit uint64) ([]byte, error) {
	if n > limit || off > math.MaxInt64-n {
		return nil, fmt.Errorf("pmtiles: refusing to read %d bytes at %d", n, off)
	}
	b, err := r.src.ReadAt(ctx, int64(off), int64(n))
	if err != nil {
		return nil, err
	}
	if uint64(len(b)) != n {
		return nil, fmt.Errorf("pmtiles: archive truncated: %d bytes at %d, want %d", len(b), off, n)
	}
	return b, nil
}

// Header returns the archive's header.
func (r *Reader) Header() Header { return r.header }

// Metadata returns the archive's JSON metadata object.
func (r *Reader) Metadata() json.RawMessage { return bytes.Clone(r.meta) }

// Tile returns the stored bytes of tile z/x/y (compressed as Header().TileCompression says),
// false if the archive has no such tile, or an error if the archive is broken or unreachable.
func (r *Reader) Tile(ctx context.Context, z uint8, x, y uint32) ([]byte, bool, error) {
	if !Valid(z, x, y) {
		return nil, false, nil
	}
	id := TileID(z, x, y)
	dir := r.root
	for range maxDepth {
		e, ok := find(dir, id)
		if !ok {
			return nil, false, nil
		}
		if e.run > 0 {
			b, err := r.blob(ctx, e)
			return b, err == nil, err
		}
		var err error
		if dir, err = r.leaf(ctx, e); err != nil {
			return nil, false, err
		}
	}
	return nil, false, fmt.Errorf("pmtiles: directories nest deeper than %d levels", maxDepth)
}

// blob reads the tile data that e points at.
func (r *Reader) blob(ctx context.Context, e entry) ([]byte, error) {
	h := &r.header
	if e.offset > h.DataLength || uint64(e.length) > h.DataLength-e.offset {
		return nil, fmt.Errorf("pmtiles: tile %d at %d+%d lies outside the tile data", e.id, e.offset, e.length)
	}
	return r.read(ctx, h.DataOffset+e.offset, uint64(e.length), maxTile)
}

// leaf returns the leaf directory that e points at, from the cache if it holds it.
func (r *Reader) leaf(ctx context.Context, e entry) ([]entry, error) {
	h := &r.header
	if e.offset > h.LeafLength || uint64(e.length) > h.LeafLength-e.offset {
		return nil, fmt.Errorf("pmtiles: leaf directory at %d+%d lies outside the leaf section", e.offset, e.length)
	}
	return r.leaves.get(ctx, e.offset, func(ctx context.Context) ([]entry, error) {
		b, err := r.read(ctx, h.LeafOffset+e.offset, uint64(e.length), maxSection)
		if err != nil {
			return nil, err
		}
		dir, err := directory(h.InternalCompression, b)
		if err != nil {
			return nil, fmt.Errorf("%w (leaf directory at %d)", err, e.offset)
		}
		return dir, nil
	})
}

// Close closes the source if it is an io.Closer.
func (r *Reader) Close() error {
	if c, ok := r.src.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
