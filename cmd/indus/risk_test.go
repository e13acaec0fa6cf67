package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cpec-digital/indus/data/postgres/pgtest"
)

// exportLayer writes every feature of a collection to a GeoJSON file, through the Features API.
func exportLayer(t *testing.T, base, layer, path string) {
	t.Helper()
	var all []json.RawMessage
	for offset := 0; ; offset += 10000 {
		var page struct {
			Features []json.RawMessage `json:"features"`
		}
		getJSON(t, fmt.Sprintf("%s/collections/%s/items?limit=10000&offset=%d", base, layer, offset), &page)
		all = append(all, page.Features...)
		if len(page.Features) < 10000 {
			break
		}
	}
	b, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": all})
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func psql(t *testing.T, conn, sql string) [][]string {
	t.Helper()
	out, err := exec.Command("psql", conn, "-v", "ON_ERROR_STOP=1", "-At", "-F", "\t", "-c", sql).CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s\n%s", err, sql, out)
	}
	var rows [][]string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			rows = append(rows, strings.Split(l, "\t"))
		}
	}
	return rows
}

// TestRiskMatchesPostGIS compares /risk/area with PostGIS (ST_Intersection, ST_Area(geography),
// ST_Contains) on the same layers, for several polygons: within 0.5 %.
func TestRiskMatchesPostGIS(t *testing.T) {
	t.Parallel()
	conn := pgtest.Require(t).Conn()
	base := startServer(t, binary(t))
	dir := t.TempDir()
	layers := []string{"flood_rp10", "flood_rp25", "flood_rp100", "villages"}
	for _, l := range layers {
		path := filepath.Join(dir, l+".geojson")
		exportLayer(t, base, l, path)
		out, err := exec.Command("ogr2ogr", "-f", "PostgreSQL", "PG:"+conn, path, "-nln", l, "-lco", "GEOMETRY_NAME=geom",
			"-lco", "FID=fid", "-nlt", "PROMOTE_TO_MULTI", "-overwrite").CombinedOutput()
		if err != nil {
			t.Fatalf("ogr2ogr %s: %v\n%s", l, err, out)
		}
	}
	polygons := map[string]string{
		"district near Sukkur":           `{"type":"Polygon","coordinates":[[[68.6,27.5],[69.1,27.5],[69.1,27.95],[68.6,27.95],[68.6,27.5]]]}`,
		"across the Sindh-Punjab border": `{"type":"Polygon","coordinates":[[[69.4,27.9],[70.6,28.2],[70.9,29.3],[69.8,29.1],[69.4,27.9]]]}`,
		"partly in India, Lahore":        `{"type":"Polygon","coordinates":[[[74.0,31.0],[75.0,31.0],[75.0,31.9],[74.0,31.9],[74.0,31.0]]]}`,
		"grid-aligned edges":             `{"type":"Polygon","coordinates":[[[71.2,29.8],[71.8,29.8],[71.8,30.4],[71.2,30.4],[71.2,29.8]]]}`,
		"with a hole, lower Indus":       `{"type":"Polygon","coordinates":[[[67.6,24.6],[68.9,24.6],[68.9,26.0],[67.6,26.0],[67.6,24.6]],[[68.0,25.0],[68.0,25.5],[68.5,25.5],[68.5,25.0],[68.0,25.0]]]}`,
		"multipolygon, Punjab":           `{"type":"MultiPolygon","coordinates":[[[[71.2,29.8],[71.8,29.8],[71.8,30.4],[71.2,30.4],[71.2,29.8]]],[[[73.5,31.0],[74.5,31.0],[74.5,31.9],[73.5,31.9],[73.5,31.0]]]]}`,
	}
	var worst float64
	defer func() {
		t.Logf("largest relative difference from PostGIS over classes above 1 km²: %.5f %%", worst*100)
	}()
	for name, g := range polygons {
		t.Run(name, func(t *testing.T) {
			body := fmt.Sprintf(`{"geometry":%s,"hazards":["flood_rp10","flood_rp25","flood_rp100"],"exposure":["villages"]}`, g)
			res, err := http.Post(base+"/risk/area", "application/json", bytes.NewBufferString(body))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("%d %s", res.StatusCode, raw)
			}
			var out struct {
				Query struct {
					AreaKm2 float64 `json:"area_km2"`
				} `json:"query"`
				Hazards []struct {
					Layer   string `json:"layer"`
					Classes []struct {
						Class    string                        `json:"class"`
						AreaKm2  float64                       `json:"area_km2"`
						Exposure map[string]map[string]float64 `json:"exposure"`
					} `json:"classes"`
				} `json:"hazards"`
			}
			json.Unmarshal(raw, &out)
			q := fmt.Sprintf("ST_SetSRID(ST_GeomFromGeoJSON('%s'), 4326)", g)
			qa, _ := strconv.ParseFloat(psql(t, conn, fmt.Sprintf("SELECT ST_Area(%s::geography)/1e6", q))[0][0], 64)
			if math.Abs(out.Query.AreaKm2-qa)/qa > 0.005 {
				t.Errorf("query area %.3f km², PostGIS %.3f", out.Query.AreaKm2, qa)
			}
			compared := 0
			for _, h := range out.Hazards {
				sql := fmt.Sprintf(`WITH q AS (SELECT %s AS g)
					SELECT f.depth_class, SUM(ST_Area(ST_Intersection(f.geom, q.g)::geography))/1e6
					FROM %s f, q WHERE ST_Intersects(f.geom, q.g) GROUP BY f.depth_class`, q, h.Layer)
				pgArea := map[string]float64{}
				for _, r := range psql(t, conn, sql) {
					pgArea[r[0]], _ = strconv.ParseFloat(r[1], 64)
				}
				sql = fmt.Sprintf(`WITH q AS (SELECT %s AS g)
					SELECT f.depth_class, COUNT(*), SUM(v.population)
					FROM %s f JOIN villages v ON ST_Contains(f.geom, v.geom), q
					WHERE ST_Contains(q.g, v.geom) GROUP BY f.depth_class`, q, h.Layer)
				pgPop := map[string]float64{}
				for _, r := range psql(t, conn, sql) {
					pgPop[r[0]], _ = strconv.ParseFloat(r[2], 64)
				}
				for _, c := range h.Classes {
					want := pgArea[c.Class]
					if math.Abs(c.AreaKm2-want) > math.Max(0.005*want, 0.01) {
						t.Errorf("%s %s: area %.4f km², PostGIS %.4f", h.Layer, c.Class, c.AreaKm2, want)
					}
					pop := c.Exposure["villages"]["population"]
					if math.Abs(pop-pgPop[c.Class]) > 0.005*pgPop[c.Class] {
						t.Errorf("%s %s: population %.0f, PostGIS %.0f", h.Layer, c.Class, pop, pgPop[c.Class])
					}
					if want > 1 {
						compared++
						worst = math.Max(worst, math.Abs(c.AreaKm2-want)/want)
					}
				}
			}
			if compared == 0 {
				t.Errorf("no flooded class to compare in %s", name)
			}
		})
	}
}
