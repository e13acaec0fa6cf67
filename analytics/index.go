package analytics

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
)

// RiskIndex is an INFORM-style composite index, 0 (no risk) to 10, of the hazard kinds of one
// climate scenario and horizon: risk = (hazard & exposure × vulnerability × lack of coping
// capacity)^(1/3), hazard & exposure combining one component per hazard kind (see combineHazards).
type RiskIndex struct {
	Value                float64 `json:"value"`
	HazardExposure       float64 `json:"hazard_exposure"`
	Vulnerability        float64 `json:"vulnerability"`
	LackOfCopingCapacity float64 `json:"lack_of_coping_capacity"`
	// Scenario and Horizon are the climate the hazard components are of (empty: the answer has no
	// hazard layer).
	Scenario string `json:"scenario,omitempty"`
	Horizon  int    `json:"horizon,omitempty"`
	// HazardComponents are the hazard & exposure component of each hazard kind, 0–10.
	HazardComponents []HazardComponent `json:"hazard_components"`
	Indicators       Indicators        `json:"indicators"`
	Normalization    string            `json:"normalization"`
	Method           string            `json:"method"`
}

// HazardComponent is the hazard & exposure score of one hazard kind, 0–10.
type HazardComponent struct {
	Hazard string  `json:"hazard"`
	Score  float64 `json:"score"`
}

// Indicators are the raw inputs of the index, from the layers.
type Indicators struct {
	DamagingAreaShare float64 `json:"damaging_area_share"`      // the first hazard kind's: share of the area in damaging classes at its rarest return period
	ExposedPopShare   float64 `json:"exposed_population_share"` // the first hazard kind's: share of the population exposed at its rarest return period
	DensityPerKm2     float64 `json:"population_density_per_km2"`
	NoFibreShare      float64 `json:"villages_without_fibre_share"`
	FarFromHealth     float64 `json:"villages_far_from_health_share"`
	Villages          int     `json:"villages"`
	// Hazards is the hazard & exposure indicator of each hazard kind of the index's climate.
	Hazards []HazardIndicator `json:"hazards"`
}

// HazardIndicator is the hazard & exposure indicator of one hazard kind: the share of the
// population in its damaging classes, expected annual (the trapezoid rule over p = 1/RP, as the
// expected annual exposed population) when its layers have a frequency, else that of its one map
// (a susceptibility or zoning map, a climatology).
type HazardIndicator struct {
	Hazard       string  `json:"hazard"`
	ExposedShare float64 `json:"damaging_population_share"`
	Annual       bool    `json:"expected_annual"`
}

// Method texts, returned with every index so that users know how it was made.
const (
	methodArea = "INFORM-style, fixed scales for one area: per hazard kind of the scenario, score = 10·log10(1 + 99·s)/2 where s is the share of the population in damaging classes (expected annual over the return periods where the kind has a frequency); hazard & exposure = 10 − (Π(10 − score))^(1/n) over the n kinds (INFORM's aggregation of natural hazards: one severe hazard is not diluted by mild ones); vulnerability = 10·log10(1+density)/log10(1001) (population density as a poverty proxy, capped at 1,000/km²); lack of coping capacity = 10·mean(share of villages without fibre, share of villages farther than the health-care distance from a hospital or rural health centre); risk = cube root of the product."
	methodRank = "INFORM min-max: per hazard kind of the scenario, the share of the population in damaging classes (expected annual where the kind has a frequency) is log-transformed, log10(1 + 99·s), and normalized to 0-10 over the units ranked; hazard & exposure = 10 − (Π(10 − score))^(1/n) over the n kinds (INFORM's aggregation of natural hazards); vulnerability = normalized log10(1 + population density); lack of coping capacity = mean of the normalized no-fibre and far-from-health shares; risk = cube root of the product."
	normArea   = "fixed: exposure shares on the log scale log10(1 + 99·s)/2 (0 → 0, 1 % → 1.5, 10 % → 5.2, 100 % → 10); density saturating at 1,000/km²; coping shares linear"
	normRank   = "min-max over the units ranked: (x − min)/(max − min)·10, after log10(1 + 99·s) for exposure shares and log10(1 + density) for density (both skewed); 0 for every unit when all units are equal"
)

// exposureScale maps a population share 0–1 onto 0–1 on a log scale: exposure shares are skewed
// (most units have little, a few much), so that a unit with 1 % exposed is told from one with none.
func exposureScale(s float64) float64 { return math.Log10(1+99*math.Min(1, math.Max(0, s))) / 2 }

// combineHazards combines the hazard components of several kinds (each 0–10) as INFORM combines
// its natural hazards: 10 − (Π(10 − x))^(1/n), a geometric mean of the distances from the top, so
// that one severe hazard is not averaged away by mild ones (an arithmetic mean would be). No
// kinds: 0.
func combineHazards(scores []float64) float64 {
	if len(scores) == 0 {
		return 0
	}
	logSum := 0.0
	for _, x := range scores {
		d := 10 - math.Min(10, math.Max(0, x))
		if d == 0 {
			return 10
		}
		logSum += math.Log(d)
	}
	return math.Max(0, 10-math.Exp(logSum/float64(len(scores))))
}

// indexClimate is the scenario and horizon of the index of an answer: those of its first hazard
// layer (an answer of one selector has one; a list of layers naming several climates takes the
// first's).
func indexClimate(hs []HazardResult) (scenario string, horizon int, ok bool) {
	if len(hs) == 0 {
		return "", 0, false
	}
	return hs[0].Scenario, hs[0].Horizon, true
}

// hazardIndicators computes, per hazard kind of the index's climate, the share of the population
// pop in damaging classes, expected annual where the kind's layers have a frequency.
func (e *Engine) hazardIndicators(hs []HazardResult, pop float64) []HazardIndicator {
	scenario, horizon, ok := indexClimate(hs)
	if !ok {
		return []HazardIndicator{}
	}
	var out []HazardIndicator
	byKind := map[string][]HazardResult{}
	for _, h := range hs {
		if h.Scenario != scenario || h.Horizon != horizon {
			continue
		}
		if byKind[h.Hazard] == nil {
			out = append(out, HazardIndicator{Hazard: h.Hazard})
		}
		byKind[h.Hazard] = append(byKind[h.Hazard], h)
	}
	for k := range out {
		exposed, annual := e.damagingExposed(byKind[out[k].Hazard])
		if pop > 0 {
			out[k].ExposedShare = math.Min(1, exposed/pop)
		}
		out[k].Annual = annual
	}
	return out
}

// damagingExposed is the population in damaging classes of the layers of one kind: expected annual
// over the layers with a frequency (trapezoid rule, as Summary), else that of the map without one.
func (e *Engine) damagingExposed(rs []HazardResult) (float64, bool) {
	rs = slices.Clone(rs)
	slices.SortStableFunc(rs, func(a, b HazardResult) int { return cmp.Compare(a.ReturnPeriod, b.ReturnPeriod) })
	var ps, is []float64
	plain := 0.0
	for _, h := range rs {
		exposed := h.Damaging.Exposure[e.cfg.PopulationLayer][e.cfg.PopulationField]
		if h.ReturnPeriod == 0 {
			plain = exposed
			continue
		}
		ps, is = append(ps, 1/h.ReturnPeriod), append(is, exposed)
	}
	if len(ps) > 0 {
		return ExpectedAnnual(ps, is), true
	}
	return plain, false
}

// indicators computes the raw indicators for an area result; far gives the share of villages far
// from health care (asked only when there are villages).
func (e *Engine) indicators(res *AreaResult, q *Query, far func() float64) Indicators {
	var in Indicators
	pop := res.InArea[e.cfg.PopulationLayer]
	people := pop[e.cfg.PopulationField]
	if len(res.Summary) > 0 {
		s := res.Summary[0]
		in.DamagingAreaShare = s.rarestDamaging
		if people > 0 {
			in.ExposedPopShare = math.Min(1, s.rarestExposed/people)
		}
	}
	in.Hazards = e.hazardIndicators(res.Hazards, people)
	in.DensityPerKm2 = people / q.AreaKm2
	n := pop["count"]
	in.Villages = int(n)
	if n > 0 {
		in.NoFibreShare = 1 - pop[e.cfg.ConnectivityField]/n
		in.FarFromHealth = far()
	}
	return in
}

// farShare is the share of the population layer's points in q farther than FarFromHealthKm from
// the nearest health facility.
func (e *Engine) farShare(set *indexes.Set, q *Query) float64 {
	people, ok1 := set.Layer(e.cfg.PopulationLayer)
	fac, ok2 := set.Layer(e.cfg.FacilityLayer)
	if !ok1 || !ok2 {
		return 0
	}
	dist := e.healthDistances(people, fac)
	m, err := q.members(context.Background(), people)
	if err != nil || m.len() == 0 {
		return 0
	}
	far := 0
	m.each(func(i, _, _ int) {
		if float64(dist[i]) > e.cfg.FarFromHealthKm {
			far++
		}
	})
	return float64(far) / float64(m.len())
}

// healthDistances is the distance in km from every feature of people to its nearest health
// facility (k-nearest in the R-tree), computed once per data version.
func (e *Engine) healthDistances(people, fac *indexes.Layer) []float32 {
	e.health.mu.Lock()
	defer e.health.mu.Unlock()
	if e.health.people == people && e.health.fac == fac {
		return e.health.km
	}
	health := e.kindIn(fac, e.cfg.HealthKinds)
	km := make([]float32, people.Len())
	const chunk = 4096
	parallel((len(km)+chunk-1)/chunk, func(c int) error {
		for i := c * chunk; i < min(len(km), (c+1)*chunk); i++ {
			km[i] = float32(math.Inf(1))
			if p, ok := people.Point(i); ok {
				if nb := fac.NearestWhere(p, 1, health); len(nb) == 1 {
					km[i] = float32(nb[0].DistKm)
				}
			}
		}
		return nil
	})
	e.health.people, e.health.fac, e.health.km = people, fac, km
	return km
}

// kindIn returns a test of whether a facility's kind is one of kinds.
func (e *Engine) kindIn(fac *indexes.Layer, kinds []string) func(i int) bool {
	k := fac.Spec.FieldIndex(e.cfg.FacilityKindField)
	return func(i int) bool {
		v := fac.Value(i, k)
		return v.Type == data.FieldString && slices.Contains(kinds, v.Str)
	}
}

func (e *Engine) riskIndex(set *indexes.Set, res *AreaResult, q *Query) *RiskIndex {
	return e.riskIndexWith(res, q, func() float64 { return e.farShare(set, q) })
}

// riskIndexWith is riskIndex with the far-from-health share given.
func (e *Engine) riskIndexWith(res *AreaResult, q *Query, far func() float64) *RiskIndex {
	in := e.indicators(res, q, far)
	comps := make([]HazardComponent, len(in.Hazards))
	scores := make([]float64, len(in.Hazards))
	for k, h := range in.Hazards {
		scores[k] = 10 * exposureScale(h.ExposedShare)
		comps[k] = HazardComponent{Hazard: h.Hazard, Score: round2(scores[k])}
	}
	he := combineHazards(scores)
	v := 10 * math.Min(1, math.Log10(1+in.DensityPerKm2)/math.Log10(1001))
	lcc := 10 * (in.NoFibreShare + in.FarFromHealth) / 2
	ri := &RiskIndex{Value: round2(math.Cbrt(he * v * lcc)), HazardExposure: round2(he), Vulnerability: round2(v),
		LackOfCopingCapacity: round2(lcc), HazardComponents: comps, Indicators: in, Normalization: normArea, Method: methodArea}
	ri.Scenario, ri.Horizon = climateOf(res.Hazards)
	return ri
}

// climateOf is the scenario and horizon of the index's hazard layers, as the layers' climate
// (historical and its horizon when a layer leaves them out).
func climateOf(hs []HazardResult) (string, int) {
	scenario, horizon, ok := indexClimate(hs)
	switch {
	case !ok:
		return "", 0
	case scenario == "":
		return data.ScenarioHistorical, data.HistoricalHorizon
	}
	return scenario, horizon
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
