package tiles

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
)

// TileJSON is a TileJSON 3.0.0 document: of a set of served layers (Service.TileJSON) or of a
// PMTiles archive (tiles/archive). The optional texts are left out when empty. VectorLayers is
// JSON because an archive's are passed on as its metadata has them (with any other keys); the
// served layers' are VectorLayer values.
type TileJSON struct {
	TileJSON     string          `json:"tilejson"`
	Name         string          `json:"name"`
	Description  string          `json:"description,omitempty"`
	Version      string          `json:"version,omitempty"`
	Attribution  string          `json:"attribution,omitempty"`
	Scheme       string          `json:"scheme"`
	Tiles        []string        `json:"tiles"`
	MinZoom      int             `json:"minzoom"`
	MaxZoom      int             `json:"maxzoom"`
	Bounds       [4]float64      `json:"bounds"`
	Center       [3]float64      `json:"center"`
	VectorLayers json.RawMessage `json:"vector_layers"`
}

// VectorLayer describes one MVT layer of a tileset.
type VectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"` // name → "Type: description"
}

var fieldTypeNames = map[data.FieldType]string{
	data.FieldString: "String", data.FieldInteger: "Number", data.FieldNumber: "Number", data.FieldBoolean: "Boolean",
}

// TileJSON describes the tileset of layers; tileURL is the absolute URL template of its tiles
// (with {z}/{x}/{y}).
func (s *Service) TileJSON(layers []string, tileURL string, who *access.Principal) (*TileJSON, error) {
	set := s.current()
	if err := visible(set, layers, who); err != nil {
		return nil, err
	}
	sel, err := s.resolve(set, &Request{Layers: layers})
	if err != nil {
		return nil, err
	}
	tj := &TileJSON{TileJSON: "3.0.0", Scheme: "xyz", Tiles: []string{tileURL}, Version: "1.0.0",
		MinZoom: data.MaxZoom, Attribution: sel.set.Dataset.Catalog.Attribution}
	var names, attributions []string
	vls := []VectorLayer{}
	west, south, east, north := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, l := range sel.layers {
		vl := VectorLayer{ID: l.Spec.ID, Description: l.Spec.Metadata.Title, MinZoom: l.Spec.MinZoom, MaxZoom: l.Spec.MaxZoom,
			Fields: map[string]string{}}
		for _, f := range l.Spec.Fields {
			vl.Fields[f.Name] = fieldTypeNames[f.Type] + ": " + f.Description
		}
		vls = append(vls, vl)
		tj.MinZoom = min(tj.MinZoom, l.Spec.MinZoom)
		tj.MaxZoom = max(tj.MaxZoom, l.Spec.MaxZoom)
		names = append(names, l.Spec.ID)
		if a := l.Spec.Metadata.Attribution; a != "" && !contains(attributions, a) {
			attributions = append(attributions, a)
		}
		if l.Len() > 0 {
			west, south = math.Min(west, l.Bound.Min[0]), math.Min(south, l.Bound.Min[1])
			east, north = math.Max(east, l.Bound.Max[0]), math.Max(north, l.Bound.Max[1])
		}
	}
	if tj.Attribution == "" {
		tj.Attribution = strings.Join(attributions, "; ")
	}
	if math.IsInf(west, 0) {
		west, south, east, north = -180, -85.0511, 180, 85.0511
	}
	west, east = math.Max(west, -180), math.Min(east, 180)
	south, north = math.Max(south, -85.0511), math.Min(north, 85.0511)
	round := func(v float64) float64 { return math.Round(v*1e5) / 1e5 }
	tj.Bounds = [4]float64{round(west), round(south), round(east), round(north)}
	tj.Center = [3]float64{round((west + east) / 2), round((south + north) / 2), float64(max(tj.MinZoom, min(5, tj.MaxZoom)))}
	if tj.VectorLayers, err = marshal(vls); err != nil {
		return nil, err
	}
	tj.Name = "Indus: " + strings.Join(names, ", ")
	tj.Description = fmt.Sprintf("%s — %d layer(s)", sel.set.Dataset.Catalog.Name, len(names))
	return tj, nil
}

// marshal is v's JSON without Go's HTML escaping, as the server writes every document.
func marshal(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
