package analytics

import (
	"context"
	"math"
	"sync"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// region is an area exposure is measured in: the intersection of one or more prepared polygons.
// Its exact geometry is computed only when something needs it (a polygon layer, an export).
type region struct {
	preps []*geo.Prepared
	bound orb.Bound
	// polygon exposure is measured as (data polygon ∩ part) ∩ query, with part nil for the whole
	// query and inside true when part lies wholly inside the query
	q      *Query
	part   orb.MultiPolygon
	inside bool
	exact  func() (orb.MultiPolygon, error)
	once   sync.Once
	shape  orb.MultiPolygon
	err    error
}

func newRegion(exact func() (orb.MultiPolygon, error), preps ...*geo.Prepared) *region {
	b := preps[0].Bound()
	for _, p := range preps[1:] {
		pb := p.Bound()
		b = orb.Bound{Min: orb.Point{math.Max(b.Min[0], pb.Min[0]), math.Max(b.Min[1], pb.Min[1])},
			Max: orb.Point{math.Min(b.Max[0], pb.Max[0]), math.Min(b.Max[1], pb.Max[1])}}
	}
	return &region{preps: preps, bound: b, exact: exact}
}

func (r *region) contains(p orb.Point) bool {
	for _, pp := range r.preps {
		if !pp.Contains(p) {
			return false
		}
	}
	return true
}

func (r *region) containsBound(b orb.Bound) bool {
	for _, pp := range r.preps {
		if !pp.ContainsBound(b) {
			return false
		}
	}
	return true
}

// geometry returns the region's exact shape, computed on first use (for exports).
func (r *region) geometry() (orb.MultiPolygon, error) {
	r.once.Do(func() { r.shape, r.err = r.exact() })
	return r.shape, r.err
}

// polygonAreaKm2 is the area of g inside the region: g ∩ part by a small overlay, then inside
// the query by the query's own method (whole, convex clip, or overlay with nearby pieces).
func (r *region) polygonAreaKm2(g orb.MultiPolygon) (float64, error) {
	in := g
	if r.part != nil {
		var err error
		if in, err = geo.Intersection(g, r.part); err != nil {
			return 0, &data.Error{Kind: data.KindInternal, Msg: "overlay failed", Err: err}
		}
		if r.inside {
			return geo.AreaKm2(in), nil
		}
	}
	var a float64
	for _, p := range in {
		_, pa, err := r.q.regionOf(p, p.Bound())
		if err != nil {
			return 0, err
		}
		a += pa
	}
	return a, nil
}

// regionOf returns the part of a polygonal feature inside the query and its area in km², or nil.
// A feature wholly inside is taken whole; for a convex query the area comes from convex clipping
// and points and lines are tested against both polygons; otherwise it is overlaid exactly.
func (q *Query) regionOf(g orb.Geometry, fb orb.Bound) (*region, float64, error) {
	mp := geo.Polygons(g)
	if mp == nil {
		return nil, 0, nil
	}
	if !q.prep.Crosses(fb) { // no query edge meets the bbox: wholly inside or wholly outside
		if !q.prep.Contains(fb.Min) {
			return nil, 0, nil
		}
		r := newRegion(func() (orb.MultiPolygon, error) { return mp, nil }, geo.Prepare(mp))
		r.q, r.part, r.inside = q, mp, true
		return r, geo.AreaKm2(mp), nil
	}
	if q.convex != nil {
		var area float64
		for _, p := range mp {
			area += geo.ConvexIntersectionKm2(p, q.convex)
		}
		if area <= 0 {
			return nil, 0, nil
		}
		r := newRegion(func() (orb.MultiPolygon, error) { return overlay(mp, q) }, geo.Prepare(mp), q.prep)
		r.q, r.part = q, mp
		return r, area, nil
	}
	shape, err := q.overlayPieces(mp, fb)
	if err != nil || len(shape) == 0 {
		return nil, 0, err
	}
	r := newRegion(func() (orb.MultiPolygon, error) { return shape, nil }, geo.Prepare(mp), q.prep)
	r.q, r.part = q, mp
	return r, geo.AreaKm2(shape), nil
}

// overlayPieces overlays a feature of a non-convex query with the query pieces near it only. The
// pieces partition the query, so the parts found are disjoint and their areas add up.
func (q *Query) overlayPieces(mp orb.MultiPolygon, fb orb.Bound) (orb.MultiPolygon, error) {
	var shape orb.MultiPolygon
	op := geo.NewOperand(mp)
	for _, qp := range q.parts {
		if !qp.bound.Intersects(fb) {
			continue
		}
		polys, err := op.Intersect(qp.op)
		if err != nil {
			return nil, &data.Error{Kind: data.KindInternal, Msg: "overlay failed", Err: err}
		}
		shape = append(shape, polys...)
	}
	return shape, nil
}

func overlay(mp orb.MultiPolygon, q *Query) (orb.MultiPolygon, error) {
	polys, err := geo.NewOperand(mp).Intersect(q.op)
	if err != nil {
		return nil, &data.Error{Kind: data.KindInternal, Msg: "overlay failed", Err: err}
	}
	return polys, nil
}

// exposureIn measures layer l inside a region.
func exposureIn(ctx context.Context, l *indexes.Layer, reg *region) (Exposure, error) {
	x := zeroExposure(l)
	if l.Len() == 0 {
		return x, nil
	}
	var err error
	l.Search(reg.bound, func(i int) bool {
		if err = deadline(ctx); err != nil {
			return false
		}
		switch g := l.Geometry(i).(type) {
		case orb.Point:
			if reg.contains(g) {
				addPoint(x, l, i)
			}
		case orb.LineString, orb.MultiLineString:
			if fb := l.FeatureBound(i); reg.containsBound(fb) {
				x["length_km"] += geo.LengthKm(g)
			} else {
				x["length_km"] += geo.LengthInsideKm(g, reg.preps...)
			}
		case orb.Polygon, orb.MultiPolygon:
			fb := l.FeatureBound(i)
			if reg.containsBound(fb) {
				x["area_km2"] += geo.AreaKm2(g)
				return true
			}
			a, e := reg.polygonAreaKm2(geo.Polygons(g))
			if e != nil {
				err = e
				return false
			}
			x["area_km2"] += a
		}
		return true
	})
	return x, err
}

// addPoint counts a point feature and adds its numeric and true boolean attributes.
func addPoint(x Exposure, l *indexes.Layer, i int) {
	x["count"]++
	for k, fd := range l.Spec.Fields {
		if !summable(l.Spec, fd) {
			continue
		}
		if v, ok := l.Value(i, k).Float(); ok {
			x[fd.Name] += v
		}
	}
}

func isPoints(l *indexes.Layer) bool {
	if l.Len() == 0 {
		return false
	}
	_, ok := l.Point(0)
	return ok
}
