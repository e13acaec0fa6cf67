package main

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// finish sets the goals and the gross-regression checks and writes the report.
func (st *suite) finish(began time.Time) error {
	rep := st.rep
	rep.Goals = goals(rep)
	rep.Failures = append(rep.Failures, regressions(rep)...)
	rep.Durations["total"] = math.Round(time.Since(began).Seconds())
	if err := write(rep, st.o.out); err != nil {
		return err
	}
	if st.o.check && len(rep.Failures) > 0 {
		return fmt.Errorf("check failed: %s", strings.Join(rep.Failures, "; "))
	}
	return nil
}

// regressions are the --check failures beyond disagreeing answers (added where measured): only
// gross falls of ratios, with margins wide enough for a noisy shared 2-core machine; absolute
// times are never checked.
func regressions(r *Report) []string {
	var out []string
	floor := func(key string, min float64) {
		if v, ok := r.Ratios[key]; ok && v < min {
			out = append(out, fmt.Sprintf("%s = %.2f, below %.2f", key, v, min))
		}
	}
	floor("cached_over_ceiling", 0.5)            // measured 0.7-0.9
	floor("cached_over_ceiling_all_layers", 0.5) // measured 0.7-0.9
	floor("risk_speed_up_median", 1.5)           // measured 3-7
	floor("risk_50km_buildings_speed_up", 5)     // measured 100-300
	floor("cold_over_postgis", 1)                // measured 2.8-3.2
	return out
}

func goals(r *Report) []Goal {
	var g []Goal
	add := func(name, target, value string, met bool) { g = append(g, Goal{name, target, value, met}) }
	ratio := func(name, key, target string, min float64) {
		if v, ok := r.Ratios[key]; ok {
			add(name, target, fmt.Sprintf("%.2fx", v), v >= min)
		}
	}
	ratio("area queries vs tuned PostGIS, median of the varied set", "risk_speed_up_median", ">= 20x", 20)
	ratio("area queries, worst shape class (its median)", "risk_worst_class_median", ">= 10x", 10)
	if len(r.Risk) > 0 {
		add("area answers equal PostGIS's", "areas within 0.5 %, counts equal", agreeSummary(r.Risk), len(disagreements(r.Risk)) == 0)
	}
	g = append(g, scaledRiskGoals(r)...)
	g = append(g, datasetGoals(r)...)
	ratio("cached tiles vs ceiling (same bytes), composite", "cached_over_ceiling", ">= 0.8x", 0.8)
	ratio("cached tiles vs ceiling (same bytes), 14 layers z6-12", "cached_over_ceiling_all_layers", ">= 0.8x", 0.8)
	ratio("cold tiles vs PostGIS", "cold_over_postgis", ">= 5x", 5)
	ratio("cold building tiles z12-14, bytes/s at 10M over 1M", "buildings_cold_bytes_per_s_10m_over_1m", ">= 1 (no worse per byte)", 1)
	return g
}

func agreeSummary(rs []RiskResult) string {
	var area, count float64
	n := 0
	for _, x := range rs {
		area, count = math.Max(area, x.MaxAreaDiff), math.Max(count, x.MaxCountDiff)
		if x.Agree {
			n++
		}
	}
	return fmt.Sprintf("%d/%d agree; max area difference %.4f %%, max count difference %.0f", n, len(rs), area*100, count)
}

func scaledRiskGoals(r *Report) []Goal {
	var g []Goal
	if len(r.ScaledRisk) > 0 {
		a := r.ScaledRisk[0]
		g = append(g, Goal{"50 km area with buildings (1M), Indus time", "<= 50 ms", fmt.Sprintf("%.1f ms over HTTP (%.1f ms server)", a.IndusMs, a.IndusServerMs), a.IndusMs <= 50},
			Goal{"50 km area with buildings (1M) vs PostGIS", ">= 20x, counts equal", fmt.Sprintf("%.1fx, agree %v", a.SpeedUp, a.Agree), a.SpeedUp >= 20 && a.Agree},
			Goal{"scaled areas with buildings agree", "areas within 0.5 %, counts equal", agreeSummary(r.ScaledRisk), len(disagreements(r.ScaledRisk)) == 0})
	}
	if len(r.Admin) > 0 {
		worst, http := 0.0, 0.0
		for _, a := range r.Admin {
			worst, http = math.Max(worst, a.ServerMs), math.Max(http, a.HTTPMs)
		}
		g = append(g, Goal{"province from the admin tables (1M), server side", "<= 1 ms", fmt.Sprintf("worst %.2f ms server, %.2f ms over HTTP", worst, http), worst <= 1})
	}
	return g
}

func datasetGoals(r *Report) []Goal {
	var g []Goal
	if len(r.Datasets) > 0 {
		d := r.Datasets[0]
		g = append(g, Goal{"default dataset, start to serving", "<= 2 s", fmt.Sprintf("%.2f s", d.ServingS), d.ServingS <= 2})
	}
	if len(r.Datasets) < 2 {
		return g
	}
	d := r.Datasets[len(r.Datasets)-1] // the largest
	g = append(g,
		Goal{"steady RSS, " + d.Name, "<= 1.5 GiB (10M buildings)", fmt.Sprintf("%.0f MB", d.SteadyRSSMB), d.SteadyRSSMB <= 1536},
		Goal{"peak RSS / steady RSS, " + d.Name, "<= 1.3", fmt.Sprintf("%.2f (%.0f / %.0f MB)", d.PeakRSSMB/d.SteadyRSSMB, d.PeakRSSMB, d.SteadyRSSMB), d.PeakRSSMB <= 1.3*d.SteadyRSSMB},
		Goal{"serve --snapshot to serving, " + d.Name, "<= 5 s", fmt.Sprintf("%.2f s", d.ServingS), d.ServingS <= 5},
		Goal{"indus build, " + d.Name, "<= 2 min", fmt.Sprintf("%.0f s, peak RSS %.0f MB", d.BuildS, d.BuildPeakMB), d.BuildS <= 120})
	return g
}
