package analytics

import (
	"context"
	"fmt"
	"slices"
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
	FarFromHealthKm   float64  // a village farther than this from health care lacks coping capacity [10]
	// Observe, when set, is told how long each query took, by kind (KindArea, KindPoint,
	// KindRank), whether it succeeded or not. It must be safe for concurrent use.
	Observe func(kind string, took time.Duration)
}

// Query kinds, as Config.Observe names them.
const (
	KindArea  = "area"
	KindPoint = "point"
	KindRank  = "rank"
)

// observe reports a query of kind that started at start to Config.Observe, if set.
func (e *Engine) observe(kind string, start time.Time) {
	if e.cfg.Observe != nil {
		e.cfg.Observe(kind, time.Since(start))
	}
}

// DefaultConfig returns the defaults for the Pakistan catalog.
func DefaultConfig() Config {
	return Config{PopulationLayer: "villages", PopulationField: "population", ConnectivityField: "fibre",
		FacilityLayer: "facilities", FacilityKindField: "kind", HealthKinds: []string{"hospital", "rural_health_centre"},
		ShelterKinds: []string{"flood_shelter"}, GaugeLayer: "gauges", AdminLayer: "provinces",
		FarFromHealthKm: 10}
}

// Engine answers risk questions from the served layers.
type Engine struct {
	cfg     Config
	current func() *indexes.Set
	ranks   rankCache
	cache   zoneCache
	units   units
	health  struct {
		mu          sync.Mutex
		people, fac *indexes.Layer
		km          []float32
	}
}

// NewEngine returns an engine over the set current returns (read at every query, so a reload
// is seen at once).
func NewEngine(cfg Config, current func() *indexes.Set) *Engine {
	return &Engine{cfg: cfg, current: current}
}

func deadline(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &data.Error{Kind: data.KindTimeout, Msg: "the query took too long", Detail: "try a smaller area or fewer layers", Err: err}
	}
	return nil
}

// layers resolves the requested hazard and exposure layers that r.Who may read (defaults: the
// hazard layers r's selector picks, every historical one when it says nothing; every exposure or
// vulnerability layer plus the linear hydrology layers); withheld says that a default was left
// out because r.Who may not read it.
func (e *Engine) layers(set *indexes.Set, r *AreaRequest) (haz, exp []*indexes.Layer, withheld bool, err error) {
	pick := func(ids []string, def func(*indexes.Layer) bool, what string, check func(*indexes.Layer) bool) ([]*indexes.Layer, error) {
		if len(ids) == 0 {
			var out []*indexes.Layer
			for _, l := range set.Layers() {
				switch {
				case !def(l):
				case l.Spec.Access.Allows(r.Who):
					out = append(out, l)
				default:
					withheld = true
				}
			}
			return out, nil
		}
		var out []*indexes.Layer
		for _, id := range ids {
			l, ok := set.LayerFor(id, r.Who)
			if !ok {
				return nil, data.Errorf(data.KindNotFound, "no %s layer %q", what, id)
			}
			if !check(l) {
				return nil, data.Invalid("not "+article(what)+" layer", fmt.Sprintf("%q cannot be used as %s layer", id, article(what)))
			}
			if !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
		return out, nil
	}
	isHazard := func(l *indexes.Layer) bool { return l.Spec.Hazard != nil }
	switch {
	case len(r.Hazards) > 0 && r.HazardSelector.given():
		return nil, nil, false, data.Invalid("hazards and hazard, scenario or horizon", "name hazard layers or select them, not both")
	case len(r.Hazards) > 0:
		haz, err = pick(r.Hazards, isHazard, "hazard", isHazard)
	default:
		haz, withheld, err = r.HazardSelector.pick(set, r.Who)
	}
	if err != nil {
		return nil, nil, false, err
	}
	if exp, err = pick(r.Exposure, DefaultExposure, "exposure", func(l *indexes.Layer) bool { return l.Spec.Hazard == nil }); err != nil {
		return nil, nil, false, err
	}
	return haz, exp, withheld, nil
}

// article is what with its indefinite article: "a hazard", "an exposure".
func article(what string) string {
	if strings.ContainsRune("aeiou", rune(what[0])) {
		return "an " + what
	}
	return "a " + what
}

// DefaultExposure says which layers an area query reports by default: exposure and vulnerability
// layers, and the linear hydrology layers (rivers), but no admin or hazard layers.
func DefaultExposure(l *indexes.Layer) bool {
	if l.Spec.Hazard != nil || l.Spec.Theme == data.ThemeAdmin || l.Len() == 0 {
		return false
	}
	switch l.Spec.Metadata.RiskRole {
	case data.RoleExposure, data.RoleVulnerability:
		return true
	}
	_, line := l.Geometry(0).(orb.LineString)
	return l.Spec.Theme == data.ThemeHydrology && line
}

// Warm prepares, for the data in set, the zones of every hazard layer, the class tables of the
// default exposure layers and the answers of every admin unit, so that queries do not pay for
// them.
func (e *Engine) Warm(set *indexes.Set) error {
	e.warmTables(set)
	return e.warmUnits(context.Background(), set)
}

func (e *Engine) warmTables(set *indexes.Set) {
	people, ok1 := set.Layer(e.cfg.PopulationLayer)
	fac, ok2 := set.Layer(e.cfg.FacilityLayer)
	if ok1 && ok2 {
		e.healthDistances(people, fac)
	}
	for _, l := range set.Layers() {
		if DefaultExposure(l) && l.Shape() == data.Polygons {
			e.warmAreas(set, l)
		}
	}
	var pairs [][2]*indexes.Layer
	for _, h := range set.Layers() {
		for _, l := range set.Layers() {
			if h.Spec.Hazard != nil && DefaultExposure(l) && l.Shape() != data.Lines {
				pairs = append(pairs, [2]*indexes.Layer{h, l})
			}
		}
	}
	parallel(len(pairs), func(i int) error {
		e.classes(set, pairs[i][0], pairs[i][1])
		return nil
	})
}
