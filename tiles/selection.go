package tiles

import (
	"fmt"
	"hash/maphash"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/data/filter"
	"github.com/cpec-digital/indus/indexes"
)

// selection is what a tile shows, resolved against one dataset: the layers in catalog order, the
// attributes kept and the filter bound to each layer, with the canonical text that names it in
// the cache. Requests that differ only in the order of their lists share one canonical text.
type selection struct {
	set     *indexes.Set
	layers  []*indexes.Layer
	fields  map[string]bool // nil: all
	filters map[string]*filter.Filter
	canon   string // data version|layer ids|fields|filter
	hash    uint64 // of canon
}

// resolve validates the lists of req against set and binds them.
func (s *Service) resolve(set *indexes.Set, req *Request) (*selection, error) {
	if len(req.Layers) == 0 {
		return nil, data.Invalid("no layers", "name one layer id or a comma-separated list")
	}
	if len(req.Layers) > s.cfg.MaxLayers {
		return nil, data.Invalid("too many layers", fmt.Sprintf("at most %d in one tile", s.cfg.MaxLayers))
	}
	want := map[string]bool{}
	for _, id := range req.Layers {
		if _, ok := set.Layer(id); !ok {
			return nil, data.Errorf(data.KindNotFound, "no layer %q", id)
		}
		want[id] = true
	}
	sel := &selection{set: set}
	var ids []string
	for _, l := range set.Layers() { // catalog order, whatever the request's order
		if want[l.Spec.ID] {
			sel.layers = append(sel.layers, l)
			ids = append(ids, l.Spec.ID)
		}
	}
	fields, err := sel.bindFields(req.Fields)
	if err != nil {
		return nil, err
	}
	canon, err := sel.bindFilter(req)
	if err != nil {
		return nil, err
	}
	sel.canon = strings.Join([]string{set.Dataset.Version, strings.Join(ids, ","), strings.Join(fields, ","), canon}, "|")
	sel.hash = maphash.String(s.seed, sel.canon)
	return sel, nil
}

// visible refuses a list naming a layer who may not read as one naming a layer that does not
// exist, before anything else about the request can fail (a bad field or filter would otherwise
// tell a hidden layer from a missing one).
func visible(set *indexes.Set, ids []string, who *access.Principal) error {
	for _, id := range ids {
		if l, ok := set.Layer(id); ok && !l.Spec.Access.Allows(who) {
			return data.Errorf(data.KindNotFound, "no layer %q", id)
		}
	}
	return nil
}

// allows refuses a selection holding a layer who may not read, in the words used for a layer that
// does not exist: the answer says nothing of its existence. Selections are kept per request, not per
// caller, so a kept one is checked again for each caller (each layer's rule, allocating nothing).
func (sel *selection) allows(who *access.Principal) error {
	for _, l := range sel.layers {
		if !l.Spec.Access.Allows(who) {
			return data.Errorf(data.KindNotFound, "no layer %q", l.Spec.ID)
		}
	}
	return nil
}

// bindFields checks that every field asked for exists in one of the layers and returns them
// sorted (nil: all fields).
func (sel *selection) bindFields(names []string) ([]string, error) {
	if names == nil {
		return nil, nil
	}
	var fields []string
	sel.fields = map[string]bool{}
	for _, f := range names {
		found := false
		for _, l := range sel.layers {
			if _, ok := l.Spec.Field(f); ok {
				found = true
			}
		}
		if !found {
			return nil, data.Invalid("unknown field", fmt.Sprintf("no requested layer has a field %q", f))
		}
		if !sel.fields[f] {
			sel.fields[f] = true
			fields = append(fields, f)
		}
	}
	sort.Strings(fields)
	return fields, nil
}

// bindFilter parses the filter and binds it to every layer; it returns its key (its canonical
// form, tagged with its language).
func (sel *selection) bindFilter(req *Request) (string, error) {
	if err := filter.CheckSyntax(req.FilterLang, req.FilterCRS); err != nil {
		return "", err
	}
	if strings.TrimSpace(req.Filter) == "" {
		return "", nil
	}
	f, err := filter.ParseIn(req.FilterLang, req.FilterCRS, req.Filter)
	if err != nil {
		return "", err
	}
	sel.filters = map[string]*filter.Filter{}
	for _, l := range sel.layers {
		b, err := f.Bind(l.Spec)
		if err != nil {
			return "", err
		}
		sel.filters[l.Spec.ID] = b
	}
	return f.Key(), nil
}

// maxSelections bounds the distinct requests whose selection is kept resolved; past it they are
// all dropped and resolved again as they come.
const maxSelections = 4096

// selections keeps the resolved selection of each distinct request (its lists as sent), so that
// a request seen before is resolved by hashing its lists, without allocating.
type selections struct {
	mu  sync.RWMutex
	m   map[uint64]*asked // hash of the lists → the request that had it
	set *indexes.Set      // the dataset they are all resolved against
}

// asked is a request's lists (copies: the caller may reuse its strings) and their selection.
type asked struct {
	layers, fields []string
	filter         [3]string // expression, language, CRS
	sel            *selection
}

// same reports whether req has exactly these lists (a nil field list means all fields, an empty
// one none).
func (a *asked) same(req *Request) bool {
	return slices.Equal(a.layers, req.Layers) && (a.fields == nil) == (req.Fields == nil) &&
		slices.Equal(a.fields, req.Fields) && a.filter == [3]string{req.Filter, req.FilterLang, req.FilterCRS}
}

// hashLists hashes the lists of req as sent (a match is confirmed by comparing them).
func (s *Service) hashLists(req *Request) uint64 {
	var buf [256]byte
	b := buf[:0]
	for _, l := range req.Layers {
		b = append(append(b, l...), 0)
	}
	b = append(b, 1)
	if req.Fields != nil {
		b = append(b, 2)
	}
	for _, f := range req.Fields {
		b = append(append(b, f...), 0)
	}
	b = append(append(b, 1), req.Filter...)
	b = append(append(b, 0), req.FilterLang...)
	b = append(append(b, 0), req.FilterCRS...)
	return maphash.Bytes(s.seed, b)
}

// selection returns the selection of req over set: the one kept for the same lists over the
// same set, else a new one, resolved from copies of the lists and kept. Errors are not kept.
func (s *Service) selection(set *indexes.Set, req *Request) (*selection, error) {
	h := s.hashLists(req)
	s.sels.mu.RLock()
	a := s.sels.m[h]
	s.sels.mu.RUnlock()
	if a != nil && a.sel.set == set && a.same(req) {
		return a.sel, a.sel.allows(req.Who)
	}
	a = &asked{layers: cloneAll(req.Layers), fields: cloneAll(req.Fields),
		filter: [3]string{strings.Clone(req.Filter), strings.Clone(req.FilterLang), strings.Clone(req.FilterCRS)}}
	if err := visible(set, a.layers, req.Who); err != nil {
		return nil, err
	}
	sel, err := s.resolve(set, &Request{Layers: a.layers, Fields: a.fields, Filter: a.filter[0], FilterLang: a.filter[1], FilterCRS: a.filter[2]})
	if err != nil {
		return nil, err
	}
	a.sel = sel
	s.sels.mu.Lock()
	defer s.sels.mu.Unlock()
	if len(s.sels.m) >= maxSelections || s.sels.set != set { // bounded, and never keeping older data alive
		clear(s.sels.m)
		s.sels.set = set
	}
	s.sels.m[h] = a
	return sel, nil
}

// cloneAll copies a list of strings and the strings (nil stays nil).
func cloneAll(list []string) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = strings.Clone(v)
	}
	return out
}
