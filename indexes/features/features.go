// Package features answers the catalog and OGC API – Features questions over the served layers:
// the catalog of the seven themes with every layer's metadata, collections, pages of items
// (bbox, attribute filters, paging) and the layer list that styles are drawn from. It knows
// nothing of HTTP: callers pass the public base URL for links.
package features

import (
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
	"github.com/cpec-digital/indus/styles"
)

// Service reads the set that current returns at every call, so a reload is seen at once.
type Service struct{ current func() *indexes.Set }

// New returns a service over the set current returns.
func New(current func() *indexes.Set) *Service { return &Service{current: current} }

// Link is a web link of a document.
type Link struct {
	Rel   string `json:"rel"`
	Href  string `json:"href"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// Summary is what the landing and health documents tell of the served data.
type Summary struct {
	Dataset  string
	Version  string
	Layers   int
	Features int
}

// Summary counts the served layers and features.
func (s *Service) Summary() Summary {
	set := s.current()
	sum := Summary{Dataset: set.Dataset.Catalog.Name, Version: set.Dataset.Version}
	for _, l := range set.Layers() {
		sum.Layers++
		sum.Features += l.Len()
	}
	return sum
}

// StyleEntries describes the served layers for the styles and the legend.
func (s *Service) StyleEntries() []styles.Entry {
	var out []styles.Entry
	for _, l := range s.current().Layers() {
		out = append(out, styles.Entry{ID: l.Spec.ID, Theme: l.Spec.Theme, Title: l.Spec.Metadata.Title,
			Geometry: l.GeometryType(), MinZoom: l.Spec.MinZoom, MaxZoom: l.Spec.MaxZoom})
	}
	return out
}

func (s *Service) layer(id string) (*indexes.Layer, error) {
	l, ok := s.current().Layer(id)
	if !ok {
		return nil, data.Errorf(data.KindNotFound, "no collection %q", id)
	}
	return l, nil
}

func bounds(l *indexes.Layer) []float64 {
	if l.Len() == 0 {
		return nil
	}
	return []float64{l.Bound.Min[0], l.Bound.Min[1], l.Bound.Max[0], l.Bound.Max[1]}
}
