package analytics

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/indexes"
)

// HazardSelector picks the hazard layers a risk query reports: by kind or layer id, climate
// scenario and horizon. The zero selector picks every hazard layer of the historical scenario.
type HazardSelector struct {
	Hazard   string `json:"hazard,omitempty"`   // a hazard kind (flood, heat, ...) or a hazard layer id; empty: every kind
	Scenario string `json:"scenario,omitempty"` // empty: historical, or the scenario of the layer Hazard names
	Horizon  int    `json:"horizon,omitempty"`  // 0: every horizon of the scenario
}

// given says whether the selector says anything.
func (s HazardSelector) given() bool { return s != HazardSelector{} }

// pick returns the hazard layers of set that s selects and who may read, and whether a layer it
// would have selected was left out because who may not read it. A kind, layer, scenario or
// horizon no readable hazard layer has is refused, naming the ones there are.
func (s HazardSelector) pick(set *indexes.Set, who *access.Principal) ([]*indexes.Layer, bool, error) {
	var readable []*indexes.Layer
	for _, l := range set.Layers() {
		if l.Spec.Hazard != nil && l.Spec.Access.Allows(who) {
			readable = append(readable, l)
		}
	}
	// a word that is both a kind and a layer id is the kind
	byID := s.Hazard != "" && !slices.ContainsFunc(readable, func(l *indexes.Layer) bool { return l.Spec.Hazard.Kind == s.Hazard }) &&
		slices.ContainsFunc(readable, func(l *indexes.Layer) bool { return l.Spec.ID == s.Hazard })
	if err := s.check(readable, byID); err != nil {
		return nil, false, err
	}
	var out []*indexes.Layer
	withheld := false
	for _, l := range set.Layers() {
		if l.Spec.Hazard == nil || !s.selects(l.Spec, byID) {
			continue
		}
		if !l.Spec.Access.Allows(who) {
			withheld = true
			continue
		}
		out = append(out, l)
	}
	return out, withheld, nil
}

// selects says whether s picks the hazard layer spec; byID: s.Hazard is a layer id.
func (s HazardSelector) selects(spec *data.LayerSpec, byID bool) bool {
	h := spec.Hazard
	switch {
	case byID && spec.ID != s.Hazard, !byID && s.Hazard != "" && h.Kind != s.Hazard:
		return false
	}
	scenario, horizon := h.Climate()
	switch {
	case s.Horizon != 0 && horizon != s.Horizon:
		return false
	case s.Scenario != "":
		return scenario == s.Scenario
	}
	return byID || scenario == data.ScenarioHistorical
}

// check refuses a kind, scenario or horizon that none of the layers has.
func (s HazardSelector) check(layers []*indexes.Layer, byID bool) error {
	var kinds, ids, scenarios []string
	horizons := map[string][]string{}
	for _, l := range layers {
		scenario, horizon := l.Spec.Hazard.Climate()
		kinds, ids = addNew(kinds, l.Spec.Hazard.Kind), addNew(ids, l.Spec.ID)
		scenarios = addNew(scenarios, scenario)
		horizons[scenario] = addNew(horizons[scenario], strconv.Itoa(horizon))
	}
	switch {
	case s.Hazard != "" && !byID && !slices.Contains(kinds, s.Hazard):
		return data.Invalid("unknown hazard", fmt.Sprintf("%q is neither a hazard kind (%s) nor a hazard layer (%s)", s.Hazard, list(kinds), list(ids)))
	case s.Scenario != "" && !slices.Contains(scenarios, s.Scenario):
		return data.Invalid("unknown scenario", fmt.Sprintf("%q: the scenarios are %s", s.Scenario, list(scenarios)))
	}
	sc := s.Scenario
	if sc == "" {
		sc = data.ScenarioHistorical
	}
	if s.Horizon != 0 && !slices.Contains(horizons[sc], strconv.Itoa(s.Horizon)) {
		return data.Invalid("unknown horizon", fmt.Sprintf("%d: the horizons of scenario %s are %s", s.Horizon, sc, list(horizons[sc])))
	}
	return nil
}

func addNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func list(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
