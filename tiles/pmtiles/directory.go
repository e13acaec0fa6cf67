package pmtiles

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
)

// entry is one row of a directory: a run of tiles that share one blob, or a leaf directory (run 0).
type entry struct {
	id     uint64 // first tile id
	offset uint64 // from the start of the tile data (tiles) or leaf directories (leaves)
	length uint32 // bytes, never 0
	run    uint32 // tiles in the run; 0 for a leaf directory
}

// appendDirectory appends the uncompressed encoding of es to b: the count, then the delta tile
// ids, run lengths, lengths and offsets, each column a run of varints.
func appendDirectory(b []byte, es []entry) []byte {
	b = binary.AppendUvarint(b, uint64(len(es)))
	var last uint64
	for _, e := range es {
		b = binary.AppendUvarint(b, e.id-last)
		last = e.id
	}
	for _, e := range es {
		b = binary.AppendUvarint(b, uint64(e.run))
	}
	for _, e := range es {
		b = binary.AppendUvarint(b, uint64(e.length))
	}
	var next uint64
	for i, e := range es {
		if i > 0 && e.offset == next {
			b = binary.AppendUvarint(b, 0)
		} else {
			b = binary.AppendUvarint(b, e.offset+1)
		}
		next = e.offset + uint64(e.length)
	}
	return b
}

// varints reads varints from b and keeps the first error.
type varints struct {
	b   []byte
	off int
	err error
}

// next returns the next varint, or 0 once an error has been met.
func (v *varints) next() uint64 {
	if v.err != nil {
		return 0
	}
	x, n := binary.Uvarint(v.b[v.off:])
	switch {
	case n == 0:
		v.err = fmt.Errorf("pmtiles: directory truncated at byte %d", v.off)
	case n < 0:
		v.err = fmt.Errorf("pmtiles: directory varint at byte %d overflows 64 bits", v.off)
	}
	v.off += max(n, 0)
	return x
}

// decodeDirectory parses an uncompressed directory and checks that its entries are sorted,
// do not overlap and have lengths above 0.
func decodeDirectory(b []byte) ([]entry, error) {
	v := &varints{b: b}
	n := v.next()
	if v.err != nil {
		return nil, v.err
	}
	// Every entry takes at least four bytes, so a larger count is a lie; refuse it before allocating.
	if n == 0 || n > uint64(len(b)-v.off)/4 {
		return nil, fmt.Errorf("pmtiles: directory claims %d entries in %d bytes", n, len(b))
	}
	es := make([]entry, n)
	if err := decodeColumns(v, es); err != nil {
		return nil, err
	}
	if v.off != len(b) {
		return nil, fmt.Errorf("pmtiles: directory has %d trailing bytes", len(b)-v.off)
	}
	return es, checkOrder(es)
}

// decodeColumns fills es from the four varint columns.
func decodeColumns(v *varints, es []entry) error {
	var id uint64
	for i := range es {
		d := v.next()
		if id+d < id {
			return errors.New("pmtiles: directory tile id overflows 64 bits")
		}
		id += d
		es[i].id = id
	}
	for i := range es {
		es[i].run = narrow(v, "run length")
	}
	for i := range es {
		if es[i].length = narrow(v, "length"); v.err == nil && es[i].length == 0 {
			return fmt.Errorf("pmtiles: directory entry %d has length 0", i)
		}
	}
	for i := range es {
		o := v.next()
		switch {
		case v.err != nil:
		case o > 0:
			es[i].offset = o - 1
		case i == 0:
			return errors.New("pmtiles: first directory entry has no offset")
		default:
			p := es[i-1]
			es[i].offset = p.offset + uint64(p.length)
			if es[i].offset < p.offset {
				return errors.New("pmtiles: directory offset overflows 64 bits")
			}
		}
	}
	return v.err
}

// narrow reads a varint that must fit 32 bits; what is named is used in the error.
func narrow(v *varints, what string) uint32 {
	x := v.next()
	if x > math.MaxUint32 && v.err == nil {
		v.err = fmt.Errorf("pmtiles: directory %s %d does not fit 32 bits", what, x)
	}
	return uint32(x)
}

// checkOrder reports entries whose tile ids are not increasing or whose runs overlap the next.
func checkOrder(es []entry) error {
	for i := 1; i < len(es); i++ {
		p, e := es[i-1], es[i]
		if e.id <= p.id {
			return fmt.Errorf("pmtiles: directory entries %d and %d are not sorted by tile id", i-1, i)
		}
		if e.id-p.id < uint64(p.run) {
			return fmt.Errorf("pmtiles: directory entry %d's run overlaps entry %d", i-1, i)
		}
	}
	last := es[len(es)-1]
	if last.run > 0 && last.id+uint64(last.run-1) < last.id {
		return errors.New("pmtiles: directory run overflows 64-bit tile ids")
	}
	return nil
}

// find returns the entry that holds tile id: a run covering it or the leaf directory that may.
func find(es []entry, id uint64) (entry, bool) {
	i := sort.Search(len(es), func(i int) bool { return es[i].id > id }) - 1
	if i < 0 {
		return entry{}, false
	}
	e := es[i]
	if e.run == 0 || id-e.id < uint64(e.run) {
		return e, true
	}
	return entry{}, false
}
