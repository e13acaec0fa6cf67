package data

// LayerConstant is a property every feature of a layer shares without storing it: a hazard layer's
// kind, scenario, horizon and return period. Collections list them as queryables and filters
// name them like fields (a filter scenario = 'ssp585' keeps every feature of an ssp585 layer and
// none of a historical one); a field of the layer with the same name hides the constant.
type LayerConstant struct {
	Field
	Value Value
}

// Constants lists the layer constants of l (none for a layer that is not a hazard layer).
func (l *LayerSpec) Constants() []LayerConstant {
	h := l.Hazard
	if h == nil {
		return nil
	}
	scenario, horizon := h.Climate()
	all := []LayerConstant{
		{Field{Name: "hazard_kind", Type: FieldString, Description: "the hazard kind the layer maps (" + h.Kind + "), the same for every feature"}, ValueOf(h.Kind)},
		{Field{Name: "scenario", Type: FieldString, Description: "the climate scenario of the layer (" + scenario + "), the same for every feature"}, ValueOf(scenario)},
		{Field{Name: "horizon", Type: FieldInteger, Description: "the year the layer stands for, the same for every feature"}, ValueOf(int64(horizon))},
	}
	if rp := h.ReturnPeriod(); rp > 0 {
		all = append(all, LayerConstant{Field{Name: "return_period", Type: FieldNumber, Description: "the return period of the mapped event in years, the same for every feature"}, ValueOf(rp)})
	}
	var out []LayerConstant
	for _, c := range all {
		if l.FieldIndex(c.Name) < 0 {
			out = append(out, c)
		}
	}
	return out
}

// Constant returns the layer constant named name, if l has one.
func (l *LayerSpec) Constant(name string) (LayerConstant, bool) {
	for _, c := range l.Constants() {
		if c.Name == name {
			return c, true
		}
	}
	return LayerConstant{}, false
}

// Property returns the field named name of l, or else its layer constant of that name: what a
// filter may name.
func (l *LayerSpec) Property(name string) (Field, bool) {
	if f, ok := l.Field(name); ok {
		return f, true
	}
	c, ok := l.Constant(name)
	return c.Field, ok
}
