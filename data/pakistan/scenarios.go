package pakistan

import (
	"fmt"
	"math"

	"github.com/cpec-digital/indus/data"
)

// Scenario is a climate the hazard maps are drawn for: today's (historical, 2020) or a CMIP6
// shared socio-economic pathway at mid-century (2041–2060, "2050", against 1995–2014). The
// changes are illustrative factors with a published direction and order of magnitude, not the
// output of a climate or hydraulic model; the catalog's lineage of each layer repeats them.
type Scenario struct {
	ID, Name string // ssp245, "SSP2-4.5"
	Horizon  int
	// FloodFactor: the future T-year flood is drawn as today's (FloodFactor·T)-year flood, so
	// that today's 100-year flood recurs every 100/FloodFactor years (Hirabayashi et al. 2013
	// find it recurring every 10 to 25 years or less in much of South Asia by 2071–2100 under RCP8.5).
	FloodFactor float64
	// GlobalWarming is the best estimate of IPCC AR6 (SPM, table SPM.1) for 2041–2060 above
	// 1850–1900, °C; HotDays derives the heat maps' change from it.
	GlobalWarming float64
	// SeaLevelM is the global mean sea-level rise of 2050 over 1995–2014, median of IPCC AR6
	// WGI chapter 9, in metres.
	SeaLevelM float64
}

// Historical is today's climate, the one every hazard is mapped for.
var Historical = Scenario{ID: data.ScenarioHistorical, Name: "historical", Horizon: data.HistoricalHorizon, FloodFactor: 1}

// Scenarios are the climate projections the floods, heat and storm surge are also mapped for.
var Scenarios = []Scenario{
	{ID: "ssp245", Name: "SSP2-4.5", Horizon: 2050, FloodFactor: 4, GlobalWarming: 2.0, SeaLevelM: 0.20},
	{ID: "ssp585", Name: "SSP5-8.5", Horizon: 2050, FloodFactor: 10, GlobalWarming: 2.4, SeaLevelM: 0.23},
}

// Projected says whether s is a projection rather than today's climate.
func (s Scenario) Projected() bool { return s.ID != data.ScenarioHistorical }

// HotDays are the days ≥ 40 °C a year the scenario adds where today has 30 or more: 8 days per
// °C of warming (illustrative: a season of daily maxima near 40 °C) × 1.5 (land warms faster than
// the global mean, IPCC AR6) × the global warming over 1995–2014 (0.85 °C above 1850–1900), rounded.
func (s Scenario) HotDays() float64 {
	if !s.Projected() {
		return 0
	}
	return math.Round(8 * 1.5 * (s.GlobalWarming - 0.85))
}

// Recurs is how often today's 100-year flood recurs in the scenario, in years.
func (s Scenario) Recurs() float64 { return 100 / s.FloodFactor }

// Suffix is what the ids of a scenario's layers end with: "" today, "_ssp245_2050".
func (s Scenario) Suffix() string {
	if !s.Projected() {
		return ""
	}
	return fmt.Sprintf("_%s_%d", s.ID, s.Horizon)
}

// floodParamsAt gives the half-width and depth of today's flood of return period rp: the values
// of floodParams at 10, 25 and 100 years, linear in log10(rp) between them and extended with the
// 25–100-year slope beyond (the 10–25-year slope below).
func floodParamsAt(rp float64) floodParam {
	if p, ok := floodParams[int(rp)]; ok && float64(int(rp)) == rp {
		return p
	}
	a, b := 25, 100
	if rp < 25 {
		a, b = 10, 25
	}
	t := (math.Log10(rp) - math.Log10(float64(a))) / (math.Log10(float64(b)) - math.Log10(float64(a)))
	pa, pb := floodParams[a], floodParams[b]
	return floodParam{pa.widthKm + t*(pb.widthKm-pa.widthKm), pa.depthM + t*(pb.depthM-pa.depthM)}
}

// FloodLayer is one flood map of the catalog: a return period in a scenario.
type FloodLayer struct {
	ID       string
	RP       int
	Scenario Scenario
	// Equivalent is the return period of today's flood it is drawn as; Width and Depth its W0 and D.
	Equivalent   float64
	Width, Depth float64
}

// FloodLayers are today's flood maps, then each scenario's.
func FloodLayers() []FloodLayer {
	var out []FloodLayer
	for _, s := range append([]Scenario{Historical}, Scenarios...) {
		for _, rp := range ReturnPeriods {
			eq := float64(rp) * s.FloodFactor
			p := floodParamsAt(eq)
			out = append(out, FloodLayer{ID: fmt.Sprintf("flood_rp%d%s", rp, s.Suffix()), RP: rp, Scenario: s,
				Equivalent: eq, Width: math.Round(p.widthKm*10) / 10, Depth: math.Round(p.depthM*100) / 100})
		}
	}
	return out
}

// heatIn is the heat map of scenario s from today's: HotDays() more days ≥ 40 °C where today has 30
// or more, proportionally fewer where fewer (none where none).
func heatIn(today *data.Grid, s Scenario) *data.Grid {
	out := *today
	out.Values = make([]float32, len(today.Values))
	for i, v := range today.Values {
		if v < 0 {
			out.Values[i] = v
			continue
		}
		days := float64(v)
		out.Values[i] = float32(math.Round(clamp(days+s.HotDays()*clamp(days/30, 0, 1), 0, 365)))
	}
	return &out
}

// scenarioGrids adds the flood and heat maps of every scenario to out.
func (g *generator) scenarioGrids(out *Output) {
	for _, l := range FloodLayers() {
		if l.Scenario.Projected() {
			out.Grids[l.ID+".tif"] = g.flood(floodParamsAt(l.Equivalent))
		}
	}
	for _, s := range Scenarios {
		out.Grids["heat_stress"+s.Suffix()+".tif"] = heatIn(out.Grids["heat_stress.tif"], s)
	}
}
