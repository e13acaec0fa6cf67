package data

import (
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data/geo"
)

// Sink receives the features of one layer as a source reads them: an id, a lon/lat geometry
// and the values of the layer's fields in Spec.Fields order (a zero Value is null).
type Sink interface {
	Add(id uint64, g orb.Geometry, vals []Value) error
}

// Builder appends the features of one layer into columns, in memory or, for big layers, spilled
// to temporary files in a folder; Layer finishes it in memory and a snapshot Writer writes it to a
// file. A Builder is not safe for concurrent use.
type Builder struct {
	spec  *LayerSpec
	n     int
	ids   intCol
	geom  geomCol
	cols  []valueCol
	bound orb.Bound
}

// NewBuilder starts a layer; with a non-empty dir its columns are spilled to files there.
func NewBuilder(spec *LayerSpec, dir string) *Builder {
	b := &Builder{spec: spec, ids: newIntCol(dir), geom: newGeomCol(dir)}
	for _, f := range spec.Fields {
		b.cols = append(b.cols, newValueCol(f.Type, dir))
	}
	return b
}

// Len returns the number of features added.
func (b *Builder) Len() int { return b.n }

// Add appends a feature. The geometry must be a non-empty point, line or polygon (or their
// multi forms) in WGS84 lon/lat; values must have their fields' types.
func (b *Builder) Add(id uint64, g orb.Geometry, vals []Value) error {
	if len(vals) != len(b.cols) {
		return fmt.Errorf("layer %q: feature %d has %d values for %d fields", b.spec.ID, id, len(vals), len(b.cols))
	}
	if id > math.MaxInt64 {
		return fmt.Errorf("layer %q: feature id %d is too large", b.spec.ID, id)
	}
	for k, v := range vals {
		if !v.Null() && v.Type != b.spec.Fields[k].Type {
			return fmt.Errorf("layer %q: feature %d: %s is a %s, not a %s", b.spec.ID, id, b.spec.Fields[k].Name, b.spec.Fields[k].Type, v.Type)
		}
	}
	fb, err := b.geom.add(g)
	if err != nil {
		return &Error{Kind: KindInvalid, Msg: fmt.Sprintf("layer %q (%s): feature %d", b.spec.ID, b.spec.Source.Path, id),
			Detail: err.Error() + "; is the source's CRS declared correctly?"}
	}
	b.ids.add(Value{Type: FieldInteger, Int: int64(id)}, b.n)
	for k, v := range vals {
		b.cols[k].add(v, b.n)
	}
	if b.n == 0 {
		b.bound = fb
	} else {
		b.bound = b.bound.Union(fb)
	}
	b.n++
	return nil
}

// AddFeature appends a feature given with a map of properties (which must name declared fields).
func (b *Builder) AddFeature(f Feature) error {
	vals := make([]Value, len(b.spec.Fields))
	for k, v := range f.Properties {
		i := b.spec.FieldIndex(k)
		if i < 0 {
			return fmt.Errorf("layer %q: feature %d has undeclared attribute %q", b.spec.ID, f.ID, k)
		}
		vals[i] = ValueOf(v)
	}
	return b.Add(f.ID, f.Geometry, vals)
}

// Close releases the builder's spill files.
func (b *Builder) Close() {
	b.ids.s.close()
	b.geom.close()
	for _, c := range b.cols {
		c.close()
	}
}

// NewLayer builds a layer in memory from features (for live layers, derived layers and tests);
// it panics on a feature the layer cannot hold, which is a programming error there.
func NewLayer(spec *LayerSpec, feats []Feature) *Layer {
	b := NewBuilder(spec, "")
	defer b.Close()
	for _, f := range feats {
		if err := b.AddFeature(f); err != nil {
			panic(err)
		}
	}
	l, err := b.Layer()
	if err != nil {
		panic(err)
	}
	return l
}

// geomCol accumulates geometries: a kind per feature, the points, and the offsets of parts,
// rings and points, with flags that say whether each level is one child per parent.
type geomCol struct {
	kinds, xy, parts, rings, points, bounds *spool
	kind0                                   uint8
	mixed                                   bool
	n, nparts, nrings, npts                 int
	oneParts, oneRings, onePoints           bool
}

func newGeomCol(dir string) geomCol {
	return geomCol{kinds: newSpool(dir), xy: newSpool(dir), parts: newSpool(dir), rings: newSpool(dir),
		points: newSpool(dir), bounds: newSpool(dir), oneParts: true, oneRings: true, onePoints: true}
}

func (c *geomCol) close() {
	for _, s := range []*spool{c.kinds, c.xy, c.parts, c.rings, c.points, c.bounds} {
		s.close()
	}
}

// add appends g and returns its bound (of polygons' exteriors, as orb computes it).
func (c *geomCol) add(g orb.Geometry) (orb.Bound, error) {
	kind, parts, err := decompose(g)
	if err != nil {
		return orb.Bound{}, err
	}
	if err := geo.CheckLonLat(g); err != nil {
		return orb.Bound{}, err
	}
	if c.n == 0 {
		c.kind0 = kind
	}
	c.mixed = c.mixed || kind != c.kind0
	c.kinds.u8(kind)
	c.parts.u32(uint32(c.nparts))
	c.oneParts = c.oneParts && len(parts) == 1
	for _, rings := range parts {
		c.addPart(rings)
	}
	b := g.Bound()
	for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		c.bounds.f64(v)
	}
	c.n++
	return b, nil
}

func (c *geomCol) addPart(rings [][]orb.Point) {
	c.rings.u32(uint32(c.nrings))
	c.oneRings = c.oneRings && len(rings) == 1
	for _, r := range rings {
		c.points.u32(uint32(c.npts))
		c.onePoints = c.onePoints && len(r) == 1
		for _, p := range r {
			c.xy.f64(p[0])
			c.xy.f64(p[1])
		}
		c.npts += len(r)
		c.nrings++
	}
	c.nparts++
}

// decompose returns the stored kind of g and its parts, each a list of point sequences.
func decompose(g orb.Geometry) (uint8, [][][]orb.Point, error) {
	switch t := g.(type) {
	case orb.Point:
		return kindPoint, [][][]orb.Point{{{t}}}, nil
	case orb.MultiPoint:
		if len(t) > 0 {
			return kindMultiPoint, [][][]orb.Point{{t}}, nil
		}
	case orb.LineString:
		if len(t) >= 2 {
			return kindLineString, [][][]orb.Point{{t}}, nil
		}
	case orb.MultiLineString:
		if len(t) > 0 && !slices.ContainsFunc(t, func(l orb.LineString) bool { return len(l) < 2 }) {
			return kindMultiLineString, [][][]orb.Point{lines(t)}, nil
		}
	case orb.Polygon:
		if len(t) > 0 && len(t[0]) >= 4 {
			return kindPolygon, [][][]orb.Point{rings(t)}, nil
		}
	case orb.MultiPolygon:
		if len(t) > 0 && !slices.ContainsFunc(t, func(p orb.Polygon) bool { return len(p) == 0 || len(p[0]) < 4 }) {
			parts := make([][][]orb.Point, len(t))
			for i, p := range t {
				parts[i] = rings(p)
			}
			return kindMultiPolygon, parts, nil
		}
	case nil:
		return 0, nil, fmt.Errorf("no geometry")
	default:
		return 0, nil, fmt.Errorf("geometry type %s is not supported", g.GeoJSONType())
	}
	return 0, nil, fmt.Errorf("empty %s", g.GeoJSONType())
}

func lines(m orb.MultiLineString) [][]orb.Point {
	out := make([][]orb.Point, len(m))
	for i, l := range m {
		out[i] = l
	}
	return out
}

func rings(p orb.Polygon) [][]orb.Point {
	out := make([][]orb.Point, len(p))
	for i, r := range p {
		out[i] = r
	}
	return out
}
