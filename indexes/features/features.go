// Package features answers the catalog and OGC API – Features questions over the served layers:
// the catalog of the seven themes with every layer's metadata, collections, pages of items
// (bbox, attribute filters, paging) and the layer list that styles are drawn from. It knows
// nothing of HTTP: callers pass the public base URL for links.
package features

import (
	"slices"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
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

// Summary counts the served layers and features who may read.
func (s *Service) Summary(who *access.Principal) Summary {
	set := s.current()
	sum := Summary{Dataset: set.Dataset.Catalog.Name, Version: set.Dataset.Version}
	for _, l := range set.Visible(who) {
		sum.Layers++
		sum.Features += l.Len()
	}
	return sum
}

// StyleEntries describes the served layers who may read, for the styles and the legend.
func (s *Service) StyleEntries(who *access.Principal) []styles.Entry {
	var out []styles.Entry
	for _, l := range s.current().Visible(who) {
		out = append(out, styles.Entry{ID: l.Spec.ID, Theme: l.Spec.Theme, Title: l.Spec.Metadata.Title,
			Geometry: l.GeometryType(), MinZoom: l.Spec.MinZoom, MaxZoom: l.Spec.MaxZoom, Hazard: l.Spec.Hazard})
	}
	return out
}

// layer is the layer id if who may read it; one they may not read is as absent as an unknown one.
func (s *Service) layer(id string, who *access.Principal) (*indexes.Layer, error) {
	l, ok := s.current().LayerFor(id, who)
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

// Restricted returns the layers among ids that are not public and that who may read (all such
// layers when ids is nil), for the audit log of reads of restricted data.
func (s *Service) Restricted(ids []string, who *access.Principal) []string {
	var out []string
	for _, l := range s.current().Visible(who) {
		if !l.Spec.Access.Public() && (ids == nil || slices.Contains(ids, l.Spec.ID)) {
			out = append(out, l.Spec.ID)
		}
	}
	return out
}

// Hides reports whether one of ids names a layer of the catalog that who may not read.
func (s *Service) Hides(ids []string, who *access.Principal) bool {
	set := s.current()
	for _, id := range ids {
		if l, ok := set.Layer(id); ok && !l.Spec.Access.Allows(who) {
			return true
		}
	}
	return false
}
