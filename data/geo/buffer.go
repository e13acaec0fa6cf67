package geo

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

// arcStep is the angle between the vertices of a buffer's round caps and joins (16 a half turn).
const arcStep = math.Pi / 16

// SimplifyFraction is the tolerance a line is simplified to before it is buffered, as a fraction of
// the buffer distance r: detail finer than r/200 cannot change a buffer of radius r by more than
// r/200 (the simplified line is within that Hausdorff distance of the line, so its buffer lies
// between the line's buffers at r − r/200 and r + r/200). The arcs' chords already cut up to
// r·(1 − cos π/32) ≈ r/200 inside the true buffer, so the answer is within 1 % of r of it.
const SimplifyFraction = 1.0 / 200

// Buffer returns the area within bufferM metres of a lon/lat line; see PrepareBuffer.
func Buffer(line orb.LineString, bufferM float64) (orb.MultiPolygon, error) {
	b, err := PrepareBuffer(context.Background(), line, bufferM)
	if err != nil {
		return nil, err
	}
	return b.Build(context.Background())
}

// Buffering is a line on its way to its buffer: simplified, and traced when it could be.
type Buffering struct {
	pts    []orb.Point
	r      float64
	traced orb.MultiPolygon
}

// PrepareBuffer simplifies a lon/lat line to bufferM·SimplifyFraction (Douglas–Peucker) and
// traces its buffer as one ring when it can: the offsets on either side of each segment, round
// joins on the outer side of each bend and the offsets cut where they cross on the inner side,
// round caps at the ends, each point in a local tangent plane at its vertex (ellipsoidal radii of
// curvature). When that ring is not simple (a bend's segments shorter than the buffer, a line
// coming back near itself), Build makes the union of one stadium per segment instead, merged in
// pairs of neighbours (a cascaded union); Overlays says how many overlays that takes, before any is
// done. Both stop with ctx's error when ctx ends.
func PrepareBuffer(ctx context.Context, line orb.LineString, bufferM float64) (*Buffering, error) {
	pts := orb.LineString(distinct(orb.Ring(line)))
	if len(pts) < 2 {
		return nil, errors.New("its points are all the same")
	}
	pts, err := Simplify(ctx, pts, bufferM*SimplifyFraction)
	if err != nil {
		return nil, err
	}
	b := &Buffering{pts: pts, r: bufferM}
	if ring, ok := outline(pts, bufferM); ok {
		if mp := (orb.MultiPolygon{{ring}}); Validate(mp) == nil {
			b.traced = mp
		}
	}
	return b, nil
}

// Overlays is the number of overlays Build will do: none for a traced buffer, one fewer than the
// segments of the simplified line for a union of stadiums.
func (b *Buffering) Overlays() int {
	if b.traced != nil {
		return 0
	}
	return len(b.pts) - 2
}

// Build returns the buffer.
func (b *Buffering) Build(ctx context.Context) (orb.MultiPolygon, error) {
	if b.traced != nil {
		return b.traced, nil
	}
	return stadiums(ctx, b.pts, b.r)
}

// stadiums is the union of the stadiums of the segments of pts, merged in pairs of neighbours.
func stadiums(ctx context.Context, pts []orb.Point, r float64) (orb.MultiPolygon, error) {
	parts := make([]geom.Geometry, 0, len(pts)-1)
	for i := 0; i+1 < len(pts); i++ {
		parts = append(parts, toSF(stadium(pts[i], pts[i+1], r)))
	}
	u, err := cascade(ctx, parts)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, fmt.Errorf("union of the segment buffers: %w", err)
	}
	if len(u) == 0 {
		return nil, errors.New("the buffer is empty")
	}
	return u, nil
}

// plane is the local tangent plane at a point, in metres east and north.
type plane struct{ lon0, lat0, kx, ky float64 }

func planeAt(p orb.Point) plane {
	s := math.Sin(p[1] * math.Pi / 180)
	w := math.Sqrt(1 - wgsE2*s*s)
	nRad := wgsA / w                         // prime vertical radius
	mRad := wgsA * (1 - wgsE2) / (w * w * w) // meridional radius
	return plane{p[0], p[1], nRad * math.Cos(p[1]*math.Pi/180) * math.Pi / 180, mRad * math.Pi / 180}
}

func (pl plane) to(p orb.Point) (float64, float64) {
	return (p[0] - pl.lon0) * pl.kx, (p[1] - pl.lat0) * pl.ky
}

func (pl plane) from(x, y float64) orb.Point { return orb.Point{pl.lon0 + x/pl.kx, pl.lat0 + y/pl.ky} }

// at is the point r metres from the plane's origin in direction t (radians from east).
func (pl plane) at(r, t float64) orb.Point { return pl.from(r*math.Cos(t), r*math.Sin(t)) }

// arc appends the points r metres around the plane's origin from direction t0 to t1 (turning
// either way), ends included.
func (pl plane) arc(out []orb.Point, r, t0, t1 float64) []orb.Point {
	n := max(1, int(math.Ceil(math.Abs(t1-t0)/arcStep)))
	for k := 0; k <= n; k++ {
		out = append(out, pl.at(r, t0+(t1-t0)*float64(k)/float64(n)))
	}
	return out
}

// outline traces the buffer of pts (no two consecutive equal) as one ring; ok is false when an
// inner bend's offsets do not cross.
func outline(pts []orb.Point, r float64) (orb.Ring, bool) {
	planes := make([]plane, len(pts))
	for i, p := range pts {
		planes[i] = planeAt(p)
	}
	// the direction of each segment at its start and at its end, each in its vertex's plane
	start, end := make([]float64, len(pts)-1), make([]float64, len(pts)-1)
	for i := range start {
		x, y := planes[i].to(pts[i+1])
		start[i] = math.Atan2(y, x)
		x, y = planes[i+1].to(pts[i])
		end[i] = math.Atan2(-y, -x)
	}
	left, ok1 := side(planes, start, end, r, 1)
	right, ok2 := side(planes, start, end, r, -1)
	if !ok1 || !ok2 {
		return nil, false
	}
	last, n := planes[len(pts)-1], len(start)-1
	ring := last.arc(left, r, end[n]+math.Pi/2, end[n]-math.Pi/2) // the end cap, through the front
	for i := len(right) - 1; i >= 0; i-- {
		ring = append(ring, right[i])
	}
	ring = planes[0].arc(ring, r, start[0]-math.Pi/2, start[0]-3*math.Pi/2) // the start cap, through the back
	if ring = distinct(ring); ring[0] != ring[len(ring)-1] {
		ring = append(ring, ring[0])
	}
	return ring, true
}

// side traces the offsets on one side (sign 1: left, -1: right) from the first vertex to the
// last, with the joins between them.
func side(planes []plane, start, end []float64, r, sign float64) ([]orb.Point, bool) {
	normal := sign * math.Pi / 2
	out := []orb.Point{planes[0].at(r, start[0]+normal)}
	for i := 1; i < len(planes)-1; i++ {
		in, next := end[i-1], start[i]
		turn := math.Remainder(next-in, 2*math.Pi) * sign // > 0: this side is the inner one
		a, b := planes[i].at(r, in+normal), planes[i].at(r, next+normal)
		if turn <= 0 {
			out = planes[i].arc(out, r, in+normal, in+normal+turn*sign)
			continue
		}
		// inner bend: where the previous offset meets the next one
		prev := out[len(out)-1]
		following := planes[i+1].at(r, end[i]+normal)
		t, ok := SegmentParam(prev, a, b, following)
		if !ok || t < 0 || t > 1 {
			return nil, false
		}
		out = append(out, orb.Point{prev[0] + t*(a[0]-prev[0]), prev[1] + t*(a[1]-prev[1])})
	}
	return append(out, planes[len(planes)-1].at(r, end[len(end)-1]+normal)), true
}

// stadium is the set of points within r metres of segment a-b, as a polygon of 2×16+2 vertices,
// in the tangent plane at the segment's midpoint.
func stadium(a, b orb.Point, r float64) orb.Polygon {
	pl := planeAt(orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2})
	ax, ay := pl.to(a)
	bx, by := pl.to(b)
	dir := math.Atan2(by-ay, bx-ax)
	var ring orb.Ring
	for k := 0; k <= 16; k++ { // around b: from the right side (dir-90°) to the left side (dir+90°)
		t := dir - math.Pi/2 + math.Pi*float64(k)/16
		ring = append(ring, pl.from(bx+r*math.Cos(t), by+r*math.Sin(t)))
	}
	for k := 0; k <= 16; k++ { // around a: from the left side back to the right side
		t := dir + math.Pi/2 + math.Pi*float64(k)/16
		ring = append(ring, pl.from(ax+r*math.Cos(t), ay+r*math.Sin(t)))
	}
	return orb.Polygon{append(ring, ring[0])}
}
