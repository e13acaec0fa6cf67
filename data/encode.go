package data

import (
	"encoding/binary"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"slices"
	"unsafe"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data/geo"
)

// Sections are aligned so that a mapped file can be read as typed arrays in place.
const align = 64

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sec is one section of a snapshot: an array of little-endian values with its checksum.
type sec struct {
	Off int64  `json:"off"`
	Len int64  `json:"len"`
	CRC uint32 `json:"crc32c"`
}

// sectionWriter appends aligned, checksummed sections to w, which starts at offset off.
type sectionWriter struct {
	w   io.Writer
	off int64
	crc hash.Hash32
	err error
}

func (sw *sectionWriter) Write(p []byte) (int, error) {
	if sw.err != nil {
		return 0, sw.err
	}
	n, err := sw.w.Write(p)
	sw.off += int64(n)
	if sw.crc != nil {
		sw.crc.Write(p[:n])
	}
	sw.err = err
	return n, err
}

// section writes one section with fill, padding before it to the alignment.
func (sw *sectionWriter) section(fill func(w io.Writer) error) (*sec, error) {
	if pad := (align - sw.off%align) % align; pad > 0 {
		sw.Write(make([]byte, pad))
	}
	start := sw.off
	sw.crc = crc32.New(castagnoli)
	err := fill(sw)
	s := &sec{Off: start, Len: sw.off - start, CRC: sw.crc.Sum32()}
	sw.crc = nil
	if err == nil {
		err = sw.err
	}
	return s, err
}

// copySpool writes a spool's bytes as one section.
func (sw *sectionWriter) copySpool(s *spool) (*sec, error) {
	r, err := s.reader()
	if err != nil {
		return nil, err
	}
	return sw.section(func(w io.Writer) error { _, err := io.Copy(w, r); return err })
}

// words writes a bitset of n bits as a section of uint64 words, or nothing when it is empty.
func (sw *sectionWriter) words(b bits, n int) (*sec, error) {
	if len(b) == 0 {
		return nil, nil
	}
	full := make(bits, (n+63)/64)
	copy(full, b)
	return sw.section(func(w io.Writer) error { return binary.Write(w, binary.LittleEndian, []uint64(full)) })
}

// offsets writes a spool of uint32 start indexes plus the end sentinel, unless one is true.
func (sw *sectionWriter) offsets(s *spool, end int, one bool) (*sec, error) {
	if one {
		return nil, nil
	}
	r, err := s.reader()
	if err != nil {
		return nil, err
	}
	return sw.section(func(w io.Writer) error {
		if _, err := io.Copy(w, r); err != nil {
			return err
		}
		return binary.Write(w, binary.LittleEndian, uint32(end))
	})
}

// narrowed writes n int64 values from a spool as (v - base) in width bytes.
func (sw *sectionWriter) narrowed(s *spool, n int, base int64, width int) (*sec, error) {
	r, err := s.reader()
	if err != nil {
		return nil, err
	}
	return sw.section(func(w io.Writer) error {
		buf := make([]byte, 0, 1<<16)
		err := values(r, int64(n), 8, func(v uint64) {
			n := len(buf)
			buf = binary.LittleEndian.AppendUint64(buf, uint64(int64(v)-base))[:n+width]
			if len(buf) > 1<<16-8 {
				w.Write(buf)
				buf = buf[:0]
			}
		})
		w.Write(buf)
		return err
	})
}

// colTOC describes one encoded column: ids or an attribute.
type colTOC struct {
	Kind    string `json:"kind"` // seq, ints, f64, f32, bools, strs
	Base    int64  `json:"base,omitempty"`
	Width   int    `json:"width,omitempty"` // bytes per code
	Data    *sec   `json:"data,omitempty"`
	Nulls   *sec   `json:"nulls,omitempty"`
	Dict    *sec   `json:"dict,omitempty"`     // strings: the distinct values, concatenated
	DictOff *sec   `json:"dict_off,omitempty"` // strings: uint32 start of each value, and the end
	DictLen int    `json:"dict_len,omitempty"`
}

func (c *intCol) encode(sw *sectionWriter) (colTOC, error) {
	if c.seq && c.any {
		return colTOC{Kind: "seq", Base: c.first}, nil
	}
	if !c.any { // empty or all null: zeros
		c.min, c.max = 0, 0
	}
	t := colTOC{Kind: "ints", Base: c.min, Width: widthFor(uint64(c.max - c.min))}
	var err error
	if t.Data, err = sw.narrowed(c.s, c.n, c.min, t.Width); err != nil {
		return t, err
	}
	t.Nulls, err = sw.words(c.nulls, c.n)
	return t, err
}

func (c *numCol) encode(sw *sectionWriter) (colTOC, error) {
	t := colTOC{Kind: "f64"}
	var err error
	if c.all32 && c.n > 0 {
		t.Kind = "f32"
		r, rerr := c.s.reader()
		if rerr != nil {
			return t, rerr
		}
		t.Data, err = sw.section(func(w io.Writer) error {
			buf := make([]byte, 0, 1<<16)
			err := values(r, int64(c.n), 8, func(v uint64) {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(float32(math.Float64frombits(v))))
				if len(buf) > 1<<16-4 {
					w.Write(buf)
					buf = buf[:0]
				}
			})
			w.Write(buf)
			return err
		})
	} else {
		t.Data, err = sw.copySpool(c.s)
	}
	if err != nil {
		return t, err
	}
	t.Nulls, err = sw.words(c.nulls, c.n)
	return t, err
}

func (c *boolCol) encode(sw *sectionWriter) (colTOC, error) {
	t := colTOC{Kind: "bools"}
	set := newBits(max(c.n, 1))
	copy(set, c.set)
	var err error
	if t.Data, err = sw.words(set, max(c.n, 1)); err != nil {
		return t, err
	}
	t.Nulls, err = sw.words(c.nulls, c.n)
	return t, err
}

func (c *strCol) encode(sw *sectionWriter) (colTOC, error) {
	t := colTOC{Kind: "strs", DictLen: len(c.dict), Width: widthFor(uint64(max(len(c.dict)-1, 0)))}
	var err error
	offs := make([]uint32, 0, len(c.dict)+1)
	total := 0
	for _, s := range c.dict {
		offs = append(offs, uint32(total))
		total += len(s)
	}
	offs = append(offs, uint32(total))
	if t.Dict, err = sw.section(func(w io.Writer) error {
		for _, s := range c.dict {
			io.WriteString(w, s)
		}
		return nil
	}); err != nil {
		return t, err
	}
	if t.DictOff, err = sw.section(func(w io.Writer) error { return binary.Write(w, binary.LittleEndian, offs) }); err != nil {
		return t, err
	}
	if t.Data, err = sw.narrowedU32(c.s, c.n, t.Width); err != nil {
		return t, err
	}
	t.Nulls, err = sw.words(c.nulls, c.n)
	return t, err
}

// narrowedU32 writes n uint32 values from a spool in width bytes.
func (sw *sectionWriter) narrowedU32(s *spool, n, width int) (*sec, error) {
	r, err := s.reader()
	if err != nil {
		return nil, err
	}
	return sw.section(func(w io.Writer) error {
		buf := make([]byte, 0, 1<<16)
		err := values(r, int64(n), 4, func(v uint64) {
			k := len(buf)
			buf = binary.LittleEndian.AppendUint64(buf, v)[:k+width]
			if len(buf) > 1<<16-8 {
				w.Write(buf)
				buf = buf[:0]
			}
		})
		w.Write(buf)
		return err
	})
}

// shapeTOC describes the encoded geometries of a layer.
type shapeTOC struct {
	Kind0  uint8 `json:"kind0"`
	Kinds  *sec  `json:"kinds,omitempty"`
	XY     *sec  `json:"xy"`
	Parts  *sec  `json:"parts,omitempty"`
	Rings  *sec  `json:"rings,omitempty"`
	Points *sec  `json:"points,omitempty"`
	Bounds *sec  `json:"bounds,omitempty"`
	NParts int   `json:"parts_n"`
	NRings int   `json:"rings_n"`
	NPts   int   `json:"points_n"`
}

// boundsAbove is the mean number of points per feature above which feature bounds are stored
// rather than computed from the points when asked.
const boundsAbove = 8

func (c *geomCol) encode(sw *sectionWriter) (shapeTOC, error) {
	t := shapeTOC{Kind0: c.kind0, NParts: c.nparts, NRings: c.nrings, NPts: c.npts}
	steps := []func() error{
		func() (err error) {
			if c.mixed {
				t.Kinds, err = sw.copySpool(c.kinds)
			}
			return err
		},
		func() (err error) { t.XY, err = sw.copySpool(c.xy); return err },
		func() (err error) { t.Parts, err = sw.offsets(c.parts, c.nparts, c.oneParts); return err },
		func() (err error) { t.Rings, err = sw.offsets(c.rings, c.nrings, c.oneRings); return err },
		func() (err error) { t.Points, err = sw.offsets(c.points, c.npts, c.onePoints); return err },
		func() (err error) {
			if c.n > 0 && c.npts > boundsAbove*c.n {
				t.Bounds, err = sw.copySpool(c.bounds)
			}
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return t, err
		}
	}
	return t, nil
}

// order sorts the features by the Morton code of their bbox centres within the layer's bound
// and computes the bbox of every page of PageSize features in that order.
func (c *geomCol) order(bound orb.Bound) ([]int32, []float64, error) {
	raw, release, err := c.bounds.bytes()
	if err != nil {
		return nil, nil, err
	}
	defer release()
	fb := floats(raw)
	keys := make([]uint64, c.n)
	order := make([]int32, c.n)
	for i := range c.n {
		b := fb[4*i : 4*i+4]
		keys[i] = geo.Morton(orb.Point{(b[0] + b[2]) / 2, (b[1] + b[3]) / 2}, bound)
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if keys[a] != keys[b] {
			if keys[a] < keys[b] {
				return -1
			}
			return 1
		}
		return int(a - b)
	})
	pages := make([]float64, 0, 4*((c.n+PageSize-1)/PageSize))
	for p := 0; p < c.n; p += PageSize {
		b := pageBound(fb, order[p:min(p+PageSize, c.n)])
		pages = append(pages, b.Min[0], b.Min[1], b.Max[0], b.Max[1])
	}
	return order, pages, nil
}

func pageBound(fb []float64, members []int32) orb.Bound {
	var b orb.Bound
	for k, i := range members {
		f := orb.Bound{Min: orb.Point{fb[4*i], fb[4*i+1]}, Max: orb.Point{fb[4*i+2], fb[4*i+3]}}
		if k == 0 {
			b = f
		} else {
			b = b.Union(f)
		}
	}
	return b
}

// floats views little-endian bytes as float64s (this is a little-endian program).
func floats(b []byte) []float64 {
	if len(b) < 8 {
		return nil
	}
	return unsafe.Slice((*float64)(unsafe.Pointer(&b[0])), len(b)/8)
}
