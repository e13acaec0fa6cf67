package analytics

import (
	"context"
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// Exposure is what one exposure layer has inside an area: for points "count" plus the sum of each
// numeric field and the count of each true boolean field; for lines "length_km"; for polygons
// "count" (of the features whose representative point, as ST_PointOnSurface, lies there) and
// "area_km2" (their exact area there).
type Exposure map[string]float64

func zeroExposure(l *indexes.Layer) Exposure {
	x := Exposure{}
	switch l.Shape() {
	case data.Points:
		x["count"] = 0
		for _, f := range l.Spec.Fields {
			if summable(l.Spec, f) {
				x[f.Name] = 0
			}
		}
	case data.Lines:
		x["length_km"] = 0
	default:
		x["count"], x["area_km2"] = 0, 0
	}
	return x
}

func add(into map[string]Exposure, id string, x Exposure) {
	m := into[id]
	if m == nil {
		m = Exposure{}
		into[id] = m
	}
	for k, v := range x {
		m[k] += v
	}
}

// summable says which attributes exposure sums: numbers and booleans, but not identifiers.
func summable(spec *data.LayerSpec, f data.Field) bool {
	if f.Name == spec.Source.IDField || f.Name == spec.KeyField || strings.HasSuffix(f.Name, "_id") || f.Name == "id" {
		return false
	}
	switch f.Type {
	case data.FieldInteger, data.FieldNumber, data.FieldBoolean:
		return true
	}
	return false
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

// members are the features of one layer in a query: the index pages wholly inside it (all their
// features are in, polygons whole), and from the pages across its edge the features that meet it,
// each with where its bbox lies and whether it counts (points it covers; polygons whose
// representative point it covers). A query finds them once per layer for every measure, in index
// page order, and keeps a few bytes per feature only near its edge. Features are known by their
// index and by their position in the layer's index order, which the per-layer tables use.
type members struct {
	l         *indexes.Layer
	inside    []span    // positions of the pages wholly inside
	list      []member  // features of pages across the edge that meet the query
	area      []float64 // polygons: km² inside the query, per list member
	insideKm2 float64   // polygons: the area of the inside pages' features
}

// span is a half-open range of positions.
type span struct{ lo, hi int32 }

// member is a feature near the query's edge, where its bbox lies and whether it counts.
type member struct {
	i, pos  int32
	rel     relation
	counted bool
}

// members returns (and keeps) the features of l in the query.
func (q *Query) members(ctx context.Context, l *indexes.Layer) (*members, error) {
	if m, ok := q.found[l]; ok {
		return m, nil
	}
	m := &members{l: l}
	var err error
	l.Pages(q.Bound, func(pb orb.Bound, first int, fs []int32) bool {
		if err = deadline(ctx); err != nil {
			return false
		}
		switch relate(q.prep, pb) {
		case inside:
			m.inside = append(m.inside, span{int32(first), int32(first + len(fs))})
		case crossing:
			m.near(q, first, fs)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if l.Shape() == data.Polygons {
		m.each(func(i, pos, k int) {
			if k < 0 {
				m.insideKm2 += q.featureKm2(l, i, pos)
			}
		})
	}
	if q.found == nil {
		q.found = map[*indexes.Layer]*members{}
	}
	q.found[l] = m
	return m, nil
}

// near keeps the features of a page across the query's edge that meet the query.
func (m *members) near(q *Query, first int, fs []int32) {
	for j, i := range fs {
		rel := q.relate(m.l, int(i))
		if rel == outside {
			continue
		}
		f := member{i: i, pos: int32(first + j), rel: rel, counted: true}
		if m.l.Shape() == data.Polygons {
			if rel == inside {
				m.area = append(m.area, q.featureKm2(m.l, int(i), first+j))
			} else {
				g := m.l.Geometry(int(i))
				f.counted = q.covers(g)
				m.area = append(m.area, polygonKm2(g, rel, q))
			}
		}
		m.list = append(m.list, f)
	}
}

// each calls fn with every member: its feature index, its position, and its place in m.list, or
// -1 when it is in a page wholly inside the query.
func (m *members) each(fn func(i, pos, k int)) {
	for _, sp := range m.inside {
		for pos := int(sp.lo); pos < int(sp.hi); pos++ {
			fn(m.l.At(pos), pos, -1)
		}
	}
	for k, f := range m.list {
		fn(int(f.i), int(f.pos), k)
	}
}

// rel is where member k's bbox lies; counted whether it counts in the query; km2 a polygon's
// area in the query.
func (m *members) rel(k int) relation {
	if k < 0 {
		return inside
	}
	return m.list[k].rel
}

func (m *members) counted(k int) bool { return k < 0 || m.list[k].counted }

func (m *members) km2(q *Query, i, pos, k int) float64 {
	if k < 0 {
		return q.featureKm2(m.l, i, pos)
	}
	return m.area[k]
}

// len is the number of members.
func (m *members) len() int {
	n := len(m.list)
	for _, sp := range m.inside {
		n += int(sp.hi - sp.lo)
	}
	return n
}

// relate tells where feature i of l lies with respect to the query: a point inside or outside,
// another feature by its bbox.
func (q *Query) relate(l *indexes.Layer, i int) relation {
	if p, ok := l.Point(i); ok {
		if q.prep.Covers(p) {
			return inside
		}
		return outside
	}
	return relate(q.prep, l.FeatureBound(i))
}

// featureKm2 is the area of polygonal feature i of l (at position pos), from the layer's table
// when it was warmed.
func (q *Query) featureKm2(l *indexes.Layer, i, pos int) float64 {
	if t := q.km2[l]; t != nil {
		return t[pos]
	}
	return featureKm2(l, i)
}

// featureKm2 is the area of polygonal feature i of l, read from its rings without building it.
func featureKm2(l *indexes.Layer, i int) float64 {
	var a float64
	l.Rings(i, func(k int, r orb.Ring) {
		if k == 0 {
			a += math.Abs(geo.RingAreaM2(r))
		} else {
			a -= math.Abs(geo.RingAreaM2(r))
		}
	})
	return a / 1e6
}

// inArea measures layer l in the whole query area.
func inArea(ctx context.Context, l *indexes.Layer, q *Query) (Exposure, error) {
	x := zeroExposure(l)
	m, err := q.members(ctx, l)
	if err != nil {
		return nil, err
	}
	switch l.Shape() {
	case data.Points:
		m.each(func(i, _, _ int) { addPoint(x, l, i) })
	case data.Lines:
		m.each(func(i, _, k int) { x["length_km"] += lineKm(l.Geometry(i), m.rel(k), q.prep) })
	case data.Polygons:
		x["area_km2"] = m.insideKm2
		m.each(func(_, _, k int) {
			if m.counted(k) {
				x["count"]++
			}
			if k >= 0 {
				x["area_km2"] += m.area[k]
			}
		})
	}
	return x, nil
}

// lineKm is the length of a line inside the prepared polygons (all of them), whole when its bbox
// lies inside them.
func lineKm(g orb.Geometry, rel relation, preps ...*geo.Prepared) float64 {
	if rel == inside {
		return geo.LengthKm(g)
	}
	return geo.LengthInsideKm(g, preps...)
}

// polygonKm2 is the area of polygonal g inside the query.
func polygonKm2(g orb.Geometry, rel relation, q *Query) float64 {
	mp := geo.Polygons(g)
	if rel == inside {
		return geo.AreaKm2(mp)
	}
	return geo.IntersectionAreaM2(geo.NewShape(mp), q.shape) / 1e6
}

// covers reports whether the representative point of polygonal g lies in the query.
func (q *Query) covers(g orb.Geometry) bool {
	rp, ok := geo.PointOnSurface(g)
	return ok && q.prep.Covers(rp)
}

// pointsByClass counts every point of l in the query in the class of the zone it lies in.
func pointsByClass(ctx context.Context, t *classTable, z *zones, l *indexes.Layer, q *Query, cs *classes) error {
	per := make([]Exposure, len(z.names))
	m, err := q.members(ctx, l)
	if err != nil {
		return err
	}
	m.each(func(i, pos, _ int) {
		c := t.of[pos]
		if c < 0 {
			return
		}
		if per[c] == nil {
			per[c] = zeroExposure(l)
		}
		addPoint(per[c], l, i)
	})
	for c, x := range per {
		if x != nil {
			add(cs.get(z.names[c]).Exposure, l.Spec.ID, x)
		}
	}
	return nil
}

// polygonsByClass counts the polygons of l in the query by the zone class of their
// representative point, and adds their exact areas to the classes of the zones they lie in:
// whole when a polygon lies inside one zone piece, split by exact intersections when it meets
// several or a zone's edge.
func polygonsByClass(ctx context.Context, t *classTable, z *zones, l *indexes.Layer, q *Query, cs *classes) error {
	per := make([]Exposure, len(z.names))
	get := func(c int16) Exposure {
		if per[c] == nil {
			per[c] = Exposure{"count": 0, "area_km2": 0}
		}
		return per[c]
	}
	m, err := q.members(ctx, l)
	if err != nil {
		return err
	}
	n := 0
	m.each(func(i, pos, k int) {
		if n++; n%1024 == 0 && err == nil {
			err = deadline(ctx)
		}
		if err != nil || !bit(t.meets, pos) {
			return
		}
		if c := t.of[pos]; c >= 0 && m.counted(k) {
			get(c)["count"]++
		}
		if bit(t.whole, pos) {
			get(t.of[pos])["area_km2"] += m.km2(q, i, pos, k)
			return
		}
		splitArea(l.Geometry(i), l.FeatureBound(i), m.rel(k), z, q, get)
	})
	if err != nil {
		return err
	}
	for c, x := range per {
		if x != nil {
			add(cs.get(z.names[c]).Exposure, l.Spec.ID, x)
		}
	}
	return nil
}

// splitArea adds the exact area of polygonal g in each zone piece (and the query) to the piece's
// class.
func splitArea(g orb.Geometry, fb orb.Bound, rel relation, z *zones, q *Query, get func(int16) Exposure) {
	shape := geo.NewShape(geo.Polygons(g))
	for _, j := range z.pieces.Indexes(fb) {
		var a float64
		if rel == inside {
			a = geo.IntersectionAreaM2(shape, z.shapes[j])
		} else {
			a = geo.IntersectionAreaM2(shape, z.shapes[j], q.shape)
		}
		if a > 0 {
			get(z.class[j])["area_km2"] += a / 1e6
		}
	}
}

// linesByClass adds the length of the lines of l inside the query to the class of the zone each
// stretch lies in: every segment near a zone is cut where it meets the query's and the zones'
// edges, and each stretch between cuts goes to the class of the piece holding its midpoint.
func linesByClass(ctx context.Context, z *zones, l *indexes.Layer, q *Query, cs *classes) error {
	per := make([]float64, len(z.names))
	var ts []float64
	var near []int
	m, err := q.members(ctx, l)
	if err != nil {
		return err
	}
	m.each(func(i, _, k int) {
		nz := nearZones(z, clampBound(l.FeatureBound(i), q.Bound))
		if len(nz.all) == 0 {
			return
		}
		for _, line := range geo.Lines(l.Geometry(i)) {
			for s := 0; s+1 < len(line); s++ {
				ts, near = segmentByClass(line[s], line[s+1], m.rel(k), nz, q, per, ts, near)
			}
		}
	})
	for c, km := range per {
		if km > 0 {
			add(cs.get(z.names[c]).Exposure, l.Spec.ID, Exposure{"length_km": km})
		}
	}
	return nil
}

// zoneSet is the zone pieces near one feature: few are scanned, many are searched.
type zoneSet struct {
	z   *zones
	all []int
}

func nearZones(z *zones, b orb.Bound) zoneSet {
	if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] {
		return zoneSet{z: z}
	}
	return zoneSet{z: z, all: z.pieces.Indexes(b)}
}

// within appends the pieces whose bbox meets b, in index order.
func (s zoneSet) within(b orb.Bound, out []int) []int {
	out = out[:0]
	if len(s.all) <= 64 {
		for _, j := range s.all {
			if s.z.pieces.FeatureBound(j).Intersects(b) {
				out = append(out, j)
			}
		}
		return out
	}
	s.z.pieces.Search(b, func(j int) bool { out = append(out, j); return true })
	slices.Sort(out)
	return out
}

func clampBound(a, b orb.Bound) orb.Bound {
	return orb.Bound{Min: orb.Point{max(a.Min[0], b.Min[0]), max(a.Min[1], b.Min[1])},
		Max: orb.Point{min(a.Max[0], b.Max[0]), min(a.Max[1], b.Max[1])}}
}

// segmentByClass splits segment a-b as linesByClass says; ts and near are scratch space.
func segmentByClass(a, b orb.Point, rel relation, nz zoneSet, q *Query, per []float64, ts []float64, near []int) ([]float64, []int) {
	sb := orb.Bound{Min: orb.Point{min(a[0], b[0]), min(a[1], b[1])}, Max: orb.Point{max(a[0], b[0]), max(a[1], b[1])}}
	if !sb.Intersects(q.Bound) {
		return ts, near
	}
	near = nz.within(sb, near)
	if len(near) == 0 {
		return ts, near
	}
	z := nz.z
	ts = append(ts[:0], 0, 1)
	if rel == crossing {
		ts = q.prep.Cuts(a, b, ts)
	}
	for _, j := range near {
		ts = z.preps[j].Cuts(a, b, ts)
	}
	slices.Sort(ts)
	at := func(t float64) orb.Point { return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])} }
	for k := 0; k+1 < len(ts); k++ {
		if ts[k+1] <= ts[k] {
			continue
		}
		mid := at((ts[k] + ts[k+1]) / 2)
		if rel == crossing && !q.prep.Contains(mid) {
			continue
		}
		for _, j := range near {
			if z.preps[j].Contains(mid) {
				per[z.class[j]] += geo.DistanceKm(at(ts[k]), at(ts[k+1]))
				break
			}
		}
	}
	return ts, near
}
