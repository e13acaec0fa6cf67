package analytics

import (
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/cpec-digital/indus/data"
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
}

// PointHazard is the hazard class at the point for one hazard layer (null class: not in a zone).
type PointHazard struct {
	Layer        string  `json:"layer"`
	Hazard       string  `json:"hazard"`
	ReturnPeriod int     `json:"return_period"`
	Class        *string `json:"class"`
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

// Point reports hazard classes, the admin unit and the nearest gauge, health facility and shelter
// (k-nearest search in the R-trees, distances in metres along great circles).
func (e *Engine) Point(set *indexes.Set, lon, lat float64) (*PointResult, error) {
	if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return nil, data.Invalid("bad point", fmt.Sprintf("(%g, %g) is outside lon -180..180, lat -90..90", lon, lat))
	}
	p := orb.Point{lon, lat}
	res := &PointResult{Lon: lon, Lat: lat, Nearest: map[string]*Nearest{}, DataVersion: set.Dataset.Version}
	pb := orb.Bound{Min: p, Max: p}
	for _, l := range set.Layers() {
		if l.Spec.Hazard == nil {
			continue
		}
		ph := PointHazard{Layer: l.Spec.ID, Hazard: l.Spec.Hazard.Type, ReturnPeriod: l.Spec.Hazard.ReturnPeriod}
		l.Search(pb, func(_ int, f *data.Feature) bool {
			if polygonContains(f.Geometry, p) {
				c := fmt.Sprint(f.Properties[l.Spec.Hazard.ClassField])
				ph.Class = &c
				return false
			}
			return true
		})
		res.Hazards = append(res.Hazards, ph)
	}
	if l, ok := set.Layer(e.cfg.AdminLayer); ok {
		l.Search(pb, func(_ int, f *data.Feature) bool {
			if polygonContains(f.Geometry, p) {
				res.Admin = place(l, f)
				return false
			}
			return true
		})
	}
	near := func(name, layer string, keep func(*data.Feature) bool) {
		l, ok := set.Layer(layer)
		if !ok {
			return
		}
		if nb := l.NearestWhere(p, 1, keep); len(nb) == 1 {
			res.Nearest[name] = &Nearest{Place: *place(l, nb[0].Feature), DistanceM: math.Round(nb[0].DistKm * 1000),
				Location: [2]float64{nb[0].Location[0], nb[0].Location[1]}}
		}
	}
	kind := func(kinds []string) func(*data.Feature) bool {
		return func(f *data.Feature) bool {
			k, _ := f.Properties[e.cfg.FacilityKindField].(string)
			return slices.Contains(kinds, k)
		}
	}
	near("gauge", e.cfg.GaugeLayer, nil)
	near("health_facility", e.cfg.FacilityLayer, kind(e.cfg.HealthKinds))
	near("shelter", e.cfg.FacilityLayer, kind(e.cfg.ShelterKinds))
	return res, nil
}

func place(l *indexes.Layer, f *data.Feature) *Place {
	pl := &Place{Layer: l.Spec.ID, ID: f.ID, Properties: f.Properties}
	if l.Spec.KeyField != "" {
		pl.Key = fmt.Sprint(f.Properties[l.Spec.KeyField])
	}
	return pl
}

// polygonContains reports whether p is inside a (multi)polygon, holes excluded.
func polygonContains(g orb.Geometry, p orb.Point) bool {
	mp := data.Polygons(g)
	return mp != nil && planar.MultiPolygonContains(mp, p)
}
