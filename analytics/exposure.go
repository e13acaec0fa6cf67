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

// members are the features of one layer in a query, in index order: points it covers, lines
// and polygons it meets (with where their bbox lies, and for polygons whether it covers their
// representative point). A query finds them once per layer for every measure.
type members struct {
	list []member
	area []float64 // polygons: km² inside the query, per member
}

// page is an index page meeting a query and where its bbox lies.
type page struct {
	features []int32
	rel      relation
}

// pages returns the index pages of l that meet the query and how many features they hold.
func (q *Query) pages(ctx context.Context, l *indexes.Layer) ([]page, int, error) {
	var out []page
	var n int
	var err error
	l.Pages(q.Bound, func(pb orb.Bound, fs []int32) bool {
		if err = deadline(ctx); err != nil {
			return false
		}
		if rel := relate(q.prep, pb); rel != outside {
			out, n = append(out, page{fs, rel}), n+len(fs)
		}
		return true
	})
	return out, n, err
}

// member is a feature found in a query, where its bbox lies and (points, polygons) whether it
// counts in the query.
type member struct {
	i       int32
	rel     relation
	counted bool
}

// members returns (and keeps) the features of l in the query. Index pages wholly inside the
// query (most of them, for a dense layer) take all their features without looking at each.
func (q *Query) members(ctx context.Context, l *indexes.Layer) (*members, error) {
	if m, ok := q.found[l]; ok {
		return m, nil
	}
	pages, n, err := q.pages(ctx, l)
	if err != nil {
		return nil, err
	}
	found := make([]member, 0, n)
	for _, pg := range pages {
		for _, i := range pg.features {
			rel := pg.rel
			if rel == crossing {
				rel = q.relate(l, int(i))
			}
			if rel != outside {
				found = append(found, member{i: i, rel: rel})
			}
		}
	}
	slices.SortFunc(found, func(a, b member) int { return int(a.i - b.i) })
	m := &members{list: found}
	if l.Shape() == data.Polygons {
		m.area = make([]float64, 0, len(found))
	}
	for k := range found {
		m.measure(l, q, k)
	}
	if q.found == nil {
		q.found = map[*indexes.Layer]*members{}
	}
	q.found[l] = m
	return m, nil
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

// measure tells whether member k counts in the query and, for a polygon, its area there.
func (m *members) measure(l *indexes.Layer, q *Query, k int) {
	f := &m.list[k]
	switch l.Shape() {
	case data.Points:
		f.counted = true
	case data.Polygons:
		if f.rel == inside {
			f.counted = true
			m.area = append(m.area, featureKm2(l, int(f.i)))
			return
		}
		g := l.Geometry(int(f.i))
		f.counted = q.covers(g)
		m.area = append(m.area, polygonKm2(g, f.rel, q))
	}
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
	for k, f := range m.list {
		i := int(f.i)
		switch l.Shape() {
		case data.Points:
			addPoint(x, l, i)
		case data.Lines:
			x["length_km"] += lineKm(l.Geometry(i), f.rel, q.prep)
		case data.Polygons:
			if f.counted {
				x["count"]++
			}
			x["area_km2"] += m.area[k]
		}
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
	for _, f := range m.list {
		c := t.of[f.i]
		if c < 0 {
			continue
		}
		if per[c] == nil {
			per[c] = zeroExposure(l)
		}
		addPoint(per[c], l, int(f.i))
	}
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
	for k, f := range m.list {
		i := int(f.i)
		if k%1024 == 0 {
			if err := deadline(ctx); err != nil {
				return err
			}
		}
		if !bit(t.meets, i) {
			continue
		}
		if c := t.of[i]; c >= 0 && f.counted {
			get(c)["count"]++
		}
		if bit(t.whole, i) {
			get(t.of[i])["area_km2"] += m.area[k]
			continue
		}
		splitArea(l.Geometry(i), l.FeatureBound(i), f.rel, z, q, get)
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
	for _, f := range m.list {
		i, rel := int(f.i), f.rel
		nz := nearZones(z, clampBound(l.FeatureBound(i), q.Bound))
		if len(nz.all) == 0 {
			continue
		}
		for _, line := range geo.Lines(l.Geometry(i)) {
			for k := 0; k+1 < len(line); k++ {
				ts, near = segmentByClass(line[k], line[k+1], rel, nz, q, per, ts, near)
			}
		}
	}
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
