package features

import (
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/indexes"
)

// Catalog is the catalog document: the seven themes and every layer with its metadata. (Fields
// are in the JSON key order the API has always written.)
type Catalog struct {
	Attribution      string      `json:"attribution"`
	DataVersion      string      `json:"data_version"`
	Description      string      `json:"description"`
	Layers           []LayerInfo `json:"layers"`
	MetadataElements []string    `json:"metadata_elements"`
	Name             string      `json:"name"`
	Themes           []Theme     `json:"themes"`
}

// Theme is one of the seven themes with the ids of its layers.
type Theme struct {
	data.ThemeInfo
	Layers []string `json:"layers"`
}

// LayerInfo describes one layer: zooms, feature count, bounds, fields, hazard tag and the 18
// metadata elements.
type LayerInfo struct {
	ID       string        `json:"id"`
	Theme    data.Theme    `json:"theme"`
	MinZoom  int           `json:"minzoom"`
	MaxZoom  int           `json:"maxzoom"`
	Features int           `json:"features"`
	Bounds   []float64     `json:"bounds,omitempty"`
	Fields   []data.Field  `json:"fields"`
	Hazard   *data.Hazard  `json:"hazard,omitempty"`
	Metadata data.Metadata `json:"metadata"`
	Links    []Link        `json:"links"`
	Geometry string        `json:"geometry_type"`
	Access   *access.Rule  `json:"access,omitempty"` // nil: public
}

// Catalog assembles the catalog document of the layers who may read; base is the public URL prefix
// of links.
func (s *Service) Catalog(base string, who *access.Principal) *Catalog {
	set := s.current()
	layers := set.Visible(who)
	cat := set.Dataset.Catalog
	out := &Catalog{Name: cat.Name, Description: cat.Description, Attribution: cat.Attribution,
		DataVersion: set.Dataset.Version, MetadataElements: data.MetadataElements(), Layers: []LayerInfo{}}
	for _, t := range data.Themes() {
		th := Theme{ThemeInfo: t, Layers: []string{}}
		for _, l := range layers {
			if l.Spec.Theme == t.ID {
				th.Layers = append(th.Layers, l.Spec.ID)
			}
		}
		out.Themes = append(out.Themes, th)
	}
	for _, l := range layers {
		out.Layers = append(out.Layers, layerInfo(l, base))
	}
	return out
}

func layerInfo(l *indexes.Layer, base string) LayerInfo {
	return LayerInfo{ID: l.Spec.ID, Theme: l.Spec.Theme, MinZoom: l.Spec.MinZoom, MaxZoom: l.Spec.MaxZoom,
		Features: l.Len(), Bounds: bounds(l), Fields: l.Spec.Fields, Hazard: l.Spec.Hazard, Metadata: l.Spec.Metadata,
		Geometry: l.GeometryType(), Access: rule(l.Spec.Access),
		Links: []Link{
			{Rel: "items", Href: base + "/collections/" + l.Spec.ID + "/items", Type: "application/geo+json", Title: "features"},
		}}
}

// Collections is the OGC API – Features collections document.
type Collections struct {
	Collections []Collection `json:"collections"`
	Links       []Link       `json:"links"`
}

// Collection describes one collection. (Fields are in the JSON key order the API has always
// written.)
type Collection struct {
	CRS         []string     `json:"crs"`
	Description string       `json:"description"`
	Extent      *Extent      `json:"extent,omitempty"`
	Hazard      *data.Hazard `json:"hazard,omitempty"` // what a hazard layer maps (kind, classes, frequency, scenario)
	ID          string       `json:"id"`
	ItemType    string       `json:"itemType"`
	Links       []Link       `json:"links"`
	Theme       data.Theme   `json:"theme"`
	Title       string       `json:"title"`
}

// Extent is a collection's spatial extent, in CRS84.
type Extent struct {
	Spatial struct {
		BBox [][]float64 `json:"bbox"`
		CRS  string      `json:"crs"`
	} `json:"spatial"`
}

// rule is a layer's access rule for documents: nil when public.
func rule(r access.Rule) *access.Rule {
	if r.Public() {
		return nil
	}
	return &r
}

// Collections lists every collection who may read.
func (s *Service) Collections(base string, who *access.Principal) *Collections {
	cols := []Collection{}
	for _, l := range s.current().Visible(who) {
		cols = append(cols, collection(l, base))
	}
	return &Collections{Collections: cols, Links: []Link{{Rel: "self", Href: base + "/collections", Type: "application/json", Title: "the collections"}}}
}

// Collection describes the collection id.
func (s *Service) Collection(id, base string, who *access.Principal) (*Collection, error) {
	l, err := s.layer(id, who)
	if err != nil {
		return nil, err
	}
	c := collection(l, base)
	return &c, nil
}

func collection(l *indexes.Layer, base string) Collection {
	self := base + "/collections/" + l.Spec.ID
	c := Collection{ID: l.Spec.ID, Title: l.Spec.Metadata.Title, Description: l.Spec.Metadata.Abstract,
		Theme: l.Spec.Theme, ItemType: "feature", CRS: []string{CRS84}, Hazard: l.Spec.Hazard,
		Links: []Link{
			{Rel: "self", Href: self, Type: "application/json", Title: "this collection"},
			{Rel: "items", Href: self + "/items", Type: geoJSON, Title: "its features"},
			{Rel: "http://www.opengis.net/def/rel/ogc/1.0/queryables", Href: self + "/queryables", Type: "application/schema+json", Title: "what its filters may name"},
			{Rel: "describedby", Href: base + "/catalog", Type: "application/json", Title: "layer catalog with metadata"},
		}}
	if b := bounds(l); b != nil {
		c.Extent = &Extent{}
		c.Extent.Spatial.BBox = [][]float64{b}
		c.Extent.Spatial.CRS = CRS84
	}
	return c
}
