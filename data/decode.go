package data

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"unsafe"

	"github.com/paulmach/orb"
)

// OpenSnapshot maps a snapshot file read-only and returns its dataset, whose layers read the
// mapped pages in place. Every section's checksum is verified first; a snapshot of another format
// version, truncated, corrupt, or whose catalog fails validation is refused with an error naming
// the file and the section. The mapping stays until Close.
func OpenSnapshot(path string) (*Dataset, error) { return openSnapshot(path, nil) }

// openSnapshot is OpenSnapshot with the catalog already at hand (nil: the snapshot's own).
func openSnapshot(path string, cat *Catalog) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Kind: KindInvalid, Msg: "cannot open snapshot " + path, Err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b, unmap, err := mapFile(f, st.Size())
	if err != nil {
		return nil, err
	}
	ds, err := decodeSnapshot(b, path, cat)
	if err != nil {
		unmap()
		return nil, err
	}
	ds.unmap = unmap
	return ds, nil
}

// DecodeSnapshot reads a snapshot held in b (which must start 8-byte aligned and stay unchanged
// while the dataset is used); name is used in errors.
func DecodeSnapshot(b []byte, name string) (*Dataset, error) { return decodeSnapshot(b, name, nil) }

func decodeSnapshot(b []byte, name string, cat *Catalog) (*Dataset, error) {
	t, err := readTOC(b, name)
	if err != nil {
		return nil, err
	}
	if cat == nil {
		if cat, err = ParseCatalog(bytes.NewReader([]byte(t.Catalog)), ""); err != nil {
			return nil, fmt.Errorf("snapshot %s: catalog: %w", name, err)
		}
	}
	if len(cat.Layers) != len(t.Layers) {
		return nil, snapErr(name, "table of contents", fmt.Sprintf("%d layers for %d in the catalog", len(t.Layers), len(cat.Layers)))
	}
	ds := &Dataset{Catalog: cat, Version: t.DataVersion}
	for i, lt := range t.Layers {
		if lt.ID != cat.Layers[i].ID {
			return nil, snapErr(name, "layer "+lt.ID, "not the catalog's layer "+cat.Layers[i].ID)
		}
		l, err := decodeLayer(b, lt, &cat.Layers[i], name)
		if err != nil {
			return nil, err
		}
		ds.Layers = append(ds.Layers, l)
	}
	return ds, nil
}

func snapErr(name, section, why string) error {
	return &Error{Kind: KindInvalid, Msg: fmt.Sprintf("snapshot %s: %s", name, section), Detail: why}
}

// readTOC checks the preamble and returns the table of contents.
func readTOC(b []byte, name string) (*toc, error) {
	if len(b) < preambleSize || string(b[:8]) != snapshotMagic {
		return nil, snapErr(name, "preamble", "not an Indus snapshot (or truncated)")
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != FormatVersion {
		return nil, snapErr(name, "preamble", fmt.Sprintf("format version %d; this indus reads version %d: rebuild it with indus build", v, FormatVersion))
	}
	s := sec{Off: int64(binary.LittleEndian.Uint64(b[16:])), Len: int64(binary.LittleEndian.Uint64(b[24:])),
		CRC: binary.LittleEndian.Uint32(b[32:])}
	raw, err := section(b, &s, name, "table of contents")
	if err != nil {
		return nil, err
	}
	var t toc
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, snapErr(name, "table of contents", err.Error())
	}
	if t.Format != FormatVersion {
		return nil, snapErr(name, "table of contents", fmt.Sprintf("format version %d", t.Format))
	}
	return &t, nil
}

// section returns the bytes of s after checking that they lie in b, are aligned, and match the
// checksum.
func section(b []byte, s *sec, name, what string) ([]byte, error) {
	if s == nil {
		return nil, nil
	}
	if s.Off < preambleSize || s.Len < 0 || s.Off > int64(len(b)) || s.Len > int64(len(b))-s.Off {
		return nil, snapErr(name, what, fmt.Sprintf("section at %d (%d bytes) is outside the file of %d bytes: truncated?", s.Off, s.Len, len(b)))
	}
	if s.Off%8 != 0 {
		return nil, snapErr(name, what, "section is not aligned")
	}
	raw := b[s.Off : s.Off+s.Len]
	if crc(raw) != s.CRC {
		return nil, snapErr(name, what, "checksum mismatch: the file is corrupt")
	}
	return raw, nil
}

// decoder turns the sections of one layer into typed views, checking their sizes.
type decoder struct {
	b    []byte
	name string
	id   string
	err  error
}

func (d *decoder) raw(s *sec, what string, size int64) []byte {
	if d.err != nil || s == nil {
		return nil
	}
	raw, err := section(d.b, s, d.name, "layer "+d.id+" "+what)
	if err == nil && size >= 0 && int64(len(raw)) != size {
		err = snapErr(d.name, "layer "+d.id+" "+what, fmt.Sprintf("%d bytes, want %d", len(raw), size))
	}
	d.err = err
	return raw
}

func bytesOf[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}

func view[T any](raw []byte) []T {
	var zero T
	if len(raw) == 0 {
		return []T{}
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&raw[0])), len(raw)/int(unsafe.Sizeof(zero)))
}

// codes views a section of n codes of the given width.
func (d *decoder) codes(s *sec, what string, n, width int) codes {
	raw := d.raw(s, what, int64(n*width))
	var c codes
	switch width {
	case 1:
		c.u8 = view[uint8](raw)
	case 2:
		c.u16 = view[uint16](raw)
	case 4:
		c.u32 = view[uint32](raw)
	case 8:
		c.u64 = view[uint64](raw)
	default:
		if n > 0 && d.err == nil {
			d.err = snapErr(d.name, "layer "+d.id+" "+what, fmt.Sprintf("code width %d", width))
		}
	}
	return c
}

func (d *decoder) bits(s *sec, what string, n int) bits {
	if s == nil {
		return nil
	}
	return bits(view[uint64](d.raw(s, what, int64((n+63)/64*8))))
}

// offsets views an offsets section (count+1 entries from 0 to end, never decreasing), or nil.
func (d *decoder) offsets(s *sec, what string, count, end int) []uint32 {
	if s == nil {
		if count != end && d.err == nil {
			d.err = snapErr(d.name, "layer "+d.id+" "+what, "missing")
		}
		return nil
	}
	o := view[uint32](d.raw(s, what, int64(4*(count+1))))
	if d.err != nil {
		return nil
	}
	if o[0] != 0 || int(o[count]) != end {
		d.err = snapErr(d.name, "layer "+d.id+" "+what, "offsets do not span the next level")
		return nil
	}
	for i := 1; i <= count; i++ {
		if o[i] < o[i-1] {
			d.err = snapErr(d.name, "layer "+d.id+" "+what, "offsets decrease")
			return nil
		}
	}
	return o
}

// decodeLayer builds a layer over the sections of b that t describes.
func decodeLayer(b []byte, t layerTOC, spec *LayerSpec, name string) (*Layer, error) {
	d := &decoder{b: b, name: name, id: t.ID}
	if t.N < 0 || len(t.Fields) != len(spec.Fields) {
		return nil, snapErr(name, "layer "+t.ID, "fields do not match the catalog")
	}
	l := &Layer{Spec: spec, n: t.N, Bound: orb.Bound{Min: orb.Point{t.Bound[0], t.Bound[1]}, Max: orb.Point{t.Bound[2], t.Bound[3]}}}
	l.ids = d.ints(t.IDs, "ids", t.N)
	l.geom = d.shapes(t.Shape, t.N)
	for k, ct := range t.Fields {
		l.cols = append(l.cols, d.column(ct, spec.Fields[k], t.N))
	}
	l.order = view[int32](d.raw(t.Order, "order", int64(4*t.N)))
	l.pages = view[float64](d.raw(t.Pages, "pages", int64(32*((t.N+PageSize-1)/PageSize))))
	if d.err == nil && (t.Order == nil || t.Pages == nil) {
		d.err = snapErr(name, "layer "+t.ID, "no index order")
	}
	for _, i := range l.order {
		if d.err == nil && (i < 0 || int(i) >= t.N) {
			d.err = snapErr(name, "layer "+t.ID+" order", "feature index out of range")
		}
	}
	return l, d.err
}

func (d *decoder) shapes(t shapeTOC, n int) shapes {
	s := shapes{kind0: t.Kind0}
	if t.Kinds != nil {
		s.kinds = view[uint8](d.raw(t.Kinds, "kinds", int64(n)))
	}
	for _, k := range s.kinds {
		if k < kindPoint || k > kindMultiPolygon {
			d.err = snapErr(d.name, "layer "+d.id+" kinds", fmt.Sprintf("unknown geometry kind %d", k))
			break
		}
	}
	if n > 0 && s.kinds == nil && (t.Kind0 < kindPoint || t.Kind0 > kindMultiPolygon) && d.err == nil {
		d.err = snapErr(d.name, "layer "+d.id+" kinds", fmt.Sprintf("unknown geometry kind %d", t.Kind0))
	}
	s.xy = view[float64](d.raw(t.XY, "coordinates", int64(16*t.NPts)))
	s.parts = d.offsets(t.Parts, "parts", n, t.NParts)
	s.rings = d.offsets(t.Rings, "rings", t.NParts, t.NRings)
	s.points = d.offsets(t.Points, "points", t.NRings, t.NPts)
	if t.Bounds != nil {
		s.bounds = view[float64](d.raw(t.Bounds, "bounds", int64(32*n)))
	}
	return s
}

func (d *decoder) ints(t colTOC, what string, n int) ints {
	c := ints{base: t.Base}
	switch t.Kind {
	case "seq":
	case "ints":
		c.codes = d.codes(t.Data, what, n, t.Width)
		if n > 0 && c.codes.width() == 0 && d.err == nil {
			d.err = snapErr(d.name, "layer "+d.id+" "+what, "no data")
		}
		c.nulls = d.bits(t.Nulls, what+" nulls", n)
	default:
		if d.err == nil {
			d.err = snapErr(d.name, "layer "+d.id+" "+what, "kind "+t.Kind+" is not an integer column")
		}
	}
	return c
}

// column decodes one attribute column, which must suit its field's type.
func (d *decoder) column(t colTOC, f Field, n int) column {
	what := "field " + f.Name
	want := map[FieldType][]string{FieldInteger: {"seq", "ints"}, FieldNumber: {"f64", "f32"}, FieldBoolean: {"bools"}, FieldString: {"strs"}}
	ok := false
	for _, k := range want[f.Type] {
		ok = ok || k == t.Kind
	}
	if !ok {
		if d.err == nil {
			d.err = snapErr(d.name, "layer "+d.id+" "+what, fmt.Sprintf("%s column for a %s field", t.Kind, f.Type))
		}
		return &ints{}
	}
	switch t.Kind {
	case "seq", "ints":
		c := d.ints(t, what, n)
		return &c
	case "f64":
		return &numbers{f64: view[float64](d.raw(t.Data, what, int64(8*n))), nulls: d.bits(t.Nulls, what+" nulls", n)}
	case "f32":
		return &numbers{f32: view[float32](d.raw(t.Data, what, int64(4*n))), nulls: d.bits(t.Nulls, what+" nulls", n)}
	case "bools":
		return &booleans{set: d.bits(t.Data, what, max(n, 1)), nulls: d.bits(t.Nulls, what+" nulls", n)}
	}
	return d.strs(t, what, n)
}

func (d *decoder) strs(t colTOC, what string, n int) column {
	c := &strs{codes: d.codes(t.Data, what, n, t.Width), nulls: d.bits(t.Nulls, what+" nulls", n)}
	blob := d.raw(t.Dict, what+" dictionary", -1)
	offs := d.offsets(t.DictOff, what+" dictionary offsets", t.DictLen, len(blob))
	if d.err != nil {
		return c
	}
	c.dict = make([]string, t.DictLen)
	for k := range c.dict {
		c.dict[k] = string(blob[offs[k]:offs[k+1]])
	}
	for i := 0; i < n; i++ {
		if code := c.codes.at(i); code >= uint64(t.DictLen) && (c.nulls == nil || !c.nulls.get(i)) {
			d.err = snapErr(d.name, "layer "+d.id+" "+what, "code outside the dictionary")
			break
		}
	}
	return c
}
