package warnings

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
)

// VillageList is the villages inside a warning area, in the village layer's feature order: those
// without fibre need radio, SMS or loudspeakers to be warned.
type VillageList struct {
	Warning     string           `json:"warning"`      // episode id
	Identifier  string           `json:"identifier"`   // the version whose area was used
	Fibre       *bool            `json:"fibre"`        // the filter; null: every village
	DataVersion string           `json:"data_version"` // of the village layer
	Count       int              `json:"count"`
	Population  int64            `json:"population"`
	Villages    []map[string]any `json:"villages"` // the layer's attributes, plus lon and lat
	fields      []string         // attribute columns, in the layer's order
}

// Villages lists the villages inside the area of warning id (an episode id: its latest version;
// or a version's CAP identifier), with fibre or without (fibre non-nil) or all.
func (s *Service) Villages(id string, fibre *bool) (*VillageList, error) {
	w, ok := s.Get(id)
	if !ok {
		return nil, data.Errorf(data.KindNotFound, "no warning %q", id)
	}
	set := s.served.Load()
	l, ok := set.Layer(s.cfg.VillageLayer)
	if !ok {
		return nil, data.Errorf(data.KindNotFound, "no village layer %q", s.cfg.VillageLayer)
	}
	fk, pk := l.Spec.FieldIndex(s.cfg.FibreField), l.Spec.FieldIndex(s.cfg.PopField)
	if fibre != nil && fk < 0 {
		return nil, data.Invalid("fibre: the village layer has no fibre field", s.cfg.FibreField)
	}
	out := &VillageList{Warning: w.ID, Identifier: w.Identifier, Fibre: fibre, DataVersion: set.Dataset.Version,
		Villages: []map[string]any{}}
	for _, f := range l.Spec.Fields {
		out.fields = append(out.fields, f.Name)
	}
	prep := geo.Prepare(orb.MultiPolygon{{w.Area}})
	for _, i := range l.Indexes(prep.Bound()) {
		p, ok := l.Point(i)
		if !ok || !prep.Contains(p) || (fibre != nil && l.Value(i, fk).Bool != *fibre) {
			continue
		}
		v := l.Properties(i)
		v["lon"], v["lat"] = p[0], p[1]
		out.Villages = append(out.Villages, v)
		if pk >= 0 {
			n, _ := l.Value(i, pk).Float()
			out.Population += int64(n)
		}
	}
	out.Count = len(out.Villages)
	return out, nil
}

// WriteCSV writes the villages as CSV: the layer's attributes, then lon and lat.
func (v *VillageList) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cols := append(append([]string(nil), v.fields...), "lon", "lat")
	if err := cw.Write(cols); err != nil {
		return err
	}
	for _, vil := range v.Villages {
		row := make([]string, len(cols))
		for k, c := range cols {
			row[k] = csvCell(vil[c])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvCell formats an attribute value for CSV ("" for null).
func csvCell(x any) string {
	switch t := x.(type) {
	case nil:
		return ""
	case string:
		return t
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	}
	return ""
}

// GeoJSON returns the villages as a FeatureCollection of points with their attributes; the list's
// warning, identifier, filter, count and population are foreign members.
func (v *VillageList) GeoJSON() ([]byte, error) {
	fc := geojson.NewFeatureCollection()
	for _, vil := range v.Villages {
		f := geojson.NewFeature(orb.Point{vil["lon"].(float64), vil["lat"].(float64)})
		for k, x := range vil {
			if k != "lon" && k != "lat" {
				f.Properties[k] = x
			}
		}
		fc.Append(f)
	}
	fc.ExtraMembers = geojson.Properties{"warning": v.Warning, "identifier": v.Identifier, "fibre": v.Fibre,
		"data_version": v.DataVersion, "count": v.Count, "population": v.Population}
	return json.Marshal(fc)
}
