// Package impact measures the exposure of warning areas for the warnings service: it implements
// warnings.Assessor over the risk engine (analytics.Engine), so that analytics/warnings need not
// know analytics. cmd/indus wires it.
package impact

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/analytics/warnings"
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// Assessor measures warning areas for the warnings service (warnings.Assessor) with the
// risk engine: people, villages, villages with fibre and CPEC route km are /risk/area's answer
// on the warning polygon; health facilities and shelters (by kind, with the shelters' capacity)
// and buildings (by the centre of their bbox) are counted inside the same polygon. Answers are
// cached per data version and area: a station's area for a category is the same every time.
type Assessor struct {
	risk      *analytics.Engine
	served    *indexes.Served
	cfg       analytics.Config // the engine's: layer, field and facility kind names
	routes    string           // the CPEC route layer [cpec_routes]
	buildings string           // the building footprint layer, when loaded [buildings]

	mu    sync.Mutex
	data  *data.Dataset // the data the cache was filled from
	cache map[string]warnings.Impact
}

var _ warnings.Assessor = (*Assessor)(nil)

// New returns an Assessor over the risk engine, whose configuration cfg is (layer, field and
// facility kind names), measuring on the data served now.
func New(risk *analytics.Engine, cfg analytics.Config, served *indexes.Served) *Assessor {
	return &Assessor{risk: risk, served: served, cfg: cfg, routes: "cpec_routes", buildings: "buildings"}
}

// Exposure measures what lies inside area on the served data.
func (a *Assessor) Exposure(area orb.Ring) (warnings.Impact, error) {
	set := a.served.Load()
	poly, err := json.Marshal(geojson.NewGeometry(orb.Polygon{area}))
	if err != nil {
		return warnings.Impact{}, err
	}
	a.mu.Lock()
	if a.data != set.Dataset {
		a.data, a.cache = set.Dataset, map[string]warnings.Impact{}
	}
	imp, ok := a.cache[string(poly)]
	a.mu.Unlock()
	if ok {
		return imp, nil
	}
	if imp, err = a.measure(set, poly, area); err != nil {
		return warnings.Impact{}, err
	}
	a.mu.Lock()
	if a.data == set.Dataset {
		a.cache[string(poly)] = imp
	}
	a.mu.Unlock()
	return imp, nil
}

// measure asks the risk engine for the area's exposure and counts facilities and buildings.
func (a *Assessor) measure(set *indexes.Set, poly json.RawMessage, area orb.Ring) (warnings.Impact, error) {
	req := &analytics.AreaRequest{Geometry: poly}
	for _, id := range []string{a.cfg.PopulationLayer, a.cfg.FacilityLayer, a.routes} {
		if _, ok := set.Layer(id); ok {
			req.Exposure = append(req.Exposure, id)
		}
	}
	for _, l := range set.Visible(nil) { // warnings are public: a restricted layer never feeds them
		if l.Spec.Hazard != nil { // one hazard layer is enough: only the whole-area exposure is used
			req.Hazards = []string{l.Spec.ID}
			break
		}
	}
	res, err := a.risk.Area(context.Background(), req)
	if err != nil {
		return warnings.Impact{}, fmt.Errorf("impact of a warning area: %w", err)
	}
	people := res.InArea[a.cfg.PopulationLayer]
	imp := warnings.Impact{DataVersion: res.DataVersion, Population: int64(people[a.cfg.PopulationField]),
		Villages: int64(people["count"]), WithFibre: int64(people[a.cfg.ConnectivityField]),
		RouteKm: math.Round(res.InArea[a.routes]["length_km"]*10) / 10}
	imp.WithoutFibre = imp.Villages - imp.WithFibre
	prep := geo.Prepare(orb.MultiPolygon{{area}})
	if l, ok := set.Layer(a.cfg.FacilityLayer); ok {
		a.facilities(l, prep, &imp)
	}
	if l, ok := set.LayerFor(a.buildings, nil); ok { // warnings are public: a restricted layer never feeds them
		n := int64(0)
		l.Search(prep.Bound(), func(i int) bool {
			if prep.Contains(l.FeatureBound(i).Center()) {
				n++
			}
			return true
		})
		imp.Buildings = &n
	}
	return imp, nil
}

// facilities counts the health facilities and shelters inside prep, and the shelters' capacity
// when the layer has a capacity field.
func (a *Assessor) facilities(l *indexes.Layer, prep *geo.Prepared, imp *warnings.Impact) {
	kind, capacity := l.Spec.FieldIndex(a.cfg.FacilityKindField), l.Spec.FieldIndex("capacity")
	if kind < 0 {
		return
	}
	var persons int64
	l.Search(prep.Bound(), func(i int) bool {
		p, ok := l.Point(i)
		if !ok || !prep.Contains(p) {
			return true
		}
		switch k := l.Value(i, kind).Str; {
		case slices.Contains(a.cfg.HealthKinds, k):
			imp.Health++
		case slices.Contains(a.cfg.ShelterKinds, k):
			imp.Shelters++
			if capacity >= 0 {
				v, _ := l.Value(i, capacity).Float()
				persons += int64(v)
			}
		}
		return true
	})
	if capacity >= 0 {
		imp.ShelterCapacity = &persons
	}
}
