package analytics

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
)

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
	set         *indexes.Set        // the data it was computed on
}

// piece is a part of the query area inside one hazard polygon (kept for GeoJSON export).
type piece struct {
	class  string
	region *region
}

// Area answers an area query on the served data, within ctx's deadline.
func (e *Engine) Area(ctx context.Context, r *AreaRequest) (*AreaResult, error) {
	start := time.Now()
	set := e.current()
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
	res := &AreaResult{Query: q, DataVersion: set.Dataset.Version, InArea: map[string]Exposure{}, set: set}
	haz, exp = e.subdivided(set, haz), e.subdivided(set, exp)
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

// classes accumulates the results of one hazard layer by class, in first-seen order (raster
// classes first, in catalog order).
type classes struct {
	byName map[string]*ClassResult
	order  []string
}

func newClasses(h *indexes.Layer) *classes {
	c := &classes{byName: map[string]*ClassResult{}}
	if rs := h.Spec.Source.Raster; rs != nil {
		for _, rc := range rs.Classes {
			c.get(rc.Name)
		}
	}
	return c
}

func (c *classes) get(name string) *ClassResult {
	cr := c.byName[name]
	if cr == nil {
		cr = &ClassResult{Class: name, Exposure: map[string]Exposure{}}
		c.byName[name] = cr
		c.order = append(c.order, name)
	}
	return cr
}

// hazard measures one hazard layer inside the query, by class: polygon pieces and what lies in
// them, then points by the class they fall in, then the totals. A hazard layer's polygons must
// not overlap (true of classified rasters).
func (e *Engine) hazard(ctx context.Context, h *indexes.Layer, exp []*indexes.Layer, q *Query) (*HazardResult, error) {
	hr := &HazardResult{Layer: h.Spec.ID, Hazard: h.Spec.Hazard.Type, ReturnPeriod: h.Spec.Hazard.ReturnPeriod}
	cs := newClasses(h)
	if err := hazardPieces(ctx, h, exp, q, hr, cs); err != nil {
		return nil, err
	}
	for _, l := range exp {
		if isPoints(l) {
			if err := e.hazardPoints(ctx, h, l, q, cs); err != nil {
				return nil, err
			}
		}
	}
	e.rollUp(hr, h, exp, q, cs)
	return hr, nil
}

// hazardPieces intersects the query with every polygon piece of the hazard layer, adding its area
// and the exposure of line and polygon layers inside it to its class.
func hazardPieces(ctx context.Context, h *indexes.Layer, exp []*indexes.Layer, q *Query, hr *HazardResult, cs *classes) error {
	field := h.Spec.FieldIndex(h.Spec.Hazard.ClassField)
	for _, i := range h.Indexes(q.Bound) {
		if err := deadline(ctx); err != nil {
			return err
		}
		class := h.Value(i, field).String()
		cr := cs.get(class)
		reg, area, err := q.regionOf(h.Geometry(i), h.FeatureBound(i))
		if err != nil {
			return err
		}
		if reg == nil {
			continue
		}
		cr.AreaKm2 += area
		hr.pieces = append(hr.pieces, piece{class: class, region: reg})
		for _, l := range exp {
			if isPoints(l) {
				continue // counted by hazardPoints, by the class each point falls in
			}
			x, err := exposureIn(ctx, l, reg)
			if err != nil {
				return err
			}
			add(cr.Exposure, l.Spec.ID, x)
		}
	}
	return nil
}

// hazardPoints counts every point of l in the query in the class of the hazard polygon it lies in
// (looked up once per data version), which is the same as counting points per piece.
func (e *Engine) hazardPoints(ctx context.Context, h, l *indexes.Layer, q *Query, cs *classes) error {
	table := e.pointClasses(h, l)
	per := map[string]Exposure{}
	var err error
	l.Search(q.Bound, func(i int) bool {
		if err = deadline(ctx); err != nil {
			return false
		}
		c := table.of[i]
		if p, _ := l.Point(i); c < 0 || !q.prep.Contains(p) {
			return true
		}
		name := table.names[c]
		x := per[name]
		if x == nil {
			x = zeroExposure(l)
			per[name] = x
		}
		addPoint(x, l, i)
		return true
	})
	if err != nil {
		return err
	}
	names := make([]string, 0, len(per))
	for name := range per {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		add(cs.get(name).Exposure, l.Spec.ID, per[name])
	}
	return nil
}

// rollUp orders the classes and sums them into the total and the damaging classes (at or above
// the damaging depth); every exposure layer appears, even with nothing exposed.
func (e *Engine) rollUp(hr *HazardResult, h *indexes.Layer, exp []*indexes.Layer, q *Query, cs *classes) {
	damaging := map[string]bool{}
	if rs := h.Spec.Source.Raster; rs != nil {
		for _, c := range rs.Classes {
			damaging[c.Name] = c.Min >= e.cfg.DamagingDepthM
		}
	}
	hr.Total = ClassResult{Class: "all", Exposure: map[string]Exposure{}}
	hr.Damaging = ClassResult{Class: fmt.Sprintf("depth >= %g m", e.cfg.DamagingDepthM), Exposure: map[string]Exposure{}}
	for _, name := range cs.order {
		cr := cs.byName[name]
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
	for _, l := range exp {
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
}

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
