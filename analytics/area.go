package analytics

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// ClassResult is the hazard area and exposure of one hazard class.
type ClassResult struct {
	Class    string              `json:"class"`
	AreaKm2  float64             `json:"area_km2"`
	Share    float64             `json:"share_of_area"`
	Exposure map[string]Exposure `json:"exposure"`
}

// HazardTag says what a hazard layer maps, as answers report it: its kind, its return period
// (absent for a map without frequency) and, for a climate projection, its scenario and horizon
// (absent: the historical baseline of data.HistoricalHorizon).
type HazardTag struct {
	Hazard       string  `json:"hazard"`
	ReturnPeriod float64 `json:"return_period,omitempty"`
	Scenario     string  `json:"scenario,omitempty"`
	Horizon      int     `json:"horizon,omitempty"`
}

// tagOf is the tag of hazard h.
func tagOf(h *data.Hazard) HazardTag {
	t := HazardTag{Hazard: h.Kind, ReturnPeriod: h.ReturnPeriod()}
	if scenario, horizon := h.Climate(); scenario != data.ScenarioHistorical || horizon != data.HistoricalHorizon {
		t.Scenario, t.Horizon = scenario, horizon
	}
	return t
}

// HazardResult is one hazard layer (one hazard kind, frequency and scenario) by class.
type HazardResult struct {
	Layer string `json:"layer"`
	HazardTag
	Classes  []ClassResult `json:"classes"`
	Total    ClassResult   `json:"total"`
	Damaging ClassResult   `json:"damaging"` // the classes the catalog marks damaging
	zones    *zones
	pieces   []piece
}

// Summary aggregates the layers of one hazard kind and scenario over their return periods.
type Summary struct {
	Hazard   string `json:"hazard"`
	Scenario string `json:"scenario,omitempty"`
	Horizon  int    `json:"horizon,omitempty"`
	// ExpectedAnnualPopulation is the expected annual exposed population: the trapezoid rule over
	// annual exceedance probability p = 1/RP, the rarest RP's exposure held constant for rarer
	// events (to p = 0), and nothing for events more frequent than the most frequent RP. Absent
	// when no layer of the kind has a frequency (susceptibility maps, climatologies).
	ExpectedAnnualPopulation *float64 `json:"expected_annual_population,omitempty"`
	// Level is the ThinkHazard! level: the number of layers (return periods) at which at least
	// 5 % of the area is in damaging classes, as very low (0), low (1), medium (2), high (3+).
	Level          string             `json:"level"`
	DamagingShare  map[string]float64 `json:"damaging_share_by_return_period,omitempty"`
	ExposedByRP    map[string]float64 `json:"exposed_population_by_return_period,omitempty"`
	ReturnPeriods  []float64          `json:"return_periods,omitempty"`
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
	// Withheld says that layers the query would have reported by default were left out because
	// the caller may not read them (their names are not given).
	Withheld bool         `json:"withheld,omitempty"`
	TimingMs float64      `json:"timing_ms"`
	set      *indexes.Set // the data it was computed on
}

// piece is a zone piece that meets the query (kept for the GeoJSON export).
type piece struct {
	index int
	rel   relation
}

// Area answers an area query on the served data, within ctx's deadline.
func (e *Engine) Area(ctx context.Context, r *AreaRequest) (*AreaResult, error) {
	start := time.Now()
	defer e.observe(KindArea, start)
	if err := r.where(); err != nil {
		return nil, err
	}
	set := e.current()
	haz, exp, withheld, err := e.layers(set, r)
	if err != nil {
		return nil, err
	}
	res, ok := (*AreaResult)(nil), false
	if r.Admin != nil {
		res, ok = e.fromUnits(set, r.Admin, r.Who, haz, exp)
	}
	if !ok {
		if res, err = e.areaOf(ctx, set, r, haz, exp); err != nil {
			return nil, err
		}
	}
	res.Input, res.Withheld = r, withheld
	res.TimingMs = math.Round(float64(time.Since(start).Microseconds())/10) / 100
	return res, nil
}

// areaOf builds the query of r and computes its answer, unless its estimate is too large: a
// corridor's buffer overlays are counted before they are done, the rest once the area is known.
func (e *Engine) areaOf(ctx context.Context, set *indexes.Set, r *AreaRequest, haz, exp []*indexes.Layer) (*AreaResult, error) {
	q, err := buildQuery(ctx, set, r, func(n int) error {
		c := &Cost{}
		c.Terms[termBufferOverlay] = float64(n)
		return admit(ctx, c)
	})
	if err != nil {
		return nil, err
	}
	c := &Cost{}
	e.count(c, set, q, haz, exp, r.Export)
	if err := admit(ctx, c); err != nil {
		return nil, err
	}
	return e.compute(ctx, set, q, haz, exp)
}

// compute measures hazards and exposure inside a validated query.
func (e *Engine) compute(ctx context.Context, set *indexes.Set, q *Query, haz, exp []*indexes.Layer) (*AreaResult, error) {
	res := &AreaResult{Query: q, DataVersion: set.Dataset.Version, InArea: map[string]Exposure{}, set: set}
	q.km2 = e.areas(set, exp)
	for _, l := range exp {
		x, err := inArea(ctx, l, q)
		if err != nil {
			return nil, err
		}
		res.InArea[l.Spec.ID] = x
	}
	for _, h := range haz {
		hr, err := e.hazard(ctx, set, h, exp, q)
		if err != nil {
			return nil, err
		}
		res.Hazards = append(res.Hazards, *hr)
	}
	res.Summary = e.summarize(res.Hazards, q.AreaKm2)
	res.RiskIndex = e.riskIndex(set, res, q)
	q.found, q.km2 = nil, nil // the members found (for a country, millions) are not kept with the answer
	return res, nil
}

// classes accumulates the results of one hazard layer by class, in first-seen order (raster
// classes first, in catalog order).
type classes struct {
	byName map[string]*ClassResult
	order  []string
}

func newClasses(z *zones) *classes {
	c := &classes{byName: map[string]*ClassResult{}}
	for _, name := range z.names {
		c.get(name)
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

// hazard measures one hazard layer inside the query, by class: the zones' areas, the points and
// polygons by the class their (representative) point falls in, the lengths of lines in each
// class, then the totals. A hazard layer's polygons must not overlap (true of classified rasters).
func (e *Engine) hazard(ctx context.Context, set *indexes.Set, h *indexes.Layer, exp []*indexes.Layer, q *Query) (*HazardResult, error) {
	z := e.zones(set, h)
	hr := &HazardResult{Layer: h.Spec.ID, HazardTag: tagOf(h.Spec.Hazard), zones: z}
	cs := newClasses(z)
	if err := zoneAreas(ctx, z, q, hr, cs); err != nil {
		return nil, err
	}
	for _, l := range exp {
		var err error
		switch l.Shape() {
		case data.Points:
			err = pointsByClass(ctx, e.classes(set, h, l), z, l, q, cs)
		case data.Polygons:
			err = polygonsByClass(ctx, e.classes(set, h, l), z, l, q, cs)
		case data.Lines:
			err = linesByClass(ctx, z, l, q, cs)
		}
		if err != nil {
			return nil, err
		}
	}
	e.rollUp(hr, h, exp, q, cs)
	return hr, nil
}

// zoneAreas adds the area inside the query of every zone piece that meets it to the piece's class.
func zoneAreas(ctx context.Context, z *zones, q *Query, hr *HazardResult, cs *classes) error {
	for _, j := range z.pieces.Indexes(q.Bound) {
		if err := deadline(ctx); err != nil {
			return err
		}
		rel := relate(q.prep, z.pieces.FeatureBound(j))
		area := z.areas[j]
		if rel == crossing {
			area = geo.IntersectionAreaM2(z.shapes[j], q.shape) / 1e6
		}
		if rel == outside || area <= 0 {
			continue
		}
		cs.get(z.names[z.class[j]]).AreaKm2 += area
		hr.pieces = append(hr.pieces, piece{index: j, rel: rel})
	}
	return nil
}

// rollUp orders the classes and sums them into the total and the classes the catalog marks
// damaging; every exposure layer appears, even with nothing exposed.
func (e *Engine) rollUp(hr *HazardResult, h *indexes.Layer, exp []*indexes.Layer, q *Query, cs *classes) {
	hz := h.Spec.Hazard
	hr.Total = ClassResult{Class: "all", Exposure: map[string]Exposure{}}
	hr.Damaging = ClassResult{Class: hz.DamagingLabel(), Exposure: map[string]Exposure{}}
	for _, name := range cs.order {
		cr := cs.byName[name]
		cr.Share = cr.AreaKm2 / q.AreaKm2
		for id, x := range cr.Exposure {
			add(hr.Total.Exposure, id, x)
			if hz.Damaging(name) {
				add(hr.Damaging.Exposure, id, x)
			}
		}
		hr.Total.AreaKm2 += cr.AreaKm2
		if hz.Damaging(name) {
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

// summarize groups hazard layers by hazard kind and scenario and computes the expected annual
// exposed population and the ThinkHazard! level of each group.
func (e *Engine) summarize(hs []HazardResult, areaKm2 float64) []Summary {
	type group struct {
		kind, scenario string
		horizon        int
	}
	byGroup := map[group][]HazardResult{}
	var groups []group
	for _, h := range hs {
		g := group{h.Hazard, h.Scenario, h.Horizon}
		if byGroup[g] == nil {
			groups = append(groups, g)
		}
		byGroup[g] = append(byGroup[g], h)
	}
	var out []Summary
	for _, g := range groups {
		s := e.summary(byGroup[g], areaKm2)
		s.Hazard, s.Scenario, s.Horizon = g.kind, g.scenario, g.horizon
		out = append(out, s)
	}
	return out
}

// summary sums up the layers of one hazard kind and scenario, from the most frequent event to the
// rarest (maps without frequency first).
func (e *Engine) summary(rs []HazardResult, areaKm2 float64) Summary {
	sort.Slice(rs, func(i, j int) bool { return rs[i].ReturnPeriod < rs[j].ReturnPeriod })
	s := Summary{DamagingShare: map[string]float64{}, ExposedByRP: map[string]float64{}}
	var ps, is []float64
	count := 0
	for _, h := range rs {
		exposed := h.Total.Exposure[e.cfg.PopulationLayer][e.cfg.PopulationField]
		share := h.Damaging.AreaKm2 / areaKm2
		if share >= 0.05 {
			count++
		}
		s.rarestDamaging, s.rarestExposed = share, exposed
		if h.ReturnPeriod == 0 {
			continue
		}
		rp := fmt.Sprint(h.ReturnPeriod)
		s.ReturnPeriods = append(s.ReturnPeriods, h.ReturnPeriod)
		s.DamagingShare[rp] = share
		s.ExposedByRP[rp] = exposed
		ps = append(ps, 1/h.ReturnPeriod)
		is = append(is, exposed)
	}
	if len(ps) > 0 {
		eap := ExpectedAnnual(ps, is)
		s.ExpectedAnnualPopulation = &eap
	}
	s.Level = []string{"very low", "low", "medium", "high"}[min(count, 3)]
	return s
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

// Layers lists the layers the answer reports: the admin layer of its unit (for an admin query),
// its hazard layers, then its exposure layers.
func (r *AreaResult) Layers() []string {
	out := []string{} // never nil: nil would stand for every layer
	if r.Query != nil && r.Query.unit != nil {
		out = append(out, r.Query.unit.layer)
	}
	for _, h := range r.Hazards {
		out = append(out, h.Layer)
	}
	for _, id := range slices.Sorted(maps.Keys(r.InArea)) {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
