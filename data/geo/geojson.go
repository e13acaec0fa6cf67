package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/paulmach/orb"
)

// DecodeGeometry reads a GeoJSON geometry object, or a Feature's geometry, from raw, which must
// be valid JSON (as a json.RawMessage is). Positions keep their first two numbers. It reads the
// coordinates in one pass without reflection: a drawn polygon of a few hundred vertices decodes
// in microseconds rather than the tens that encoding/json takes.
func DecodeGeometry(raw []byte) (orb.Geometry, error) {
	d := &decoder{b: raw}
	return d.geometry()
}

// decoder scans valid JSON.
type decoder struct {
	b []byte
	i int
}

// depths is the nesting of the coordinates of each geometry type.
var depths = map[string]int{"Point": 1, "MultiPoint": 2, "LineString": 2, "MultiLineString": 3, "Polygon": 3, "MultiPolygon": 4}

// geometry reads a geometry or Feature object at the decoder's position.
func (d *decoder) geometry() (orb.Geometry, error) {
	var typ string
	coords, geom := -1, -1
	err := d.object(func(key string) error {
		var err error
		switch key {
		case "type":
			typ, err = d.str()
		case "coordinates":
			coords = d.i
			err = d.skip()
		case "geometry":
			geom = d.i
			err = d.skip()
		default:
			err = d.skip()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if typ == "Feature" {
		if geom < 0 {
			return nil, errors.New("a Feature without a geometry")
		}
		return (&decoder{b: d.b, i: geom}).geometry()
	}
	depth, ok := depths[typ]
	if !ok {
		return nil, fmt.Errorf("unsupported geometry type %q", typ)
	}
	if coords < 0 {
		return nil, fmt.Errorf("a %s without coordinates", typ)
	}
	c := &decoder{b: d.b, i: coords}
	return c.coordinates(typ, depth)
}

// coordinates reads nested arrays of positions into the orb type of typ.
func (d *decoder) coordinates(typ string, depth int) (orb.Geometry, error) {
	switch depth {
	case 1:
		return d.position()
	case 2:
		pts, err := d.positions()
		if typ == "MultiPoint" {
			return orb.MultiPoint(pts), err
		}
		return orb.LineString(pts), err
	case 3:
		var out [][]orb.Point
		err := d.array(func() error {
			pts, err := d.positions()
			out = append(out, pts)
			return err
		})
		if typ == "MultiLineString" {
			return toLines(out), err
		}
		return toPolygon(out), err
	}
	var mp orb.MultiPolygon
	err := d.array(func() error {
		var rings [][]orb.Point
		err := d.array(func() error {
			pts, err := d.positions()
			rings = append(rings, pts)
			return err
		})
		mp = append(mp, toPolygon(rings))
		return err
	})
	return mp, err
}

func toPolygon(rs [][]orb.Point) orb.Polygon {
	p := make(orb.Polygon, len(rs))
	for i, r := range rs {
		p[i] = r
	}
	return p
}

func toLines(ls [][]orb.Point) orb.MultiLineString {
	m := make(orb.MultiLineString, len(ls))
	for i, l := range ls {
		m[i] = l
	}
	return m
}

// positions reads an array of positions.
func (d *decoder) positions() ([]orb.Point, error) {
	var pts []orb.Point
	err := d.array(func() error {
		p, err := d.position()
		pts = append(pts, p)
		return err
	})
	return pts, err
}

// position reads [x, y, ...]: at least two numbers, the others ignored.
func (d *decoder) position() (orb.Point, error) {
	var p orb.Point
	n := 0
	err := d.array(func() error {
		v, err := d.number()
		if n < 2 {
			p[n] = v
		}
		n++
		return err
	})
	if err == nil && n < 2 {
		err = errors.New("a position needs two numbers")
	}
	return p, err
}

// array reads '[' elements ']', calling elem for each.
func (d *decoder) array(elem func() error) error {
	if err := d.expect('['); err != nil {
		return err
	}
	if d.peek() == ']' {
		d.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch d.next() {
		case ',':
		case ']':
			return nil
		default:
			return d.fail("',' or ']'")
		}
	}
}

// object reads '{' "key": value ... '}', calling member for each key (which reads the value).
func (d *decoder) object(member func(key string) error) error {
	if err := d.expect('{'); err != nil {
		return err
	}
	if d.peek() == '}' {
		d.i++
		return nil
	}
	for {
		key, err := d.str()
		if err != nil {
			return err
		}
		if err := d.expect(':'); err != nil {
			return err
		}
		if err := member(key); err != nil {
			return err
		}
		switch d.next() {
		case ',':
		case '}':
			return nil
		default:
			return d.fail("',' or '}'")
		}
	}
}

// str reads a string.
func (d *decoder) str() (string, error) {
	if err := d.expect('"'); err != nil {
		return "", err
	}
	start, escaped := d.i-1, false
	for d.i < len(d.b) && d.b[d.i] != '"' {
		if d.b[d.i] == '\\' {
			escaped = true
			d.i++
		}
		d.i++
	}
	if d.i >= len(d.b) {
		return "", errors.New("unterminated string")
	}
	d.i++
	if !escaped {
		return string(d.b[start+1 : d.i-1]), nil
	}
	var s string
	err := json.Unmarshal(d.b[start:d.i], &s)
	return s, err
}

// number reads a number.
func (d *decoder) number() (float64, error) {
	d.ws()
	start := d.i
	for d.i < len(d.b) && isNumberByte(d.b[d.i]) {
		d.i++
	}
	if start == d.i {
		return 0, d.fail("a number")
	}
	return strconv.ParseFloat(string(d.b[start:d.i]), 64)
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// skip passes over one value of any kind.
func (d *decoder) skip() error {
	switch d.peek() {
	case '"':
		_, err := d.str()
		return err
	case '{':
		return d.object(func(string) error { return d.skip() })
	case '[':
		return d.array(d.skip)
	}
	start := d.i
	for d.i < len(d.b) && (isNumberByte(d.b[d.i]) || d.b[d.i] >= 'a' && d.b[d.i] <= 'z') {
		d.i++
	}
	if start == d.i {
		return d.fail("a value")
	}
	return nil
}

func (d *decoder) ws() {
	for d.i < len(d.b) && (d.b[d.i] == ' ' || d.b[d.i] == '\t' || d.b[d.i] == '\n' || d.b[d.i] == '\r') {
		d.i++
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (d *decoder) peek() byte {
	d.ws()
	if d.i >= len(d.b) {
		return 0
	}
	return d.b[d.i]
}

// next consumes and returns the next byte after white space, or 0 at the end.
func (d *decoder) next() byte {
	c := d.peek()
	if c != 0 {
		d.i++
	}
	return c
}

func (d *decoder) expect(c byte) error {
	if d.next() != c {
		return d.fail(strconv.QuoteRune(rune(c)))
	}
	return nil
}

func (d *decoder) fail(want string) error {
	return fmt.Errorf("GeoJSON: want %s at byte %d", want, d.i)
}
