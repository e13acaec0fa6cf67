package analytics

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
)

// Climate is a climate scenario and the year it stands for.
type Climate struct {
	Scenario string `json:"scenario"`
	Horizon  int    `json:"horizon,omitempty"`
}

func (c Climate) String() string {
	if c.Horizon == 0 {
		return c.Scenario
	}
	return c.Scenario + "/" + strconv.Itoa(c.Horizon)
}

// CompareRequest is the body of POST /risk/compare: an area request (where, exposure layers and
// the baseline's hazard, scenario and horizon) and the climate to compare the baseline with.
type CompareRequest struct {
	AreaRequest
	Compare *Climate `json:"compare"`
}

// ParseCompareRequest decodes a comparison body strictly (unknown keys are refused).
func ParseCompareRequest(body []byte) (*CompareRequest, error) {
	return decodeStrict[CompareRequest](body)
}

// decodeStrict decodes one JSON value of type T, refusing unknown keys and anything after it.
func decodeStrict[T any](body []byte) (*T, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var r T
	if err := dec.Decode(&r); err != nil {
		return nil, data.Invalid("invalid JSON body", err.Error())
	}
	if dec.More() {
		return nil, data.Invalid("invalid JSON body", "more than one JSON value")
	}
	return &r, nil
}

// CompareResult answers a comparison: per pair of hazard layers (one kind and frequency in the
// baseline and in the compared climate) the figures of both and the change, or what is missing.
type CompareResult struct {
	Query       *Query              `json:"query"`
	Input       *CompareRequest     `json:"input"`
	DataVersion string              `json:"data_version"`
	Baseline    Climate             `json:"baseline"`
	Compared    Climate             `json:"compared"`
	Hazards     []HazardComparison  `json:"hazards"`
	Summary     []SummaryComparison `json:"summary"`
	InArea      map[string]Exposure `json:"in_area"`
	Withheld    bool                `json:"withheld,omitempty"`
	TimingMs    float64             `json:"timing_ms"`
	layers      []string
}

// HazardComparison is one hazard kind and frequency in both climates. Missing says which side has
// no layer (then there are no figures: a missing layer is not a zero).
type HazardComparison struct {
	Hazard        string            `json:"hazard"`
	ReturnPeriod  float64           `json:"return_period,omitempty"`
	BaselineLayer string            `json:"baseline_layer,omitempty"`
	ComparedLayer string            `json:"compared_layer,omitempty"`
	Missing       string            `json:"missing,omitempty"`
	Classes       []ClassComparison `json:"classes,omitempty"`
	Total         *ClassComparison  `json:"total,omitempty"`
	Damaging      *ClassComparison  `json:"damaging,omitempty"`
}

// ClassComparison is one class (or the total, or the damaging classes) in both climates and the
// change, compared minus baseline; a class only one layer has is empty in the other.
type ClassComparison struct {
	Class    string  `json:"class"`
	Baseline Figures `json:"baseline"`
	Compared Figures `json:"compared"`
	Delta    Figures `json:"delta"`
}

// Figures are the hazard area and the exposure of a class.
type Figures struct {
	AreaKm2  float64             `json:"area_km2"`
	Exposure map[string]Exposure `json:"exposure"`
}

// SummaryComparison is the summary of one hazard kind in both climates.
type SummaryComparison struct {
	Hazard   string          `json:"hazard"`
	Baseline *SummaryFigures `json:"baseline,omitempty"`
	Compared *SummaryFigures `json:"compared,omitempty"`
	Delta    *SummaryDelta   `json:"delta,omitempty"`
	Missing  string          `json:"missing,omitempty"`
}

// SummaryFigures are the expected annual exposed population and the ThinkHazard! level of a kind.
type SummaryFigures struct {
	ExpectedAnnualPopulation *float64 `json:"expected_annual_population,omitempty"`
	Level                    string   `json:"level"`
}

// SummaryDelta is the change of the expected annual exposed population (absent when a side has
// no frequency).
type SummaryDelta struct {
	ExpectedAnnualPopulation *float64 `json:"expected_annual_population,omitempty"`
}

// Layers lists the layers the comparison reports.
func (r *CompareResult) Layers() []string { return r.layers }

// Compare answers a comparison request: the area of r measured once with the baseline's and the
// compared climate's hazard layers, paired by kind and frequency.
func (e *Engine) Compare(ctx context.Context, r *CompareRequest) (*CompareResult, error) {
	start := time.Now()
	if err := r.where(); err != nil {
		return nil, err
	}
	set := e.current()
	p, err := e.comparePairs(set, r)
	if err != nil {
		return nil, err
	}
	ar := r.AreaRequest
	ar.HazardSelector, ar.Hazards = HazardSelector{}, p.ids()
	if len(ar.Hazards) == 0 {
		return nil, data.Errorf(data.KindNotFound, "no hazard layers to compare")
	}
	res, err := e.Area(ctx, &ar)
	if err != nil {
		return nil, err
	}
	out := &CompareResult{Query: res.Query, Input: r, DataVersion: res.DataVersion, Baseline: p.base, Compared: p.cmp,
		InArea: res.InArea, Withheld: p.withheld || res.Withheld, layers: res.Layers()}
	out.Hazards = p.compare(res.Hazards)
	out.Summary = compareSummaries(res.Summary, p)
	out.TimingMs = math.Round(float64(time.Since(start).Microseconds())/10) / 100
	return out, nil
}

// pairs are the hazard layers of a comparison: both climates, and the layers of each.
type pairs struct {
	base, cmp   Climate
	baseL, cmpL []*indexes.Layer
	withheld    bool
	baseByID    bool // the baseline is one layer named by id: compared layers of other frequencies are left out
}

// comparePairs resolves both climates of r and picks their layers.
func (e *Engine) comparePairs(set *indexes.Set, r *CompareRequest) (*pairs, error) {
	switch {
	case r.Compare == nil || r.Compare.Scenario == "":
		return nil, data.Invalid("compare needs a scenario", `give "compare": {"scenario": "ssp585", "horizon": 2050}`)
	case len(r.Hazards) > 0:
		return nil, data.Invalid("hazards and compare", "a comparison pairs layers by kind and frequency: select them with hazard, scenario and horizon, not a hazards list")
	}
	p := &pairs{}
	var err error
	var w1, w2 bool
	if p.baseL, w1, err = r.HazardSelector.pick(set, r.Who); err != nil {
		return nil, err
	}
	baseScenario := r.Scenario
	if baseScenario == "" {
		baseScenario = data.ScenarioHistorical
	}
	if p.base, err = climateOfLayers(p.baseL, Climate{baseScenario, r.Horizon}, "horizon"); err != nil {
		return nil, err
	}
	kind := r.Hazard
	if i := slices.IndexFunc(p.baseL, func(l *indexes.Layer) bool { return l.Spec.ID == r.Hazard && l.Spec.Hazard.Kind != r.Hazard }); i >= 0 {
		kind, p.baseByID = p.baseL[i].Spec.Hazard.Kind, true
		p.base, _ = climateOfLayers(p.baseL, Climate{}, "")
	}
	cmpSel := HazardSelector{Hazard: kind, Scenario: r.Compare.Scenario, Horizon: r.Compare.Horizon}
	if p.cmpL, w2, err = cmpSel.pick(set, r.Who); err != nil {
		return nil, prefixed("compare: ", err)
	}
	if p.cmp, err = climateOfLayers(p.cmpL, *r.Compare, "compare.horizon"); err != nil {
		return nil, err
	}
	if p.base == p.cmp {
		return nil, data.Invalid("compare equals the baseline", fmt.Sprintf("both are %s: compare another scenario or horizon", p.base))
	}
	p.withheld = w1 || w2
	return p, nil
}

// climateOfLayers is the one climate of layers (as asked when there are none); several horizons
// of one scenario are refused, asking for one (the element named by what).
func climateOfLayers(layers []*indexes.Layer, asked Climate, what string) (Climate, error) {
	if asked.Horizon == 0 && asked.Scenario == data.ScenarioHistorical {
		asked.Horizon = data.HistoricalHorizon
	}
	var found []Climate
	for _, l := range layers {
		s, h := l.Spec.Hazard.Climate()
		if c := (Climate{s, h}); !slices.Contains(found, c) {
			found = append(found, c)
		}
	}
	switch {
	case len(found) == 0:
		return asked, nil
	case len(found) == 1:
		return found[0], nil
	}
	var hs []string
	for _, c := range found {
		hs = append(hs, c.String())
	}
	return Climate{}, data.Invalid("several horizons", fmt.Sprintf("the layers selected are of %s: give %s", list(hs), what))
}

// prefixed prefixes the message of a *data.Error.
func prefixed(prefix string, err error) error {
	var de *data.Error
	if errors.As(err, &de) {
		c := *de
		c.Msg = prefix + c.Msg
		return &c
	}
	return err
}

// ids lists the layer ids of both sides.
func (p *pairs) ids() []string {
	var out []string
	for _, l := range slices.Concat(p.baseL, p.cmpL) {
		out = addNew(out, l.Spec.ID)
	}
	return out
}

// pairKey is what pairs layers across climates: the kind and the return period (0: none).
func pairKey(h *data.Hazard) string {
	return h.Kind + "|" + strconv.FormatFloat(h.ReturnPeriod(), 'g', 6, 64)
}

// compare pairs the hazard results of both sides by kind and frequency: the baseline's layers in
// order, then the compared layers with no baseline.
func (p *pairs) compare(rs []HazardResult) []HazardComparison {
	result := func(l *indexes.Layer) *HazardResult {
		i := slices.IndexFunc(rs, func(r HazardResult) bool { return r.Layer == l.Spec.ID })
		return &rs[i]
	}
	var out []HazardComparison
	paired := map[*indexes.Layer]bool{}
	for _, b := range p.baseL {
		i := slices.IndexFunc(p.cmpL, func(c *indexes.Layer) bool { return pairKey(c.Spec.Hazard) == pairKey(b.Spec.Hazard) })
		hc := HazardComparison{Hazard: b.Spec.Hazard.Kind, ReturnPeriod: b.Spec.Hazard.ReturnPeriod(), BaselineLayer: b.Spec.ID}
		if i < 0 {
			hc.Missing = fmt.Sprintf("no %s layer for kind %s%s", p.cmp, hc.Hazard, rpText(hc.ReturnPeriod))
		} else {
			paired[p.cmpL[i]] = true
			hc.ComparedLayer = p.cmpL[i].Spec.ID
			hc.fill(result(b), result(p.cmpL[i]))
		}
		out = append(out, hc)
	}
	for _, c := range p.cmpL {
		if paired[c] || p.baseByID {
			continue
		}
		hc := HazardComparison{Hazard: c.Spec.Hazard.Kind, ReturnPeriod: c.Spec.Hazard.ReturnPeriod(), ComparedLayer: c.Spec.ID}
		hc.Missing = fmt.Sprintf("no %s layer for kind %s%s", p.base, hc.Hazard, rpText(hc.ReturnPeriod))
		out = append(out, hc)
	}
	return out
}

func rpText(rp float64) string {
	if rp == 0 {
		return ""
	}
	return ", return period " + strconv.FormatFloat(rp, 'g', 6, 64)
}

// fill compares the results of a pair class by class (the baseline's classes in order, then the
// compared layer's others), then the totals and the damaging classes.
func (hc *HazardComparison) fill(b, c *HazardResult) {
	var names []string
	for _, cr := range slices.Concat(b.Classes, c.Classes) {
		names = addNew(names, cr.Class)
	}
	for _, name := range names {
		hc.Classes = append(hc.Classes, compareClass(name, classNamed(b.Classes, name), classNamed(c.Classes, name)))
	}
	total := compareClass(b.Total.Class, &b.Total, &c.Total)
	label := b.Damaging.Class
	if c.Damaging.Class != label {
		label += " (baseline); " + c.Damaging.Class + " (compared)"
	}
	damaging := compareClass(label, &b.Damaging, &c.Damaging)
	hc.Total, hc.Damaging = &total, &damaging
}

func classNamed(cs []ClassResult, name string) *ClassResult {
	if i := slices.IndexFunc(cs, func(c ClassResult) bool { return c.Class == name }); i >= 0 {
		return &cs[i]
	}
	return nil
}

// compareClass compares a class of both sides (nil: the side has no such class, its figures are
// the zeros of the other side's measures).
func compareClass(name string, b, c *ClassResult) ClassComparison {
	fb, fc := figuresOf(b, c), figuresOf(c, b)
	d := Figures{AreaKm2: fc.AreaKm2 - fb.AreaKm2, Exposure: map[string]Exposure{}}
	for layer, xc := range fc.Exposure {
		dx := Exposure{}
		for k, v := range xc {
			dx[k] = v - fb.Exposure[layer][k]
		}
		d.Exposure[layer] = dx
	}
	return ClassComparison{Class: name, Baseline: fb, Compared: fc, Delta: d}
}

// figuresOf are the figures of class r, or zeros of the measures of other when r is nil.
func figuresOf(r, other *ClassResult) Figures {
	if r != nil {
		return Figures{AreaKm2: r.AreaKm2, Exposure: r.Exposure}
	}
	f := Figures{Exposure: map[string]Exposure{}}
	for layer, x := range other.Exposure {
		z := Exposure{}
		for k := range x {
			z[k] = 0
		}
		f.Exposure[layer] = z
	}
	return f
}

// compareSummaries pairs the summaries of each hazard kind of both climates.
func compareSummaries(ss []Summary, p *pairs) []SummaryComparison {
	find := func(kind string, c Climate) *Summary {
		scenario, horizon := c.Scenario, c.Horizon
		if c == (Climate{data.ScenarioHistorical, data.HistoricalHorizon}) {
			scenario, horizon = "", 0 // as answers tag the historical baseline
		}
		i := slices.IndexFunc(ss, func(s Summary) bool { return s.Hazard == kind && s.Scenario == scenario && s.Horizon == horizon })
		if i < 0 {
			return nil
		}
		return &ss[i]
	}
	var kinds []string
	for _, l := range slices.Concat(p.baseL, p.cmpL) {
		kinds = addNew(kinds, l.Spec.Hazard.Kind)
	}
	var out []SummaryComparison
	for _, kind := range kinds {
		b, c := find(kind, p.base), find(kind, p.cmp)
		sc := SummaryComparison{Hazard: kind, Baseline: summaryFigures(b), Compared: summaryFigures(c)}
		switch {
		case b == nil:
			sc.Missing = fmt.Sprintf("no %s layer for kind %s", p.base, kind)
		case c == nil:
			sc.Missing = fmt.Sprintf("no %s layer for kind %s", p.cmp, kind)
		case b.ExpectedAnnualPopulation != nil && c.ExpectedAnnualPopulation != nil:
			d := *c.ExpectedAnnualPopulation - *b.ExpectedAnnualPopulation
			sc.Delta = &SummaryDelta{ExpectedAnnualPopulation: &d}
		}
		out = append(out, sc)
	}
	return out
}

func summaryFigures(s *Summary) *SummaryFigures {
	if s == nil {
		return nil
	}
	return &SummaryFigures{ExpectedAnnualPopulation: s.ExpectedAnnualPopulation, Level: s.Level}
}

// WriteCompareCSV writes a comparison as one row per hazard pair × class × measure (the area, then
// every exposure layer's measures as "villages.population"): the baseline, compared and delta
// values; a pair with a side missing is one row saying which.
func WriteCompareCSV(w io.Writer, res *CompareResult) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"hazard", "return_period", "baseline_layer", "compared_layer", "class", "measure", "baseline", "compared", "delta", "missing"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, h := range res.Hazards {
		rp := ""
		if h.ReturnPeriod > 0 {
			rp = f(h.ReturnPeriod)
		}
		head := []string{h.Hazard, rp, h.BaselineLayer, h.ComparedLayer}
		if h.Missing != "" {
			cw.Write(append(head, "", "", "", "", "", h.Missing))
			continue
		}
		for _, c := range slices.Concat(h.Classes, []ClassComparison{*h.Total, *h.Damaging}) {
			cw.Write(append(slices.Clone(head), c.Class, "area_km2", f(c.Baseline.AreaKm2), f(c.Compared.AreaKm2), f(c.Delta.AreaKm2), ""))
			for _, layer := range slices.Sorted(maps.Keys(c.Delta.Exposure)) {
				for _, k := range slices.Sorted(maps.Keys(c.Delta.Exposure[layer])) {
					cw.Write(append(slices.Clone(head), c.Class, layer+"."+k, f(c.Baseline.Exposure[layer][k]),
						f(c.Compared.Exposure[layer][k]), f(c.Delta.Exposure[layer][k]), ""))
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
