package analytics

import (
	"context"
	"math"
	"slices"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
)

// RiskIndex is an INFORM-style composite index, 0 (no risk) to 10:
// risk = (hazard & exposure × vulnerability × lack of coping capacity)^(1/3).
type RiskIndex struct {
	Value                float64    `json:"value"`
	HazardExposure       float64    `json:"hazard_exposure"`
	Vulnerability        float64    `json:"vulnerability"`
	LackOfCopingCapacity float64    `json:"lack_of_coping_capacity"`
	Indicators           Indicators `json:"indicators"`
	Method               string     `json:"method"`
}

// Indicators are the raw inputs of the index, from the layers.
type Indicators struct {
	DamagingAreaShare float64 `json:"damaging_area_share"` // share of the area under the damaging depth at the rarest return period
	ExposedPopShare   float64 `json:"exposed_population_share"`
	DensityPerKm2     float64 `json:"population_density_per_km2"`
	NoFibreShare      float64 `json:"villages_without_fibre_share"`
	FarFromHealth     float64 `json:"villages_far_from_health_share"`
	Villages          int     `json:"villages"`
}

// Method texts, returned with every index so that users know how it was made.
const (
	methodArea = "Fixed scales for one area: hazard & exposure = 10·sqrt(damaging area share × exposed population share) at the rarest return period of the first hazard type; vulnerability = 10·log10(1+density)/log10(1001) (population density as a poverty proxy, capped at 1,000/km²); lack of coping capacity = 10·mean(share of villages without fibre, share of villages farther than the health-care distance from a hospital or rural health centre); risk = cube root of the product."
	methodRank = "INFORM min-max: each indicator normalized to 0-10 over the units ranked (density log-transformed); hazard & exposure = geometric mean of the normalized damaging area share and exposed population share; vulnerability = normalized log density; lack of coping capacity = mean of the normalized no-fibre and far-from-health shares; risk = cube root of the product."
)

// indicators computes the raw indicators for an area result; far gives the share of villages far
// from health care (asked only when there are villages).
func (e *Engine) indicators(res *AreaResult, q *Query, far func() float64) Indicators {
	var in Indicators
	if len(res.Summary) > 0 {
		s := res.Summary[0]
		in.DamagingAreaShare = s.rarestDamaging
		if pop := res.InArea[e.cfg.PopulationLayer][e.cfg.PopulationField]; pop > 0 {
			in.ExposedPopShare = math.Min(1, s.rarestExposed/pop)
		}
	}
	pop := res.InArea[e.cfg.PopulationLayer]
	in.DensityPerKm2 = pop[e.cfg.PopulationField] / q.AreaKm2
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
	he := 10 * math.Sqrt(in.DamagingAreaShare*in.ExposedPopShare)
	v := 10 * math.Min(1, math.Log10(1+in.DensityPerKm2)/math.Log10(1001))
	lcc := 10 * (in.NoFibreShare + in.FarFromHealth) / 2
	return &RiskIndex{Value: round2(math.Cbrt(he * v * lcc)), HazardExposure: round2(he), Vulnerability: round2(v),
		LackOfCopingCapacity: round2(lcc), Indicators: in, Method: methodArea}
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
