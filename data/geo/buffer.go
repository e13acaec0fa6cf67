package geo

import (
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// Buffer returns the area within bufferM metres of a lon/lat line: the union of one stadium per
// segment, each built in a local tangent plane at the segment's midpoint (ellipsoidal radii of
// curvature) and mapped back to lon/lat.
func Buffer(line orb.LineString, bufferM float64) (orb.MultiPolygon, error) {
	var parts []orb.Polygon
	for i := 0; i+1 < len(line); i++ {
		a, b := line[i], line[i+1]
		if a == b {
			continue
		}
		parts = append(parts, stadium(a, b, bufferM))
	}
	if len(parts) == 0 {
		return nil, errors.New("its points are all the same")
	}
	u, err := Union(parts)
	if err != nil {
		return nil, fmt.Errorf("union of the segment buffers: %w", err)
	}
	if len(u) == 0 {
		return nil, errors.New("the buffer is empty")
	}
	return u, nil
}

// stadium is the set of points within r metres of segment a-b, as a polygon of 2×16+2 vertices.
func stadium(a, b orb.Point, r float64) orb.Polygon {
	lat0 := (a[1] + b[1]) / 2 * math.Pi / 180
	lon0 := (a[0] + b[0]) / 2
	s := math.Sin(lat0)
	w := math.Sqrt(1 - wgsE2*s*s)
	nRad := wgsA / w                         // prime vertical radius
	mRad := wgsA * (1 - wgsE2) / (w * w * w) // meridional radius
	kx := nRad * math.Cos(lat0) * math.Pi / 180
	ky := mRad * math.Pi / 180
	to := func(p orb.Point) (float64, float64) { return (p[0] - lon0) * kx, (p[1] - lat0*180/math.Pi) * ky }
	from := func(x, y float64) orb.Point { return orb.Point{lon0 + x/kx, lat0*180/math.Pi + y/ky} }
	ax, ay := to(a)
	bx, by := to(b)
	dir := math.Atan2(by-ay, bx-ax)
	const steps = 16
	var ring orb.Ring
	for k := 0; k <= steps; k++ { // around b: from the right side (dir-90°) to the left side (dir+90°)
		t := dir - math.Pi/2 + math.Pi*float64(k)/steps
		ring = append(ring, from(bx+r*math.Cos(t), by+r*math.Sin(t)))
	}
	for k := 0; k <= steps; k++ { // around a: from the left side back to the right side
		t := dir + math.Pi/2 + math.Pi*float64(k)/steps
		ring = append(ring, from(ax+r*math.Cos(t), ay+r*math.Sin(t)))
	}
	ring = append(ring, ring[0])
	return orb.Polygon{ring}
}
