package geo

import (
	"math"

	"github.com/paulmach/orb"
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
	return (1 - wgsE2) * (s/(1-wgsE2*s*s) + atanhE(s))
}

// atanhE is atanh(e·s)/e = s·Σ (e²s²)^k/(2k+1), by its series: e²s² < 0.0067, so eight terms
// reach double precision (the next is below 1e-19) at a fraction of the cost of a logarithm.
func atanhE(s float64) float64 {
	x := wgsE2 * s * s
	sum := 1.0 / 15
	for k := 6; k >= 0; k-- {
		sum = 1/float64(2*k+1) + x*sum
	}
	return s * sum
}

// EqualArea maps lon/lat to the ellipsoidal Lambert cylindrical equal-area projection (metres):
// x = R_q·λ, y = R_q·sin β with β the authalic latitude. Areas measured there are areas on the
// WGS84 ellipsoid, whatever the latitude.
func EqualArea(p orb.Point) orb.Point {
	phi := p[1] * math.Pi / 180
	return orb.Point{authalicR * p[0] * math.Pi / 180, authalicR * authalicQ(phi) / qp}
}

// RingAreaM2 is the signed area of a closed lon/lat ring in m² on the ellipsoid (positive when
// counter-clockwise). Vertices are taken relative to the first, so that small rings (a building)
// keep their precision far from the projection's origin.
func RingAreaM2(r orb.Ring) float64 {
	if len(r) < 2 {
		return 0
	}
	if a, ok := smallRingAreaM2(r); ok {
		return a
	}
	return projectedRingAreaM2(r)
}

// projectedRingAreaM2 is RingAreaM2 by projecting every vertex.
func projectedRingAreaM2(r orb.Ring) float64 {
	var s float64
	o := EqualArea(r[0])
	for i := 1; i+1 < len(r); i++ {
		a, b := EqualArea(r[i]), EqualArea(r[i+1])
		s += (a[0]-o[0])*(b[1]-o[1]) - (b[0]-o[0])*(a[1]-o[1])
	}
	return s / 2
}

// smallSpan is the latitude span (radians, about 110 m) under which smallRingAreaM2 applies.
const smallSpan = 1.75e-5

// smallRingAreaM2 is RingAreaM2 for a ring spanning less than smallSpan of latitude: the
// projection's y is expanded to second order around the first vertex (the third-order term is
// below 1e-10 of the area there), which spares a sine and a logarithm per vertex.
func smallRingAreaM2(r orb.Ring) (float64, bool) {
	const rad = math.Pi / 180
	phi := r[0][1] * rad
	sn, cs := math.Sincos(phi)
	d := 1 - wgsE2*sn*sn
	k := authalicR / qp * 2 * (1 - wgsE2)
	y1 := k * cs / (d * d)                               // dy/dφ
	y2 := k * (-sn/(d*d) + 4*wgsE2*sn*cs*cs/(d*d*d)) / 2 // d²y/dφ² / 2
	x := func(p orb.Point) float64 { return authalicR * (p[0] - r[0][0]) * rad }
	y := func(p orb.Point) (float64, bool) {
		t := (p[1] - r[0][1]) * rad
		return t * (y1 + y2*t), math.Abs(t) < smallSpan
	}
	var s float64
	for i := 1; i+1 < len(r); i++ {
		ya, ok1 := y(r[i])
		yb, ok2 := y(r[i+1])
		if !ok1 || !ok2 {
			return 0, false
		}
		s += x(r[i])*yb - x(r[i+1])*ya
	}
	return s / 2, true
}

// PlanarRingArea is the signed shoelace area of a closed ring in its own plane (positive when
// counter-clockwise with y up, clockwise with y down as in tile coordinates).
func PlanarRingArea(r orb.Ring) float64 {
	var s float64
	for i := 0; i+1 < len(r); i++ {
		s += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return s / 2
}

// AreaKm2 returns the area of a (multi)polygon in km² on the WGS84 ellipsoid (equal-area
// projection of the vertices; edges are straight in that projection, which for edges of a few km
// is within a few parts per million of geodesic edges). Other geometries have no area.
func AreaKm2(g orb.Geometry) float64 {
	var a float64
	if c, ok := g.(orb.Collection); ok {
		for _, m := range c {
			a += AreaKm2(m) * 1e6
		}
	}
	for _, p := range Polygons(g) {
		for i, r := range p {
			v := math.Abs(RingAreaM2(r))
			if i == 0 {
				a += v
			} else {
				a -= v
			}
		}
	}
	return a / 1e6
}
