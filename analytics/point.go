package analytics

import (
	"math"
	"time"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// PointResult answers GET /risk/point.
type PointResult struct {
	Lon         float64             `json:"lon"`
	Lat         float64             `json:"lat"`
	Hazards     []PointHazard       `json:"hazards"`
	Admin       *Place              `json:"admin"`
	Nearest     map[string]*Nearest `json:"nearest"`
	DataVersion string              `json:"data_version"`
	Withheld    bool                `json:"withheld,omitempty"` // hazard layers the caller may not read were left out
}

// PointHazard is the hazard class at the point for one hazard layer (null class: not in a zone).
type PointHazard struct {
	Layer string `json:"layer"`
	HazardTag
	Class *string `json:"class"`
}

// Place is a feature found for a point.
type Place struct {
	Layer      string         `json:"layer"`
	ID         uint64         `json:"id"`
	Key        string         `json:"key,omitempty"`
	Properties map[string]any `json:"properties"`
}

// Nearest is the nearest feature of a kind, with its great-circle distance.
type Nearest struct {
	Place
	DistanceM float64    `json:"distance_m"`
	Location  [2]float64 `json:"location"`
}

// Point reports the classes of the historical hazard layers, the admin unit and the nearest gauge,
// health facility and shelter (k-nearest search in the R-trees, distances in metres along great
// circles).
func (e *Engine) Point(lon, lat float64, who *access.Principal) (*PointResult, error) {
	return e.PointFor(lon, lat, HazardSelector{}, who)
}

// PointFor is Point for the hazard layers sel picks.
func (e *Engine) PointFor(lon, lat float64, sel HazardSelector, who *access.Principal) (*PointResult, error) {
	defer e.observe(KindPoint, time.Now())
	set := e.current()
	p := orb.Point{lon, lat}
	if err := geo.CheckPoint(p); err != nil {
		return nil, data.Invalid("bad point", err.Error())
	}
	haz, withheld, err := sel.pick(set, who)
	if err != nil {
		return nil, err
	}
	res := &PointResult{Lon: lon, Lat: lat, Nearest: map[string]*Nearest{}, DataVersion: set.Dataset.Version, Withheld: withheld}
	pb := orb.Bound{Min: p, Max: p}
	for _, l := range haz {
		ph := PointHazard{Layer: l.Spec.ID, HazardTag: tagOf(l.Spec.Hazard)}
		field := l.Spec.FieldIndex(l.Spec.Hazard.ClassField)
		l.Search(pb, func(i int) bool {
			if geo.Contains(l.Geometry(i), p) {
				c := l.Value(i, field).String()
				ph.Class = &c
				return false
			}
			return true
		})
		res.Hazards = append(res.Hazards, ph)
	}
	if l, ok := set.Layer(e.cfg.AdminLayer); ok {
		l.Search(pb, func(i int) bool {
			if geo.Contains(l.Geometry(i), p) {
				res.Admin = place(l, i)
				return false
			}
			return true
		})
	}
	near := func(name, layer string, kinds []string) {
		l, ok := set.Layer(layer)
		if !ok {
			return
		}
		var keep func(int) bool
		if kinds != nil {
			keep = e.kindIn(l, kinds)
		}
		if nb := l.NearestWhere(p, 1, keep); len(nb) == 1 {
			res.Nearest[name] = &Nearest{Place: *place(l, nb[0].Index), DistanceM: math.Round(nb[0].DistKm * 1000),
				Location: [2]float64{nb[0].Location[0], nb[0].Location[1]}}
		}
	}
	near("gauge", e.cfg.GaugeLayer, nil)
	near("health_facility", e.cfg.FacilityLayer, e.cfg.HealthKinds)
	near("shelter", e.cfg.FacilityLayer, e.cfg.ShelterKinds)
	return res, nil
}

func place(l *indexes.Layer, i int) *Place {
	pl := &Place{Layer: l.Spec.ID, ID: l.ID(i), Properties: l.Properties(i)}
	if k := l.Spec.FieldIndex(l.Spec.KeyField); k >= 0 {
		pl.Key = l.Value(i, k).String()
	}
	return pl
}

// Layers lists the hazard layers the answer reports.
func (r *PointResult) Layers() []string {
	out := make([]string, len(r.Hazards))
	for i, h := range r.Hazards {
		out[i] = h.Layer
	}
	return out
}
