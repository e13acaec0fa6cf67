package indexes

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
)

// Set is the indexed layers of one loaded dataset, plus any live layers.
type Set struct {
	Dataset *data.Dataset
	layers  map[string]*Layer
	order   []*Layer
}

// Build indexes every layer of ds.
func Build(ds *data.Dataset) *Set {
	s := &Set{Dataset: ds, layers: make(map[string]*Layer, len(ds.Layers))}
	for _, l := range ds.Layers {
		ix := NewLayer(l)
		s.layers[l.Spec.ID] = ix
		s.order = append(s.order, ix)
	}
	return s
}

// Layer returns the indexed layer with the given id.
func (s *Set) Layer(id string) (*Layer, bool) {
	l, ok := s.layers[id]
	return l, ok
}

// Layers returns the layers in catalog order (live layers last).
func (s *Set) Layers() []*Layer { return slices.Clone(s.order) }

// Visible returns the layers who may read, in catalog order. A nil who is the anonymous caller.
func (s *Set) Visible(who *access.Principal) []*Layer {
	out := make([]*Layer, 0, len(s.order))
	for _, l := range s.order {
		if l.Spec.Access.Allows(who) {
			out = append(out, l)
		}
	}
	return out
}

// LayerFor returns the layer with the given id when who may read it: a layer they may not read is
// as absent as one that does not exist.
func (s *Set) LayerFor(id string, who *access.Principal) (*Layer, bool) {
	l, ok := s.layers[id]
	if !ok || !l.Spec.Access.Allows(who) {
		return nil, false
	}
	return l, true
}

// with returns a Set that shares every layer of s but holds l in place of the layer with the
// same id (or in addition to them). The dataset version is kept: a live layer (warnings) changes
// without invalidating the cache of every other layer; its own tiles are invalidated by area.
func (s *Set) with(l *Layer) *Set {
	out := &Set{Dataset: s.Dataset, layers: make(map[string]*Layer, len(s.layers)+1)}
	replaced := false
	for _, old := range s.order {
		if old.Spec.ID == l.Spec.ID {
			out.order = append(out.order, l)
			replaced = true
		} else {
			out.order = append(out.order, old)
		}
	}
	if !replaced {
		out.order = append(out.order, l)
	}
	for _, x := range out.order {
		out.layers[x.Spec.ID] = x
	}
	return out
}

// Served owns the set of layers being served: the loaded base layers (replaced by a reload) and
// the live layers (replaced by the services that keep them, such as warnings), combined in one
// place under one lock, so that neither kind of change loses the other. Readers take the current
// set with Load at each request.
type Served struct {
	mu   sync.Mutex
	base *Set
	live []*Layer // in the order they were first set
	cur  atomic.Pointer[Set]
}

// NewServed serves base.
func NewServed(base *Set) *Served {
	s := &Served{base: base}
	s.cur.Store(base)
	return s
}

// Load returns the set being served.
func (s *Served) Load() *Set { return s.cur.Load() }

// SetBase serves a newly loaded dataset, with the live layers kept, and returns the one it
// replaces.
func (s *Served) SetBase(base *Set) (old *Set) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, s.base = s.base, base
	s.publish()
	return old
}

// SetLive serves l as a live layer, in place of the live layer with its id.
func (s *Served) SetLive(l *Layer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.live, func(x *Layer) bool { return x.Spec.ID == l.Spec.ID })
	if i < 0 {
		s.live = append(s.live, l)
	} else {
		s.live[i] = l
	}
	s.publish()
}

func (s *Served) publish() {
	set := s.base
	for _, l := range s.live {
		set = set.with(l)
	}
	s.cur.Store(set)
}
