package fibre

import (
	"math"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
)

const (
	deg = math.Pi / 180
	// slack absorbs floating-point rounding in bounds: boxes grow by it (relative), plus a
	// micrometre (absolute), so that they stay on the safe side of DistanceKm.
	slack    = 1e-9
	slackAbs = 1e-9 // km
)

// box is a lon/lat rectangle in degrees, as the R-trees store it.
type box struct{ min, max [2]float64 }

// capBox is a lon/lat box holding every point within rKm (great circle) of c: the exact bounding
// box of a spherical cap (latitudes φ ± r, longitudes λ ± asin(sin r / cos φ)), enlarged by the
// slack; it spans all longitudes when the cap holds a pole or crosses the antimeridian.
func capBox(c orb.Point, rKm float64) box {
	r := (rKm*(1+slack)+slackAbs)/data.EarthRadiusKm + slack
	phi := c[1] * deg
	lo, hi := (phi-r)/deg, (phi+r)/deg
	if phi+r >= math.Pi/2 || phi-r <= -math.Pi/2 {
		return box{[2]float64{-180, math.Max(lo, -90)}, [2]float64{180, math.Min(hi, 90)}}
	}
	dl := math.Asin(math.Min(1, math.Sin(r)/math.Cos(phi)))/deg + slack
	if c[0]-dl < -180 || c[0]+dl > 180 {
		return box{[2]float64{-180, lo}, [2]float64{180, hi}}
	}
	return box{[2]float64{c[0] - dl, lo}, [2]float64{c[0] + dl, hi}}
}

// vec3 is a unit vector from the Earth's centre.
type vec3 [3]float64

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

// segment is one backbone segment: the minor great-circle arc from a to b.
type segment struct {
	line int // index of its line in the backbone
	a, b orb.Point
	ua   vec3
	ub   vec3
	n    vec3    // unit normal of the arc's great circle (a × b); zero for a degenerate segment
	mid  vec3    // unit vector of the arc's midpoint
	half float64 // half the arc's length (radians): every point of the arc is this close to mid
}

func newSegment(line int, a, b orb.Point) segment {
	s := segment{line: line, a: a, b: b, ua: unit(a), ub: unit(b)}
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

// beyond reports whether every point of the arc is provably farther than km from the point with
// unit vector up: the angle from up to the midpoint exceeds km/R plus half the arc (with a margin
// for rounding), and each point of the arc is within half the arc of the midpoint.
func (s segment) beyond(up vec3, km float64) bool {
	a := km/data.EarthRadiusKm + s.half
	return a < math.Pi-1e-6 && up.dot(s.mid) < math.Cos(a)-1e-12
}

// bounds is a box holding the whole arc: the cap around its midpoint with half its length as
// radius holds every point of a minor arc.
func (s segment) bounds() box {
	if s.half >= math.Pi/2 {
		return box{[2]float64{-180, -90}, [2]float64{180, 90}}
	}
	return capBox(s.mid.point(), data.DistanceKm(s.a, s.b)/2)
}

// distanceKm is the great-circle distance from p to the nearest point of the arc, and that point.
func (s segment) distanceKm(p orb.Point) (float64, orb.Point) {
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

// locate is the great-circle distance from p (unit vector up) to the nearest point of the arc,
// where that point is, and the foot of the perpendicular from p to the arc's great circle (unit
// length when at is atFoot). The nearest point is the foot when it lies on the arc, else the end
// nearer to p.
func (s segment) locate(up vec3) (float64, int, vec3) {
	if s.n != (vec3{}) {
		h := up.dot(s.n)
		f := vec3{up[0] - h*s.n[0], up[1] - h*s.n[1], up[2] - h*s.n[2]}
		if fn := f.norm(); fn > 1e-15 && s.ua.cross(f).dot(s.n) >= 0 && f.cross(s.ub).dot(s.n) >= 0 {
			return math.Atan2(math.Abs(h), fn) * data.EarthRadiusKm, atFoot, f.scale(1 / fn)
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
	return 2 * data.EarthRadiusKm * math.Asin(math.Min(1, c/2))
}
