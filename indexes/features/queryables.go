package features

import (
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
)

// Queryables is what a collection's filters may name, as a JSON Schema (OGC API – Features –
// Part 3, Queryables): each field with its JSON type, and the geometry with its format.
// additionalProperties is false: a filter naming anything else is refused.
type Queryables struct {
	Schema               string               `json:"$schema"`
	ID                   string               `json:"$id"`
	Type                 string               `json:"type"`
	Title                string               `json:"title"`
	Properties           map[string]Queryable `json:"properties"`
	AdditionalProperties bool                 `json:"additionalProperties"`
}

// Queryable describes one property: its JSON type (fields) or its geometry format (the
// geometry).
type Queryable struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type,omitempty"`
	Format      string `json:"format,omitempty"`
	// Const is the value every feature has, for a layer constant (JSON Schema's const).
	Const any `json:"const,omitempty"`
}

// geometryFormat is the Part 3 format of a layer shape.
func geometryFormat(s data.Shape) string {
	switch s {
	case data.Points:
		return "geometry-point-or-multipoint"
	case data.Lines:
		return "geometry-linestring-or-multilinestring"
	case data.Polygons:
		return "geometry-polygon-or-multipolygon"
	}
	return "geometry-any"
}

// Queryables describes the queryables of collection id, if who may read it; base is the public
// URL prefix.
func (s *Service) Queryables(id, base string, who *access.Principal) (*Queryables, error) {
	l, err := s.layer(id, who)
	if err != nil {
		return nil, err
	}
	q := &Queryables{Schema: "https://json-schema.org/draft/2020-12/schema", ID: base + "/collections/" + l.Spec.ID + "/queryables",
		Type: "object", Title: l.Spec.Metadata.Title, Properties: map[string]Queryable{
			"geometry": {Title: "geometry", Description: "the feature geometry (also named geom); test it with S_INTERSECTS", Format: geometryFormat(l.Shape())},
		}}
	for _, f := range l.Spec.Fields {
		q.Properties[f.Name] = Queryable{Title: f.Name, Description: f.Description, Type: string(f.Type)}
	}
	for _, c := range l.Spec.Constants() { // a hazard layer's kind, scenario, horizon, return period
		q.Properties[c.Name] = Queryable{Title: c.Name, Description: c.Description, Type: string(c.Type), Const: c.Value.Any()}
	}
	return q, nil
}
