package geo

import (
	"context"
	"math"

	"github.com/paulmach/orb"
)

// Simplify returns the vertices of line that Douglas–Peucker keeps at a tolerance of tolM metres:
// every vertex dropped is within tolM of the segment that replaces it, so the simplified line is
// within tolM (Hausdorff distance) of line. A stretch with a vertex beyond tolM is split at its
// farthest vertex, or at its middle one when the farthest lies in its first or last quarter, so
// that it takes n·log n distances at most. Distances are measured in the tangent plane at the
// vertex measured (lon/lat segments are straight in it). It checks ctx every 1,024 distances.
func Simplify(ctx context.Context, line []orb.Point, tolM float64) ([]orb.Point, error) {
	if len(line) < 3 || !(tolM > 0) {
		return line, nil
	}
	planes := make([]plane, len(line))
	for i, p := range line {
		planes[i] = planeAt(p)
	}
	keep := make([]bool, len(line))
	keep[0], keep[len(line)-1] = true, true
	stack, steps := [][2]int{{0, len(line) - 1}}, 0
	for len(stack) > 0 {
		a, b := stack[len(stack)-1][0], stack[len(stack)-1][1]
		stack = stack[:len(stack)-1]
		far, farD := -1, tolM
		for i := a + 1; i < b; i++ {
			if steps++; steps%1024 == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if d := segmentDistanceM(planes[i], line[a], line[b]); d > farD {
				far, farD = i, d
			}
		}
		if far >= 0 {
			if q := (b - a) / 4; far-a < q || b-far < q {
				far = (a + b) / 2 // keep the splits balanced: n·log n distances at most, not n²
			}
			keep[far] = true
			stack = append(stack, [2]int{a, far}, [2]int{far, b})
		}
	}
	out := make([]orb.Point, 0, len(line))
	for i, k := range keep {
		if k {
			out = append(out, line[i])
		}
	}
	return out, nil
}

// segmentDistanceM is the distance in metres from the origin of pl (a vertex's tangent plane) to
// segment a-b.
func segmentDistanceM(pl plane, a, b orb.Point) float64 {
	ax, ay := pl.to(a)
	bx, by := pl.to(b)
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = max(0, min(1, -(ax*dx+ay*dy)/l2))
	}
	x, y := ax+t*dx, ay+t*dy
	return math.Hypot(x, y)
}
