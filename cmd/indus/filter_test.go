package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cpec-digital/indus/data/testenv"
)

// TestItemsFilterAgreesWithGDAL: the real server's answers to CQL2 item filters are those of
// GDAL's SQLite dialect — SQL's three-valued logic, SpatiaLite's (GEOS's) exact ST_Intersects,
// case-sensitive GLOB for LIKE — asked the same question about the unfiltered items the server
// serves (every match lies in the universe fetched: its bbox meets the filter's own shape).
func TestItemsFilterAgreesWithGDAL(t *testing.T) {
	t.Parallel()
	base := startServer(t, binary(t))
	tri := "POLYGON((68 25, 69.5 25.2, 68.7 26.5, 68 25))"
	cases := []struct{ layer, universe, cql, sql string }{
		{"villages", "68,25,69.5,26.5",
			"population >= 2000 AND NOT fibre = TRUE AND S_INTERSECTS(geometry, " + tri + ")",
			"population >= 2000 AND NOT fibre = 1 AND ST_Intersects(geometry, ST_GeomFromText('" + tri + "'))"},
		{"villages", "68,25,69.5,26.5",
			"(name LIKE '%a_' OR population BETWEEN 500 AND 800) AND S_INTERSECTS(" + tri + ", geom)",
			"(name GLOB '*a?' OR population BETWEEN 500 AND 800) AND ST_Intersects(geometry, ST_GeomFromText('" + tri + "'))"},
		{"flood_rp100", "68.2,25.3,68.6,25.6",
			"depth_class IN ('medium', 'high') AND S_INTERSECTS(geometry, BBOX(68.2, 25.3, 68.6, 25.6))",
			"depth_class IN ('medium', 'high') AND ST_Intersects(geometry, BuildMbr(68.2, 25.3, 68.6, 25.6))"},
		{"rivers", "67.5,24.5,69,26.5",
			"level NOT IN (0, 3) AND S_INTERSECTS(geometry, LINESTRING(67.5 24.5, 69 26.5))",
			"level NOT IN (0, 3) AND ST_Intersects(geometry, ST_GeomFromText('LINESTRING(67.5 24.5, 69 26.5)'))"},
		{"rivers", "67.5,26.7,68.5,27.6", // lines near the box but not meeting it are in the universe, not in the answer
			"S_INTERSECTS(geometry, BBOX(67.85, 26.99, 68.15, 27.29))",
			"ST_Intersects(geometry, BuildMbr(67.85, 26.99, 68.15, 27.29))"},
		{"flood_rp10", "68,25,69.5,26.5",
			"S_INTERSECTS(geometry, " + tri + ") AND NOT depth_class = 'low'",
			"ST_Intersects(geometry, ST_GeomFromText('" + tri + "')) AND NOT depth_class = 'low'"},
		{"places", "60,23,78,38",
			"NOT population < 100000 OR feature_code <> 'PPL'",
			"NOT population < 100000 OR feature_code <> 'PPL'"},
	}
	dir := t.TempDir()
	for k, c := range cases {
		universe := fetchItems(t, base, c.layer, url.Values{"bbox": {c.universe}})
		path := filepath.Join(dir, fmt.Sprintf("u%d.geojson", k))
		writeUniverse(t, path, universe)
		var got []int
		for _, f := range fetchItems(t, base, c.layer, url.Values{"filter": {c.cql}}) {
			got = append(got, f.ID)
		}
		slices.Sort(got)
		want := ogrFIDs(t, path, fmt.Sprintf("u%d", k), c.sql)
		if !slices.Equal(got, want) {
			t.Errorf("%s: %s\nIndus %d features %v\nGDAL  %d features %v", c.layer, c.cql, len(got), head(got), len(want), head(want))
		}
		if len(want) == 0 || len(want) == len(universe) {
			t.Errorf("%s: %s selects %d of %d features: not a test", c.layer, c.cql, len(want), len(universe))
		}
		t.Logf("%s: %d of %d features", c.cql, len(got), len(universe))
	}
}

type servedFeature struct {
	Type       string          `json:"type"`
	ID         int             `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties map[string]any  `json:"properties"`
}

// fetchItems gets every item of a layer that the parameters select, following next links.
func fetchItems(t *testing.T, base, layer string, params url.Values) []servedFeature {
	t.Helper()
	params.Set("limit", "10000")
	var out []servedFeature
	for next := base + "/collections/" + layer + "/items?" + params.Encode(); next != ""; {
		res, err := http.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", next, res.StatusCode, body)
		}
		var page struct {
			Features []servedFeature              `json:"features"`
			Links    []struct{ Rel, Href string } `json:"links"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		out, next = append(out, page.Features...), ""
		for _, l := range page.Links {
			if l.Rel == "next" {
				next = l.Href
			}
		}
	}
	return out
}

// writeUniverse writes features as a GeoJSON file, each with its id as the property fid.
func writeUniverse(t *testing.T, path string, feats []servedFeature) {
	t.Helper()
	for i := range feats {
		feats[i].Properties["fid"] = feats[i].ID
	}
	b, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": feats})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

var fidRE = regexp.MustCompile(`(?m)^\s*fid \(Integer(?:64)?\) = (\d+)$`)

// ogrFIDs runs a WHERE clause of GDAL's SQLite dialect over a GeoJSON file and returns the fid
// of the rows, sorted.
func ogrFIDs(t *testing.T, path, layer, where string) []int {
	t.Helper()
	out, err := exec.Command(testenv.Tool(t, "ogrinfo"), "-ro", "-q", "-dialect", "SQLite", "-sql",
		"SELECT fid FROM "+layer+" WHERE "+where, path).CombinedOutput()
	if err != nil || strings.Contains(string(out), "ERROR") {
		t.Fatalf("ogrinfo %s: %v\n%s", where, err, out)
	}
	var ids []int
	for _, m := range fidRE.FindAllStringSubmatch(string(out), -1) {
		n, _ := strconv.Atoi(m[1])
		ids = append(ids, n)
	}
	slices.Sort(ids)
	return ids
}

func head(ids []int) []int { return ids[:min(len(ids), 20)] }
