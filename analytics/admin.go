package analytics

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/indexes"
)

// units holds, per data version, the answer for every unit of every admin layer with every
// hazard layer and the default exposure layers: an admin query (and a rank) is read from it,
// filtered to the layers asked for, in well under a millisecond. It is filled in the background
// when data are loaded (Warm); until a unit is there, its query is computed as any other.
type units struct {
	mu      sync.Mutex
	version string
	byUnit  map[unitRef]*unitAnswer
}

// unitAnswer is one unit's full answer and its share of villages far from health care.
type unitAnswer struct {
	res *AreaResult
	far float64
}

// AdminLayers are the layers whose units are precomputed: polygon layers of the admin theme with
// a key field (provinces, districts).
func AdminLayers(set *indexes.Set) []*indexes.Layer {
	var out []*indexes.Layer
	for _, l := range set.Layers() {
		if l.Spec.Theme == data.ThemeAdmin && l.Spec.KeyField != "" && l.Shape() == data.Polygons {
			out = append(out, l)
		}
	}
	return out
}

// warmUnits computes every unit's answer for the data in set.
func (e *Engine) warmUnits(ctx context.Context, set *indexes.Set) error {
	_, exp, _, err := e.layers(set, &AreaRequest{Who: access.Operator()}) // callers' answers are narrowed to what they may read
	if err != nil {
		return err
	}
	var haz []*indexes.Layer // of every scenario, so that a projection's ranks are read from the table too
	for _, l := range set.Layers() {
		if l.Spec.Hazard != nil {
			haz = append(haz, l)
		}
	}
	var refs []AdminRef
	for _, al := range AdminLayers(set) {
		for i := range al.Len() {
			refs = append(refs, AdminRef{Layer: al.Spec.ID, ID: unitID(al, i)})
		}
	}
	return parallel(len(refs), func(i int) error {
		q, err := BuildQuery(set, &AreaRequest{Admin: &refs[i], Who: access.Operator()})
		if err != nil {
			return fmt.Errorf("unit %s of %s: %w", refs[i].ID, refs[i].Layer, err)
		}
		res, err := e.compute(ctx, set, q, haz, exp)
		if err != nil {
			return err
		}
		e.storeUnit(set, q, &unitAnswer{res: res, far: e.farShare(set, q)})
		return nil
	})
}

func unitID(l *indexes.Layer, i int) string {
	return l.Value(i, l.Spec.FieldIndex(l.Spec.KeyField)).String()
}

func (e *Engine) storeUnit(set *indexes.Set, q *Query, a *unitAnswer) {
	u := &e.units
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.version != set.Dataset.Version || u.byUnit == nil {
		u.version, u.byUnit = set.Dataset.Version, map[unitRef]*unitAnswer{}
	}
	u.byUnit[*q.unit] = a
}

// fromUnits answers an admin query from the table when who may read the unit's layer, the unit
// is there and the layers asked for are among those it was computed with. Otherwise the query is
// built (BuildQuery), which refuses a layer who may not read as an unknown one.
func (e *Engine) fromUnits(set *indexes.Set, ref *AdminRef, who *access.Principal, haz, exp []*indexes.Layer) (*AreaResult, bool) {
	unit, err := findUnit(set, ref, who)
	if err != nil {
		return nil, false
	}
	u := &e.units
	u.mu.Lock()
	a, ok := u.byUnit[unit]
	ok = ok && u.version == set.Dataset.Version
	u.mu.Unlock()
	if !ok || !covered(a.res, haz, exp) {
		return nil, false
	}
	return e.narrow(a, haz, exp), true
}

// covered reports whether a full answer has every hazard and exposure layer asked for.
func covered(res *AreaResult, haz, exp []*indexes.Layer) bool {
	for _, h := range haz {
		if !slices.ContainsFunc(res.Hazards, func(r HazardResult) bool { return r.Layer == h.Spec.ID }) {
			return false
		}
	}
	for _, l := range exp {
		if _, ok := res.InArea[l.Spec.ID]; !ok {
			return false
		}
	}
	return true
}

// narrow keeps the hazard and exposure layers asked for, then summarizes as compute does.
func (e *Engine) narrow(a *unitAnswer, haz, exp []*indexes.Layer) *AreaResult {
	full := a.res
	keep := func(m map[string]Exposure) map[string]Exposure {
		out := make(map[string]Exposure, len(exp))
		for _, l := range exp {
			out[l.Spec.ID] = m[l.Spec.ID]
		}
		return out
	}
	res := &AreaResult{Query: full.Query, DataVersion: full.DataVersion, InArea: keep(full.InArea), set: full.set}
	for _, h := range haz {
		i := slices.IndexFunc(full.Hazards, func(r HazardResult) bool { return r.Layer == h.Spec.ID })
		hr := full.Hazards[i]
		hr.Classes = slices.Clone(hr.Classes)
		for k := range hr.Classes {
			hr.Classes[k].Exposure = keep(hr.Classes[k].Exposure)
		}
		hr.Total.Exposure, hr.Damaging.Exposure = keep(hr.Total.Exposure), keep(hr.Damaging.Exposure)
		res.Hazards = append(res.Hazards, hr)
	}
	res.Summary = e.summarize(res.Hazards, full.Query.AreaKm2)
	res.RiskIndex = e.riskIndexWith(res, full.Query, func() float64 { return a.far })
	return res
}
