package planning

import (
	"encoding/json"
	"io"

	"github.com/cpec-digital/indus/analytics/fibre"
)

// resultJSON is the JSON shape of a plan.
type resultJSON struct {
	DataVersion string      `json:"data_version"`
	Admin       *AdminRef   `json:"admin,omitempty"`
	Villages    int         `json:"villages"`
	Options     optionsJSON `json:"options"`
	Summary     summaryJSON `json:"summary"`
	Steps       []stepJSON  `json:"steps"`
	TimingMs    float64     `json:"timing_ms"`
}

type optionsJSON struct {
	Target      int                `json:"target"`
	Weights     map[string]float64 `json:"weights"`
	RouteFactor float64            `json:"route_factor"`
	PhaseSize   int                `json:"phase_size"`
}

type summaryJSON struct {
	ConnectedBefore      int     `json:"connected_before"`
	ConnectedAfter       int     `json:"connected_after"`
	PeopleConnected      int64   `json:"people_connected"`
	CableKm              float64 `json:"cable_km"`
	FloodZonePeople      int64   `json:"flood_zone_people"`
	FloodZoneShareBefore float64 `json:"flood_zone_share_before"`
	FloodZoneShareAfter  float64 `json:"flood_zone_share_after"`
}

// stepJSON is one step, with the names of the CSV columns.
type stepJSON struct {
	Order          int     `json:"order"`
	Phase          int     `json:"phase"`
	VillageID      int64   `json:"village_id"`
	Lon            float64 `json:"lon"`
	Lat            float64 `json:"lat"`
	FromKind       string  `json:"from_kind"`
	FromID         int64   `json:"from_id"`
	FromLon        float64 `json:"from_lon"`
	FromLat        float64 `json:"from_lat"`
	CableKm        float64 `json:"cable_km"`
	Population     int64   `json:"population"`
	FloodRP        int     `json:"flood_rp"`
	FloodClass     string  `json:"flood_class"`
	Value          float64 `json:"value"`
	ConnectedTotal int     `json:"connected_total"`
	PeopleTotal    int64   `json:"people_total"`
	CableKmTotal   float64 `json:"cable_km_total"`
}

// MarshalJSON writes the plan: data version, admin unit, villages planned over, options (with
// defaults filled in), summary and steps in build order.
func (r *Result) MarshalJSON() ([]byte, error) {
	o, s := r.Rollout.Options, r.Rollout.Summary
	out := resultJSON{DataVersion: r.DataVersion, Admin: r.Admin, Villages: r.Villages, TimingMs: r.TimingMs,
		Options: optionsJSON{Target: o.Target, Weights: o.Weights, RouteFactor: o.RouteFactor, PhaseSize: o.PhaseSize},
		Summary: summaryJSON(s), Steps: make([]stepJSON, len(r.Rollout.Steps))}
	for i, st := range r.Rollout.Steps {
		out.Steps[i] = step(st)
	}
	return json.Marshal(out)
}

func step(s fibre.Step) stepJSON {
	return stepJSON{Order: s.Order, Phase: s.Phase, VillageID: s.VillageID, Lon: s.Point[0], Lat: s.Point[1],
		FromKind: s.FromKind, FromID: s.FromID, FromLon: s.FromPoint[0], FromLat: s.FromPoint[1], CableKm: s.CableKm,
		Population: s.Population, FloodRP: s.FloodRP, FloodClass: s.FloodClass, Value: s.Value,
		ConnectedTotal: s.ConnectedTotal, PeopleTotal: s.PeopleTotal, CableKmTotal: s.CableKmTotal}
}

// WriteCSV writes the steps as CSV (fibre.Rollout.WriteCSV).
func (r *Result) WriteCSV(w io.Writer) error { return r.Rollout.WriteCSV(w) }

// WriteGeoJSON writes the new links and villages as GeoJSON, with the summary (fibre.Rollout.WriteGeoJSON).
func (r *Result) WriteGeoJSON(w io.Writer) error { return r.Rollout.WriteGeoJSON(w) }
