package analytics

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"

	"github.com/cpec-digital/indus/data"
)

// WGS84 ellipsoid.
const (
	wgsA  = 6378137.0
	wgsE2 = 0.0066943799901413165
)

var (
	wgsE = math.Sqrt(wgsE2)
	qp   = authalicQ(math.Pi / 2)
	// authalicR is the radius of the sphere with the ellipsoid's surface area.
	authalicR = wgsA * math.Sqrt(qp/2)
)

func authalicQ(phi float64) float64 {
	s := math.Sin(phi)
	return (1 - wgsE2) * (s/(1-wgsE2*s*s) - 1/(2*wgsE)*math.Log((1-wgsE*s)/(1+wgsE*s)))
}

// equalArea maps lon/lat to the ellipsoidal Lambert cylindrical equal-area projection (metres):
// x = R_q·λ, y = R_q·sin β with β the authalic latitude. Areas measured there are areas on the
// WGS84 ellipsoid, whatever the latitude.
func equalArea(p orb.Point) orb.Point {
	phi := p[1] * math.Pi / 180
	return orb.Point{authalicR * p[0] * math.Pi / 180, authalicR * authalicQ(phi) / qp}
}

func ringAreaM2(r orb.Ring) float64 {
	var s float64
	for i := 0; i+1 < len(r); i++ {
		a, b := equalArea(r[i]), equalArea(r[i+1])
		s += a[0]*b[1] - b[0]*a[1]
	}
	return s / 2
}

// AreaKm2 returns the area of a (multi)polygon in km² on the WGS84 ellipsoid (equal-area
// projection of the vertices; edges are straight in that projection, which for edges of a few km
// is within a few parts per million of geodesic edges).
func AreaKm2(g orb.Geometry) float64 {
	var a float64
	poly := func(p orb.Polygon) {
		for i, r := range p {
			v := math.Abs(ringAreaM2(r))
			if i == 0 {
				a += v
			} else {
				a -= v
			}
		}
	}
	switch g := g.(type) {
	case orb.Polygon:
		poly(g)
	case orb.MultiPolygon:
		for _, p := range g {
			poly(p)
		}
	case orb.Collection:
		for _, c := range g {
			a += AreaKm2(c) * 1e6
		}
	}
	return a / 1e6
}

func haversineKm(a, b orb.Point) float64 { return data.DistanceKm(a, b) }

// LengthKm returns the length of a (multi)linestring in km along great circles between vertices.
func LengthKm(g orb.Geometry) float64 {
	var s float64
	line := func(l orb.LineString) {
		for i := 0; i+1 < len(l); i++ {
			s += haversineKm(l[i], l[i+1])
		}
	}
	switch g := g.(type) {
	case orb.LineString:
		line(g)
	case orb.MultiLineString:
		for _, l := range g {
			line(l)
		}
	case orb.Collection:
		for _, c := range g {
			s += LengthKm(c)
		}
	}
	return s
}

// --- conversions between orb and simplefeatures (the overlay engine) ---

// snapScale is the grid overlay inputs are snapped to: 1e-9 degree (0.1 mm). Raster-derived
// polygons carry floating-point noise (71.19999999999999 for 71.2), and a query edge almost but
// not exactly collinear with a data edge defeats exact overlay; on the grid they coincide.
const snapScale = 1e9

func seq(pts []orb.Point) geom.Sequence {
	f := make([]float64, 0, 2*len(pts))
	for _, p := range pts {
		f = append(f, math.Round(p[0]*snapScale)/snapScale, math.Round(p[1]*snapScale)/snapScale)
	}
	return geom.NewSequence(f, geom.DimXY)
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

func toSFPolygon(p orb.Polygon) geom.Polygon {
	rings := make([]geom.LineString, len(p))
	for i, r := range p {
		rings[i] = geom.NewLineString(seq(r))
	}
	return geom.NewPolygon(rings)
}

// toSF converts an orb geometry to a simplefeatures geometry (without validation).
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
	case orb.LineString:
		return geom.NewLineString(seq(g)).AsGeometry()
	case orb.MultiLineString:
		ls := make([]geom.LineString, len(g))
		for i, l := range g {
			ls[i] = geom.NewLineString(seq(l))
		}
		return geom.NewMultiLineString(ls).AsGeometry()
	case orb.Point:
		return geom.NewPoint(geom.Coordinates{XY: geom.XY{X: g[0], Y: g[1]}, Type: geom.DimXY}).AsGeometry()
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

// prepared is a polygon ready for many point-in-polygon tests: its edges are bucketed into
// horizontal bands so that a test looks only at the edges of the point's band.
type prepared struct {
	bound orb.Bound
	bands [][]edge
	h     float64
}

type edge struct{ a, b orb.Point }

const bandCount = 128

func prepare(mp orb.MultiPolygon) *prepared {
	edges := 0
	for _, poly := range mp {
		for _, r := range poly {
			edges += max(len(r)-1, 0)
		}
	}
	// about four edges a band, at most bandCount bands
	n := max(1, min(bandCount, edges/4))
	p := &prepared{bound: mp.Bound(), bands: make([][]edge, n)}
	p.h = (p.bound.Max[1] - p.bound.Min[1]) / float64(n)
	if p.h <= 0 {
		p.h = 1
	}
	// two passes: count the edges of each band, then fill one shared backing array
	counts := make([]int, n)
	each := func(fn func(a, b orb.Point, lo, hi int)) {
		for _, poly := range mp {
			for _, r := range poly {
				for i := 0; i+1 < len(r); i++ {
					a, b := r[i], r[i+1]
					fn(a, b, p.band(math.Min(a[1], b[1])), p.band(math.Max(a[1], b[1])))
				}
			}
		}
	}
	total := 0
	each(func(_, _ orb.Point, lo, hi int) {
		for k := lo; k <= hi; k++ {
			counts[k]++
		}
		total += hi - lo + 1
	})
	backing := make([]edge, total)
	off := 0
	for k, c := range counts {
		p.bands[k] = backing[off : off : off+c]
		off += c
	}
	each(func(a, b orb.Point, lo, hi int) {
		for k := lo; k <= hi; k++ {
			p.bands[k] = append(p.bands[k], edge{a, b})
		}
	})
	return p
}

func (p *prepared) band(y float64) int {
	k := int((y - p.bound.Min[1]) / p.h)
	return max(0, min(len(p.bands)-1, k))
}

// contains uses the even-odd rule over all rings, so holes and multipolygon parts are handled.
func (p *prepared) contains(q orb.Point) bool {
	if !p.bound.Contains(q) {
		return false
	}
	in := false
	for _, e := range p.bands[p.band(q[1])] {
		a, b := e.a, e.b
		if (a[1] > q[1]) != (b[1] > q[1]) {
			x := a[0] + (q[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if q[0] < x {
				in = !in
			}
		}
	}
	return in
}

// crosses reports whether any polygon edge meets the rectangle b.
func (p *prepared) crosses(b orb.Bound) bool {
	if !p.bound.Intersects(b) {
		return false
	}
	lo, hi := p.band(b.Min[1]), p.band(b.Max[1])
	for k := lo; k <= hi; k++ {
		for _, e := range p.bands[k] {
			if segmentMeetsBound(e.a, e.b, b) {
				return true
			}
		}
	}
	return false
}

// segmentMeetsBound is a Liang-Barsky test of a segment against a closed rectangle.
func segmentMeetsBound(a, c orb.Point, b orb.Bound) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := c[0]-a[0], c[1]-a[1]
	for _, pq := range [4][2]float64{{-dx, a[0] - b.Min[0]}, {dx, b.Max[0] - a[0]}, {-dy, a[1] - b.Min[1]}, {dy, b.Max[1] - a[1]}} {
		p, q := pq[0], pq[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		r := q / p
		if p < 0 {
			if r > t1 {
				return false
			}
			t0 = math.Max(t0, r)
		} else {
			if r < t0 {
				return false
			}
			t1 = math.Min(t1, r)
		}
	}
	return t0 <= t1
}

// containsBound reports whether the rectangle b lies wholly inside the polygon.
func (p *prepared) containsBound(b orb.Bound) bool {
	return !p.crosses(b) && p.contains(b.Min)
}

// lengthInsideKm is the length of the parts of a line inside the polygon: each segment is cut at
// its crossings with the polygon's edges, and the pieces whose midpoints are inside are summed.
func (p *prepared) lengthInsideKm(g orb.Geometry) float64 { return lengthInsideKm(g, p) }

// lengthInsideKm is the length of a line inside every one of the polygons (their intersection).
func lengthInsideKm(g orb.Geometry, ps ...*prepared) float64 {
	var lines []orb.LineString
	switch t := g.(type) {
	case orb.LineString:
		lines = []orb.LineString{t}
	case orb.MultiLineString:
		lines = t
	}
	var total float64
	var ts []float64
	for _, l := range lines {
		for i := 0; i+1 < len(l); i++ {
			a, b := l[i], l[i+1]
			sb := orb.Bound{Min: orb.Point{math.Min(a[0], b[0]), math.Min(a[1], b[1])}, Max: orb.Point{math.Max(a[0], b[0]), math.Max(a[1], b[1])}}
			meets := true
			for _, p := range ps {
				meets = meets && sb.Intersects(p.bound)
			}
			if !meets {
				continue
			}
			ts = append(ts[:0], 0, 1)
			for _, p := range ps {
				lo, hi := p.band(sb.Min[1]), p.band(sb.Max[1])
				for k := lo; k <= hi; k++ {
					for _, e := range p.bands[k] {
						if t, ok := segmentParam(a, b, e.a, e.b); ok {
							ts = append(ts, t)
						}
					}
				}
			}
			slices.Sort(ts)
			at := func(t float64) orb.Point { return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])} }
			for j := 0; j+1 < len(ts); j++ {
				if ts[j+1] <= ts[j] {
					continue
				}
				mid, in := at((ts[j]+ts[j+1])/2), true
				for _, p := range ps {
					in = in && p.contains(mid)
				}
				if in {
					total += haversineKm(at(ts[j]), at(ts[j+1]))
				}
			}
		}
	}
	return total
}

// segmentParam returns t in [0, 1] where segment a-b meets segment c-d (not parallel).
func segmentParam(a, b, c, d orb.Point) (float64, bool) {
	rx, ry := b[0]-a[0], b[1]-a[1]
	sx, sy := d[0]-c[0], d[1]-c[1]
	den := rx*sy - ry*sx
	if den == 0 {
		return 0, false
	}
	qx, qy := c[0]-a[0], c[1]-a[1]
	t := (qx*sy - qy*sx) / den
	u := (qx*ry - qy*rx) / den
	if t < 0 || t > 1 || u < 0 || u > 1 {
		return 0, false
	}
	return t, true
}

// Intersection returns the exact intersection of two (multi)polygons (inputs snapped to 1e-9°).
func Intersection(a, b orb.MultiPolygon) (orb.MultiPolygon, error) {
	g, err := intersection(toSF(a), toSF(b))
	if err != nil {
		return nil, err
	}
	polys, _ := fromSF(g)
	return polys, nil
}
