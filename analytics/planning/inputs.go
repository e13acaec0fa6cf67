package planning

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/analytics/fibre"
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// inputs are the planner's input on one data version: every village with its flood zone, and
// the backbone lines.
type inputs struct {
	data     *data.Dataset
	set      *indexes.Set
	layer    *indexes.Layer   // the village layer
	villages []fibre.Village  // in layer order, point features only
	at       []int32          // layer index → position in villages, −1 for a feature that is not a point
	backbone []orb.LineString // nil when the catalog has no backbone layer
}

// inputs returns the inputs of set's data version, built once per version.
func (p *Planner) inputs(set *indexes.Set) (*inputs, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.in != nil && p.in.data == set.Dataset {
		in := *p.in
		in.set = set // the same data; the live layers may have changed
		return &in, nil
	}
	in, err := p.build(set)
	if err != nil {
		return nil, err
	}
	p.in = in
	return in, nil
}

// build reads the villages, classifies them by flood zone and collects the backbone lines.
func (p *Planner) build(set *indexes.Set) (*inputs, error) {
	l, ok := set.Layer(p.cfg.VillageLayer)
	if !ok {
		return nil, data.Errorf(data.KindNotFound, "no village layer %q", p.cfg.VillageLayer)
	}
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
	in := &inputs{data: set.Dataset, set: set, layer: l, at: make([]int32, l.Len())}
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
	p.floodZones(set, in.villages)
	if b, ok := set.Layer(p.cfg.BackboneLayer); ok {
		in.backbone = lines(b)
	}
	return in, nil
}

// floodZones sets each village's flood return period and class: those of the first hazard layer
// of the configured kind and the historical scenario, by increasing return period, whose zone
// contains it.
func (p *Planner) floodZones(set *indexes.Set, vs []fibre.Village) {
	var hazards []*indexes.Layer
	for _, l := range set.Layers() {
		if h := l.Spec.Hazard; h != nil && h.Kind == p.cfg.HazardType && h.Historical() && h.ReturnPeriod() > 0 && l.Shape() == data.Polygons {
			hazards = append(hazards, l)
		}
	}
	slices.SortStableFunc(hazards, func(a, b *indexes.Layer) int {
		return cmp.Compare(a.Spec.Hazard.ReturnPeriod(), b.Spec.Hazard.ReturnPeriod())
	})
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
func (in *inputs) inUnit(ref *AdminRef) ([]fibre.Village, error) {
	al, ok := in.set.Layer(ref.Layer)
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
