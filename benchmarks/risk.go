package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// RiskResult compares one area query.
type RiskResult struct {
	Class         string  `json:"class"`
	Name          string  `json:"name"`
	IndusMs       float64 `json:"indus_ms"`        // median over HTTP
	IndusServerMs float64 `json:"indus_server_ms"` // median of the response's timing_ms
	PostGISMs     float64 `json:"postgis_ms"`
	SpeedUp       float64 `json:"speed_up"`
	FloorMs       float64 `json:"indus_floor_ms"` // median of GET /health right after the peer's query
	Bound         float64 `json:"bound"`          // PostGISMs / FloorMs: the most any engine could show
	MaxAreaDiff   float64 `json:"max_area_relative_difference"`
	MaxCountDiff  float64 `json:"max_count_difference"`
	Agree         bool    `json:"agree"`
	FloodKm2      float64 `json:"rp100_flood_km2"`  // PostGIS's answer, for scale
	Exposed       float64 `json:"rp100_exposed"`    // villages (or buildings when asked) in the 100-year flood
	Detail        string  `json:"detail,omitempty"` // the largest disagreement
}

// answer maps layer/class/measure to a value: area (km²), villages.count, villages.population,
// villages.fibre, buildings.count, buildings.area_km2.
type answer map[string]float64

// riskClient asks Indus one area question.
type riskClient struct {
	base     string
	hazards  []string
	exposure []string
	http     *http.Client
}

func (c *riskClient) ask(a area) (answer, time.Duration, float64, error) {
	hz, _ := json.Marshal(c.hazards)
	ex, _ := json.Marshal(c.exposure)
	body := fmt.Sprintf(`{%s,"hazards":%s,"exposure":%s}`, a.Where, hz, ex)
	t0 := time.Now()
	res, err := c.http.Post(c.base+"/risk/area", "application/json", strings.NewReader(body))
	if err != nil {
		return nil, 0, 0, err
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	d := time.Since(t0)
	if res.StatusCode != 200 {
		return nil, 0, 0, fmt.Errorf("/risk/area %s: %d %s", a.Name, res.StatusCode, raw)
	}
	var out struct {
		TimingMs float64 `json:"timing_ms"`
		Hazards  []struct {
			Layer   string `json:"layer"`
			Classes []struct {
				Class    string                        `json:"class"`
				AreaKm2  float64                       `json:"area_km2"`
				Exposure map[string]map[string]float64 `json:"exposure"`
			} `json:"classes"`
		} `json:"hazards"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, 0, 0, err
	}
	ans := answer{}
	for _, h := range out.Hazards {
		for _, cl := range h.Classes {
			k := h.Layer + "/" + cl.Class + "/"
			ans[k+"area"] = cl.AreaKm2
			for layer, m := range cl.Exposure {
				for measure, v := range m {
					ans[k+layer+"."+measure] = v
				}
			}
		}
	}
	return ans, d, out.TimingMs, nil
}

// peerMeasures names the peer's rows' columns a, b, c per measure.
var peerMeasures = map[string][]string{
	"area": {"area"}, "villages": {"villages.count", "villages.population", "villages.fibre"},
	"buildings": {"buildings.count"}, "building_area": {"buildings.area_km2"},
}

func askPeer(ctx context.Context, pool *pgxpool.Pool, sql string, a area, hazards []string) (answer, time.Duration, error) {
	arg := a.PeerGeom
	if a.Province != "" {
		arg = a.Province
	}
	t0 := time.Now()
	rows, err := pool.Query(ctx, sql, arg, hazards)
	if err != nil {
		return nil, 0, err
	}
	ans := answer{}
	for rows.Next() {
		var measure, layer, class string
		var v [3]float64
		if err := rows.Scan(&measure, &layer, &class, &v[0], &v[1], &v[2]); err != nil {
			return nil, 0, err
		}
		for i, m := range peerMeasures[measure] {
			ans[layer+"/"+class+"/"+m] += v[i]
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", a.Name, err)
	}
	return ans, time.Since(t0), nil
}

// agreement compares two answers: areas (keys ending in "area" or "area_km2") relative to the
// larger value, with a 1 m² floor; everything else (counts, sums) absolutely.
func agreement(ai, ap answer) (areaDiff, countDiff float64, detail string) {
	keys := map[string]bool{}
	for k := range ai {
		keys[k] = true
	}
	for k := range ap {
		keys[k] = true
	}
	worst := 0.0
	for k := range keys {
		a, b := ai[k], ap[k]
		if strings.HasSuffix(k, "area") || strings.HasSuffix(k, "area_km2") {
			d := math.Abs(a-b) / math.Max(math.Max(a, b), 1e-6)
			areaDiff = math.Max(areaDiff, d)
			if d/0.005 > worst {
				worst, detail = d/0.005, fmt.Sprintf("%s: Indus %.6g, PostGIS %.6g", k, a, b)
			}
			continue
		}
		d := math.Abs(a - b)
		countDiff = math.Max(countDiff, d)
		if d > 0 && d*1e6 > worst {
			worst, detail = d*1e6, fmt.Sprintf("%s: Indus %.0f, PostGIS %.0f", k, a, b)
		}
	}
	return areaDiff, countDiff, detail
}

// rp100 sums a measure over the classes of the 100-year flood.
func (a answer) rp100(measure string) float64 {
	var t float64
	for k, v := range a {
		if strings.HasPrefix(k, "flood_rp100/") && strings.HasSuffix(k, "/"+measure) {
			t += v
		}
	}
	return t
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())/10) / 100 }
