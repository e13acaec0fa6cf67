package pmtiles

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
)

// Close writes the archive with meta to the path given to Create, replacing any file there
// only once the archive is complete. Whatever the outcome, the writer is done afterwards.
func (w *Writer) Close(meta Metadata) (Stats, error) {
	if w.err != nil {
		return Stats{}, w.err
	}
	defer w.Abort()
	if w.addressed == 0 {
		return Stats{}, errors.New("pmtiles: no tiles added")
	}
	h, err := w.header(meta)
	if err != nil {
		return Stats{}, err
	}
	var p packer
	js, err := metadataJSON(meta.JSON, w.opt.TileType)
	if err != nil {
		return Stats{}, err
	}
	if js, err = p.pack(nil, js); err != nil {
		return Stats{}, err
	}
	l, err := plan(w.entries, &p, maxRoot)
	if err != nil {
		return Stats{}, err
	}
	h.RootOffset, h.RootLength = HeaderSize, uint64(len(l.root))
	h.MetadataOffset, h.MetadataLength = h.RootOffset+h.RootLength, uint64(len(js))
	h.LeafOffset, h.LeafLength = h.MetadataOffset+h.MetadataLength, uint64(len(l.leaves))
	h.DataOffset, h.DataLength = h.LeafOffset+h.LeafLength, w.size
	if err := w.assemble(h.encode(), l.root, js, l.leaves); err != nil {
		return Stats{}, err
	}
	return Stats{
		Addressed: h.Addressed, Entries: h.Entries, Contents: h.Contents,
		Leaves: l.count, Bytes: int64(h.DataOffset + h.DataLength),
	}, nil
}

// header fills every header field but the section offsets and lengths.
func (w *Writer) header(meta Metadata) (Header, error) {
	h := Header{
		Addressed: w.addressed, Entries: uint64(len(w.entries)), Contents: w.contents,
		Clustered:           true,
		InternalCompression: Gzip, TileCompression: w.opt.TileCompression, TileType: w.opt.TileType,
		MinZoom: w.minZoom, MaxZoom: w.ext.z,
		Bounds: meta.Bounds, Center: meta.Center,
		CenterZoom: min(max(meta.CenterZoom, w.minZoom), w.ext.z),
	}
	if h.Bounds == [4]float64{} {
		h.Bounds = w.ext.bounds()
	}
	if h.Center == [2]float64{} {
		h.Center = [2]float64{(h.Bounds[0] + h.Bounds[2]) / 2, (h.Bounds[1] + h.Bounds[3]) / 2}
	}
	if !lonlat(h.Bounds[0], h.Bounds[1]) || !lonlat(h.Bounds[2], h.Bounds[3]) || !lonlat(h.Center[0], h.Center[1]) {
		return Header{}, fmt.Errorf("pmtiles: bounds %v or center %v out of range", h.Bounds, h.Center)
	}
	return h, nil
}

// bounds returns the west, south, east and north edges of the tiles in e, in degrees.
func (e extent) bounds() [4]float64 {
	n := float64(uint64(1) << e.z)
	lon := func(x uint32) float64 { return float64(x)/n*360 - 180 }
	lat := func(y uint32) float64 {
		return math.Atan(math.Sinh(math.Pi*(1-2*float64(y)/n))) * 180 / math.Pi
	}
	return [4]float64{lon(e.x0), lat(e.y1 + 1), lon(e.x1 + 1), lat(e.y0)}
}

// metadataJSON checks that js is a JSON object (with vector_layers for MVT) and compacts it;
// empty js stands for {} where the tile type allows.
func metadataJSON(js json.RawMessage, t TileType) ([]byte, error) {
	if len(bytes.TrimSpace(js)) == 0 {
		js = json.RawMessage("{}")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(js, &fields); err != nil || fields == nil {
		return nil, fmt.Errorf("pmtiles: metadata is not a JSON object: %v", err)
	}
	if _, ok := fields["vector_layers"]; t == MVT && !ok {
		return nil, errors.New("pmtiles: MVT metadata must hold vector_layers")
	}
	var b bytes.Buffer
	if err := json.Compact(&b, js); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// assemble writes the sections and then the tile data to a temporary file and renames it
// into place.
func (w *Writer) assemble(parts ...[]byte) error {
	if err := w.buf.Flush(); err != nil {
		return fmt.Errorf("pmtiles: writing tile data: %w", err)
	}
	out, err := os.CreateTemp(filepath.Dir(w.path), "."+filepath.Base(w.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("pmtiles: %w", err)
	}
	err = w.fill(out, parts)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(out.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(out.Name(), w.path)
	}
	if err != nil {
		os.Remove(out.Name())
		return fmt.Errorf("pmtiles: assembling %s: %w", w.path, err)
	}
	return nil
}

// fill writes parts and the tile data to out and syncs it.
func (w *Writer) fill(out *os.File, parts [][]byte) error {
	for _, p := range parts {
		if _, err := out.Write(p); err != nil {
			return err
		}
	}
	if _, err := w.data.Seek(0, io.SeekStart); err != nil {
		return err
	}
	n, err := io.Copy(out, w.data)
	if err != nil {
		return err
	}
	if uint64(n) != w.size {
		return fmt.Errorf("tile data is %d bytes, want %d", n, w.size)
	}
	return out.Sync()
}
