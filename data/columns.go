package data

import "math"

// column is one attribute of every feature of a layer.
type column interface {
	value(i int) Value
}

// ints is an integer column: base + code, or base + i when codes are absent (a sequence).
type ints struct {
	base  int64
	codes codes
	nulls bits
}

func (c *ints) at(i int) int64 {
	if c.codes.width() == 0 {
		return c.base + int64(i)
	}
	return c.base + int64(c.codes.at(i))
}

func (c *ints) value(i int) Value {
	if c.nulls != nil && c.nulls.get(i) {
		return Value{}
	}
	return Value{Type: FieldInteger, Int: c.at(i)}
}

// numbers is a float column, in float32 when every value is exactly a float32.
type numbers struct {
	f64   []float64
	f32   []float32
	nulls bits
}

func (c *numbers) value(i int) Value {
	if c.nulls != nil && c.nulls.get(i) {
		return Value{}
	}
	if c.f32 != nil {
		return Value{Type: FieldNumber, Num: float64(c.f32[i])}
	}
	return Value{Type: FieldNumber, Num: c.f64[i]}
}

// booleans is a bitset column.
type booleans struct {
	set   bits
	nulls bits
}

func (c *booleans) value(i int) Value {
	if c.nulls != nil && c.nulls.get(i) {
		return Value{}
	}
	return Value{Type: FieldBoolean, Bool: c.set.get(i)}
}

// strs is a dictionary-coded string column.
type strs struct {
	dict  []string
	codes codes
	nulls bits
}

func (c *strs) value(i int) Value {
	if c.nulls != nil && c.nulls.get(i) {
		return Value{}
	}
	return Value{Type: FieldString, Str: c.dict[c.codes.at(i)]}
}

// exactFloat32 reports whether v survives a round trip through float32.
func exactFloat32(v float64) bool {
	return float64(float32(v)) == v || math.IsNaN(v)
}
