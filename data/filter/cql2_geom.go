package filter

import (
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
)

// spatialFunction reports whether name is one of CQL2's spatial functions (S_INTERSECTS is the
// one supported; the others are refused by name).
func spatialFunction(name string) bool {
	switch strings.ToUpper(name) {
	case "S_INTERSECTS", "S_EQUALS", "S_DISJOINT", "S_TOUCHES", "S_WITHIN", "S_OVERLAPS", "S_CROSSES", "S_CONTAINS":
		return true
	}
	return false
}

// wktTag reports whether w (upper case) is a WKT geometry tag.
func wktTag(w string) bool {
	switch w {
	case "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION":
		return true
	}
	return false
}

// spatialN is S_INTERSECTS of the feature geometry and a (non-empty) literal, evaluated exactly.
type spatialN struct {
	region *geo.Region
	text   string
}

func (n *spatialN) eval3(l *data.Layer, i int) tri {
	if !n.region.Bound().Intersects(l.FeatureBound(i)) {
		return no
	}
	return triOf(n.region.Intersects(l.Geometry(i)))
}

func (n *spatialN) bind(*data.LayerSpec) error { return nil }
func (n *spatialN) String() string             { return n.text }

// constN is a predicate whose value does not depend on the feature (S_INTERSECTS of two
// literals, or of an empty one).
type constN struct {
	v    tri
	text string
}

func (n constN) eval3(*data.Layer, int) tri { return n.v }
func (constN) bind(*data.LayerSpec) error   { return nil }
func (n constN) String() string             { return n.text }

// geomArg is an argument of a spatial function: the feature geometry, or a literal (g nil when
// it is EMPTY), with its canonical text.
type geomArg struct {
	prop bool
	g    orb.Geometry
	text string
}

// spatial parses S_INTERSECTS(a, b).
func (p *cparser) spatial() (cnode, error) {
	fn := p.next()
	if !is(fn, "S_INTERSECTS") {
		return nil, p.errorf(fn, "%s is not supported (the spatial function is S_INTERSECTS)", strings.ToUpper(fn.text))
	}
	var args []geomArg
	err := p.list("after S_INTERSECTS", func() error {
		a, err := p.geomArg()
		args = append(args, a)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(args) != 2 {
		return nil, p.errorf(fn, "S_INTERSECTS takes two geometries, got %d", len(args))
	}
	a, b := args[0], args[1]
	text := "S_INTERSECTS(" + a.text + ", " + b.text + ")"
	switch {
	case a.prop && b.prop: // every feature has a geometry, never empty, which meets itself
		return constN{yes, text}, nil
	case a.prop || b.prop:
		lit := a
		if a.prop {
			lit = b
		}
		if lit.g == nil {
			return constN{no, text}, nil
		}
		return &spatialN{region: geo.NewRegion(lit.g), text: text}, nil
	}
	return constN{triOf(a.g != nil && b.g != nil && geo.NewRegion(a.g).Intersects(b.g)), text}, nil
}

// geomArg parses the feature geometry's name, a WKT literal or a BBOX.
func (p *cparser) geomArg() (geomArg, error) {
	t := p.peek()
	switch {
	case t.kind == 'q' || t.kind == 'i' && !wktTag(strings.ToUpper(t.text)) && !is(t, "BBOX"):
		p.pos++
		if !isGeometryName(t.text) {
			return geomArg{}, p.errorf(t, "expected the feature geometry (geometry or geom) or a geometry literal, got %s", p.show(t))
		}
		return geomArg{prop: true, text: `"geometry"`}, nil
	case is(t, "BBOX"):
		return p.bbox()
	case t.kind == 'i':
		return p.wkt(false)
	}
	p.next()
	return geomArg{}, p.errorf(t, "expected a geometry, got %s", p.show(t))
}

// wkt parses a WKT geometry literal (a collection's members may not be collections). Z
// coordinates are read and ignored: S_INTERSECTS is evaluated in 2D.
func (p *cparser) wkt(member bool) (geomArg, error) {
	tag := p.next()
	name := strings.ToUpper(tag.text)
	if !wktTag(name) || member && name == "GEOMETRYCOLLECTION" {
		return geomArg{}, p.errorf(tag, "expected a geometry literal (POINT, LINESTRING, POLYGON, MULTIPOINT, MULTILINESTRING, MULTIPOLYGON, GEOMETRYCOLLECTION or BBOX), got %s", p.show(tag))
	}
	p.accept("Z")
	if p.accept("EMPTY") {
		return geomArg{text: name + " EMPTY"}, nil
	}
	g, err := p.wktBody(name)
	if err != nil {
		return geomArg{}, err
	}
	if c, ok := g.(orb.Collection); ok && len(c) == 0 {
		return geomArg{text: name + " EMPTY"}, nil
	}
	if err := checkLiteral(g); err != nil {
		return geomArg{}, p.errorf(tag, "invalid %s: %v", name, err)
	}
	return geomArg{g: g, text: wktText(g)}, nil
}

// checkLiteral reports why a geometry literal is not valid: a coordinate outside WGS84 lon/lat,
// or polygons that are not simple (geo.Validate: a ring crossing itself, as a bow-tie, holes
// outside their shell, overlapping polygons).
func checkLiteral(g orb.Geometry) error {
	if err := geo.CheckLonLat(g); err != nil {
		return err
	}
	switch g := g.(type) {
	case orb.Polygon:
		return geo.Validate(orb.MultiPolygon{g})
	case orb.MultiPolygon:
		return geo.Validate(g)
	case orb.Collection:
		for _, m := range g {
			if err := checkLiteral(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// wktBody parses the coordinates of a tagged geometry.
func (p *cparser) wktBody(name string) (orb.Geometry, error) {
	switch name {
	case "POINT":
		return p.singlePoint()
	case "LINESTRING":
		pts, err := p.points(2)
		return orb.LineString(pts), err
	case "POLYGON":
		return p.polygon()
	case "MULTIPOINT":
		var mp orb.MultiPoint
		return mp, p.list("after MULTIPOINT", func() error {
			pt, err := p.pointMaybeParenthesized()
			mp = append(mp, pt)
			return err
		})
	case "MULTILINESTRING":
		var ml orb.MultiLineString
		return ml, p.list("after MULTILINESTRING", func() error {
			pts, err := p.points(2)
			ml = append(ml, pts)
			return err
		})
	case "MULTIPOLYGON":
		var mp orb.MultiPolygon
		return mp, p.list("after MULTIPOLYGON", func() error {
			poly, err := p.polygon()
			mp = append(mp, poly)
			return err
		})
	}
	var c orb.Collection
	return c, p.list("after GEOMETRYCOLLECTION", func() error {
		m, err := p.wkt(true)
		if m.g != nil {
			c = append(c, m.g)
		}
		return err
	})
}

// singlePoint parses "(" x y [z] ")".
func (p *cparser) singlePoint() (orb.Point, error) {
	if err := p.expect('(', "around a point"); err != nil {
		return orb.Point{}, err
	}
	pt, err := p.point()
	if err == nil {
		err = p.expect(')', "after the point's coordinates")
	}
	return pt, err
}

// pointMaybeParenthesized parses a MULTIPOINT member: (x y) as the BNF has it, or x y as
// common WKT writes it.
func (p *cparser) pointMaybeParenthesized() (orb.Point, error) {
	if p.peek().kind == '(' {
		return p.singlePoint()
	}
	return p.point()
}

// points parses "(" point { "," point } ")" with at least least points.
func (p *cparser) points(least int) ([]orb.Point, error) {
	open := p.peek()
	var pts []orb.Point
	err := p.list("to open a list of points", func() error {
		pt, err := p.point()
		pts = append(pts, pt)
		return err
	})
	if err == nil && len(pts) < least {
		err = p.errorf(open, "expected at least %d points, got %d", least, len(pts))
	}
	return pts, err
}

// polygon parses "(" ring { "," ring } ")"; rings are closed, of 4 points or more.
func (p *cparser) polygon() (orb.Polygon, error) {
	var poly orb.Polygon
	err := p.list("to open a polygon", func() error {
		open := p.peek()
		pts, err := p.points(4)
		if err == nil && pts[0] != pts[len(pts)-1] {
			err = p.errorf(open, "the ring is not closed (its last point differs from its first)")
		}
		poly = append(poly, pts)
		return err
	})
	return poly, err
}

// point parses x y [z] (lon lat, or lat lon when the CRS lists latitude first).
func (p *cparser) point() (orb.Point, error) {
	var v [3]float64
	n := 0
	for ; n < 3 && p.peek().kind == 'n'; n++ {
		f, err := p.coordinate(p.next())
		if err != nil {
			return orb.Point{}, err
		}
		v[n] = f
	}
	if n < 2 {
		t := p.peek()
		return orb.Point{}, p.errorf(t, "expected a coordinate, got %s", p.show(t))
	}
	if p.latFirst {
		return orb.Point{v[1], v[0]}, nil
	}
	return orb.Point{v[0], v[1]}, nil
}

func (p *cparser) coordinate(t ctok) (float64, error) {
	o, err := p.number(t)
	if err != nil {
		return 0, err
	}
	f, _ := o.lit.v.Float()
	return f, nil
}

// bbox parses BBOX(w, s, e, n) or BBOX(w, s, zmin, e, n, zmax); a west edge east of the east
// edge crosses the antimeridian.
func (p *cparser) bbox() (geomArg, error) {
	open := p.next()
	var v []float64
	err := p.list("after BBOX", func() error {
		t := p.next()
		if t.kind != 'n' {
			return p.errorf(t, "expected a number in BBOX, got %s", p.show(t))
		}
		f, err := p.coordinate(t)
		v = append(v, f)
		return err
	})
	switch {
	case err != nil:
		return geomArg{}, err
	case len(v) == 6:
		v = []float64{v[0], v[1], v[3], v[4]}
	case len(v) != 4:
		return geomArg{}, p.errorf(open, "BBOX takes 4 numbers (or 6 with heights), got %d", len(v))
	}
	w, s, e, n := v[0], v[1], v[2], v[3]
	if p.latFirst {
		w, s, e, n = v[1], v[0], v[3], v[2]
	}
	for _, c := range []orb.Point{{w, s}, {e, n}} {
		if err := geo.CheckPoint(c); err != nil {
			return geomArg{}, p.errorf(open, "invalid BBOX: %v", err)
		}
	}
	var g orb.Geometry = orb.Bound{Min: orb.Point{w, s}, Max: orb.Point{e, n}}
	switch {
	case s > n:
		return geomArg{}, p.errorf(open, "BBOX: the south edge %g is north of the north edge %g", s, n)
	case w > e && (w > 180 || e < -180):
		return geomArg{}, p.errorf(open, "BBOX: the west edge %g is east of the east edge %g", w, e)
	case w > e:
		g = orb.Collection{orb.Bound{Min: orb.Point{w, s}, Max: orb.Point{180, n}}, orb.Bound{Min: orb.Point{-180, s}, Max: orb.Point{e, n}}}
	}
	return geomArg{g: g, text: "BBOX(" + num(w) + ", " + num(s) + ", " + num(e) + ", " + num(n) + ")"}, nil
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// wktText writes a geometry literal in canonical WKT.
func wktText(g orb.Geometry) string {
	var b strings.Builder
	writeWKT(&b, g)
	return b.String()
}

func writeWKT(b *strings.Builder, g orb.Geometry) {
	coords := func(pts []orb.Point) {
		group(b, len(pts), func(k int) { b.WriteString(num(pts[k][0]) + " " + num(pts[k][1])) })
	}
	rings := func(poly orb.Polygon) { group(b, len(poly), func(k int) { coords(poly[k]) }) }
	switch g := g.(type) {
	case orb.Point:
		b.WriteString("POINT")
		coords([]orb.Point{g})
	case orb.LineString:
		b.WriteString("LINESTRING")
		coords(g)
	case orb.Polygon:
		b.WriteString("POLYGON")
		rings(g)
	case orb.MultiPoint:
		b.WriteString("MULTIPOINT")
		group(b, len(g), func(k int) { coords(g[k : k+1]) })
	case orb.MultiLineString:
		b.WriteString("MULTILINESTRING")
		group(b, len(g), func(k int) { coords(g[k]) })
	case orb.MultiPolygon:
		b.WriteString("MULTIPOLYGON")
		group(b, len(g), func(k int) { rings(g[k]) })
	case orb.Collection:
		b.WriteString("GEOMETRYCOLLECTION")
		group(b, len(g), func(k int) { writeWKT(b, g[k]) })
	}
}

// group writes "(" item, item, … ")".
func group(b *strings.Builder, n int, item func(k int)) {
	b.WriteByte('(')
	for k := range n {
		if k > 0 {
			b.WriteString(", ")
		}
		item(k)
	}
	b.WriteByte(')')
}
