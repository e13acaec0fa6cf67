package geo

import (
	"math"
	"math/big"

	"github.com/paulmach/orb"
)

// ccwErrBound bounds the rounding error of orientation's floating-point determinant relative to
// the sum of its terms' magnitudes (Shewchuk's ccwerrboundA, with ε = 2⁻⁵³).
const ccwErrBound = (3 + 16*0x1p-53) * 0x1p-53

// orientSign is the exact sign of the orientation of p, q, r: 1 when counter-clockwise, -1
// when clockwise, 0 when collinear. The floating-point determinant decides when its error bound
// allows; otherwise the sign is computed in rational arithmetic, so rounding never decides it.
// Non-finite coordinates give the floating-point sign (0 for NaN).
func orientSign(p, q, r orb.Point) int {
	left := (p[0] - r[0]) * (q[1] - r[1])
	right := (p[1] - r[1]) * (q[0] - r[0])
	det := left - right
	bound := ccwErrBound * (math.Abs(left) + math.Abs(right))
	if bound >= 0x1p-900 { // far from underflow, where the bound holds
		if det > bound {
			return 1
		}
		if -det > bound {
			return -1
		}
	}
	if (p[0] == r[0] || q[1] == r[1]) && (p[1] == r[1] || q[0] == r[0]) {
		return 0 // both terms are exactly zero
	}
	if !finite(p) || !finite(q) || !finite(r) {
		return sign(det)
	}
	return orientRat(p, q, r)
}

// orientRat is the sign of the orientation determinant in exact rational arithmetic.
func orientRat(p, q, r orb.Point) int {
	rat := func(v float64) *big.Rat { return new(big.Rat).SetFloat64(v) }
	sub := func(a, b float64) *big.Rat { return new(big.Rat).Sub(rat(a), rat(b)) }
	left := new(big.Rat).Mul(sub(p[0], r[0]), sub(q[1], r[1]))
	right := new(big.Rat).Mul(sub(p[1], r[1]), sub(q[0], r[0]))
	return left.Cmp(right)
}

func finite(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && !math.IsInf(p[0], 0) && !math.IsInf(p[1], 0)
}

func sign(v float64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// onSegmentExact reports exactly whether p lies on the closed segment a-b (valid.go's onSegment
// decides in floating point).
func onSegmentExact(a, b, p orb.Point) bool {
	return inBox(a, b, p) && orientSign(a, b, p) == 0
}

// inBox reports whether p lies in the bbox of a and b (closed).
func inBox(a, b, p orb.Point) bool {
	return min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) && min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
}

// segmentsMeet reports exactly whether the closed segments a-b and c-d share a point: they
// cross, touch, or overlap (a segment may be a single point).
func segmentsMeet(a, b, c, d orb.Point) bool {
	if max(a[0], b[0]) < min(c[0], d[0]) || max(c[0], d[0]) < min(a[0], b[0]) ||
		max(a[1], b[1]) < min(c[1], d[1]) || max(c[1], d[1]) < min(a[1], b[1]) {
		return false
	}
	o1, o2 := orientSign(a, b, c), orientSign(a, b, d)
	o3, o4 := orientSign(c, d, a), orientSign(c, d, b)
	if o1*o2 < 0 && o3*o4 < 0 {
		return true
	}
	return (o1 == 0 && inBox(a, b, c)) || (o2 == 0 && inBox(a, b, d)) ||
		(o3 == 0 && inBox(c, d, a)) || (o4 == 0 && inBox(c, d, b))
}

// crossesRay reports exactly whether edge a-b crosses the ray from p towards +x, by the
// half-open rule of the even-odd test (an edge counts when one end is above p and the other is
// not). A point on the edge itself is the caller's concern.
func crossesRay(a, b, p orb.Point) bool {
	if (a[1] > p[1]) == (b[1] > p[1]) {
		return false
	}
	if b[1] > a[1] {
		return orientSign(a, b, p) > 0
	}
	return orientSign(a, b, p) < 0
}

// polygonContains reports exactly whether p is inside polygon poly by the even-odd rule over
// its rings (holes excluded); a point on the boundary may be either. Rings need not be closed.
func polygonContains(poly orb.Polygon, p orb.Point) bool {
	in := false
	for _, r := range poly {
		eachSegment(r, true, func(a, b orb.Point) bool {
			if crossesRay(a, b, p) {
				in = !in
			}
			return false
		})
	}
	return in
}

// eachSegment calls fn with the consecutive segments of pts (and, when ring is true and pts is
// not closed, the closing one) until fn returns true; it reports whether fn did.
func eachSegment(pts []orb.Point, ring bool, fn func(a, b orb.Point) bool) bool {
	for i := 1; i < len(pts); i++ {
		if fn(pts[i-1], pts[i]) {
			return true
		}
	}
	if n := len(pts); ring && n > 2 && pts[0] != pts[n-1] {
		return fn(pts[n-1], pts[0])
	}
	return false
}
