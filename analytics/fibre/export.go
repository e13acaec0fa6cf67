package fibre

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// csvHeader is the header row of WriteCSV.
func csvHeader() []string {
	return []string{"order", "phase", "village_id", "lon", "lat", "from_kind", "from_id",
		"from_lon", "from_lat", "cable_km", "population", "flood_rp", "flood_class", "value",
		"connected_total", "people_total", "cable_km_total"}
}

// WriteCSV writes the plan as CSV: a header, then one row per step in build order (km to the
// metre, coordinates to 1e-6 degree).
func (r *Rollout) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader()); err != nil {
		return err
	}
	for _, s := range r.Steps {
		if err := cw.Write(csvRow(s)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvRow(s Step) []string {
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	f := func(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }
	return []string{i(int64(s.Order)), i(int64(s.Phase)), i(s.VillageID), f(s.Point[0], 6), f(s.Point[1], 6),
		s.FromKind, i(s.FromID), f(s.FromPoint[0], 6), f(s.FromPoint[1], 6), f(s.CableKm, 3),
		i(s.Population), i(int64(s.FloodRP)), s.FloodClass, f(s.Value, 1),
		i(int64(s.ConnectedTotal)), i(s.PeopleTotal), f(s.CableKmTotal, 3)}
}

// WriteGeoJSON writes the plan as a GeoJSON FeatureCollection: per step, the new link as a
// LineString from FromPoint to the village (kind "link") and the village as a Point (kind
// "village"), both with the step's properties; the summary is a foreign member "summary".
func (r *Rollout) WriteGeoJSON(w io.Writer) error {
	fc := geojson.NewFeatureCollection()
	for _, s := range r.Steps {
		link := geojson.NewFeature(orb.LineString{s.FromPoint, s.Point})
		link.Properties = stepProperties(s, "link")
		village := geojson.NewFeature(s.Point)
		village.Properties = stepProperties(s, "village")
		fc.Append(link)
		fc.Append(village)
	}
	fc.ExtraMembers = geojson.Properties{"summary": summaryProperties(r.Summary)}
	enc := json.NewEncoder(w)
	return enc.Encode(fc)
}

func stepProperties(s Step, kind string) geojson.Properties {
	return geojson.Properties{"kind": kind, "order": s.Order, "phase": s.Phase, "village_id": s.VillageID,
		"from_kind": s.FromKind, "from_id": s.FromID, "cable_km": s.CableKm, "population": s.Population,
		"flood_rp": s.FloodRP, "flood_class": s.FloodClass, "value": s.Value,
		"connected_total": s.ConnectedTotal, "people_total": s.PeopleTotal, "cable_km_total": s.CableKmTotal}
}

func summaryProperties(s Summary) map[string]any {
	return map[string]any{"connected_before": s.ConnectedBefore, "connected_after": s.ConnectedAfter,
		"people_connected": s.PeopleConnected, "cable_km": s.CableKm, "flood_zone_people": s.FloodZonePeople,
		"flood_zone_share_before": s.FloodZoneShareBefore, "flood_zone_share_after": s.FloodZoneShareAfter}
}
