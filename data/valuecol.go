package data

import "math"

// valueCol accumulates one attribute column while a layer is built.
type valueCol interface {
	add(v Value, i int)
	close()
	encode(w *sectionWriter) (colTOC, error)
}

func newValueCol(t FieldType, dir string) valueCol {
	switch t {
	case FieldInteger:
		c := newIntCol(dir)
		return &c
	case FieldNumber:
		return &numCol{s: newSpool(dir), all32: true}
	case FieldBoolean:
		return &boolCol{}
	}
	return &strCol{s: newSpool(dir), index: map[string]uint32{}}
}

// growBits sets bit i of *b, growing it as needed.
func growBits(b *bits, i int) {
	for len(*b) <= i>>6 {
		*b = append(*b, 0)
	}
	b.set(i)
}

// intCol keeps the values as int64 with their range and whether they run base, base+1, ….
type intCol struct {
	s               *spool
	min, max, first int64
	seq, any        bool
	nulls           bits
	n               int
}

func newIntCol(dir string) intCol { return intCol{s: newSpool(dir), seq: true} }

func (c *intCol) add(v Value, i int) {
	c.n++
	if v.Null() {
		growBits(&c.nulls, i)
		c.seq = false
		c.s.u64(0)
		return
	}
	x := v.Int
	if !c.any {
		c.min, c.max, c.first, c.any = x, x, x, true
	}
	c.min, c.max = min(c.min, x), max(c.max, x)
	c.seq = c.seq && x == c.first+int64(i)
	c.s.u64(uint64(x))
}

func (c *intCol) close() { c.s.close() }

// numCol keeps float64 values and whether they all are exact float32s.
type numCol struct {
	s     *spool
	all32 bool
	nulls bits
	n     int
}

func (c *numCol) add(v Value, i int) {
	c.n++
	if v.Null() {
		growBits(&c.nulls, i)
		c.s.f64(0)
		return
	}
	c.all32 = c.all32 && exactFloat32(v.Num) && !math.IsInf(v.Num, 0)
	c.s.f64(v.Num)
}

func (c *numCol) close() { c.s.close() }

// boolCol keeps the values as a bitset.
type boolCol struct {
	set, nulls bits
	n          int
}

func (c *boolCol) add(v Value, i int) {
	c.n++
	switch {
	case v.Null():
		growBits(&c.nulls, i)
	case v.Bool:
		growBits(&c.set, i)
	}
}

func (c *boolCol) close() {}

// strCol keeps a dictionary of the distinct values (in order of first use) and a code per row.
type strCol struct {
	s     *spool
	index map[string]uint32
	dict  []string
	nulls bits
	n     int
}

func (c *strCol) add(v Value, i int) {
	c.n++
	if v.Null() {
		growBits(&c.nulls, i)
		c.s.u32(0)
		return
	}
	code, ok := c.index[v.Str]
	if !ok {
		code = uint32(len(c.dict))
		c.index[v.Str] = code
		c.dict = append(c.dict, v.Str)
	}
	c.s.u32(code)
}

func (c *strCol) close() { c.s.close() }
