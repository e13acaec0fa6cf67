package warnings

import (
	"fmt"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
)

// Impact is what a warning area holds when a version is issued (impact-based warnings): the
// people and villages, health facilities, shelters, CPEC route and buildings inside the polygon,
// on one data version of the served layers.
type Impact struct {
	DataVersion     string  `json:"data_version"`
	Population      int64   `json:"exposed_population"`                 // people of the villages inside
	Villages        int64   `json:"exposed_villages"`                   // villages inside
	WithFibre       int64   `json:"exposed_villages_with_fibre"`        // of which on the fibre network
	WithoutFibre    int64   `json:"exposed_villages_without_fibre"`     // of which reached only by radio, SMS or loudspeaker
	Health          int64   `json:"exposed_health_facilities"`          // hospitals and rural health centres
	Shelters        int64   `json:"exposed_shelters"`                   // flood shelters
	ShelterCapacity *int64  `json:"exposed_shelter_capacity,omitempty"` // persons; nil when the layer has no capacity
	RouteKm         float64 `json:"exposed_cpec_route_km"`              // km of CPEC route, to 0.1 km
	Buildings       *int64  `json:"exposed_buildings,omitempty"`        // nil when no buildings layer is loaded
}

// Assessor measures the exposure of a warning area on the served data. The service calls it
// when it issues an Alert or an Update, and again for every version it replays from the journal
// at start, so it must give the same answer for the same area on the same data version.
type Assessor interface {
	Exposure(area orb.Ring) (Impact, error)
}

// impact measures a warning area with the configured assessor; nil without one, or when it
// fails (logged; a failure on the same data fails again on replay, so the state is the same).
func (s *Service) impact(station string, area orb.Ring) *Impact {
	if s.cfg.Assessor == nil || len(area) == 0 {
		return nil
	}
	imp, err := s.cfg.Assessor.Exposure(area)
	if err != nil {
		s.log.Warn("warning issued without its impact", "station", station, "err", err)
		return nil
	}
	return &imp
}

// parameters are the impact as CAP <parameter>s, in a fixed order.
func (imp *Impact) parameters() []capValue {
	if imp == nil {
		return nil
	}
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	out := []capValue{{"exposed_population", i(imp.Population)}, {"exposed_villages", i(imp.Villages)},
		{"exposed_villages_with_fibre", i(imp.WithFibre)}, {"exposed_villages_without_fibre", i(imp.WithoutFibre)},
		{"exposed_health_facilities", i(imp.Health)}, {"exposed_shelters", i(imp.Shelters)}}
	if imp.ShelterCapacity != nil {
		out = append(out, capValue{"exposed_shelter_capacity", i(*imp.ShelterCapacity)})
	}
	out = append(out, capValue{"exposed_cpec_route_km", fmt.Sprintf("%.1f", imp.RouteKm)})
	if imp.Buildings != nil {
		out = append(out, capValue{"exposed_buildings", i(*imp.Buildings)})
	}
	return out
}

// properties adds the impact to a feature's properties of the warnings layer.
func (imp *Impact) properties(into map[string]any) {
	if imp == nil {
		return
	}
	into["exposed_population"], into["exposed_villages"] = imp.Population, imp.Villages
	into["exposed_villages_with_fibre"], into["exposed_villages_without_fibre"] = imp.WithFibre, imp.WithoutFibre
	into["exposed_health_facilities"], into["exposed_shelters"] = imp.Health, imp.Shelters
	into["exposed_cpec_route_km"] = imp.RouteKm
	if imp.ShelterCapacity != nil {
		into["exposed_shelter_capacity"] = *imp.ShelterCapacity
	}
	if imp.Buildings != nil {
		into["exposed_buildings"] = *imp.Buildings
	}
}

// TextImpact is the impact as the text templates see it: numbers with thousands separators; an
// optional figure is "" when its layer is missing (the shelter capacity also when there are none).
type TextImpact struct {
	People, Villages, WithFibre, WithoutFibre, Health, Shelters string
	ShelterCapacity                                             string // "" when the facilities have no capacity
	RouteKm                                                     string // km with one decimal: 12.5
	Buildings                                                   string // "" without a buildings layer
}

// text formats the impact for the templates; nil for none.
func (imp *Impact) text() *TextImpact {
	if imp == nil {
		return nil
	}
	n := func(v int64) string { return thousands(float64(v)) }
	t := &TextImpact{People: n(imp.Population), Villages: n(imp.Villages), WithFibre: n(imp.WithFibre),
		WithoutFibre: n(imp.WithoutFibre), Health: n(imp.Health), Shelters: n(imp.Shelters),
		RouteKm: fmt.Sprintf("%.1f", imp.RouteKm)}
	if imp.ShelterCapacity != nil && imp.Shelters > 0 {
		t.ShelterCapacity = n(*imp.ShelterCapacity)
	}
	if imp.Buildings != nil {
		t.Buildings = n(*imp.Buildings)
	}
	return t
}

// impactFields are the fields of the warnings layer that carry the impact.
func impactFields() []data.Field {
	n, x := data.FieldInteger, data.FieldNumber
	return []data.Field{
		{Name: "exposed_population", Type: n, Description: "People in the villages inside the warning area when it was issued"},
		{Name: "exposed_villages", Type: n, Description: "Villages inside the warning area"},
		{Name: "exposed_villages_with_fibre", Type: n, Description: "Villages inside on the fibre network"},
		{Name: "exposed_villages_without_fibre", Type: n, Description: "Villages inside without fibre (radio, SMS or loudspeakers)"},
		{Name: "exposed_health_facilities", Type: n, Description: "Hospitals and rural health centres inside"},
		{Name: "exposed_shelters", Type: n, Description: "Flood shelters inside"},
		{Name: "exposed_shelter_capacity", Type: n, Description: "Persons the shelters inside can take (when the layer has capacity)"},
		{Name: "exposed_cpec_route_km", Type: x, Description: "Km of CPEC route inside"},
		{Name: "exposed_buildings", Type: n, Description: "Buildings inside (when a buildings layer is loaded)"},
	}
}
