package analytics

import (
	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// classTable is, for every feature of a point layer, the index of the hazard class it lies in
// (-1: none).
type classTable struct {
	of    []int16
	names []string
}

// pointClasses looks up, once per data version, the class of every point of l in hazard layer h.
func (e *Engine) pointClasses(h, l *indexes.Layer) *classTable {
	e.classes.mu.Lock()
	defer e.classes.mu.Unlock()
	key := [2]*indexes.Layer{h, l}
	if t, ok := e.classes.tables[key]; ok {
		return t
	}
	if e.classes.tables == nil || len(e.classes.tables) > 256 {
		e.classes.tables = map[[2]*indexes.Layer]*classTable{}
	}
	t := &classTable{of: make([]int16, l.Len())}
	index := map[string]int16{}
	field := h.Spec.FieldIndex(h.Spec.Hazard.ClassField)
	for i := range t.of {
		t.of[i] = -1
		p, ok := l.Point(i)
		if !ok {
			continue
		}
		h.Search(orb.Bound{Min: p, Max: p}, func(j int) bool {
			if !geo.Contains(h.Geometry(j), p) {
				return true
			}
			name := h.Value(j, field).String()
			c, ok := index[name]
			if !ok {
				c = int16(len(t.names))
				index[name] = c
				t.names = append(t.names, name)
			}
			t.of[i] = c
			return false
		})
	}
	e.classes.tables[key] = t
	return t
}
