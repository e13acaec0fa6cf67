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

var riskPolygons = []struct{ name, geojson string }{
	{"district near Sukkur (50 km)", `{"type":"Polygon","coordinates":[[[68.6,27.5],[69.1,27.5],[69.1,27.95],[68.6,27.95],[68.6,27.5]]]}`},
	{"across the Sindh-Punjab border", `{"type":"Polygon","coordinates":[[[69.4,27.9],[70.6,28.2],[70.9,29.3],[69.8,29.1],[69.4,27.9]]]}`},
	{"lower Indus with a hole", `{"type":"Polygon","coordinates":[[[67.6,24.6],[68.9,24.6],[68.9,26.0],[67.6,26.0],[67.6,24.6]],[[68.0,25.0],[68.0,25.5],[68.5,25.5],[68.5,25.0],[68.0,25.0]]]}`},
	{"Lahore, partly in India", `{"type":"Polygon","coordinates":[[[74.0,31.0],[75.0,31.0],[75.0,31.9],[74.0,31.9],[74.0,31.0]]]}`},
	{"two Punjab districts (multipolygon)", `{"type":"MultiPolygon","coordinates":[[[[71.2,29.8],[71.8,29.8],[71.8,30.4],[71.2,30.4],[71.2,29.8]]],[[[73.5,31.0],[74.5,31.0],[74.5,31.9],[73.5,31.9],[73.5,31.0]]]]}`},
}

// riskSQL is what a PostGIS user writes for the same question: flooded area by class (geodesic)
// and village population by class, for the three return periods.
const riskSQL = `
WITH q AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g),
z AS (
  SELECT 'flood_rp10' AS layer, f.depth_class, f.geom FROM flood_rp10 f, q WHERE ST_Intersects(f.geom, q.g)
  UNION ALL SELECT 'flood_rp25', f.depth_class, f.geom FROM flood_rp25 f, q WHERE ST_Intersects(f.geom, q.g)
  UNION ALL SELECT 'flood_rp100', f.depth_class, f.geom FROM flood_rp100 f, q WHERE ST_Intersects(f.geom, q.g))
SELECT z.layer, z.depth_class,
  SUM(ST_Area(ST_Intersection(z.geom, q.g)::geography)) / 1e6,
  (SELECT coalesce(SUM(v.population), 0) FROM villages v WHERE ST_Contains(z.geom, v.geom) AND ST_Contains(q.g, v.geom))
FROM z, q GROUP BY z.layer, z.depth_class, z.geom, q.g`

type answer map[string][2]float64 // layer/class → area km², population

func indusRisk(base, g string) (answer, time.Duration, error) {
	body := fmt.Sprintf(`{"geometry":%s,"hazards":["flood_rp10","flood_rp25","flood_rp100"],"exposure":["villages"]}`, g)
	t0 := time.Now()
	res, err := http.Post(base+"/risk/area", "application/json", strings.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	d := time.Since(t0)
	if res.StatusCode != 200 {
		return nil, 0, fmt.Errorf("/risk/area: %d %s", res.StatusCode, raw)
	}
	var out struct {
		Hazards []struct {
			Layer   string `json:"layer"`
			Classes []struct {
				Class    string                        `json:"class"`
				AreaKm2  float64                       `json:"area_km2"`
				Exposure map[string]map[string]float64 `json:"exposure"`
			} `json:"classes"`
		} `json:"hazards"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, 0, err
	}
	a := answer{}
	for _, h := range out.Hazards {
		for _, c := range h.Classes {
			a[h.Layer+"/"+c.Class] = [2]float64{c.AreaKm2, c.Exposure["villages"]["population"]}
		}
	}
	return a, d, nil
}

func postgisRisk(pool *pgxpool.Pool, g string) (answer, time.Duration, error) {
	t0 := time.Now()
	rows, err := pool.Query(context.Background(), riskSQL, g)
	if err != nil {
		return nil, 0, err
	}
	a := answer{}
	for rows.Next() {
		var layer, class string
		var area, pop float64
		if err := rows.Scan(&layer, &class, &area, &pop); err != nil {
			return nil, 0, err
		}
		k := layer + "/" + class
		a[k] = [2]float64{a[k][0] + area, a[k][1] + pop}
	}
	return a, time.Since(t0), rows.Err()
}

// compareRisk times each polygon on both (median of the repetitions) and compares the answers:
// areas above 1 km² and populations must agree within 0.5 %.
func compareRisk(base, conn string, quick bool) ([]RiskResult, error) {
	pool, err := pgxpool.New(context.Background(), conn)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	reps := 7
	if quick {
		reps = 3
	}
	var out []RiskResult
	for _, p := range riskPolygons { // warm both sides once: first-query costs are not the steady state
		if _, _, err := indusRisk(base, p.geojson); err != nil {
			return nil, err
		}
		if _, _, err := postgisRisk(pool, p.geojson); err != nil {
			return nil, err
		}
	}
	for _, p := range riskPolygons {
		var ti, tp []time.Duration
		var ai, ap answer
		for range reps {
			a, d, err := indusRisk(base, p.geojson)
			if err != nil {
				return nil, err
			}
			ai, ti = a, append(ti, d)
			b, e, err := postgisRisk(pool, p.geojson)
			if err != nil {
				return nil, err
			}
			ap, tp = b, append(tp, e)
		}
		slices.Sort(ti)
		slices.Sort(tp)
		mi, mp := ti[len(ti)/2], tp[len(tp)/2]
		r := RiskResult{Name: p.name, IndusMs: ms(mi), PostGISMs: ms(mp), SpeedUp: round3(float64(mp) / float64(mi)), Agree: true}
		for k, want := range ap {
			got := ai[k]
			for i := range 2 {
				if want[i] > 1 {
					d := math.Abs(got[i]-want[i]) / want[i]
					r.MaxRelDiff = math.Max(r.MaxRelDiff, d)
				}
			}
		}
		r.Agree = r.MaxRelDiff <= 0.005
		out = append(out, r)
	}
	return out, nil
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())/10) / 100 }
