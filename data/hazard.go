package data

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The climate scenario of present-day hazard maps, and the year it stands for when a catalog does
// not say: 2020, the end of the WMO 1991–2020 normal period that present-day maps are drawn from.
const (
	ScenarioHistorical = "historical"
	HistoricalHorizon  = 2020
)

// Hazard is everything the engine and the map need to know of a hazard layer: the kind of hazard,
// what its classes measure, the attribute holding the class, the ordered classes, how often the
// mapped event happens (none: a susceptibility or zoning map, or an annual climatology) and the
// climate it stands for. Every risk answer, the planner, the warnings, the styles and the legend
// read hazards only from here, so a new kind of hazard needs only a catalog entry.
type Hazard struct {
	// Kind is flood, glof, landslide, storm_surge, heat, drought, earthquake, or any other word
	// matching the id pattern.
	Kind       string        `yaml:"kind" json:"kind"`
	Intensity  Intensity     `yaml:"intensity" json:"intensity"`
	ClassField string        `yaml:"class_field" json:"class_field"` // the attribute holding the class id
	Classes    []HazardClass `yaml:"classes" json:"classes"`         // from the least to the most intense
	// Frequency is nil for maps without a probability: susceptibility and zoning maps, climatologies.
	Frequency *Frequency `yaml:"frequency,omitempty" json:"frequency,omitempty"`
	Scenario  string     `yaml:"scenario" json:"scenario"` // historical, ssp245, ssp585, ...
	Horizon   int        `yaml:"horizon" json:"horizon"`   // the year the map stands for
	// where the block and its elements were written (zero for a hazard built in Go), and the first
	// problem found while reading it, reported by Validate with the layer's name
	line    int
	lines   map[string]int
	readErr *hazardProblem
}

// Intensity says what a hazard's classes measure, e.g. {depth, m} or {hot days, days/year}. The
// measure is a short noun: labels read "<measure> >= <min> <unit>".
type Intensity struct {
	Measure string `yaml:"measure" json:"measure"`
	Unit    string `yaml:"unit" json:"unit"`
}

// HazardClass is one band of intensity, (Min, Max]. Damaging classes are the ones counted as
// damaging in risk answers (ThinkHazard!'s damaging threshold, e.g. water deeper than 0.5 m).
type HazardClass struct {
	ID       string  `yaml:"id" json:"id"`
	Label    string  `yaml:"label" json:"label"`
	Min      float64 `yaml:"min" json:"min"` // exclusive
	Max      float64 `yaml:"max" json:"max"` // inclusive
	Colour   string  `yaml:"colour" json:"colour"`
	Damaging bool    `yaml:"damaging" json:"damaging"`
}

// Frequency is how often the mapped event is reached or exceeded: a return period in years or an
// annual probability, exactly one of them.
type Frequency struct {
	ReturnPeriod      float64 `yaml:"return_period,omitempty" json:"return_period,omitempty"`
	AnnualProbability float64 `yaml:"annual_probability,omitempty" json:"annual_probability,omitempty"`
}

// AnnualProbability is the annual exceedance probability of the mapped event, 0 without frequency.
func (h *Hazard) AnnualProbability() float64 {
	switch f := h.Frequency; {
	case f == nil:
		return 0
	case f.AnnualProbability > 0:
		return f.AnnualProbability
	}
	return 1 / h.Frequency.ReturnPeriod
}

// ReturnPeriod is the return period of the mapped event in years, 0 without frequency.
func (h *Hazard) ReturnPeriod() float64 {
	switch f := h.Frequency; {
	case f == nil:
		return 0
	case f.ReturnPeriod > 0:
		return f.ReturnPeriod
	}
	return 1 / h.Frequency.AnnualProbability
}

// Historical says whether the layer maps the present-day climate (a hazard built in Go without a
// scenario does too).
func (h *Hazard) Historical() bool { return h.Scenario == ScenarioHistorical || h.Scenario == "" }

// Climate is the scenario and horizon of the layer, with the defaults a catalog may leave out.
func (h *Hazard) Climate() (scenario string, horizon int) {
	scenario, horizon = h.Scenario, h.Horizon
	if scenario == "" {
		scenario = ScenarioHistorical
	}
	if horizon == 0 && scenario == ScenarioHistorical {
		horizon = HistoricalHorizon
	}
	return scenario, horizon
}

// ClassIDs lists the class ids in order, from the least to the most intense.
func (h *Hazard) ClassIDs() []string {
	out := make([]string, len(h.Classes))
	for i, c := range h.Classes {
		out[i] = c.ID
	}
	return out
}

// Damaging says whether class id is a damaging class.
func (h *Hazard) Damaging(id string) bool {
	i := slices.IndexFunc(h.Classes, func(c HazardClass) bool { return c.ID == id })
	return i >= 0 && h.Classes[i].Damaging
}

// DamagingLabel names the damaging classes: "<measure> >= <min> <unit>" when they are the most
// intense classes, else their ids.
func (h *Hazard) DamagingLabel() string {
	first := slices.IndexFunc(h.Classes, func(c HazardClass) bool { return c.Damaging })
	if first < 0 {
		return "no damaging class"
	}
	var ids []string
	top := true
	for _, c := range h.Classes[first:] {
		top = top && c.Damaging
		if c.Damaging {
			ids = append(ids, c.ID)
		}
	}
	if !top {
		return "classes " + strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s >= %g %s", h.Intensity.Measure, h.Classes[first].Min, h.Intensity.Unit)
}

// RasterClasses are the classes a raster source of the layer is polygonized into.
func (h *Hazard) RasterClasses() []Class {
	out := make([]Class, len(h.Classes))
	for i, c := range h.Classes {
		out[i] = Class{Name: c.ID, Min: c.Min, Max: c.Max}
	}
	return out
}

// key identifies what a hazard layer maps: two layers may not claim the same.
func (h *Hazard) key() string {
	freq := "no frequency"
	if p := h.AnnualProbability(); p > 0 {
		freq = "return period " + strconv.FormatFloat(1/p, 'g', 6, 64)
	}
	return fmt.Sprintf("kind %s, %s, scenario %s, horizon %d", h.Kind, freq, h.Scenario, h.Horizon)
}

// hazardProblem is a wrong element of a hazard block and the line it was written on (0: unknown).
type hazardProblem struct {
	line            int
	element, reason string
}

var colourPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// oldForm explains how to rewrite a hazard block of the form catalogs used before hazard kinds.
const oldForm = `uses the old form {type, return_period, class_field}; write it as
    hazard:
      kind: %s
      intensity: {measure: depth, unit: m}
      class_field: %s
      classes:
        - {id: low, label: "Flood 0.1–0.5 m", min: 0.1, max: 0.5, colour: "#c6dbef", damaging: false}
        - {id: medium, label: "Flood 0.5–1.5 m", min: 0.5, max: 1.5, colour: "#6baed6", damaging: true}
        - {id: high, label: "Flood > 1.5 m", min: 1.5, max: 1000, colour: "#08519c", damaging: true}
      frequency: {return_period: %s}
      scenario: historical
      horizon: 2020
  (classes, from the least to the most intense, replace source.raster.classes, which may then be omitted)`

// UnmarshalYAML reads a hazard block, keeping the line of every element (the block's own line is
// that of its first key); what is wrong is kept for Validate, which names the layer.
func (h *Hazard) UnmarshalYAML(n *yaml.Node) error {
	*h = Hazard{line: n.Line, lines: map[string]int{}}
	h.readErr = h.read(n)
	return nil
}

func (h *Hazard) read(n *yaml.Node) *hazardProblem {
	fields, p := mapping(n, "hazard")
	if p != nil {
		return p
	}
	if slices.ContainsFunc(fields, func(p pair) bool { return p.key == "type" || p.key == "return_period" }) {
		return h.oldForm(fields)
	}
	return h.readFields(fields, "hazard", "kind, intensity, class_field, classes, frequency, scenario, horizon", map[string]reader{
		"kind": into(&h.Kind), "class_field": into(&h.ClassField), "scenario": into(&h.Scenario), "horizon": into(&h.Horizon),
		"intensity": func(v *yaml.Node, el string) *hazardProblem {
			return h.readMapping(v, el, "measure, unit", map[string]reader{"measure": into(&h.Intensity.Measure), "unit": into(&h.Intensity.Unit)})
		},
		"frequency": func(v *yaml.Node, el string) *hazardProblem {
			h.Frequency = &Frequency{}
			return h.readMapping(v, el, "return_period or annual_probability", map[string]reader{
				"return_period": into(&h.Frequency.ReturnPeriod), "annual_probability": into(&h.Frequency.AnnualProbability)})
		},
		"classes": h.readClasses,
	})
}

// reader reads the value of one key of a hazard block (element names it in errors).
type reader func(v *yaml.Node, element string) *hazardProblem

// into reads a single value into ptr.
func into(ptr any) reader {
	return func(v *yaml.Node, element string) *hazardProblem { return scalar(v, element, ptr) }
}

// readMapping reads a mapping node whose keys must be among readers (want lists them for errors).
func (h *Hazard) readMapping(n *yaml.Node, element, want string, readers map[string]reader) *hazardProblem {
	fields, p := mapping(n, element)
	if p != nil {
		return p
	}
	return h.readFields(fields, element, want, readers)
}

// readFields reads each key of a mapping with its reader, keeping the line it is on.
func (h *Hazard) readFields(fields []pair, element, want string, readers map[string]reader) *hazardProblem {
	for _, f := range fields {
		el := element + "." + f.key
		read, ok := readers[f.key]
		if !ok {
			return &hazardProblem{f.line, el, "is not a known key (want " + want + ")"}
		}
		h.lines[el] = f.line
		if p := read(f.val, el); p != nil {
			return p
		}
	}
	return nil
}

func (h *Hazard) oldForm(fields []pair) *hazardProblem {
	str := func(k, def string) string {
		for _, f := range fields {
			if f.key == k && f.val.Kind == yaml.ScalarNode {
				return f.val.Value
			}
		}
		return def
	}
	return &hazardProblem{h.line, "hazard", fmt.Sprintf(oldForm, str("type", "flood"), str("class_field", "depth_class"), str("return_period", "100"))}
}

func (h *Hazard) readClasses(n *yaml.Node, element string) *hazardProblem {
	if n.Kind != yaml.SequenceNode {
		return &hazardProblem{n.Line, element, "must be a list of {id, label, min, max, colour, damaging}"}
	}
	for i, cn := range n.Content {
		el := fmt.Sprintf("%s[%d]", element, i+1)
		var c HazardClass
		if p := h.readMapping(cn, el, "id, label, min, max, colour, damaging", map[string]reader{
			"id": into(&c.ID), "label": into(&c.Label), "min": into(&c.Min), "max": into(&c.Max),
			"colour": into(&c.Colour), "damaging": into(&c.Damaging)}); p != nil {
			return p
		}
		h.lines[el] = cn.Line
		h.Classes = append(h.Classes, c)
	}
	return nil
}

// pair is one key of a YAML mapping, the line it is on and its value.
type pair struct {
	key  string
	line int
	val  *yaml.Node
}

// mapping returns the keys of a YAML mapping node and their values in order, or what is wrong
// with it.
func mapping(n *yaml.Node, element string) ([]pair, *hazardProblem) {
	if n.Kind != yaml.MappingNode {
		return nil, &hazardProblem{n.Line, element, "must be a mapping"}
	}
	var out []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if slices.ContainsFunc(out, func(p pair) bool { return p.key == k.Value }) {
			return nil, &hazardProblem{k.Line, element + "." + k.Value, "is given twice"}
		}
		out = append(out, pair{k.Value, k.Line, n.Content[i+1]})
	}
	return out, nil
}

func scalar(n *yaml.Node, element string, v any) *hazardProblem {
	if n.Kind != yaml.ScalarNode {
		return &hazardProblem{n.Line, element, "must be a single value"}
	}
	if err := n.Decode(v); err != nil {
		return &hazardProblem{n.Line, element, fmt.Sprintf("%q is not %s", n.Value, kindOf(v))}
	}
	return nil
}

func kindOf(v any) string {
	switch v.(type) {
	case *int:
		return "a whole number"
	case *float64:
		return "a number"
	case *bool:
		return "true or false"
	}
	return "text"
}

// defaults fills the scenario and horizon a catalog may leave out.
func (h *Hazard) defaults() { h.Scenario, h.Horizon = h.Climate() }

// at is a problem with element at the line it was written on.
func (h *Hazard) at(element, reason string) *hazardProblem {
	line, ok := h.lines[element]
	if !ok {
		line = h.line
	}
	return &hazardProblem{line, element, reason}
}

// check returns the first thing wrong with a hazard block of a layer with the given fields.
func (h *Hazard) check(fields map[string]bool) *hazardProblem {
	if h.readErr != nil {
		return h.readErr
	}
	h.defaults()
	switch {
	case !idPattern.MatchString(h.Kind):
		return h.at("hazard.kind", fmt.Sprintf("%q must match %s (flood, glof, landslide, storm_surge, heat, drought, earthquake, ...)", h.Kind, idPattern))
	case strings.TrimSpace(h.Intensity.Measure) == "" || strings.TrimSpace(h.Intensity.Unit) == "":
		return h.at("hazard.intensity", "needs a measure and a unit, e.g. {measure: depth, unit: m}")
	case !fields[h.ClassField]:
		return h.at("hazard.class_field", fmt.Sprintf("%q must name one of the layer's fields", h.ClassField))
	case !idPattern.MatchString(h.Scenario):
		return h.at("hazard.scenario", fmt.Sprintf("%q must match %s (historical, ssp245, ssp585, ...)", h.Scenario, idPattern))
	case h.Horizon < 1800 || h.Horizon > 2300:
		return h.at("hazard.horizon", fmt.Sprintf("%d must be a year from 1800 to 2300 (a scenario other than historical needs one)", h.Horizon))
	}
	if p := h.checkFrequency(); p != nil {
		return p
	}
	return h.checkClasses()
}

func (h *Hazard) checkFrequency() *hazardProblem {
	f := h.Frequency
	switch {
	case f == nil:
		return nil
	case f.ReturnPeriod != 0 && f.AnnualProbability != 0:
		return h.at("hazard.frequency", "gives both return_period and annual_probability; give one")
	case f.ReturnPeriod == 0 && f.AnnualProbability == 0:
		return h.at("hazard.frequency", "needs return_period or annual_probability; leave frequency out for a susceptibility or zoning map")
	case f.AnnualProbability != 0 && !(f.AnnualProbability > 0 && f.AnnualProbability < 1):
		return h.at("hazard.frequency", fmt.Sprintf("annual_probability %g must be more than 0 and less than 1", f.AnnualProbability))
	case f.ReturnPeriod != 0 && !(f.ReturnPeriod >= 1 && !math.IsInf(f.ReturnPeriod, 0)):
		return h.at("hazard.frequency", fmt.Sprintf("return_period %g must be 1 year or more", f.ReturnPeriod))
	}
	return nil
}

func (h *Hazard) checkClasses() *hazardProblem {
	if len(h.Classes) == 0 || len(h.Classes) > 250 {
		return h.at("hazard.classes", "must list 1 to 250 classes, from the least to the most intense")
	}
	ids := map[string]bool{}
	for i, c := range h.Classes {
		el := fmt.Sprintf("hazard.classes[%d]", i+1)
		switch {
		case strings.TrimSpace(c.ID) == "" || strings.TrimSpace(c.Label) == "":
			return h.at(el, "needs an id and a label")
		case ids[c.ID]:
			return h.at(el, fmt.Sprintf("id %q is used by another class", c.ID))
		case !(c.Min < c.Max) || math.IsInf(c.Min, 0) || math.IsInf(c.Max, 0):
			return h.at(el, fmt.Sprintf("%q needs finite min < max (min exclusive, max inclusive)", c.ID))
		case i > 0 && c.Min < h.Classes[i-1].Max:
			return h.at(el, fmt.Sprintf("%q (%g, %g] overlaps or comes before %q (%g, %g]: list classes from the least to the most intense",
				c.ID, c.Min, c.Max, h.Classes[i-1].ID, h.Classes[i-1].Min, h.Classes[i-1].Max))
		case !colourPattern.MatchString(c.Colour):
			return h.at(el, fmt.Sprintf("%q has colour %q, want #rrggbb", c.ID, c.Colour))
		}
		ids[c.ID] = true
	}
	return nil
}

// resolveRaster gives a raster source of a hazard layer the hazard's class field and classes when
// it leaves them out; when it gives them, they must agree with the hazard's.
func (l *LayerSpec) resolveRaster() *hazardProblem {
	h, r := l.Hazard, l.Source.Raster
	if h == nil || r == nil {
		return nil
	}
	if r.ClassField == "" {
		r.ClassField = h.ClassField
	}
	if len(r.Classes) == 0 {
		r.Classes = h.RasterClasses()
	}
	if r.ClassField != h.ClassField || !slices.Equal(r.Classes, h.RasterClasses()) {
		return h.at("hazard.classes", "disagree with source.raster (class_field and classes, as {name: id, min, max}); leave source.raster.class_field and classes out")
	}
	return nil
}

// checkHazard checks the hazard block of layer l (named name in errors), resolves its raster
// classes and records what it maps in claimed, refusing a hazard another layer already maps.
func (l *LayerSpec) checkHazard(name string, claimed map[string]string) error {
	h := l.Hazard
	if h == nil {
		return nil
	}
	if p := h.check(fieldSet(l.Fields)); p != nil {
		return p.error(name)
	}
	if p := l.resolveRaster(); p != nil {
		return p.error(name)
	}
	k := h.key()
	if other, ok := claimed[k]; ok {
		return (&hazardProblem{h.line, "hazard", fmt.Sprintf("(%s) is also mapped by layer %q", k, other)}).error(name)
	}
	claimed[k] = name
	return nil
}

func fieldSet(fs []Field) map[string]bool {
	out := map[string]bool{}
	for _, f := range fs {
		out[f.Name] = true
	}
	return out
}

func (p *hazardProblem) error(layer string) error {
	msg := fmt.Sprintf("layer %q: %s %s", layer, p.element, p.reason)
	if p.line > 0 {
		msg = fmt.Sprintf("line %d: %s", p.line, msg)
	}
	return Invalid(msg, "")
}
