package tiles

import (
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/cpec-digital/indus/data"
)

// outFeature is a feature ready for encoding: its index in the layer, and its geometry already
// in integer tile coordinates, valid and correctly wound (see prepare).
type outFeature struct {
	index int
	geom  orb.Geometry
}

// outLayer is one MVT layer of a tile.
type outLayer struct {
	layer  *data.Layer
	fields map[string]bool // attributes to keep; nil keeps all
	feats  []outFeature
}

// valueKey identifies a typed attribute value for the layer's value table.
type valueKey struct {
	kind byte
	s    string
	n    uint64
}

// layerEncoder builds one MVT layer (spec 2.1) directly with protowire: keys and values are
// deduplicated in order of first use, keys of a feature are written in sorted order, so the same
// input always gives the same bytes.
type layerEncoder struct {
	keys    map[string]uint32
	keyList []string
	vals    map[valueKey]uint32
	valBuf  []byte // encoded Value messages, each framed as field 4 of the layer
	nvals   uint32
	feats   []byte
	order   []int // the layer's fields to write, by name
	tags    []uint64
	geom    []uint64
}

func newLayerEncoder() *layerEncoder {
	return &layerEncoder{keys: map[string]uint32{}, vals: map[valueKey]uint32{}}
}

// fieldOrder returns the indexes of the fields to write, sorted by name.
func fieldOrder(spec *data.LayerSpec, keep map[string]bool) []int {
	var out []int
	for i, f := range spec.Fields {
		if keep == nil || keep[f.Name] {
			out = append(out, i)
		}
	}
	slices.SortFunc(out, func(a, b int) int { return strings.Compare(spec.Fields[a].Name, spec.Fields[b].Name) })
	return out
}

// encodeTile writes the layers in order as an MVT tile.
func encodeTile(layers []outLayer) []byte {
	var tile []byte
	for _, l := range layers {
		e := newLayerEncoder()
		body := e.layer(l)
		tile = protowire.AppendTag(tile, 3, protowire.BytesType)
		tile = protowire.AppendBytes(tile, body)
	}
	return tile
}

func (e *layerEncoder) key(k string) uint32 {
	if i, ok := e.keys[k]; ok {
		return i
	}
	i := uint32(len(e.keyList))
	e.keys[k] = i
	e.keyList = append(e.keyList, k)
	return i
}

func (e *layerEncoder) value(v data.Value) (uint32, bool) {
	var k valueKey
	switch v.Type {
	case data.FieldString:
		k = valueKey{kind: 1, s: v.Str}
	case data.FieldNumber:
		k = valueKey{kind: 3, n: math.Float64bits(v.Num)}
	case data.FieldInteger:
		k = valueKey{kind: 4, n: uint64(v.Int)}
	case data.FieldBoolean:
		k = valueKey{kind: 7}
		if v.Bool {
			k.n = 1
		}
	default:
		return 0, false
	}
	if i, ok := e.vals[k]; ok {
		return i, true
	}
	var msg []byte
	switch k.kind {
	case 1:
		msg = protowire.AppendTag(msg, 1, protowire.BytesType)
		msg = protowire.AppendString(msg, k.s)
	case 3:
		msg = protowire.AppendTag(msg, 3, protowire.Fixed64Type)
		msg = protowire.AppendFixed64(msg, k.n)
	case 4:
		msg = protowire.AppendTag(msg, 4, protowire.VarintType)
		msg = protowire.AppendVarint(msg, k.n)
	case 7:
		msg = protowire.AppendTag(msg, 7, protowire.VarintType)
		msg = protowire.AppendVarint(msg, k.n)
	}
	e.valBuf = protowire.AppendTag(e.valBuf, 4, protowire.BytesType)
	e.valBuf = protowire.AppendBytes(e.valBuf, msg)
	i := e.nvals
	e.vals[k] = i
	e.nvals++
	return i, true
}

func (e *layerEncoder) layer(l outLayer) []byte {
	e.order = fieldOrder(l.layer.Spec, l.fields)
	for _, f := range l.feats {
		e.feature(l.layer, f)
	}
	var b []byte
	b = protowire.AppendTag(b, 15, protowire.VarintType)
	b = protowire.AppendVarint(b, 2)
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, l.layer.Spec.ID)
	b = append(b, e.feats...)
	for _, k := range e.keyList {
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		b = protowire.AppendString(b, k)
	}
	b = append(b, e.valBuf...)
	b = protowire.AppendTag(b, 5, protowire.VarintType)
	b = protowire.AppendVarint(b, Extent)
	return b
}

func (e *layerEncoder) feature(l *data.Layer, f outFeature) {
	e.tags = e.tags[:0]
	for _, fi := range e.order {
		vi, ok := e.value(l.Value(f.index, fi))
		if !ok {
			continue // null
		}
		e.tags = append(e.tags, uint64(e.key(l.Spec.Fields[fi].Name)), uint64(vi))
	}
	typ := e.geometry(f.geom)
	if typ == 0 {
		return
	}
	var m []byte
	m = protowire.AppendTag(m, 1, protowire.VarintType)
	m = protowire.AppendVarint(m, l.ID(f.index))
	m = appendPacked(m, 2, e.tags)
	m = protowire.AppendTag(m, 3, protowire.VarintType)
	m = protowire.AppendVarint(m, typ)
	m = appendPacked(m, 4, e.geom)
	e.feats = protowire.AppendTag(e.feats, 2, protowire.BytesType)
	e.feats = protowire.AppendBytes(e.feats, m)
}

func appendPacked(b []byte, field protowire.Number, vs []uint64) []byte {
	if len(vs) == 0 {
		return b
	}
	n := 0
	for _, v := range vs {
		n += protowire.SizeVarint(v)
	}
	b = protowire.AppendTag(b, field, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(n))
	for _, v := range vs {
		b = protowire.AppendVarint(b, v)
	}
	return b
}

// geometry writes the command stream of g into e.geom and returns the MVT geometry type
// (1 point, 2 line, 3 polygon), or 0 for an empty or unsupported geometry.
func (e *layerEncoder) geometry(g orb.Geometry) uint64 {
	e.geom = e.geom[:0]
	var cx, cy int64
	cmd := func(id, count uint64) { e.geom = append(e.geom, id&7|count<<3) }
	pt := func(p orb.Point) {
		x, y := int64(p[0]), int64(p[1])
		e.geom = append(e.geom, protowire.EncodeZigZag(x-cx), protowire.EncodeZigZag(y-cy))
		cx, cy = x, y
	}
	line := func(ls []orb.Point) {
		cmd(1, 1)
		pt(ls[0])
		cmd(2, uint64(len(ls)-1))
		for _, p := range ls[1:] {
			pt(p)
		}
	}
	ring := func(r orb.Ring) {
		pts := r[:len(r)-1] // the closing point is implied by ClosePath
		line(pts)
		e.geom = append(e.geom, 7|1<<3)
	}
	switch t := g.(type) {
	case orb.Point:
		cmd(1, 1)
		pt(t)
		return 1
	case orb.MultiPoint:
		cmd(1, uint64(len(t)))
		for _, p := range t {
			pt(p)
		}
		return 1
	case orb.LineString:
		line(t)
		return 2
	case orb.MultiLineString:
		for _, l := range t {
			line(l)
		}
		return 2
	case orb.Polygon:
		for _, r := range t {
			ring(r)
		}
		return 3
	case orb.MultiPolygon:
		for _, p := range t {
			for _, r := range p {
				ring(r)
			}
		}
		return 3
	}
	return 0
}
