package geo

import (
	"context"
	"math"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

// Exact overlay is done with peterstace/simplefeatures (pure Go, DCEL-based, MIT): GEOS would
// bring cgo outside the GDAL adapter, and it validates geometry, handles holes and multipolygons.

// snapScale is the grid overlay inputs are snapped to: 1e-9 degree (0.1 mm). Raster-derived
// polygons carry floating-point noise (71.19999999999999 for 71.2), and a query edge almost but
// not exactly collinear with a data edge defeats exact overlay; on the grid they coincide.
const snapScale = 1e9

// Operand is a polygonal geometry converted once for overlays.
type Operand struct{ g geom.Geometry }

// NewOperand converts a (multi)polygon for overlays (snapped to the 1e-9° grid, not validated).
func NewOperand(g orb.Geometry) Operand { return Operand{toSF(g)} }

// Intersect returns the exact intersection of two operands, as polygons (degenerate lines and
// points an overlay can leave are dropped).
func (o Operand) Intersect(b Operand) (orb.MultiPolygon, error) {
	g, err := intersection(o.g, b.g)
	if err != nil {
		return nil, err
	}
	polys, _ := fromSF(g)
	return polys, nil
}

// Intersection returns the exact intersection of two (multi)polygons (inputs snapped to 1e-9°).
func Intersection(a, b orb.Geometry) (orb.MultiPolygon, error) {
	return NewOperand(a).Intersect(NewOperand(b))
}

// Union returns the exact union of polygons, merged in pairs of neighbours in the order given
// (a cascaded union). geom.UnaryUnion (simplefeatures v0.50) can leave spurious holes in a union
// of many overlapping polygons, and its single overlay of every edge at once grows with the square
// of the overlaps.
func Union(ps []orb.Polygon) (orb.MultiPolygon, error) {
	parts := make([]geom.Geometry, len(ps))
	for i, p := range ps {
		parts[i] = toSF(p)
	}
	return cascade(context.Background(), parts)
}

// cascade unions parts in pairs of neighbours, then the pairs in pairs, and so on, checking ctx
// between overlays (it reuses parts' storage).
func cascade(ctx context.Context, parts []geom.Geometry) (orb.MultiPolygon, error) {
	for len(parts) > 1 {
		n := 0
		for i := 0; i < len(parts); i += 2 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			u := parts[i]
			if i+1 < len(parts) {
				var err error
				if u, err = geom.Union(parts[i], parts[i+1]); err != nil {
					return nil, err
				}
			}
			parts[n] = u
			n++
		}
		parts = parts[:n]
	}
	if len(parts) == 0 {
		return nil, nil
	}
	polys, _ := fromSF(parts[0])
	return polys, nil
}

// intersection overlays a and b exactly; if the overlay meets a numerical degeneracy, it retries on
// a coarser grid (1e-7 degree, about 1 cm) before giving up.
func intersection(a, b geom.Geometry) (geom.Geometry, error) {
	out, err := geom.Intersection(a, b)
	if err == nil {
		return out, nil
	}
	out, err2 := geom.Intersection(a.SnapToGrid(7), b.SnapToGrid(7))
	if err2 == nil {
		return out, nil
	}
	return geom.Geometry{}, err
}

func seq(pts []orb.Point) geom.Sequence {
	f := make([]float64, 0, 2*len(pts))
	for _, p := range pts {
		f = append(f, math.Round(p[0]*snapScale)/snapScale, math.Round(p[1]*snapScale)/snapScale)
	}
	return geom.NewSequence(f, geom.DimXY)
}

func toSFPolygon(p orb.Polygon) geom.Polygon {
	rings := make([]geom.LineString, len(p))
	for i, r := range p {
		rings[i] = geom.NewLineString(seq(r))
	}
	return geom.NewPolygon(rings)
}

// toSF converts an orb polygon or multipolygon to a simplefeatures geometry (without validation).
func toSF(g orb.Geometry) geom.Geometry {
	switch g := g.(type) {
	case orb.Polygon:
		return toSFPolygon(g).AsGeometry()
	case orb.MultiPolygon:
		ps := make([]geom.Polygon, len(g))
		for i, p := range g {
			ps[i] = toSFPolygon(p)
		}
		return geom.NewMultiPolygon(ps).AsGeometry()
	}
	return geom.Geometry{}
}

func fromSeq(s geom.Sequence) []orb.Point {
	out := make([]orb.Point, s.Length())
	for i := range out {
		xy := s.GetXY(i)
		out[i] = orb.Point{xy.X, xy.Y}
	}
	return out
}

func fromSFPolygon(p geom.Polygon) orb.Polygon {
	var out orb.Polygon
	for _, s := range p.Coordinates() {
		out = append(out, orb.Ring(fromSeq(s)))
	}
	return out
}

// fromSF converts the polygonal and linear parts of a simplefeatures geometry back to orb.
// Points and empty parts are dropped (an overlay of areas can leave degenerate bits).
func fromSF(g geom.Geometry) (polys orb.MultiPolygon, lines orb.MultiLineString) {
	switch g.Type() {
	case geom.TypePolygon:
		p, _ := g.AsPolygon()
		if !p.IsEmpty() {
			polys = append(polys, fromSFPolygon(p))
		}
	case geom.TypeMultiPolygon:
		m, _ := g.AsMultiPolygon()
		for i := 0; i < m.NumPolygons(); i++ {
			if p := m.PolygonN(i); !p.IsEmpty() {
				polys = append(polys, fromSFPolygon(p))
			}
		}
	case geom.TypeLineString:
		l, _ := g.AsLineString()
		if !l.IsEmpty() {
			lines = append(lines, orb.LineString(fromSeq(l.Coordinates())))
		}
	case geom.TypeMultiLineString:
		m, _ := g.AsMultiLineString()
		for _, s := range m.Coordinates() {
			if s.Length() >= 2 {
				lines = append(lines, orb.LineString(fromSeq(s)))
			}
		}
	case geom.TypeGeometryCollection:
		c, _ := g.AsGeometryCollection()
		for i := 0; i < c.NumGeometries(); i++ {
			p, l := fromSF(c.GeometryN(i))
			polys = append(polys, p...)
			lines = append(lines, l...)
		}
	}
	return polys, lines
}
