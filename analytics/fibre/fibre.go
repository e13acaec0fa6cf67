package fibre

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data/fault"
)

// DefaultRouteFactor is the cable length per great-circle km used when Options.RouteFactor is 0.
const DefaultRouteFactor = 1.3

// DefaultPhaseSize is the number of villages per build phase used when Options.PhaseSize is 0.
const DefaultPhaseSize = 2000

// Ranges of the options: larger values mean nothing more for a plan and could overflow its sums.
const (
	MaxFloodWeight = 1000      // weights.flood is 0 to this
	MaxRouteFactor = 10        // route_factor is 1 to this
	MaxPhaseSize   = 1_000_000 // phase_size is 1 to this
)

// Weight names accepted in Options.Weights.
const (
	WeightFlood    = "flood"    // w_flood ≥ 0: extra value per unit of flood exposure [0]
	WeightBackbone = "backbone" // 1: backbone lines are connection points; 0: they are not [0]
)

// Link kinds of Step.FromKind.
const (
	FromVillage  = "village"  // the cable starts at a connected village; FromID is its id
	FromBackbone = "backbone" // the cable starts on a backbone line; FromID is its index
)

// Village is one village as the planner sees it.
type Village struct {
	ID         int64     // village_id, unique
	Point      orb.Point // lon, lat in degrees
	Population int64     // people, ≥ 0
	Connected  bool      // already on the fibre network
	FloodRP    int       // return period (years) of the most frequent flood zone it lies in; 0 = none
	FloodClass string    // depth class in that zone (low, medium, high); "" when FloodRP is 0
}

// Options tunes a plan; zero values of RouteFactor and PhaseSize mean the defaults.
type Options struct {
	Target      int                // villages connected after the plan (connected now + new ones)
	Weights     map[string]float64 // by weight name (WeightFlood, WeightBackbone); others are refused
	RouteFactor float64            // cable km per great-circle km, ≥ 1 [DefaultRouteFactor]
	PhaseSize   int                // villages per build phase, ≥ 1 [DefaultPhaseSize]
}

// Step is one village to connect, in build order.
type Step struct {
	Order          int       // 1-based build order
	Phase          int       // 1-based build phase: (Order−1)/PhaseSize + 1
	VillageID      int64     // the village connected
	Point          orb.Point // where it is
	FromKind       string    // FromVillage or FromBackbone
	FromID         int64     // village id (FromVillage) or backbone line index (FromBackbone)
	FromPoint      orb.Point // where the new cable starts: that village, or the nearest point of the line
	CableKm        float64   // new cable: great-circle km from FromPoint × route factor
	Population     int64     // people newly connected by this step
	FloodRP        int       // the village's flood return period (0 = none)
	FloodClass     string    // the village's flood depth class
	Value          float64   // population × (1 + w_flood × flood exposure)
	ConnectedTotal int       // running total: villages connected after this step (old and new)
	PeopleTotal    int64     // running total: people newly connected so far
	CableKmTotal   float64   // running total: new cable km so far
}

// Summary is the outcome of a plan.
type Summary struct {
	ConnectedBefore      int     // villages connected before the plan
	ConnectedAfter       int     // villages connected after it (= Options.Target)
	PeopleConnected      int64   // people newly connected
	CableKm              float64 // new cable km
	FloodZonePeople      int64   // people in the 100-year flood zone (FloodRP 1 to 100)
	FloodZoneShareBefore float64 // share of FloodZonePeople in connected villages before the plan
	FloodZoneShareAfter  float64 // the same share after it
}

// Rollout is a plan: the steps in build order and their summary.
type Rollout struct {
	Options Options // as used, with defaults filled in
	Steps   []Step
	Summary Summary
}

// FloodExposure is the annual probability of a returnPeriod-year flood relative to the 10-year
// flood's, 10/returnPeriod: 1 (10-year zone), 0.4 (25-year), 0.1 (100-year), 0 for no zone (0).
func FloodExposure(returnPeriod int) float64 {
	if returnPeriod <= 0 {
		return 0
	}
	return 10 / float64(returnPeriod)
}

// Plan computes the roll-out that grows the network to opt.Target villages; backbone lines count
// as connection points when opt.Weights["backbone"] is 1. Inputs are not modified.
func Plan(villages []Village, backbone []orb.LineString, opt Options) (*Rollout, error) {
	return PlanContext(context.Background(), villages, backbone, opt)
}

// PlanContext is Plan, stopped with a timeout error (data.KindTimeout) once ctx is done: its
// loops look at ctx every few villages.
func PlanContext(ctx context.Context, villages []Village, backbone []orb.LineString, opt Options) (*Rollout, error) {
	opt, err := resolve(opt)
	if err != nil {
		return nil, err
	}
	vs := slices.Clone(villages)
	slices.SortFunc(vs, func(a, b Village) int { return cmp.Compare(a.ID, b.ID) })
	if err := checkVillages(vs); err != nil {
		return nil, err
	}
	connected := 0
	for _, v := range vs {
		if v.Connected {
			connected++
		}
	}
	if err := checkTarget(opt.Target, connected, len(vs)); err != nil {
		return nil, err
	}
	if opt.Weights[WeightBackbone] == 0 {
		backbone = nil
	} else if err := checkBackbone(backbone); err != nil {
		return nil, err
	}
	var steps []Step
	if err := stopped(ctx); err != nil {
		return nil, err
	}
	if need := opt.Target - connected; need > 0 {
		if connected == 0 && len(backbone) == 0 {
			return nil, fault.Invalid("villages: none is connected and no backbone is in use", "nothing to grow the network from")
		}
		p, err := newPlanner(ctx, vs, backbone, opt)
		if err != nil {
			return nil, err
		}
		if steps, err = p.grow(ctx, need); err != nil {
			return nil, err
		}
	}
	return &Rollout{Options: opt, Steps: steps, Summary: summarize(vs, steps, connected)}, nil
}

// resolve checks the options and fills in the defaults; Weights is copied.
func resolve(opt Options) (Options, error) {
	w := map[string]float64{WeightFlood: 0, WeightBackbone: 0}
	for k, v := range opt.Weights {
		if _, ok := w[k]; !ok {
			return opt, fault.Invalid(fmt.Sprintf("weights: unknown weight %q", k), "known: backbone, flood")
		}
		w[k] = v
	}
	if f := w[WeightFlood]; !(f >= 0 && f <= MaxFloodWeight) {
		return opt, fault.Invalid(fmt.Sprintf("weights.flood: must be a number from 0 to %d", MaxFloodWeight), fmt.Sprint(f))
	}
	if b := w[WeightBackbone]; b != 0 && b != 1 {
		return opt, fault.Invalid("weights.backbone: must be 0 (off) or 1 (on)", fmt.Sprint(b))
	}
	opt.Weights = w
	if opt.RouteFactor == 0 {
		opt.RouteFactor = DefaultRouteFactor
	}
	if !(opt.RouteFactor >= 1 && opt.RouteFactor <= MaxRouteFactor) {
		return opt, fault.Invalid(fmt.Sprintf("route_factor: must be a number from 1 to %d", MaxRouteFactor), fmt.Sprint(opt.RouteFactor))
	}
	if opt.PhaseSize == 0 {
		opt.PhaseSize = DefaultPhaseSize
	}
	if opt.PhaseSize < 0 || opt.PhaseSize > MaxPhaseSize {
		return opt, fault.Invalid(fmt.Sprintf("phase_size: must be from 1 to %d", MaxPhaseSize), fmt.Sprint(opt.PhaseSize))
	}
	if opt.Target < 0 {
		return opt, fault.Invalid("target: must be ≥ 0", fmt.Sprint(opt.Target))
	}
	return opt, nil
}

// checkTarget refuses a target below the connected count or above the number of villages.
func checkTarget(target, connected, n int) error {
	if target < connected {
		return fault.Invalid("target: below the villages already connected",
			fmt.Sprintf("target %d, connected %d", target, connected))
	}
	if target > n {
		return fault.Invalid("target: above the number of villages", fmt.Sprintf("target %d, villages %d", target, n))
	}
	return nil
}

// checkVillages refuses duplicate ids, points off the globe, negative populations and negative
// return periods; vs is sorted by id.
func checkVillages(vs []Village) error {
	for i, v := range vs {
		field := func(name string) string { return fmt.Sprintf("villages[id=%d]%s", v.ID, name) }
		switch {
		case i > 0 && vs[i-1].ID == v.ID:
			return fault.Invalid(field(": duplicate id"), "")
		case !onGlobe(v.Point):
			return fault.Invalid(field(".point: not a lon/lat point"), fmt.Sprint(v.Point))
		case v.Population < 0:
			return fault.Invalid(field(".population: must be ≥ 0"), fmt.Sprint(v.Population))
		case v.FloodRP < 0:
			return fault.Invalid(field(".flood_rp: must be 0 (no zone) or a return period in years"), fmt.Sprint(v.FloodRP))
		}
	}
	return nil
}

// checkBackbone refuses lines of fewer than two points and points off the globe.
func checkBackbone(lines []orb.LineString) error {
	for i, l := range lines {
		if len(l) < 2 {
			return fault.Invalid(fmt.Sprintf("backbone[%d]: a line needs at least 2 points", i), "")
		}
		for _, p := range l {
			if !onGlobe(p) {
				return fault.Invalid(fmt.Sprintf("backbone[%d]: not a lon/lat point", i), fmt.Sprint(p))
			}
		}
	}
	return nil
}

func onGlobe(p orb.Point) bool {
	return p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90
}

// summarize adds up the plan; vs is sorted by id.
func summarize(vs []Village, steps []Step, connected int) Summary {
	s := Summary{ConnectedBefore: connected, ConnectedAfter: connected + len(steps)}
	var before int64
	for _, v := range vs {
		if v.FloodRP > 0 && v.FloodRP <= 100 {
			s.FloodZonePeople += v.Population
			if v.Connected {
				before += v.Population
			}
		}
	}
	after := before
	for _, st := range steps {
		s.PeopleConnected += st.Population
		s.CableKm += st.CableKm
		if st.FloodRP > 0 && st.FloodRP <= 100 {
			after += st.Population
		}
	}
	if s.FloodZonePeople > 0 {
		s.FloodZoneShareBefore = float64(before) / float64(s.FloodZonePeople)
		s.FloodZoneShareAfter = float64(after) / float64(s.FloodZonePeople)
	}
	return s
}
