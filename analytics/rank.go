package analytics

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/indexes"
)

// Rank metrics.
var rankMetrics = []string{"risk_index", "index", "expected_annual_population", "exposed_population", "damaging_area_km2", "damaging_share", "population"}

// RankUnit is one admin unit in a ranking.
type RankUnit struct {
	Rank       int        `json:"rank"`
	ID         uint64     `json:"id"`
	Key        string     `json:"key,omitempty"`
	Name       string     `json:"name,omitempty"`
	Value      float64    `json:"value"`
	AreaKm2    float64    `json:"area_km2"`
	RiskIndex  RiskIndex  `json:"risk_index"`
	Indicators Indicators `json:"indicators"`
	EAP        float64    `json:"expected_annual_population"`
	Exposed    float64    `json:"exposed_population"`
	Damaging   float64    `json:"damaging_area_km2"`
	Population float64    `json:"population"`
}

// RankResult answers GET /risk/rank.
type RankResult struct {
	Admin       string     `json:"admin"`
	Hazard      string     `json:"hazard"`             // the kind of the per-kind metrics
	Hazards     []string   `json:"hazards,omitempty"`  // the kinds the risk index combines
	Scenario    string     `json:"scenario,omitempty"` // as asked
	Horizon     int        `json:"horizon,omitempty"`  // as asked
	Metric      string     `json:"metric"`
	Units       []RankUnit `json:"units"`
	Method      string     `json:"method"`
	DataVersion string     `json:"data_version"`
	Withheld    bool       `json:"withheld,omitempty"` // hazard layers the caller may not read were left out
	Layers      []string   `json:"-"`                  // the admin and hazard layers it was computed from
}

type rankCache struct {
	mu    sync.Mutex
	units map[string][]RankUnit
}

// Rank measures every unit of an admin layer for a hazard kind (default: the first hazard layer's)
// in the historical scenario and ranks them by a metric, highest first. The per-unit measures are
// computed once per data version and cached.
func (e *Engine) Rank(ctx context.Context, admin, hazard, metric string, who *access.Principal) (*RankResult, error) {
	return e.RankFor(ctx, admin, HazardSelector{Hazard: hazard}, metric, who)
}

// RankFor is Rank for the hazard layers sel picks. The risk index combines every kind sel picks
// (every kind of its scenario when it names none); the per-kind metrics (expected annual and
// exposed population, damaging area and share) are of the kind sel names, or the first one.
func (e *Engine) RankFor(ctx context.Context, admin string, sel HazardSelector, metric string, who *access.Principal) (*RankResult, error) {
	defer e.observe(KindRank, time.Now())
	set := e.current()
	if admin == "" {
		admin = e.cfg.AdminLayer
	}
	if metric == "" {
		metric = "risk_index"
	}
	if !slices.Contains(rankMetrics, metric) {
		return nil, data.Invalid("unknown metric", fmt.Sprintf("%q: want one of %v", metric, rankMetrics))
	}
	al, ok := set.LayerFor(admin, who)
	if !ok {
		return nil, data.Errorf(data.KindNotFound, "no layer %q", admin)
	}
	haz, withheld, err := sel.pick(set, who)
	if err != nil {
		return nil, err
	}
	if len(haz) == 0 {
		return nil, data.Errorf(data.KindNotFound, "no hazard layers of kind %q", sel.Hazard)
	}
	hazard := haz[0].Spec.Hazard.Kind // the kind named, or the first one
	var exp []*indexes.Layer
	for _, l := range set.Layers() {
		if l.Spec.ID == e.cfg.PopulationLayer {
			exp = append(exp, l)
		}
	}
	units, err := e.rankUnits(ctx, set, al, hazard, haz, exp)
	if err != nil {
		return nil, err
	}
	units = slices.Clone(units)
	for i := range units {
		units[i].Value = units[i].metric(metric)
	}
	sort.SliceStable(units, func(i, j int) bool {
		if units[i].Value != units[j].Value {
			return units[i].Value > units[j].Value
		}
		return units[i].ID < units[j].ID
	})
	for i := range units {
		units[i].Rank = i + 1
	}
	return &RankResult{Admin: admin, Hazard: hazard, Hazards: kindsOf(haz), Scenario: sel.Scenario, Horizon: sel.Horizon, Metric: metric, Units: units,
		Method: methodRank, DataVersion: set.Dataset.Version, Withheld: withheld, Layers: rankLayers(al, haz)}, nil
}

// kindsOf lists the hazard kinds of layers, in order.
func kindsOf(haz []*indexes.Layer) []string {
	var out []string
	for _, h := range haz {
		out = addNew(out, h.Spec.Hazard.Kind)
	}
	return out
}

func (e *Engine) rankUnits(ctx context.Context, set *indexes.Set, al *indexes.Layer, hazard string, haz, exp []*indexes.Layer) ([]RankUnit, error) {
	key := set.Dataset.Version + "|" + al.Spec.ID + "|" + hazard
	for _, h := range haz { // callers who may read different hazard layers get different answers
		key += "|" + h.Spec.ID
	}
	e.ranks.mu.Lock()
	defer e.ranks.mu.Unlock()
	if u, ok := e.ranks.units[key]; ok {
		return u, nil
	}
	nameField := ""
	for _, f := range al.Spec.Fields {
		if f.Type == data.FieldString && f.Name != al.Spec.KeyField && nameField == "" {
			nameField = f.Name
		}
	}
	var units []RankUnit
	for i := range al.Len() {
		id := strconv.FormatUint(al.ID(i), 10)
		if al.Spec.FieldIndex(al.Spec.KeyField) >= 0 {
			id = unitID(al, i)
		}
		r := &AreaRequest{Admin: &AdminRef{Layer: al.Spec.ID, ID: id}, Who: access.Operator()} // al was checked by Rank
		res, ok := e.fromUnits(set, r.Admin, r.Who, haz, exp)
		if !ok {
			q, err := BuildQuery(set, r)
			if err != nil {
				return nil, fmt.Errorf("unit %d of %s: %w", al.ID(i), al.Spec.ID, err)
			}
			if res, err = e.compute(ctx, set, q, haz, exp); err != nil {
				return nil, err
			}
		}
		u := RankUnit{ID: al.ID(i), AreaKm2: res.Query.AreaKm2, Indicators: res.RiskIndex.Indicators,
			Population: res.InArea[e.cfg.PopulationLayer][e.cfg.PopulationField]}
		if k := al.Spec.FieldIndex(al.Spec.KeyField); k >= 0 {
			u.Key = al.Value(i, k).String()
		}
		if k := al.Spec.FieldIndex(nameField); k >= 0 {
			u.Name = al.Value(i, k).String()
		}
		u.kindMeasures(res, hazard)
		u.RiskIndex.Scenario, u.RiskIndex.Horizon = res.RiskIndex.Scenario, res.RiskIndex.Horizon
		units = append(units, u)
	}
	informRank(units)
	if e.ranks.units == nil {
		e.ranks.units = map[string][]RankUnit{}
	}
	e.ranks.units[key] = units
	return units, nil
}

// kindMeasures fills the per-kind measures of a unit from its answer: those of hazard kind hazard
// (its summary, and its rarest return period's damaging area).
func (u *RankUnit) kindMeasures(res *AreaResult, hazard string) {
	if i := slices.IndexFunc(res.Summary, func(s Summary) bool { return s.Hazard == hazard }); i >= 0 {
		if eap := res.Summary[i].ExpectedAnnualPopulation; eap != nil {
			u.EAP = *eap
		}
		u.Exposed = res.Summary[i].rarestExposed
	}
	rarest := -1.0
	for _, h := range res.Hazards {
		if h.Hazard == hazard && h.ReturnPeriod >= rarest {
			u.Damaging, rarest = h.Damaging.AreaKm2, h.ReturnPeriod
		}
	}
}

// metric returns the unit's value of a rank metric.
func (u *RankUnit) metric(name string) float64 {
	switch name {
	case "risk_index", "index":
		return u.RiskIndex.Value
	case "expected_annual_population":
		return u.EAP
	case "exposed_population":
		return u.Exposed
	case "damaging_area_km2":
		return u.Damaging
	case "damaging_share":
		return u.Indicators.DamagingAreaShare
	}
	return u.Population
}

// informRank computes the INFORM index over the units: each indicator normalized to 0–10 by
// min–max across them (exposure shares and population density log-transformed), the hazard kinds'
// components combined as INFORM combines natural hazards, then the geometric mean of the three
// dimensions.
func informRank(units []RankUnit) {
	var kinds []string
	for i := range units {
		for _, h := range units[i].Indicators.Hazards {
			kinds = addNew(kinds, h.Hazard)
		}
	}
	byKind := make([][]float64, len(kinds))
	for k, kind := range kinds {
		byKind[k] = minMax(units, func(u *RankUnit) float64 {
			i := slices.IndexFunc(u.Indicators.Hazards, func(h HazardIndicator) bool { return h.Hazard == kind })
			if i < 0 {
				return 0
			}
			return exposureScale(u.Indicators.Hazards[i].ExposedShare)
		})
	}
	dens := minMax(units, func(u *RankUnit) float64 { return math.Log10(1 + u.Indicators.DensityPerKm2) })
	fibre := minMax(units, func(u *RankUnit) float64 { return u.Indicators.NoFibreShare })
	far := minMax(units, func(u *RankUnit) float64 { return u.Indicators.FarFromHealth })
	for i := range units {
		comps := make([]HazardComponent, len(kinds))
		scores := make([]float64, len(kinds))
		for k, kind := range kinds {
			scores[k] = byKind[k][i]
			comps[k] = HazardComponent{Hazard: kind, Score: round2(scores[k])}
		}
		he := combineHazards(scores)
		lcc := (fibre[i] + far[i]) / 2
		units[i].RiskIndex = RiskIndex{Value: round2(math.Cbrt(he * dens[i] * lcc)), HazardExposure: round2(he),
			Vulnerability: round2(dens[i]), LackOfCopingCapacity: round2(lcc), HazardComponents: comps,
			Scenario: units[i].RiskIndex.Scenario, Horizon: units[i].RiskIndex.Horizon,
			Indicators: units[i].Indicators, Normalization: normRank, Method: methodRank}
	}
}

// minMax normalizes an indicator of the units to 0–10 by min–max across them (0 for all when they
// are equal).
func minMax(units []RankUnit, get func(*RankUnit) float64) []float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range units {
		v := get(&units[i])
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	out := make([]float64, len(units))
	for i := range units {
		if hi > lo {
			out[i] = 10 * (get(&units[i]) - lo) / (hi - lo)
		}
	}
	return out
}

// rankLayers lists the admin layer and the hazard layers of a ranking.
func rankLayers(al *indexes.Layer, haz []*indexes.Layer) []string {
	out := []string{al.Spec.ID}
	for _, h := range haz {
		out = append(out, h.Spec.ID)
	}
	return out
}
