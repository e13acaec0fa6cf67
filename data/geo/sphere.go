package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// Spherical geometry for distances to lines: points as unit vectors from the Earth's centre,
// minor great-circle arcs, and the lon/lat boxes of spherical caps.

const (
	deg = math.Pi / 180
	// slack absorbs floating-point rounding in bounds: boxes grow by it (relative), plus a
	// micrometre (absolute), so that they stay on the safe side of DistanceKm.
	slack    = 1e-9
	slackAbs = 1e-9 // km
)

// CapBound is a lon/lat box holding every point within rKm (great circle) of c: the exact bounding
// box of a spherical cap (latitudes φ ± r, longitudes λ ± asin(sin r / cos φ)), enlarged by a
// hair for rounding; it spans all longitudes when the cap holds a pole or crosses the antimeridian.
func CapBound(c orb.Point, rKm float64) orb.Bound {
	r := (rKm*(1+slack)+slackAbs)/EarthRadiusKm + slack
	phi := c[1] * deg
	lo, hi := (phi-r)/deg, (phi+r)/deg
	if phi+r >= math.Pi/2 || phi-r <= -math.Pi/2 {
		return orb.Bound{Min: orb.Point{-180, math.Max(lo, -90)}, Max: orb.Point{180, math.Min(hi, 90)}}
	}
	dl := math.Asin(math.Min(1, math.Sin(r)/math.Cos(phi)))/deg + slack
	if c[0]-dl < -180 || c[0]+dl > 180 {
		return orb.Bound{Min: orb.Point{-180, lo}, Max: orb.Point{180, hi}}
	}
	return orb.Bound{Min: orb.Point{c[0] - dl, lo}, Max: orb.Point{c[0] + dl, hi}}
}

// Unit is a point as a unit vector from the Earth's centre.
type Unit [3]float64

type vec3 = Unit

// UnitOf returns the unit vector of a lon/lat point.
func UnitOf(p orb.Point) Unit { return unit(p) }

func unit(p orb.Point) vec3 {
	lon, lat := p[0]*deg, p[1]*deg
	return vec3{math.Cos(lat) * math.Cos(lon), math.Cos(lat) * math.Sin(lon), math.Sin(lat)}
}

func (a vec3) dot(b vec3) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func (a vec3) norm() float64      { return math.Sqrt(a.dot(a)) }
func (a vec3) scale(s float64) vec3 {
	return vec3{a[0] * s, a[1] * s, a[2] * s}
}
func (a vec3) cross(b vec3) vec3 {
	return vec3{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

func (a vec3) point() orb.Point {
	return orb.Point{math.Atan2(a[1], a[0]) / deg, math.Atan2(a[2], math.Hypot(a[0], a[1])) / deg}
}

// Arc is the minor great-circle arc from a to b.
type Arc struct {
	a, b orb.Point
	ua   vec3
	ub   vec3
	n    vec3    // unit normal of the arc's great circle (a × b); zero for a degenerate segment
	mid  vec3    // unit vector of the arc's midpoint
	half float64 // half the arc's length (radians): every point of the arc is this close to mid
}

// NewArc returns the minor great-circle arc from a to b.
func NewArc(a, b orb.Point) Arc {
	s := Arc{a: a, b: b, ua: unit(a), ub: unit(b)}
	if n := s.ua.cross(s.ub); n.norm() > 1e-15 {
		s.n = n.scale(1 / n.norm())
	}
	s.half = math.Acos(math.Max(-1, math.Min(1, s.ua.dot(s.ub)))) / 2
	if m := (vec3{s.ua[0] + s.ub[0], s.ua[1] + s.ub[1], s.ua[2] + s.ub[2]}); m.norm() > 1e-12 {
		s.mid = m.scale(1 / m.norm())
	} else { // antipodal ends: no unique arc
		s.half = math.Pi
	}
	return s
}

// Beyond reports whether every point of the arc is provably farther than km from the point with
// unit vector up: the angle from up to the midpoint exceeds km/R plus half the arc (with a margin
// for rounding), and each point of the arc is within half the arc of the midpoint.
func (s Arc) Beyond(up Unit, km float64) bool {
	a := km/EarthRadiusKm + s.half
	return a < math.Pi-1e-6 && up.dot(s.mid) < math.Cos(a)-1e-12
}

// Bound is a box holding the whole arc: the cap around its midpoint with half its length as
// radius holds every point of a minor arc.
func (s Arc) Bound() orb.Bound {
	if s.half >= math.Pi/2 {
		return orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	}
	return CapBound(s.mid.point(), DistanceKm(s.a, s.b)/2)
}

// DistanceKm is the great-circle distance from p to the nearest point of the arc, and that point.
func (s Arc) DistanceKm(p orb.Point) (float64, orb.Point) {
	d, at, f := s.locate(unit(p))
	switch at {
	case atA:
		return d, s.a
	case atB:
		return d, s.b
	}
	return d, f.point()
}

// Where on an arc its nearest point to a given point is.
const (
	atFoot = iota // the foot of the perpendicular, inside the arc
	atA           // the end a
	atB           // the end b
)

// UnitDistanceKm is DistanceKm for a point given as a unit vector.
func (s Arc) UnitDistanceKm(up Unit) float64 {
	d, _, _ := s.locate(up)
	return d
}

// locate is the great-circle distance from p (unit vector up) to the nearest point of the arc,
// where that point is, and the foot of the perpendicular from p to the arc's great circle (unit
// length when at is atFoot). The nearest point is the foot when it lies on the arc, else the end
// nearer to p.
func (s Arc) locate(up vec3) (float64, int, vec3) {
	if s.n != (vec3{}) {
		h := up.dot(s.n)
		f := vec3{up[0] - h*s.n[0], up[1] - h*s.n[1], up[2] - h*s.n[2]}
		if fn := f.norm(); fn > 1e-15 && s.ua.cross(f).dot(s.n) >= 0 && f.cross(s.ub).dot(s.n) >= 0 {
			return math.Atan2(math.Abs(h), fn) * EarthRadiusKm, atFoot, f.scale(1 / fn)
		}
	}
	if up.dot(s.ub) > up.dot(s.ua) {
		return chordKm(up, s.ub), atB, vec3{}
	}
	return chordKm(up, s.ua), atA, vec3{}
}

// chordKm is the great-circle distance between two unit vectors, from their chord: 2R·asin(c/2).
func chordKm(a, b vec3) float64 {
	c := vec3{a[0] - b[0], a[1] - b[1], a[2] - b[2]}.norm()
	return 2 * EarthRadiusKm * math.Asin(math.Min(1, c/2))
}

// Morton is the Z-order code of p within b: 16 bits of each normalized coordinate, interleaved
// (x on the even bits). Sorting by it groups nearby points.
func Morton(p orb.Point, b orb.Bound) uint64 {
	w := math.Max(b.Max[0]-b.Min[0], 1e-12)
	h := math.Max(b.Max[1]-b.Min[1], 1e-12)
	x := uint32(math.Min(math.Max((p[0]-b.Min[0])/w, 0), 1) * 0xFFFF)
	y := uint32(math.Min(math.Max((p[1]-b.Min[1])/h, 0), 1) * 0xFFFF)
	return interleave(x) | interleave(y)<<1
}

// interleave spreads the low 16 bits of v to the even bit positions.
func interleave(v uint32) uint64 {
	x := uint64(v & 0xFFFF)
	x = (x | x<<8) & 0x00FF00FF
	x = (x | x<<4) & 0x0F0F0F0F
	x = (x | x<<2) & 0x33333333
	x = (x | x<<1) & 0x55555555
	return x
}

// At is the point a fraction t (0 at a, 1 at b) along the arc.
func (s Arc) At(t float64) orb.Point {
	om := math.Acos(math.Max(-1, math.Min(1, s.ua.dot(s.ub))))
	if om < 1e-15 {
		return s.a
	}
	sa, sb := math.Sin((1-t)*om)/math.Sin(om), math.Sin(t*om)/math.Sin(om)
	return vec3{sa*s.ua[0] + sb*s.ub[0], sa*s.ua[1] + sb*s.ub[1], sa*s.ua[2] + sb*s.ub[2]}.point()
}
