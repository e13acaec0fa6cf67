package planning

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/analytics/fibre"
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// inputs are the planner's input on one data version for the flood layers a caller may read:
// every village with its flood zone, and the backbone lines.
type inputs struct {
	data     *data.Dataset
	set      *indexes.Set
	layer    *indexes.Layer   // the village layer
	villages []fibre.Village  // in layer order, point features only
	at       []int32          // layer index → position in villages, −1 for a feature that is not a point
	backbone []orb.LineString // nil when the catalog has no backbone layer
	layers   []string         // the village layer and the flood layers read
}

// maxViews bounds the inputs kept per data version (one per set of flood layers callers may read).
const maxViews = 16

// inputs returns the inputs of set's data version for the flood layers who may read, built once
// per version and set of flood layers. A village layer who may not read is as absent as a missing one.
func (p *Planner) inputs(set *indexes.Set, who *access.Principal) (*inputs, error) {
	l, ok := set.LayerFor(p.cfg.VillageLayer, who)
	if !ok {
		return nil, data.Errorf(data.KindNotFound, "no village layer %q", p.cfg.VillageLayer)
	}
	hazards := p.floodLayers(set, who)
	key := ""
	for _, h := range hazards {
		key += h.Spec.ID + ","
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.data != set.Dataset || len(p.in) >= maxViews {
		p.data, p.in = set.Dataset, map[string]*inputs{}
	}
	if in, ok := p.in[key]; ok {
		cp := *in
		cp.set = set // the same data; the live layers may have changed
		return &cp, nil
	}
	in, err := p.build(set, l, hazards)
	if err != nil {
		return nil, err
	}
	p.in[key] = in
	return in, nil
}

// build reads the villages of l, classifies them by the flood zones of hazards and collects the
// backbone lines.
func (p *Planner) build(set *indexes.Set, l *indexes.Layer, hazards []*indexes.Layer) (*inputs, error) {
	field := func(name string, t data.FieldType) (int, error) {
		k := l.Spec.FieldIndex(name)
		if k >= 0 && l.Spec.Fields[k].Type != t {
			return -1, fmt.Errorf("planning: %s.%s is a %s, not a %s", l.Spec.ID, name, l.Spec.Fields[k].Type, t)
		}
		return k, nil
	}
	id, err1 := field(p.cfg.IDField, data.FieldInteger)
	pop, err2 := field(p.cfg.PopulationField, data.FieldInteger)
	fib, err3 := field(p.cfg.FibreField, data.FieldBoolean)
	if err := cmp.Or(err1, err2, err3); err != nil {
		return nil, err
	}
	in := &inputs{data: set.Dataset, set: set, layer: l, at: make([]int32, l.Len()), layers: []string{l.Spec.ID}}
	for i := range l.Len() {
		pt, ok := l.Point(i)
		if !ok {
			in.at[i] = -1
			continue
		}
		v := fibre.Village{ID: int64(l.ID(i)), Point: pt}
		if id >= 0 {
			v.ID = l.Value(i, id).Int
		}
		if pop >= 0 {
			v.Population = max(0, l.Value(i, pop).Int)
		}
		v.Connected = fib >= 0 && l.Value(i, fib).Bool
		in.at[i] = int32(len(in.villages))
		in.villages = append(in.villages, v)
	}
	floodZones(hazards, in.villages)
	for _, h := range hazards {
		in.layers = append(in.layers, h.Spec.ID)
	}
	if b, ok := set.Layer(p.cfg.BackboneLayer); ok {
		in.backbone = lines(b)
	}
	return in, nil
}

// floodLayers are the hazard layers of the configured kind and the historical scenario that who
// may read, by increasing return period.
func (p *Planner) floodLayers(set *indexes.Set, who *access.Principal) []*indexes.Layer {
	var hazards []*indexes.Layer
	for _, l := range set.Visible(who) {
		if h := l.Spec.Hazard; h != nil && h.Kind == p.cfg.HazardType && h.Historical() && h.ReturnPeriod() > 0 && l.Shape() == data.Polygons {
			hazards = append(hazards, l)
		}
	}
	slices.SortStableFunc(hazards, func(a, b *indexes.Layer) int {
		return cmp.Compare(a.Spec.Hazard.ReturnPeriod(), b.Spec.Hazard.ReturnPeriod())
	})
	return hazards
}

// floodZones sets each village's flood return period and class: those of the first of hazards
// (by increasing return period) whose zone contains it.
func floodZones(hazards []*indexes.Layer, vs []fibre.Village) {
	for _, h := range hazards {
		class := h.Spec.FieldIndex(h.Spec.Hazard.ClassField)
		prepared := map[int]*geo.Prepared{}
		for k := range vs {
			v := &vs[k]
			if v.FloodRP != 0 {
				continue
			}
			h.Search(orb.Bound{Min: v.Point, Max: v.Point}, func(i int) bool {
				pp := prepared[i]
				if pp == nil {
					pp = geo.Prepare(geo.Polygons(h.Geometry(i)))
					prepared[i] = pp
				}
				if !pp.Contains(v.Point) {
					return true
				}
				v.FloodRP = int(math.Round(h.Spec.Hazard.ReturnPeriod()))
				if class >= 0 {
					v.FloodClass = h.Value(i, class).String()
				}
				return false
			})
		}
	}
}

// lines returns every line (part) of a layer, in feature order.
func lines(l *indexes.Layer) []orb.LineString {
	out := []orb.LineString{}
	for i := range l.Len() {
		for _, ls := range geo.Lines(l.Geometry(i)) {
			if len(ls) >= 2 {
				out = append(out, ls)
			}
		}
	}
	return out
}

// inUnit returns the villages inside an admin unit: every feature of the layer whose key is id.
// A layer who may not read is as absent as an unknown one.
func (in *inputs) inUnit(ref *AdminRef, who *access.Principal) ([]fibre.Village, error) {
	al, ok := in.set.LayerFor(ref.Layer, who)
	if !ok {
		return nil, data.Errorf(data.KindNotFound, "admin.layer: no layer %q", ref.Layer)
	}
	key := al.Spec.FieldIndex(al.Spec.KeyField)
	if key < 0 {
		return nil, data.Invalid("admin.layer: not an admin layer", fmt.Sprintf("%q has no key field", ref.Layer))
	}
	var out []fibre.Village
	found := false
	for j := range al.Len() {
		if al.Value(j, key).String() != ref.ID {
			continue
		}
		found = true
		mp := geo.Polygons(al.Geometry(j))
		if len(mp) == 0 {
			continue
		}
		prep := geo.Prepare(mp)
		for _, i := range in.layer.Indexes(prep.Bound()) {
			if k := in.at[i]; k >= 0 && prep.Contains(in.villages[k].Point) {
				out = append(out, in.villages[k])
			}
		}
	}
	if !found {
		return nil, data.Errorf(data.KindNotFound, "admin.id: no unit %q in %s", ref.ID, ref.Layer)
	}
	return out, nil
}
