package fibre

import (
	"math"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
)

const (
	deg = math.Pi / 180
	// slack absorbs floating-point rounding in bounds: boxes grow and lower bounds shrink by it
	// (relative), plus a micrometre (absolute), so that they stay on the safe side of DistanceKm.
	slack    = 1e-9
	slackAbs = 1e-9 // km
)

// box is a lon/lat rectangle in degrees, as the R-trees store it.
type box struct{ min, max [2]float64 }

// hav is the haversine function sin²(x/2).
func hav(x float64) float64 { s := math.Sin(x / 2); return s * s }

// lonGap is the smallest longitude difference (radians, 0..π) from lon to any longitude of the
// interval [lo, hi] (degrees, lo ≤ hi, no wrap): 0 inside it, else the nearer end around the circle.
func lonGap(lon, lo, hi float64) float64 {
	if lon >= lo && lon <= hi {
		return 0
	}
	around := func(a, b float64) float64 {
		d := math.Mod(math.Abs(a-b), 360)
		return math.Min(d, 360-d) * deg
	}
	return math.Min(around(lon, lo), around(lon, hi))
}

// lowerBoundKm is at most the great-circle distance from p to any point of b. By the haversine
// formula hav(d) = hav(Δφ) + cos φp·cos φq·hav(Δλ); each term is bounded below over the box: Δφ by
// the latitude gap, cos φq by the cosine at the box's latitude farthest from the equator, and Δλ
// by the longitude gap around the circle. Each term is monotone, so the bound is valid.
func lowerBoundKm(p orb.Point, b box) float64 {
	dLat := math.Max(0, math.Max(b.min[1]-p[1], p[1]-b.max[1])) * deg
	cosQ := math.Cos(math.Max(math.Abs(b.min[1]), math.Abs(b.max[1])) * deg)
	h := hav(dLat) + math.Cos(p[1]*deg)*cosQ*hav(lonGap(p[0], b.min[0], b.max[0]))
	d := 2 * data.EarthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
	return math.Max(0, d*(1-slack)-slackAbs)
}

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
	n    vec3 // unit normal of the arc's great circle (a × b); zero for a degenerate segment
}

func newSegment(line int, a, b orb.Point) segment {
	s := segment{line: line, a: a, b: b, ua: unit(a), ub: unit(b)}
	if n := s.ua.cross(s.ub); n.norm() > 1e-15 {
		s.n = n.scale(1 / n.norm())
	}
	return s
}

// bounds is a box holding the whole arc: the cap around its midpoint with half its length as
// radius holds every point of a minor arc.
func (s segment) bounds() box {
	m := vec3{s.ua[0] + s.ub[0], s.ua[1] + s.ub[1], s.ua[2] + s.ub[2]}
	if m.norm() < 1e-12 { // antipodal ends: no unique arc; any cap of radius ≥ π/2 is the sphere
		return box{[2]float64{-180, -90}, [2]float64{180, 90}}
	}
	return capBox(m.point(), data.DistanceKm(s.a, s.b)/2)
}

// distanceKm is the great-circle distance from p to the nearest point of the arc, and that point:
// the foot of the perpendicular from p to the arc's great circle when it lies on the arc, else
// the nearer end.
func (s segment) distanceKm(p orb.Point) (float64, orb.Point) {
	da, db := data.DistanceKm(p, s.a), data.DistanceKm(p, s.b)
	end, dEnd := s.a, da
	if db < da {
		end, dEnd = s.b, db
	}
	if s.n == (vec3{}) {
		return dEnd, end
	}
	up := unit(p)
	h := up.dot(s.n)
	f := vec3{up[0] - h*s.n[0], up[1] - h*s.n[1], up[2] - h*s.n[2]}
	if f.norm() < 1e-15 || s.ua.cross(f).dot(s.n) < 0 || f.cross(s.ub).dot(s.n) < 0 {
		return dEnd, end
	}
	d := math.Atan2(math.Abs(h), f.norm()) * data.EarthRadiusKm
	if d >= dEnd {
		return dEnd, end
	}
	return d, f.point()
}
