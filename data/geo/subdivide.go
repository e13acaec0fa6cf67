package geo

import (
	"context"

	"github.com/paulmach/orb"
)

// Subdivide halves a polygon along the longer side of its bbox until every piece has at most
// maxVertices vertices (as PostGIS's ST_Subdivide). The pieces are overlay output, so they
// partition the polygon exactly; a piece the overlay cannot cut is kept whole.
func Subdivide(p orb.Polygon, maxVertices int) []orb.Polygon {
	out, _ := SubdivideContext(context.Background(), p, maxVertices)
	return out
}

// SubdivideContext is Subdivide, stopping with ctx's error when ctx ends.
func SubdivideContext(ctx context.Context, p orb.Polygon, maxVertices int) ([]orb.Polygon, error) {
	return subdivide(ctx, p, maxVertices, 0)
}

func subdivide(ctx context.Context, p orb.Polygon, maxVertices, depth int) ([]orb.Polygon, error) {
	if Vertices(p) <= maxVertices || depth > 24 {
		return []orb.Polygon{p}, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b := p.Bound()
	var halves [2]orb.Bound
	if b.Max[0]-b.Min[0] >= b.Max[1]-b.Min[1] {
		mid := (b.Min[0] + b.Max[0]) / 2
		halves[0] = orb.Bound{Min: b.Min, Max: orb.Point{mid, b.Max[1]}}
		halves[1] = orb.Bound{Min: orb.Point{mid, b.Min[1]}, Max: b.Max}
	} else {
		mid := (b.Min[1] + b.Max[1]) / 2
		halves[0] = orb.Bound{Min: b.Min, Max: orb.Point{b.Max[0], mid}}
		halves[1] = orb.Bound{Min: orb.Point{b.Min[0], mid}, Max: b.Max}
	}
	src := NewOperand(p)
	var out []orb.Polygon
	for _, h := range halves {
		polys, err := src.Intersect(NewOperand(h.ToPolygon()))
		if err != nil {
			return []orb.Polygon{p}, nil // keep the polygon whole rather than fail
		}
		for _, q := range polys {
			parts, err := subdivide(ctx, q, maxVertices, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, parts...)
		}
	}
	return out, nil
}
