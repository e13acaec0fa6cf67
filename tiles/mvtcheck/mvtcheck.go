// Package mvtcheck validates Mapbox Vector Tile 2.1 bytes against the specification, decoding them
// with its own protobuf reader (independent of the encoder Indus uses).
package mvtcheck

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// Feature is a decoded feature: type (1 point, 2 line, 3 polygon), id, attributes and rings or
// parts in tile coordinates.
type Feature struct {
	ID    uint64
	HasID bool
	Type  int
	Props map[string]any
	Parts [][][2]int64
}

// Layer is a decoded layer.
type Layer struct {
	Name     string
	Version  uint64
	Extent   uint64
	Features []Feature
}

// Report is the result of Check: the decoded layers and every violation found.
type Report struct {
	Layers     []Layer
	Violations []string
	// InvalidRings counts the polygon rings that break validity (OGC simple features, as GEOS's
	// IsValid decides), and Invalid counts them by kind (SelfTangency, …; a ring may count under
	// several kinds). Each is also listed in Violations.
	InvalidRings int
	Invalid      map[string]int
}

func (r *Report) addf(format string, args ...any) {
	if len(r.Violations) < 100 {
		r.Violations = append(r.Violations, fmt.Sprintf(format, args...))
	}
}

// Check decodes tile and lists what breaks the MVT 2.1 rules Indus promises: layer version 2,
// extent 4096, unique layer names, integer feature ids, typed values, valid tags, valid command
// sequences, no repeated points, polygon rings of at least 4 points (with closure) and non-zero
// area, each polygon's first ring exterior (positive surveyor's area in tile y-down coordinates,
// i.e. clockwise) and holes negative, coordinates within [-buffer, extent+buffer], and valid
// polygons: rings without self-intersection, self-tangency or spikes, holes inside their exterior
// ring and not in each other, rings of a feature not crossing or overlapping, touching only at
// points that leave each polygon's interior connected, and parts of a multipolygon not overlapping.
func Check(tile []byte, buffer int64) Report {
	var r Report
	names := map[string]bool{}
	for len(tile) > 0 {
		num, typ, n := protowire.ConsumeTag(tile)
		if n < 0 {
			r.addf("tile: bad tag")
			return r
		}
		tile = tile[n:]
		if num == 3 && typ == protowire.BytesType {
			b, n := protowire.ConsumeBytes(tile)
			if n < 0 {
				r.addf("tile: bad layer bytes")
				return r
			}
			tile = tile[n:]
			l := checkLayer(b, buffer, &r)
			if names[l.Name] {
				r.addf("layer %q appears twice", l.Name)
			}
			names[l.Name] = true
			r.Layers = append(r.Layers, l)
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, tile)
		if n < 0 {
			r.addf("tile: bad field %d", num)
			return r
		}
		tile = tile[n:]
	}
	return r
}

func checkLayer(b []byte, buffer int64, r *Report) Layer {
	l := Layer{Extent: 4096}
	var keys []string
	var values []any
	var raw [][]byte
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			r.addf("layer: bad tag")
			return l
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.BytesType:
			v, n := protowire.ConsumeString(b)
			l.Name, b = v, b[max(n, 0):]
		case num == 2 && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			raw, b = append(raw, v), b[max(n, 0):]
		case num == 3 && typ == protowire.BytesType:
			v, n := protowire.ConsumeString(b)
			keys, b = append(keys, v), b[max(n, 0):]
		case num == 4 && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			values, b = append(values, value(v, l.Name, r)), b[max(n, 0):]
		case num == 5 && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			l.Extent, b = v, b[max(n, 0):]
		case num == 15 && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			l.Version, b = v, b[max(n, 0):]
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				r.addf("layer %q: bad field %d", l.Name, num)
				return l
			}
			b = b[n:]
		}
	}
	if l.Name == "" {
		r.addf("layer without a name")
	}
	if l.Version != 2 {
		r.addf("layer %q: version %d, want 2", l.Name, l.Version)
	}
	if l.Extent != 4096 {
		r.addf("layer %q: extent %d, want 4096", l.Name, l.Extent)
	}
	for i, fb := range raw {
		f := feature(fb, keys, values, int64(l.Extent), buffer, fmt.Sprintf("layer %q feature %d", l.Name, i), r)
		l.Features = append(l.Features, f)
	}
	return l
}

func value(b []byte, layer string, r *Report) any {
	var v any
	count := 0
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			r.addf("layer %q: bad value", layer)
			return nil
		}
		b = b[n:]
		count++
		switch {
		case num == 1 && typ == protowire.BytesType:
			s, n := protowire.ConsumeString(b)
			v, b = s, b[max(n, 0):]
		case num == 2 && typ == protowire.Fixed32Type:
			x, n := protowire.ConsumeFixed32(b)
			v, b = float64(float32frombits(x)), b[max(n, 0):]
		case num == 3 && typ == protowire.Fixed64Type:
			x, n := protowire.ConsumeFixed64(b)
			v, b = float64frombits(x), b[max(n, 0):]
		case num == 4 && typ == protowire.VarintType:
			x, n := protowire.ConsumeVarint(b)
			v, b = int64(x), b[max(n, 0):]
		case num == 5 && typ == protowire.VarintType:
			x, n := protowire.ConsumeVarint(b)
			v, b = int64(x), b[max(n, 0):]
		case num == 6 && typ == protowire.VarintType:
			x, n := protowire.ConsumeVarint(b)
			v, b = protowire.DecodeZigZag(x), b[max(n, 0):]
		case num == 7 && typ == protowire.VarintType:
			x, n := protowire.ConsumeVarint(b)
			v, b = x != 0, b[max(n, 0):]
		default:
			r.addf("layer %q: value with unknown field %d", layer, num)
			return nil
		}
	}
	if count != 1 {
		r.addf("layer %q: value with %d fields, want exactly 1", layer, count)
	}
	return v
}

func feature(b []byte, keys []string, values []any, extent, buffer int64, where string, r *Report) Feature {
	f := Feature{Props: map[string]any{}}
	tags, geom, ok := featureFields(b, &f, where, r)
	if !ok {
		return f
	}
	if !f.HasID {
		r.addf("%s: no id", where)
	}
	if len(tags)%2 != 0 {
		r.addf("%s: odd number of tags", where)
	}
	for i := 0; i+1 < len(tags); i += 2 {
		if int(tags[i]) >= len(keys) || int(tags[i+1]) >= len(values) {
			r.addf("%s: tag index out of range", where)
			continue
		}
		f.Props[keys[tags[i]]] = values[tags[i+1]]
	}
	if f.Type < 1 || f.Type > 3 {
		r.addf("%s: geometry type %d", where, f.Type)
		return f
	}
	d := &decoder{g: geom, extent: extent, buffer: buffer, where: where, r: r}
	f.Parts = d.geometry(f.Type)
	return f
}

// featureFields reads a feature message: id and type into f, and the packed tags and geometry.
func featureFields(b []byte, f *Feature, where string, r *Report) (tags, geom []uint32, ok bool) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			r.addf("%s: bad tag", where)
			return nil, nil, false
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			f.ID, f.HasID, b = v, true, b[max(n, 0):]
		case (num == 2 || num == 4) && typ == protowire.BytesType:
			p, n := protowire.ConsumeBytes(b)
			b = b[max(n, 0):]
			out, ok := packed(p)
			if !ok {
				r.addf("%s: bad packed varint", where)
				return nil, nil, false
			}
			if num == 2 {
				tags = out
			} else {
				geom = out
			}
		case num == 3 && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			f.Type, b = int(v), b[max(n, 0):]
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				r.addf("%s: bad field %d", where, num)
				return nil, nil, false
			}
			b = b[n:]
		}
	}
	return tags, geom, true
}

func packed(p []byte) ([]uint32, bool) {
	var out []uint32
	for len(p) > 0 {
		v, m := protowire.ConsumeVarint(p)
		if m < 0 {
			return nil, false
		}
		out, p = append(out, uint32(v)), p[m:]
	}
	return out, true
}

// decoder reads one feature's command stream and checks its grammar and geometry rules.
type decoder struct {
	g              []uint32
	i              int
	x, y           int64
	extent, buffer int64
	where          string
	r              *Report
}

func (d *decoder) next() (cmd, count uint32, ok bool) {
	if d.i >= len(d.g) {
		return 0, 0, false
	}
	c := d.g[d.i]
	d.i++
	return c & 7, c >> 3, true
}

func (d *decoder) points(count uint32) ([][2]int64, bool) {
	if d.i+2*int(count) > len(d.g) {
		return nil, false
	}
	pts := make([][2]int64, 0, count)
	for k := uint32(0); k < count; k++ {
		d.x += protowire.DecodeZigZag(uint64(d.g[d.i]))
		d.y += protowire.DecodeZigZag(uint64(d.g[d.i+1]))
		d.i += 2
		if d.x < -d.buffer || d.y < -d.buffer || d.x > d.extent+d.buffer || d.y > d.extent+d.buffer {
			d.r.addf("%s: point (%d,%d) outside the buffered tile", d.where, d.x, d.y)
		}
		pts = append(pts, [2]int64{d.x, d.y})
	}
	return pts, true
}

// geometry decodes every part (a MoveTo, then for lines and polygons a LineTo and for polygons a
// ClosePath) and checks them.
func (d *decoder) geometry(typ int) [][][2]int64 {
	var parts [][][2]int64
	polygonOpen := false
	for d.i < len(d.g) {
		pts, ok := d.part(typ)
		if !ok {
			return parts
		}
		if typ == 3 {
			d.ring(pts, polygonOpen)
			polygonOpen = true
		}
		parts = append(parts, pts)
	}
	if typ == 3 && len(parts) == 0 {
		d.r.addf("%s: polygon without rings", d.where)
	}
	if typ == 3 {
		d.checkValidity(parts)
	}
	return parts
}

// part reads one part's commands; ok is false when the stream cannot go on.
func (d *decoder) part(typ int) ([][2]int64, bool) {
	cmd, count, _ := d.next()
	if cmd != 1 {
		d.r.addf("%s: part starts with command %d, want MoveTo", d.where, cmd)
		return nil, false
	}
	if typ != 1 && count != 1 {
		d.r.addf("%s: MoveTo with count %d in a line or polygon", d.where, count)
		return nil, false
	}
	pts, ok := d.points(count)
	if !ok || count == 0 {
		d.r.addf("%s: truncated or empty MoveTo", d.where)
		return nil, false
	}
	if typ == 1 {
		if d.i < len(d.g) {
			d.r.addf("%s: a point feature has more than one MoveTo", d.where)
		}
		return pts, true
	}
	cmd, count, ok = d.next()
	if !ok || cmd != 2 || count == 0 {
		d.r.addf("%s: MoveTo not followed by LineTo", d.where)
		return nil, false
	}
	more, ok := d.points(count)
	if !ok {
		d.r.addf("%s: truncated LineTo", d.where)
		return nil, false
	}
	pts = append(pts, more...)
	for k := 1; k < len(pts); k++ {
		if pts[k] == pts[k-1] {
			d.r.addf("%s: repeated point (%d,%d)", d.where, pts[k][0], pts[k][1])
			break
		}
	}
	if typ == 3 {
		if cmd, count, ok := d.next(); !ok || cmd != 7 || count != 1 {
			d.r.addf("%s: ring not closed with ClosePath", d.where)
			return nil, false
		}
	}
	return pts, true
}

// ring checks a polygon ring: at least 4 points with the implied closing one, no early closure,
// non-zero area, and an exterior (clockwise) ring first.
func (d *decoder) ring(pts [][2]int64, polygonOpen bool) {
	if len(pts) < 3 {
		d.r.addf("%s: ring with %d points (want at least 4 with the closing one)", d.where, len(pts)+1)
	}
	if pts[len(pts)-1] == pts[0] {
		d.r.addf("%s: ring repeats its first point before ClosePath", d.where)
	}
	switch a := area(pts); {
	case a == 0:
		d.r.addf("%s: zero-area ring", d.where)
	case !polygonOpen && a < 0:
		d.r.addf("%s: polygon starts with a counter-clockwise (negative area) ring", d.where)
	}
}

// area is the surveyor's formula over a ring given without its closing point. (The validator keeps
// its own integer arithmetic on purpose: it must not share code with the encoder it checks.)
func area(pts [][2]int64) int64 {
	var s int64
	for k := range pts {
		a, b := pts[k], pts[(k+1)%len(pts)]
		s += a[0]*b[1] - b[0]*a[1]
	}
	return s
}

// Area returns twice the signed area of a decoded ring (positive: exterior, clockwise on screen).
func Area(ring [][2]int64) int64 { return area(ring) }
