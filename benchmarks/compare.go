package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// peerQuery is the peer side of a comparison: a pool on one dataset's schema and its SQL.
type peerQuery struct {
	pool      *pgxpool.Pool
	pr        projection
	buildings bool
}

func (p peerQuery) ask(ctx context.Context, a area, hazards []string) (answer, time.Duration, error) {
	return askPeer(ctx, p.pool, riskSQL(p.pr, a.Province != "", p.buildings), a, hazards)
}

// ProjectionChoice records the peer's two ways to measure areas on the calibration subset.
type ProjectionChoice struct {
	Areas   int                `json:"areas"`
	TotalMs map[string]float64 `json:"total_ms"`
	MaxDiff map[string]float64 `json:"max_area_relative_difference"`
	Chosen  string             `json:"chosen"`
}

// chooseProjection runs the first area of each class once per projection (after a warm-up run)
// and keeps the faster one among those that agree with Indus within 0.5 %.
func chooseProjection(ctx context.Context, c *riskClient, p peerQuery, areas []area) (projection, ProjectionChoice, error) {
	var sub []area
	for _, a := range areas {
		if !slices.ContainsFunc(sub, func(b area) bool { return b.Class == a.Class }) {
			sub = append(sub, a)
		}
	}
	ch := ProjectionChoice{Areas: len(sub), TotalMs: map[string]float64{}, MaxDiff: map[string]float64{}}
	best := -1
	for i, pr := range projections {
		p.pr = pr
		var total time.Duration
		for _, a := range sub {
			ai, _, _, err := c.ask(a)
			if err != nil {
				return pr, ch, err
			}
			if _, _, err := p.ask(ctx, a, c.hazards); err != nil {
				return pr, ch, err
			}
			ap, d, err := p.ask(ctx, a, c.hazards)
			if err != nil {
				return pr, ch, err
			}
			total += d
			ad, _, _ := agreement(ai, ap)
			ch.MaxDiff[pr.name] = math.Max(ch.MaxDiff[pr.name], ad)
		}
		ch.TotalMs[pr.name] = ms(total)
		if ch.MaxDiff[pr.name] <= 0.005 && (best < 0 || ch.TotalMs[pr.name] < ch.TotalMs[projections[best].name]) {
			best = i
		}
	}
	if best < 0 {
		best = 0
	}
	ch.Chosen = projections[best].name
	return projections[best], ch, nil
}

// compareAreas times every area on both sides (one warm-up each, then reps interleaved; medians)
// and checks the answers agree: areas within 0.5 %, counts and sums equal.
func compareAreas(ctx context.Context, c *riskClient, p peerQuery, areas []area, reps int) ([]RiskResult, error) {
	var out []RiskResult
	for _, a := range areas {
		if _, _, _, err := c.ask(a); err != nil {
			return nil, err
		}
		if _, _, err := p.ask(ctx, a, c.hazards); err != nil {
			return nil, err
		}
		var ti, tp []time.Duration
		var server []float64
		var ai, ap answer
		for range reps {
			x, d, sms, err := c.ask(a)
			if err != nil {
				return nil, err
			}
			ai, ti, server = x, append(ti, d), append(server, sms)
			y, e, err := p.ask(ctx, a, c.hazards)
			if err != nil {
				return nil, err
			}
			ap, tp = y, append(tp, e)
		}
		fl, err := floor(ctx, c, p, a, reps)
		if err != nil {
			return nil, err
		}
		slices.Sort(server)
		mi, mp := median(ti), median(tp)
		r := RiskResult{Class: a.Class, Name: a.Name, IndusMs: ms(mi), IndusServerMs: server[len(server)/2], PostGISMs: ms(mp),
			SpeedUp: round3(float64(mp) / float64(mi)), FloorMs: ms(fl), Bound: round3(float64(mp) / float64(fl))}
		r.MaxAreaDiff, r.MaxCountDiff, r.Detail = agreement(ai, ap)
		r.FloodKm2, r.Exposed = math.Round(ap.rp100("area")*10)/10, ap.rp100(c.exposure[len(c.exposure)-1]+".count")
		r.Agree = r.MaxAreaDiff <= 0.005 && r.MaxCountDiff == 0
		if r.Agree {
			r.Detail = ""
		}
		out = append(out, r)
	}
	return out, nil
}

// bounds are the median and the worst class's median of the per-area bounds: the speed-ups an
// engine that takes no time at all, behind the same HTTP round trip, would reach.
func bounds(rs []RiskResult, cs []ClassStat) (median, worst float64) {
	var b []float64
	for _, r := range rs {
		b = append(b, r.Bound)
	}
	worst = math.Inf(1)
	for _, c := range cs {
		worst = math.Min(worst, c.Bound)
	}
	return round3(medianF(b)), round3(worst)
}

// floor times Indus's empty round trip (GET /health) right after the peer's query of a, as the
// area queries are timed: no engine answers a over HTTP faster than that.
func floor(ctx context.Context, c *riskClient, p peerQuery, a area, reps int) (time.Duration, error) {
	var t []time.Duration
	for range reps {
		if _, _, err := p.ask(ctx, a, c.hazards); err != nil {
			return 0, err
		}
		t0 := time.Now()
		res, err := c.http.Get(c.base + "/health")
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		t = append(t, time.Since(t0))
	}
	return median(t), nil
}

// ClassStat summarizes one shape class of the query set.
type ClassStat struct {
	Class        string  `json:"class"`
	Areas        int     `json:"areas"`
	MedianSpeed  float64 `json:"median_speed_up"`
	WorstSpeed   float64 `json:"worst_speed_up"`
	Bound        float64 `json:"median_bound"` // the median of the areas' bounds
	MedianIndus  float64 `json:"median_indus_ms"`
	MedianPeer   float64 `json:"median_postgis_ms"`
	MaxAreaDiff  float64 `json:"max_area_relative_difference"`
	MaxCountDiff float64 `json:"max_count_difference"`
	Agree        bool    `json:"agree"`
}

func classStats(rs []RiskResult) []ClassStat {
	var out []ClassStat
	for _, r := range rs {
		if slices.ContainsFunc(out, func(s ClassStat) bool { return s.Class == r.Class }) {
			continue
		}
		var speed, bound, ti, tp []float64
		s := ClassStat{Class: r.Class, Agree: true}
		for _, x := range rs {
			if x.Class != r.Class {
				continue
			}
			s.Areas++
			speed, bound, ti, tp = append(speed, x.SpeedUp), append(bound, x.Bound), append(ti, x.IndusMs), append(tp, x.PostGISMs)
			s.MaxAreaDiff, s.MaxCountDiff = math.Max(s.MaxAreaDiff, x.MaxAreaDiff), math.Max(s.MaxCountDiff, x.MaxCountDiff)
			s.Agree = s.Agree && x.Agree
		}
		s.MedianSpeed, s.WorstSpeed, s.Bound = medianF(speed), slices.Min(speed), medianF(bound)
		s.MedianIndus, s.MedianPeer = medianF(ti), medianF(tp)
		out = append(out, s)
	}
	return out
}

// medianF is the median (the mean of the middle two for an even count).
func medianF(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func disagreements(rs []RiskResult) []string {
	var out []string
	for _, r := range rs {
		if !r.Agree {
			out = append(out, fmt.Sprintf("risk %q: Indus and PostGIS differ (area %.3f %%, count %.0f): %s", r.Name, r.MaxAreaDiff*100, r.MaxCountDiff, r.Detail))
		}
	}
	return out
}
