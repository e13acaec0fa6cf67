package analytics

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
)

// Config names the layers and thresholds the risk methods use. Defaults fit the Pakistan catalog.
type Config struct {
	PopulationLayer   string   // point layer whose PopulationField is "people" [villages]
	PopulationField   string   // [population]
	ConnectivityField string   // boolean field of PopulationLayer: connected to fibre [fibre]
	FacilityLayer     string   // point layer of facilities [facilities]
	FacilityKindField string   // [kind]
	HealthKinds       []string // kinds that count as health care [hospital, rural_health_centre]
	ShelterKinds      []string // kinds that count as shelters [flood_shelter]
	GaugeLayer        string   // [gauges]
	AdminLayer        string   // admin layer for /risk/point [provinces]
	DamagingDepthM    float64  // ThinkHazard! damaging threshold: classes with min >= this [0.5]
	FarFromHealthKm   float64  // a village farther than this from health care lacks coping capacity [10]
	Timeout           time.Duration
}

// DefaultConfig returns the defaults for the Pakistan catalog.
func DefaultConfig() Config {
	return Config{PopulationLayer: "villages", PopulationField: "population", ConnectivityField: "fibre",
		FacilityLayer: "facilities", FacilityKindField: "kind", HealthKinds: []string{"hospital", "rural_health_centre"},
		ShelterKinds: []string{"flood_shelter"}, GaugeLayer: "gauges", AdminLayer: "provinces",
		DamagingDepthM: 0.5, FarFromHealthKm: 10, Timeout: 20 * time.Second}
}

// Engine answers risk questions from the indexed layers.
type Engine struct {
	cfg     Config
	ranks   rankCache
	pieces  pieces
	classes struct {
		mu     sync.Mutex
		tables map[[2]*indexes.Layer]*classTable
	}
	health struct {
		mu          sync.Mutex
		people, fac *indexes.Layer
		km          []float32
	}
}

// NewEngine returns an engine.
func NewEngine(cfg Config) *Engine { return &Engine{cfg: cfg} }

// Exposure is what one exposure layer has inside an area: for points "count" plus the sum of each
// numeric field and the count of each true boolean field; for lines "length_km"; for polygons
// "area_km2".
type Exposure map[string]float64

// ClassResult is the hazard area and exposure of one hazard class.
type ClassResult struct {
	Class    string              `json:"class"`
	AreaKm2  float64             `json:"area_km2"`
	Share    float64             `json:"share_of_area"`
	Exposure map[string]Exposure `json:"exposure"`
}

// HazardResult is one hazard layer (one hazard type and return period) by class.
type HazardResult struct {
	Layer        string        `json:"layer"`
	Hazard       string        `json:"hazard"`
	ReturnPeriod int           `json:"return_period"`
	Classes      []ClassResult `json:"classes"`
	Total        ClassResult   `json:"total"`
	Damaging     ClassResult   `json:"damaging"` // classes at or above the damaging depth
	pieces       []piece
}

// Summary aggregates a hazard type over its return periods.
type Summary struct {
	Hazard string `json:"hazard"`
	// ExpectedAnnualPopulation is the expected annual exposed population: the trapezoid rule over
	// annual exceedance probability p = 1/RP, the rarest RP's exposure held constant for rarer
	// events (to p = 0), and nothing for events more frequent than the most frequent RP.
	ExpectedAnnualPopulation float64 `json:"expected_annual_population"`
	// Level is the ThinkHazard! level: the number of return periods at which at least 5 % of the
	// area is under the damaging depth, as very low (0), low (1), medium (2), high (3+).
	Level          string             `json:"level"`
	DamagingShare  map[string]float64 `json:"damaging_share_by_return_period"`
	ExposedByRP    map[string]float64 `json:"exposed_population_by_return_period"`
	ReturnPeriods  []int              `json:"return_periods"`
	rarestDamaging float64
	rarestExposed  float64
}

// AreaResult is the answer to an area query.
type AreaResult struct {
	Query       *Query              `json:"query"`
	Input       *AreaRequest        `json:"input"`
	DataVersion string              `json:"data_version"`
	Hazards     []HazardResult      `json:"hazards"`
	Summary     []Summary           `json:"summary"`
	InArea      map[string]Exposure `json:"in_area"` // exposure in the whole query area
	RiskIndex   *RiskIndex          `json:"risk_index"`
	TimingMs    float64             `json:"timing_ms"`
}

// piece is a part of the query area inside one hazard polygon (kept for GeoJSON export).
type piece struct {
	class  string
	region *region
}

func deadline(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &data.Error{Kind: data.KindTimeout, Msg: "the query took too long", Detail: "try a smaller area or fewer layers", Err: err}
	}
	return nil
}

// layers resolves the requested hazard and exposure layers (defaults: every layer with a hazard
// tag; every exposure or vulnerability layer plus the linear hydrology layers).
func (e *Engine) layers(set *indexes.Set, r *AreaRequest) (haz, exp []*indexes.Layer, err error) {
	pick := func(ids []string, def func(*indexes.Layer) bool, what string, check func(*indexes.Layer) bool) ([]*indexes.Layer, error) {
		if len(ids) == 0 {
			var out []*indexes.Layer
			for _, l := range set.Layers() {
				if def(l) {
					out = append(out, l)
				}
			}
			return out, nil
		}
		var out []*indexes.Layer
		for _, id := range ids {
			l, ok := set.Layer(id)
			if !ok {
				return nil, data.Errorf(data.KindNotFound, "no %s layer %q", what, id)
			}
			if !check(l) {
				return nil, data.Invalid("not a "+what+" layer", fmt.Sprintf("%q cannot be used as a %s layer", id, what))
			}
			if !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
		return out, nil
	}
	isHazard := func(l *indexes.Layer) bool { return l.Spec.Hazard != nil }
	if haz, err = pick(r.Hazards, isHazard, "hazard", isHazard); err != nil {
		return nil, nil, err
	}
	if exp, err = pick(r.Exposure, DefaultExposure, "exposure", func(l *indexes.Layer) bool { return l.Spec.Hazard == nil }); err != nil {
		return nil, nil, err
	}
	return haz, exp, nil
}

// DefaultExposure says which layers an area query reports by default: exposure and vulnerability
// layers, and the linear hydrology layers (rivers), but no admin or hazard layers.
func DefaultExposure(l *indexes.Layer) bool {
	if l.Spec.Hazard != nil || l.Spec.Theme == data.ThemeAdmin || len(l.Features) == 0 {
		return false
	}
	switch l.Spec.Metadata.RiskRole {
	case data.RoleExposure, data.RoleVulnerability:
		return true
	}
	_, line := l.Features[0].Geometry.(orb.LineString)
	return l.Spec.Theme == data.ThemeHydrology && line
}

// Area answers an area query.
func (e *Engine) Area(ctx context.Context, set *indexes.Set, r *AreaRequest) (*AreaResult, error) {
	start := time.Now()
	if e.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.cfg.Timeout)
		defer cancel()
	}
	q, err := BuildQuery(set, r)
	if err != nil {
		return nil, err
	}
	haz, exp, err := e.layers(set, r)
	if err != nil {
		return nil, err
	}
	res, err := e.compute(ctx, set, q, haz, exp)
	if err != nil {
		return nil, err
	}
	res.Input = r
	res.TimingMs = math.Round(float64(time.Since(start).Microseconds())/10) / 100
	return res, nil
}

// compute measures hazards and exposure inside a validated query.
func (e *Engine) compute(ctx context.Context, set *indexes.Set, q *Query, haz, exp []*indexes.Layer) (*AreaResult, error) {
	res := &AreaResult{Query: q, DataVersion: set.Dataset.Version, InArea: map[string]Exposure{}}
	var err error
	if haz, err = e.subdivided(set, haz); err != nil {
		return nil, err
	}
	if exp, err = e.subdivided(set, exp); err != nil {
		return nil, err
	}
	for _, l := range exp {
		whole := newRegion(func() (orb.MultiPolygon, error) { return q.Shape, nil }, q.prep)
		whole.q = q
		x, err := exposureIn(ctx, l, whole)
		if err != nil {
			return nil, err
		}
		res.InArea[l.Spec.ID] = x
	}
	for _, h := range haz {
		hr, err := e.hazard(ctx, h, exp, q)
		if err != nil {
			return nil, err
		}
		res.Hazards = append(res.Hazards, *hr)
	}
	res.Summary = e.summarize(res.Hazards, q.AreaKm2)
	res.RiskIndex = e.riskIndex(set, res, q)
	return res, nil
}

// subdivided swaps polygon layers for their subdivided indexes (see pieces).
func (e *Engine) subdivided(set *indexes.Set, ls []*indexes.Layer) ([]*indexes.Layer, error) {
	out := make([]*indexes.Layer, len(ls))
	for i, l := range ls {
		out[i] = l
		if len(l.Features) == 0 {
			continue
		}
		switch l.Features[0].Geometry.(type) {
		case orb.Polygon, orb.MultiPolygon:
			s, err := e.pieces.of(set, l)
			if err != nil {
				return nil, err
			}
			out[i] = s
		}
	}
	return out, nil
}

// Warm builds the subdivided indexes of every polygon layer, so that the first query does not
// pay for it.
func (e *Engine) Warm(set *indexes.Set) error {
	people, ok1 := set.Layer(e.cfg.PopulationLayer)
	fac, ok2 := set.Layer(e.cfg.FacilityLayer)
	if ok1 && ok2 {
		e.healthDistances(people, fac)
	}
	layers, err := e.subdivided(set, set.Layers())
	if err != nil {
		return err
	}
	for _, h := range layers {
		if h.Spec.Hazard == nil {
			continue
		}
		for _, l := range layers {
			if isPoints(l) && DefaultExposure(l) {
				e.pointClasses(h, l)
			}
		}
	}
	return nil
}

// hazard intersects the query with every polygon of a hazard layer and accumulates by class.
// A hazard layer's polygons must not overlap (true of classified rasters).
func (e *Engine) hazard(ctx context.Context, h *indexes.Layer, exp []*indexes.Layer, q *Query) (*HazardResult, error) {
	field := h.Spec.Hazard.ClassField
	hr := &HazardResult{Layer: h.Spec.ID, Hazard: h.Spec.Hazard.Type, ReturnPeriod: h.Spec.Hazard.ReturnPeriod}
	byClass := map[string]*ClassResult{}
	var order []string
	if rs := h.Spec.Source.Raster; rs != nil {
		for _, c := range rs.Classes {
			order = append(order, c.Name)
		}
	}
	for _, name := range order {
		byClass[name] = &ClassResult{Class: name, Exposure: map[string]Exposure{}}
	}
	for _, i := range h.Indexes(q.Bound) {
		if err := deadline(ctx); err != nil {
			return nil, err
		}
		f := &h.Features[i]
		class := fmt.Sprint(f.Properties[field])
		cr := byClass[class]
		if cr == nil {
			cr = &ClassResult{Class: class, Exposure: map[string]Exposure{}}
			byClass[class] = cr
			order = append(order, class)
		}
		reg, area, err := q.regionOf(f.Geometry, h.FeatureBound(i))
		if err != nil {
			return nil, err
		}
		if reg == nil {
			continue
		}
		cr.AreaKm2 += area
		hr.pieces = append(hr.pieces, piece{class: class, region: reg})
		for _, l := range exp {
			if isPoints(l) {
				continue // counted below, by the class each point falls in
			}
			x, err := exposureIn(ctx, l, reg)
			if err != nil {
				return nil, err
			}
			add(cr.Exposure, l.Spec.ID, x)
		}
	}
	// Point layers: every point in the query is counted in the class of the hazard polygon it lies
	// in (looked up once per data version), which is the same as counting points per piece.
	for _, l := range exp {
		if !isPoints(l) {
			continue
		}
		classes := e.pointClasses(h, l)
		per := map[string]Exposure{}
		var err error
		l.Search(q.Bound, func(i int, f *data.Feature) bool {
			if err = deadline(ctx); err != nil {
				return false
			}
			c := classes.of[i]
			if c < 0 || !q.prep.contains(f.Geometry.(orb.Point)) {
				return true
			}
			name := classes.names[c]
			x := per[name]
			if x == nil {
				x = zeroExposure(l)
				per[name] = x
			}
			addPoint(x, l, f)
			return true
		})
		if err != nil {
			return nil, err
		}
		for name, x := range per {
			cr := byClass[name]
			if cr == nil {
				cr = &ClassResult{Class: name, Exposure: map[string]Exposure{}}
				byClass[name] = cr
				order = append(order, name)
			}
			add(cr.Exposure, l.Spec.ID, x)
		}
	}
	damaging := map[string]bool{}
	if rs := h.Spec.Source.Raster; rs != nil {
		for _, c := range rs.Classes {
			damaging[c.Name] = c.Min >= e.cfg.DamagingDepthM
		}
	}
	hr.Total = ClassResult{Class: "all", Exposure: map[string]Exposure{}}
	hr.Damaging = ClassResult{Class: fmt.Sprintf("depth >= %g m", e.cfg.DamagingDepthM), Exposure: map[string]Exposure{}}
	for _, name := range order {
		cr := byClass[name]
		cr.Share = cr.AreaKm2 / q.AreaKm2
		for id, x := range cr.Exposure {
			add(hr.Total.Exposure, id, x)
			if damaging[name] {
				add(hr.Damaging.Exposure, id, x)
			}
		}
		hr.Total.AreaKm2 += cr.AreaKm2
		if damaging[name] {
			hr.Damaging.AreaKm2 += cr.AreaKm2
		}
		hr.Classes = append(hr.Classes, *cr)
	}
	for _, l := range exp { // every layer appears, even with nothing exposed
		for _, c := range []*ClassResult{&hr.Total, &hr.Damaging} {
			if c.Exposure[l.Spec.ID] == nil {
				c.Exposure[l.Spec.ID] = zeroExposure(l)
			}
		}
		for k := range hr.Classes {
			if hr.Classes[k].Exposure[l.Spec.ID] == nil {
				hr.Classes[k].Exposure[l.Spec.ID] = zeroExposure(l)
			}
		}
	}
	hr.Total.Share = hr.Total.AreaKm2 / q.AreaKm2
	hr.Damaging.Share = hr.Damaging.AreaKm2 / q.AreaKm2
	return hr, nil
}

func zeroExposure(l *indexes.Layer) Exposure {
	x := Exposure{}
	switch l.Features[0].Geometry.(type) {
	case orb.Point, orb.MultiPoint:
		x["count"] = 0
		for _, f := range l.Spec.Fields {
			if summable(l.Spec, f) {
				x[f.Name] = 0
			}
		}
	case orb.LineString, orb.MultiLineString:
		x["length_km"] = 0
	default:
		x["area_km2"] = 0
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

// region is an area exposure is measured in: the intersection of one or more prepared polygons.
// Its exact geometry is computed only when something needs it (a polygon layer, an export).
type region struct {
	preps []*prepared
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

func newRegion(exact func() (orb.MultiPolygon, error), preps ...*prepared) *region {
	b := preps[0].bound
	for _, p := range preps[1:] {
		b = orb.Bound{Min: orb.Point{math.Max(b.Min[0], p.bound.Min[0]), math.Max(b.Min[1], p.bound.Min[1])},
			Max: orb.Point{math.Min(b.Max[0], p.bound.Max[0]), math.Min(b.Max[1], p.bound.Max[1])}}
	}
	return &region{preps: preps, bound: b, exact: exact}
}

func (r *region) contains(p orb.Point) bool {
	for _, pp := range r.preps {
		if !pp.contains(p) {
			return false
		}
	}
	return true
}

func (r *region) containsBound(b orb.Bound) bool {
	for _, pp := range r.preps {
		if !pp.containsBound(b) {
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
		out, err := intersection(toSF(g), toSF(r.part))
		if err != nil {
			return 0, &data.Error{Kind: data.KindInternal, Msg: "overlay failed", Err: err}
		}
		in, _ = fromSF(out)
		if r.inside {
			return AreaKm2(in), nil
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
	mp := data.Polygons(g)
	if mp == nil {
		return nil, 0, nil
	}
	if !q.prep.crosses(fb) { // no query edge meets the bbox: wholly inside or wholly outside
		if !q.prep.contains(fb.Min) {
			return nil, 0, nil
		}
		r := newRegion(func() (orb.MultiPolygon, error) { return mp, nil }, prepare(mp))
		r.q, r.part, r.inside = q, mp, true
		return r, AreaKm2(mp), nil
	}
	if q.convex != nil {
		var area float64
		for _, p := range mp {
			area += convexIntersectionKm2(p, q.convex)
		}
		if area <= 0 {
			return nil, 0, nil
		}
		r := newRegion(func() (orb.MultiPolygon, error) { return overlay(mp, q) }, prepare(mp), q.prep)
		r.q, r.part = q, mp
		return r, area, nil
	}
	// A non-convex query: overlay the feature with the query pieces near it only. The pieces
	// partition the query, so the parts found are disjoint and their areas add up.
	var shape orb.MultiPolygon
	sf := toSF(mp)
	for _, qp := range q.parts {
		if !qp.bound.Intersects(fb) {
			continue
		}
		out, err := intersection(sf, qp.sf)
		if err != nil {
			return nil, 0, &data.Error{Kind: data.KindInternal, Msg: "overlay failed", Err: err}
		}
		polys, _ := fromSF(out)
		shape = append(shape, polys...)
	}
	if len(shape) == 0 {
		return nil, 0, nil
	}
	r := newRegion(func() (orb.MultiPolygon, error) { return shape, nil }, prepare(mp), q.prep)
	r.q, r.part = q, mp
	return r, AreaKm2(shape), nil
}

func overlay(mp orb.MultiPolygon, q *Query) (orb.MultiPolygon, error) {
	out, err := intersection(toSF(mp), q.sf)
	if err != nil {
		return nil, &data.Error{Kind: data.KindInternal, Msg: "overlay failed", Err: err}
	}
	polys, _ := fromSF(out)
	return polys, nil
}

// addPoint counts a point feature and adds its numeric and true boolean attributes.
func addPoint(x Exposure, l *indexes.Layer, f *data.Feature) {
	x["count"]++
	for _, fd := range l.Spec.Fields {
		if !summable(l.Spec, fd) {
			continue
		}
		switch v := f.Properties[fd.Name].(type) {
		case int64:
			x[fd.Name] += float64(v)
		case float64:
			x[fd.Name] += v
		case bool:
			if v {
				x[fd.Name]++
			}
		}
	}
}

func isPoints(l *indexes.Layer) bool {
	if len(l.Features) == 0 {
		return false
	}
	_, ok := l.Features[0].Geometry.(orb.Point)
	return ok
}

// classTable is, for every feature of a point layer, the index of the hazard class it lies in
// (-1: none).
type classTable struct {
	of    []int16
	names []string
}

// pointClasses looks up, once per data version, the class of every point of l in hazard layer h.
func (e *Engine) pointClasses(h, l *indexes.Layer) *classTable {
	e.classes.mu.Lock()
	defer e.classes.mu.Unlock()
	key := [2]*indexes.Layer{h, l}
	if t, ok := e.classes.tables[key]; ok {
		return t
	}
	if e.classes.tables == nil || len(e.classes.tables) > 256 {
		e.classes.tables = map[[2]*indexes.Layer]*classTable{}
	}
	t := &classTable{of: make([]int16, len(l.Features))}
	index := map[string]int16{}
	field := h.Spec.Hazard.ClassField
	for i := range l.Features {
		t.of[i] = -1
		p, ok := l.Features[i].Geometry.(orb.Point)
		if !ok {
			continue
		}
		h.Search(orb.Bound{Min: p, Max: p}, func(_ int, f *data.Feature) bool {
			if !polygonContains(f.Geometry, p) {
				return true
			}
			name := fmt.Sprint(f.Properties[field])
			c, ok := index[name]
			if !ok {
				c = int16(len(t.names))
				index[name] = c
				t.names = append(t.names, name)
			}
			t.of[i] = c
			return false
		})
	}
	e.classes.tables[key] = t
	return t
}

// exposureIn measures layer l inside a region.
func exposureIn(ctx context.Context, l *indexes.Layer, reg *region) (Exposure, error) {
	x := zeroExposure(l)
	if len(l.Features) == 0 {
		return x, nil
	}
	var err error
	l.Search(reg.bound, func(i int, f *data.Feature) bool {
		if err = deadline(ctx); err != nil {
			return false
		}
		switch g := f.Geometry.(type) {
		case orb.Point:
			if reg.contains(g) {
				addPoint(x, l, f)
			}
		case orb.LineString, orb.MultiLineString:
			if fb := l.FeatureBound(i); reg.containsBound(fb) {
				x["length_km"] += LengthKm(g)
			} else {
				x["length_km"] += lengthInsideKm(g, reg.preps...)
			}
		case orb.Polygon, orb.MultiPolygon:
			fb := l.FeatureBound(i)
			if reg.containsBound(fb) {
				x["area_km2"] += AreaKm2(g)
				return true
			}
			a, e := reg.polygonAreaKm2(data.Polygons(g))
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

// summarize groups hazard layers by hazard type and computes the expected annual exposed
// population and the ThinkHazard! level.
func (e *Engine) summarize(hs []HazardResult, areaKm2 float64) []Summary {
	byType := map[string][]HazardResult{}
	var types []string
	for _, h := range hs {
		if byType[h.Hazard] == nil {
			types = append(types, h.Hazard)
		}
		byType[h.Hazard] = append(byType[h.Hazard], h)
	}
	var out []Summary
	for _, t := range types {
		rs := byType[t]
		sort.Slice(rs, func(i, j int) bool { return rs[i].ReturnPeriod < rs[j].ReturnPeriod })
		s := Summary{Hazard: t, DamagingShare: map[string]float64{}, ExposedByRP: map[string]float64{}}
		var ps, is []float64
		count := 0
		for _, h := range rs {
			exposed := h.Total.Exposure[e.cfg.PopulationLayer][e.cfg.PopulationField]
			share := h.Damaging.AreaKm2 / areaKm2
			rp := fmt.Sprint(h.ReturnPeriod)
			s.ReturnPeriods = append(s.ReturnPeriods, h.ReturnPeriod)
			s.DamagingShare[rp] = share
			s.ExposedByRP[rp] = exposed
			if share >= 0.05 {
				count++
			}
			ps = append(ps, 1/float64(h.ReturnPeriod))
			is = append(is, exposed)
			s.rarestDamaging, s.rarestExposed = share, exposed
		}
		s.ExpectedAnnualPopulation = ExpectedAnnual(ps, is)
		s.Level = []string{"very low", "low", "medium", "high"}[min(count, 3)]
		out = append(out, s)
	}
	return out
}

// ExpectedAnnual integrates impact over annual exceedance probability with the trapezoid rule:
// Σ ½(I_i + I_{i+1})(p_i − p_{i+1}) over the return periods sorted from frequent to rare, plus
// the rarest impact held constant down to p = 0. ps must be sorted in decreasing order.
func ExpectedAnnual(ps, impacts []float64) float64 {
	var s float64
	for i := 0; i+1 < len(ps); i++ {
		s += (impacts[i] + impacts[i+1]) / 2 * (ps[i] - ps[i+1])
	}
	if n := len(ps); n > 0 {
		s += impacts[n-1] * ps[n-1]
	}
	return s
}
