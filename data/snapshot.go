package data

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"io"
	"math"
	"os"
	"time"

	"go.yaml.in/yaml/v3"
)

// A snapshot file holds a whole dataset for serving without reading the sources again:
//
//	preamble (64 bytes): "INDUSNAP" | format version u32 | 0 u32 | TOC offset u64 | TOC length u64 | TOC CRC-32C u32
//	sections: little-endian arrays, each aligned to 64 bytes (coordinates, offsets, ids, columns, index order)
//	TOC: JSON with the data version, the catalog (YAML, validated again on open) and, per layer,
//	     where each section is and its CRC-32C
//
// Files are mapped read-only and shared, so several processes on one host share their pages.
const (
	snapshotMagic = "INDUSNAP"
	// FormatVersion is the snapshot format this build writes and reads.
	FormatVersion = 1
	preambleSize  = 64
)

// toc is a snapshot's table of contents.
type toc struct {
	Format      int        `json:"format"`
	DataVersion string     `json:"data_version"`
	Created     string     `json:"created"`
	Catalog     string     `json:"catalog"` // YAML
	Layers      []layerTOC `json:"layers"`
}

// layerTOC describes one encoded layer.
type layerTOC struct {
	ID     string     `json:"id"`
	N      int        `json:"n"`
	Bound  [4]float64 `json:"bound"`
	IDs    colTOC     `json:"ids"`
	Shape  shapeTOC   `json:"shape"`
	Fields []colTOC   `json:"fields"`
	Order  *sec       `json:"order"`
	Pages  *sec       `json:"pages"`
}

// encode writes the builder's layer as sections and returns its description.
func (b *Builder) encode(sw *sectionWriter) (layerTOC, error) {
	t := layerTOC{ID: b.spec.ID, N: b.n, Bound: [4]float64{b.bound.Min[0], b.bound.Min[1], b.bound.Max[0], b.bound.Max[1]}}
	var err error
	if t.IDs, err = b.ids.encode(sw); err != nil {
		return t, err
	}
	if t.Shape, err = b.geom.encode(sw); err != nil {
		return t, err
	}
	for _, c := range b.cols {
		ct, err := c.encode(sw)
		if err != nil {
			return t, err
		}
		t.Fields = append(t.Fields, ct)
	}
	order, pages, err := b.geom.order(b.bound)
	if err != nil {
		return t, err
	}
	if t.Order, err = sw.section(func(w io.Writer) error { return binary.Write(w, binary.LittleEndian, order) }); err != nil {
		return t, err
	}
	t.Pages, err = sw.section(func(w io.Writer) error { return binary.Write(w, binary.LittleEndian, pages) })
	return t, err
}

// Layer finishes the builder as a layer in memory.
func (b *Builder) Layer() (*Layer, error) {
	var buf bytes.Buffer
	sw := &sectionWriter{w: &buf}
	sw.Write(make([]byte, preambleSize)) // sections start where they would in a file
	t, err := b.encode(sw)
	if err != nil {
		return nil, err
	}
	mem := alignedBytes(buf.Len())
	copy(mem, buf.Bytes())
	return decodeLayer(mem, t, b.spec, "memory")
}

// alignedBytes allocates n bytes starting on an 8-byte boundary.
func alignedBytes(n int) []byte {
	if n == 0 {
		return nil
	}
	words := make([]uint64, (n+7)/8)
	return bytesOf(words)[:n]
}

// WriteSnapshot writes the layers (in catalog order) and the catalog to path, through a
// temporary file renamed into place, so that a reader never sees a partial snapshot. It returns
// the data version.
func WriteSnapshot(path string, cat *Catalog, layers []*Builder) (string, error) {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp)
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	sw := &sectionWriter{w: bw}
	sw.Write(make([]byte, preambleSize))
	t, err := encodeLayers(sw, cat, layers)
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	if err := writeTOC(f, bw, sw, t); err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return t.DataVersion, os.Rename(tmp, path)
}

func encodeLayers(sw *sectionWriter, cat *Catalog, layers []*Builder) (*toc, error) {
	yml, err := yaml.Marshal(cat)
	if err != nil {
		return nil, err
	}
	t := &toc{Format: FormatVersion, Created: time.Now().UTC().Format(time.RFC3339), Catalog: string(yml)}
	for _, b := range layers {
		lt, err := b.encode(sw)
		if err != nil {
			return nil, fmt.Errorf("layer %q: %w", b.spec.ID, err)
		}
		t.Layers = append(t.Layers, lt)
	}
	if t.DataVersion, err = dataVersion(cat, layers); err != nil {
		return nil, err
	}
	return t, nil
}

// writeTOC appends the table of contents and fills in the preamble.
func writeTOC(f *os.File, bw *bufio.Writer, sw *sectionWriter, t *toc) error {
	js, err := json.Marshal(t)
	if err != nil {
		return err
	}
	s, err := sw.section(func(w io.Writer) error { _, err := w.Write(js); return err })
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	pre := make([]byte, preambleSize)
	copy(pre, snapshotMagic)
	binary.LittleEndian.PutUint32(pre[8:], FormatVersion)
	binary.LittleEndian.PutUint64(pre[16:], uint64(s.Off))
	binary.LittleEndian.PutUint64(pre[24:], uint64(s.Len))
	binary.LittleEndian.PutUint32(pre[32:], s.CRC)
	_, err = f.WriteAt(pre, 0)
	return err
}

// dataVersion hashes the catalog and a summary of each layer's content (count, bound, and the
// bbox centre and id of every feature) into a short stable string.
func dataVersion(cat *Catalog, layers []*Builder) (string, error) {
	h := fnv.New64a()
	js, _ := json.Marshal(cat.Layers)
	h.Write(js)
	var buf [8]byte
	put := func(v float64) {
		binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
		h.Write(buf[:])
	}
	for _, b := range layers {
		put(float64(b.n))
		for _, v := range []float64{b.bound.Min[0], b.bound.Min[1], b.bound.Max[0], b.bound.Max[1]} {
			put(v)
		}
		if err := b.eachCentre(func(x, y float64, id uint64) { put(x + y*1e-3 + float64(id)) }); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%016x", h.Sum64()), nil
}

// eachCentre calls fn with the bbox centre and id of every feature, in order.
func (b *Builder) eachCentre(fn func(x, y float64, id uint64)) error {
	raw, release, err := b.geom.bounds.bytes()
	if err != nil {
		return err
	}
	defer release()
	fb := floats(raw)
	ids, err := b.ids.s.reader()
	if err != nil {
		return err
	}
	i := 0
	return values(ids, int64(b.n), 8, func(id uint64) {
		fn((fb[4*i]+fb[4*i+2])/2, (fb[4*i+1]+fb[4*i+3])/2, id)
		i++
	})
}

// crc is the CRC-32C of b.
func crc(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }
