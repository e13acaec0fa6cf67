package archive

import (
	"encoding/json"
	"math"

	"github.com/cpec-digital/indus/tiles"
)

// TileJSON describes archive name; tileURL is the absolute URL template of its tiles.
func (s *Set) TileJSON(name, tileURL string) (*tiles.TileJSON, error) {
	a, err := s.get(name)
	if err != nil {
		return nil, err
	}
	h := a.header
	round := func(v float64) float64 { return math.Round(v*1e7) / 1e7 }
	tj := &tiles.TileJSON{TileJSON: "3.0.0", Name: a.text("name"), Description: a.text("description"), Version: a.text("version"),
		Attribution: a.text("attribution"), Scheme: "xyz", Tiles: []string{tileURL},
		MinZoom: int(h.MinZoom), MaxZoom: int(h.MaxZoom),
		Bounds:       [4]float64{round(h.Bounds[0]), round(h.Bounds[1]), round(h.Bounds[2]), round(h.Bounds[3])},
		Center:       [3]float64{round(h.Center[0]), round(h.Center[1]), float64(h.CenterZoom)},
		VectorLayers: withinZooms(a.meta["vector_layers"], int(h.MinZoom), int(h.MaxZoom)),
	}
	if tj.Name == "" {
		tj.Name = name
	}
	if len(tj.VectorLayers) == 0 {
		tj.VectorLayers = json.RawMessage("[]")
	}
	return tj, nil
}

// withinZooms holds the vector layers of an archive's metadata to its zooms, as TileJSON requires
// (an archive cut at z8 from a layer drawn to z14 has it to z8): each layer's minzoom and maxzoom
// are clamped to lo–hi, and a layer left with no zoom is dropped. Metadata it cannot read is
// passed on as it is.
func withinZooms(raw json.RawMessage, lo, hi int) json.RawMessage {
	var layers []map[string]json.RawMessage
	if json.Unmarshal(raw, &layers) != nil {
		return raw
	}
	out := []map[string]json.RawMessage{}
	for _, l := range layers {
		zlo, zhi := lo, hi
		json.Unmarshal(l["minzoom"], &zlo) // absent or not a number: the archive's
		json.Unmarshal(l["maxzoom"], &zhi)
		zlo, zhi = max(zlo, lo), min(zhi, hi)
		if zlo > zhi {
			continue
		}
		l["minzoom"], _ = json.Marshal(zlo)
		l["maxzoom"], _ = json.Marshal(zhi)
		out = append(out, l)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return raw
	}
	return b
}

// text returns a string field of the metadata, or "".
func (a *archive) text(key string) string {
	var s string
	if json.Unmarshal(a.meta[key], &s) != nil {
		return ""
	}
	return s
}

// Info describes a served archive (for the health page and links).
type Info struct {
	Name     string `json:"name"`
	Location string `json:"location"` // credentials and query strings left out
	Remote   bool   `json:"remote"`
	MinZoom  int    `json:"minzoom"`
	MaxZoom  int    `json:"maxzoom"`
	Tiles    uint64 `json:"tiles"`  // tiles addressed
	Unique   uint64 `json:"unique"` // distinct tile contents
	Bytes    uint64 `json:"bytes"`  // the archive's length
	// Layers are the ids of its vector layers (metadata vector_layers): a caller who may not read
	// one of them, if the catalog restricts it, does not see the archive.
	Layers []string `json:"layers"`
}

// List describes the archives in the order they were given.
func (s *Set) List() []Info {
	out := []Info{}
	if s == nil {
		return out
	}
	for _, a := range s.order {
		h := a.header
		size := max(h.DataOffset+h.DataLength, h.LeafOffset+h.LeafLength, h.MetadataOffset+h.MetadataLength)
		out = append(out, Info{Name: a.spec.Name, Location: redact(a.spec.Location), Remote: remote(a.spec.Location),
			MinZoom: int(h.MinZoom), MaxZoom: int(h.MaxZoom), Tiles: h.Addressed, Unique: h.Contents, Bytes: size, Layers: a.layers()})
	}
	return out
}

// layers lists the ids of the archive's vector layers.
func (a *archive) layers() []string {
	var vl []struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(a.meta["vector_layers"], &vl) // absent or malformed: no layers
	out := []string{}
	for _, l := range vl {
		out = append(out, l.ID)
	}
	return out
}

// Layers lists the vector layer ids of archive name.
func (s *Set) Layers(name string) ([]string, error) {
	a, err := s.get(name)
	if err != nil {
		return nil, err
	}
	return a.layers(), nil
}
