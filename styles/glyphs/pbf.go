// Package glyphs makes the glyphs of map labels and serves them as MapLibre GL reads them from a
// style's glyphs URL (…/{fontstack}/{range}.pbf). A font's characters are rendered as signed
// distance fields (Render: 24 px em, a 3 px border, radius 8, cutoff 0.25, as Mapbox's fontnik
// does) and stored 256 code points to a range in the glyphs protobuf (Encode, Decode):
//
//	glyphs    { repeated fontstack stacks = 1; }
//	fontstack { required string name = 1; required string range = 2; repeated glyph glyphs = 3; }
//	glyph     { required uint32 id = 1; optional bytes bitmap = 2; required uint32 width = 3;
//	            required uint32 height = 4; required sint32 left = 5; required sint32 top = 6;
//	            required uint32 advance = 7; }
//
// A Set serves fontstacks — comma lists of font names — from such range files, each code point
// from the first font of the list that has it. It knows nothing of HTTP.
package glyphs

import (
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/cpec-digital/indus/data/fault"
)

// Glyph is one character's signed distance field and metrics, in pixels of a 24 px em.
type Glyph struct {
	ID rune
	// Bitmap is (Width+2·Border)×(Height+2·Border) distance values, rows from the top; empty for
	// a glyph without outline (a space).
	Bitmap []byte
	// Width and Height are the outline's bounding box, rounded, without the border.
	Width, Height int
	// Left is the bounding box's left edge right of the pen position; Top is its top edge above
	// the baseline less the font's ascender (so negative for most glyphs, as fontnik writes it).
	Left, Top int
	// Advance is how far the pen moves after the glyph.
	Advance int
}

// Stack is one fontstack message of a glyphs PBF.
type Stack struct {
	Name   string // the font or fontstack name
	Range  string // "start-end", e.g. "0-255"
	Glyphs []Glyph
}

// Protobuf field numbers of the glyphs messages.
const (
	fieldStacks = 1 // glyphs.stacks

	fieldName   = 1 // fontstack.name
	fieldRange  = 2 // fontstack.range
	fieldGlyphs = 3 // fontstack.glyphs

	fieldID      = 1
	fieldBitmap  = 2
	fieldWidth   = 3
	fieldHeight  = 4
	fieldLeft    = 5
	fieldTop     = 6
	fieldAdvance = 7
)

// Encode writes a glyphs PBF of one fontstack.
func Encode(s Stack) []byte {
	var stack, msg []byte
	stack = protowire.AppendTag(stack, fieldName, protowire.BytesType)
	stack = protowire.AppendString(stack, s.Name)
	stack = protowire.AppendTag(stack, fieldRange, protowire.BytesType)
	stack = protowire.AppendString(stack, s.Range)
	for _, g := range s.Glyphs {
		msg = appendGlyph(msg[:0], g)
		stack = protowire.AppendTag(stack, fieldGlyphs, protowire.BytesType)
		stack = protowire.AppendBytes(stack, msg)
	}
	out := protowire.AppendTag(make([]byte, 0, len(stack)+8), fieldStacks, protowire.BytesType)
	return protowire.AppendBytes(out, stack)
}

func appendGlyph(b []byte, g Glyph) []byte {
	b = appendVarint(b, fieldID, uint64(g.ID))
	if len(g.Bitmap) > 0 {
		b = protowire.AppendTag(b, fieldBitmap, protowire.BytesType)
		b = protowire.AppendBytes(b, g.Bitmap)
	}
	b = appendVarint(b, fieldWidth, uint64(g.Width))
	b = appendVarint(b, fieldHeight, uint64(g.Height))
	b = appendVarint(b, fieldLeft, protowire.EncodeZigZag(int64(g.Left)))
	b = appendVarint(b, fieldTop, protowire.EncodeZigZag(int64(g.Top)))
	return appendVarint(b, fieldAdvance, uint64(g.Advance))
}

func appendVarint(b []byte, field protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(b, field, protowire.VarintType), v)
}

// Decode reads a glyphs PBF: every fontstack, each glyph checked as MapLibre needs it (a bitmap,
// when present, of exactly (width+6)×(height+6) bytes). Unknown fields are skipped.
func Decode(b []byte) ([]Stack, error) {
	var out []Stack
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num != fieldStacks {
			return nil
		}
		if typ != protowire.BytesType {
			return bad("fontstack of wire type %d", typ)
		}
		s, err := decodeStack(v)
		out = append(out, s)
		return err
	})
	return out, err
}

func decodeStack(b []byte) (Stack, error) {
	var s Stack
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num < fieldName || num > fieldGlyphs {
			return nil
		}
		if typ != protowire.BytesType {
			return bad("fontstack field %d of wire type %d", num, typ)
		}
		switch num {
		case fieldName:
			s.Name = string(v)
		case fieldRange:
			s.Range = string(v)
		default:
			g, err := decodeGlyph(v)
			if err != nil {
				return err
			}
			s.Glyphs = append(s.Glyphs, g)
		}
		return nil
	})
	return s, err
}

// maxSide bounds a glyph's width and height: MapLibre's 24 px glyphs are far smaller.
const maxSide = 1 << 10

func decodeGlyph(b []byte) (Glyph, error) {
	var g Glyph
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, n uint64) error {
		if num < fieldID || num > fieldAdvance {
			return nil
		}
		want := protowire.VarintType
		if num == fieldBitmap {
			want = protowire.BytesType
		}
		if typ != want {
			return bad("glyph field %d of wire type %d", num, typ)
		}
		if num == fieldBitmap {
			g.Bitmap = append([]byte(nil), v...)
			return nil
		}
		return setMetric(&g, num, n)
	})
	if err != nil {
		return g, err
	}
	if g.Width > maxSide || g.Height > maxSide {
		return g, bad("glyph %d of %d×%d pixels", g.ID, g.Width, g.Height)
	}
	if want := (g.Width + 2*Border) * (g.Height + 2*Border); len(g.Bitmap) > 0 && len(g.Bitmap) != want {
		return g, bad("glyph %d has %d bitmap bytes for %d×%d pixels (want %d)", g.ID, len(g.Bitmap), g.Width, g.Height, want)
	}
	return g, nil
}

// setMetric stores a varint field of a glyph; values out of their type's range are refused.
func setMetric(g *Glyph, num protowire.Number, n uint64) error {
	switch num {
	case fieldLeft, fieldTop:
		v := protowire.DecodeZigZag(n)
		if v < -maxSide || v > maxSide {
			return bad("glyph bearing %d", v)
		}
		if num == fieldLeft {
			g.Left = int(v)
		} else {
			g.Top = int(v)
		}
		return nil
	case fieldID:
		if n > 0x10ffff {
			return bad("glyph id %d beyond Unicode", n)
		}
		g.ID = rune(n)
		return nil
	}
	if n > maxSide {
		return bad("glyph field %d is %d", num, n)
	}
	switch num {
	case fieldWidth:
		g.Width = int(n)
	case fieldHeight:
		g.Height = int(n)
	case fieldAdvance:
		g.Advance = int(n)
	}
	return nil
}

// fields calls fn with each field of a message: its number, wire type, bytes (for length-delimited
// fields) and value (for varints).
func fields(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte, n uint64) error) error {
	for len(b) > 0 {
		num, typ, k := protowire.ConsumeTag(b)
		if k < 0 {
			return bad("bad field tag: %v", protowire.ParseError(k))
		}
		b = b[k:]
		var v []byte
		var n uint64
		switch typ {
		case protowire.BytesType:
			v, k = protowire.ConsumeBytes(b)
		case protowire.VarintType:
			n, k = protowire.ConsumeVarint(b)
		default:
			k = protowire.ConsumeFieldValue(num, typ, b)
		}
		if k < 0 {
			return bad("bad field %d: %v", num, protowire.ParseError(k))
		}
		b = b[k:]
		if err := fn(num, typ, v, n); err != nil {
			return err
		}
	}
	return nil
}

// bad is the error of a malformed glyphs PBF.
func bad(format string, args ...any) error {
	return fault.Errorf(fault.KindInvalid, "glyphs: "+format, args...)
}
