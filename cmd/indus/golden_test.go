package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

var (
	updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden.json from the running code")
	reportGolden = flag.Bool("report-golden", false, "list every difference of the risk answers, not only the first")
)

// golden is what the served bytes hashed to when the file was written: status and SHA-256 of
// the body, with the server's own address replaced and volatile fields (timings, uptime, the
// live layer's reference date) removed. Risk answers (JSON) are kept whole in a second file and
// compared value by value: strings and counts exactly, other numbers to 1e-9 (relative), since a
// different but exact method may add the same terms in another order.
type golden map[string]string

// TestGolden pins every served byte: tiles (composites and single layers at every zoom, with
// fields and filters), TileJSON, catalog, collections, items, styles, and risk answers (areas,
// admin units, corridors, points, ranks) on the default dataset. A refactoring or a new storage
// layout must leave them all unchanged; run with -update-golden only when a change of output is
// intended, and say why in the commit.
func TestGolden(t *testing.T) {
	t.Parallel()
	base := startServer(t, binary(t))
	got, bodies := golden{}, map[string]json.RawMessage{}
	for _, r := range goldenRequests(t, base) {
		var body []byte
		got[r.name], body = r.do(t, base)
		if r.numeric() {
			bodies[r.name] = body
			got[r.name] = strings.Fields(got[r.name])[0] // the status; the body is compared by value
		}
	}
	path, riskPath := filepath.Join("testdata", "golden.json"), filepath.Join("testdata", "golden-risk.json.gz")
	if *updateGolden {
		writeGolden(t, path, riskPath, got, bodies)
		return
	}
	checkRisk(t, riskPath, bodies)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want golden
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	var diff []string
	for k, w := range want {
		if g, ok := got[k]; !ok {
			diff = append(diff, "missing "+k)
		} else if g != w {
			diff = append(diff, fmt.Sprintf("%s: %s, was %s", k, g, w))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			diff = append(diff, "new "+k)
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Errorf("%d of %d served answers differ from testdata/golden.json:\n%s", len(diff), len(want), strings.Join(diff[:min(len(diff), 40)], "\n"))
	}
}

type goldenRequest struct {
	name, method, path, body string
}

var goldenClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// numeric says whether the answer is compared by value (risk answers and exports) rather than
// by hash.
func (r goldenRequest) numeric() bool { return strings.HasPrefix(r.path, "/risk/") }

func (r goldenRequest) do(t *testing.T, base string) (string, []byte) {
	t.Helper()
	req, _ := http.NewRequest(r.method, base+r.path, strings.NewReader(r.body))
	if r.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := goldenClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	b = bytes.ReplaceAll(b, []byte(base), []byte("BASE"))
	switch ct := res.Header.Get("Content-Type"); {
	case strings.Contains(ct, "json") && len(b) > 0:
		b = normalizeJSON(t, b)
	case strings.HasPrefix(ct, "text/csv"):
		b = csvJSON(t, b)
	}
	sum := sha256.Sum256(b)
	return fmt.Sprintf("%d %s %s", res.StatusCode, res.Header.Get("ETag"), hex.EncodeToString(sum[:12])), b
}

func writeGolden(t *testing.T, path, riskPath string, got golden, bodies map[string]json.RawMessage) {
	b, _ := json.MarshalIndent(got, "", " ")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	json.NewEncoder(zw).Encode(bodies)
	zw.Close()
	if err := os.WriteFile(riskPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d entries to %s and %d answers to %s", len(got), path, len(bodies), riskPath)
}

// checkRisk compares the risk answers with the recorded ones, value by value.
func checkRisk(t *testing.T, path string, got map[string]json.RawMessage) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]json.RawMessage
	if err := json.NewDecoder(zr).Decode(&want); err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for name, w := range want {
		var a, b any
		json.Unmarshal(got[name], &a)
		json.Unmarshal(w, &b)
		if *reportGolden {
			for _, d := range differences(a, b, "") {
				t.Logf("%s: %s", name, d)
			}
		}
		if msg := sameValue(a, b, "", &worst); msg != "" {
			t.Errorf("%s: %s", name, msg)
		}
	}
	t.Logf("risk answers: %d compared, largest relative difference %.3g", len(want), worst)
}

// differences lists every place where two decoded JSON values differ beyond the tolerance.
func differences(a, b any, at string) []string {
	var out []string
	switch y := b.(type) {
	case map[string]any:
		x, _ := a.(map[string]any)
		for k := range y {
			out = append(out, differences(x[k], y[k], at+"."+k)...)
		}
		for k := range x {
			if _, ok := y[k]; !ok {
				out = append(out, at+"."+k+": new")
			}
		}
	case []any:
		x, _ := a.([]any)
		if len(x) != len(y) {
			return []string{at + ": lengths differ"}
		}
		for i := range y {
			out = append(out, differences(x[i], y[i], fmt.Sprintf("%s[%d]", at, i))...)
		}
	default:
		var w float64
		if msg := sameValue(a, b, at, &w); msg != "" {
			out = append(out, msg)
		}
	}
	return out
}

// sameValue compares two decoded JSON values; it returns where they differ, or "".
func sameValue(a, b any, at string, worst *float64) string {
	switch y := b.(type) {
	case map[string]any:
		x, ok := a.(map[string]any)
		if !ok || len(x) != len(y) {
			return at + ": keys differ"
		}
		for k := range y {
			if msg := sameValue(x[k], y[k], at+"."+k, worst); msg != "" {
				return msg
			}
		}
	case []any:
		x, ok := a.([]any)
		if !ok || len(x) != len(y) {
			return at + ": lengths differ"
		}
		for i := range y {
			if msg := sameValue(x[i], y[i], fmt.Sprintf("%s[%d]", at, i), worst); msg != "" {
				return msg
			}
		}
	case float64:
		x, ok := a.(float64)
		if !ok {
			return at + ": not a number"
		}
		d := math.Abs(x-y) / math.Max(1, math.Abs(y))
		*worst = math.Max(*worst, d)
		if d > 1e-9 || (y == math.Trunc(y) && math.Abs(y) > 1 && math.Abs(x-y) > 1e-6*math.Abs(y)) {
			return fmt.Sprintf("%s: %v, was %v", at, x, y)
		}
	default:
		if fmt.Sprint(a) != fmt.Sprint(b) {
			return fmt.Sprintf("%s: %v, was %v", at, a, b)
		}
	}
	return ""
}

// normalizeJSON drops what changes from run to run: timings, uptime, the time stamps of items
// pages and the reference date of the live warnings layer (the day the server started).
func normalizeJSON(t *testing.T, b []byte) []byte {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("bad JSON: %v: %.200s", err, b)
	}
	var walk func(any)
	walk = func(x any) {
		switch m := x.(type) {
		case map[string]any:
			delete(m, "timing_ms")
			delete(m, "uptime_s")
			delete(m, "timeStamp") // of an items page: when it was made
			if m["identifier"] == "indus:pk:warnings" {
				delete(m, "reference_date")
			}
			for _, c := range m {
				walk(c)
			}
		case []any:
			for _, c := range m {
				walk(c)
			}
		}
	}
	walk(v)
	out, _ := json.Marshal(v)
	return out
}

// csvJSON turns CSV into a JSON array of rows, with numbers as numbers, to compare by value.
func csvJSON(t *testing.T, b []byte) []byte {
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("bad CSV: %v", err)
	}
	out := make([][]any, len(rows))
	for i, row := range rows {
		for _, cell := range row {
			if f, err := strconv.ParseFloat(cell, 64); err == nil {
				out[i] = append(out[i], f)
			} else {
				out[i] = append(out[i], cell)
			}
		}
	}
	js, _ := json.Marshal(out)
	return js
}

// goldenRequests is a fixed, seeded set of requests over the default dataset.
func goldenRequests(t *testing.T, base string) []goldenRequest {
	var out []goldenRequest
	get := func(path string) { out = append(out, goldenRequest{"GET " + path, "GET", path, ""}) }
	post := func(name, path, body string) {
		out = append(out, goldenRequest{"POST " + path + " " + name, "POST", path, body})
	}
	layers := strings.Split(allLayers, ",")
	r := rand.New(rand.NewPCG(10, 10))
	in := func() orb.Point {
		return orb.Point{pkBound.Min[0] + r.Float64()*(pkBound.Max[0]-pkBound.Min[0]), pkBound.Min[1] + r.Float64()*(pkBound.Max[1]-pkBound.Min[1])}
	}
	// plain points do not follow the data: add points along the lower Indus too
	indus := []orb.Point{{68.86, 27.70}, {68.40, 26.24}, {68.37, 25.39}, {71.5, 30.2}, {74.3, 31.5}, {73.0, 33.7}}
	for z := 0; z <= 14; z++ {
		for k := 0; k < 14; k++ {
			p := in()
			if k%2 == 1 {
				c := indus[r.IntN(len(indus))]
				d := 0.3 * math.Exp2(-float64(z)/3)
				p = orb.Point{c[0] + d*(r.Float64()-0.5), c[1] + d*(r.Float64()-0.5)}
			}
			tl := maptile.At(p, maptile.Zoom(z))
			set := allLayers
			if k%3 == 2 {
				set = layers[r.IntN(len(layers))]
			}
			get(fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", set, tl.Z, tl.X, tl.Y))
		}
	}
	for _, z := range []int{6, 9, 12} {
		tl := maptile.At(orb.Point{68.4, 26.2}, maptile.Zoom(z))
		get(fmt.Sprintf("/tiles/villages,facilities/%d/%d/%d.mvt?fields=population,fibre,kind", tl.Z, tl.X, tl.Y))
		get(fmt.Sprintf("/tiles/villages/%d/%d/%d.mvt?filter=population%%20%%3E%%3D%%205000%%20and%%20fibre%%20%%3D%%20false", tl.Z, tl.X, tl.Y))
		get(fmt.Sprintf("/tiles/flood_rp100/%d/%d/%d.mvt?filter=depth_class%%20in%%20(medium,high)", tl.Z, tl.X, tl.Y))
	}
	get("/tiles/" + allLayers + ".json")
	get("/tiles/villages.json")
	for _, p := range []string{"/catalog", "/collections", "/styles", "/styles/indus.json", "/styles/legend.json"} {
		get(p)
	}
	for _, l := range append(layers, "warnings") {
		get("/collections/" + l)
	}
	for _, th := range []string{"hazards", "hydrology", "climate", "ecology", "socioeconomic", "infrastructure", "admin"} {
		get("/styles/" + th + ".json")
	}
	get("/collections/villages/items?limit=50")
	get("/collections/villages/items?bbox=67,24,70,28&fibre=true&limit=20&offset=10")
	get("/collections/villages/items?province=PK-SD&limit=7&offset=1000")
	get("/collections/flood_rp100/items?bbox=68,25,69,26&limit=5")
	get("/collections/provinces/items")
	get("/collections/rivers/items?limit=3&offset=100")
	get("/collections/facilities/items?kind=hospital&limit=100")
	get("/collections/warnings/items")
	get("/collections/villages/items/12345")
	get("/collections/rivers/items/3")
	get("/conformance")
	get("/collections/villages/queryables")
	get("/collections/flood_rp100/queryables")
	get("/collections/villages/items?limit=30&filter=" + url.QueryEscape("population >= 2000 AND NOT fibre = TRUE AND name LIKE '%a_' AND S_INTERSECTS(geometry, POLYGON((68 25, 69.5 25.2, 68.7 26.5, 68 25)))"))
	get("/collections/flood_rp100/items?limit=5&filter-lang=cql2-text&filter=" + url.QueryEscape("depth_class IN ('medium', 'high') AND S_INTERSECTS(geometry, BBOX(68.2, 25.3, 68.6, 25.6))"))
	get("/collections/rivers/items?filter=" + url.QueryEscape("level BETWEEN 1 AND 2 AND S_INTERSECTS(geom, LINESTRING(67.5 24.5, 69 26.5))"))
	for _, z := range []int{7, 10} {
		tl := maptile.At(orb.Point{68.4, 26.2}, maptile.Zoom(z))
		get(fmt.Sprintf("/tiles/villages/%d/%d/%d.mvt?filter-lang=cql2-text&filter=%s", tl.Z, tl.X, tl.Y,
			url.QueryEscape("(population > 1000 OR fibre = TRUE) AND S_INTERSECTS(geometry, POLYGON((68 25.5, 69 26, 68.4 26.8, 68 25.5)))")))
	}
	for name, g := range goldenPolygons(r) {
		post(name, "/risk/area", `{"geometry":`+g+`}`)
		post(name+" floods and villages", "/risk/area", `{"geometry":`+g+`,"hazards":["flood_rp10","flood_rp25","flood_rp100"],"exposure":["villages"]}`)
	}
	post("bbox", "/risk/area", `{"bbox":[67.6,24.6,68.9,26.0],"hazards":["flood_rp100"],"exposure":["villages"]}`)
	for _, p := range []string{"PK-SD", "PK-PB", "PK-BA", "PK-KP", "PK-GB", "PK-JK", "PK-IS"} {
		post(p, "/risk/area", `{"admin":{"layer":"provinces","id":"`+p+`"}}`)
	}
	post("corridor", "/risk/area", `{"corridor":{"geometry":{"type":"LineString","coordinates":[[68.86,27.70],[68.40,26.24],[68.37,25.39]]},"buffer_m":5000}}`)
	post("corridor 300 km", "/risk/area", `{"corridor":{"geometry":{"type":"LineString","coordinates":[[71.5,30.2],[70.6,29.0],[69.5,28.4],[68.86,27.70]]},"buffer_m":5000}}`)
	post("csv", "/risk/area?format=csv", `{"bbox":[68.5,27.5,69,28]}`)
	post("geojson", "/risk/area?format=geojson", `{"bbox":[68.5,27.5,69,28]}`)
	for k := 0; k < 12; k++ {
		p := in()
		if k%2 == 0 {
			c := indus[k/2%len(indus)]
			p = orb.Point{c[0] + 0.2*(r.Float64()-0.5), c[1] + 0.2*(r.Float64()-0.5)}
		}
		get(fmt.Sprintf("/risk/point?lon=%.4f&lat=%.4f", p[0], p[1]))
	}
	for _, m := range []string{"risk_index", "expected_annual_population", "exposed_population", "damaging_area_km2", "damaging_share", "population"} {
		get("/risk/rank?admin=provinces&hazard=flood&metric=" + m)
	}
	return out
}

// goldenPolygons are drawn areas: boxes, the PostGIS comparison set, and seeded irregular shapes
// (non-convex stars, a hole, a multipolygon, a thin strip).
func goldenPolygons(r *rand.Rand) map[string]string {
	ps := map[string]string{
		"district near Sukkur":           `{"type":"Polygon","coordinates":[[[68.6,27.5],[69.1,27.5],[69.1,27.95],[68.6,27.95],[68.6,27.5]]]}`,
		"across the Sindh-Punjab border": `{"type":"Polygon","coordinates":[[[69.4,27.9],[70.6,28.2],[70.9,29.3],[69.8,29.1],[69.4,27.9]]]}`,
		"partly in India, Lahore":        `{"type":"Polygon","coordinates":[[[74.0,31.0],[75.0,31.0],[75.0,31.9],[74.0,31.9],[74.0,31.0]]]}`,
		"with a hole, lower Indus":       `{"type":"Polygon","coordinates":[[[67.6,24.6],[68.9,24.6],[68.9,26.0],[67.6,26.0],[67.6,24.6]],[[68.0,25.0],[68.0,25.5],[68.5,25.5],[68.5,25.0],[68.0,25.0]]]}`,
		"multipolygon, Punjab":           `{"type":"MultiPolygon","coordinates":[[[[71.2,29.8],[71.8,29.8],[71.8,30.4],[71.2,30.4],[71.2,29.8]]],[[[73.5,31.0],[74.5,31.0],[74.5,31.9],[73.5,31.9],[73.5,31.0]]]]}`,
		"thin strip along the Indus":     `{"type":"Polygon","coordinates":[[[68.80,27.60],[68.36,26.20],[68.33,25.40],[68.37,25.39],[68.42,26.20],[68.90,27.62],[68.80,27.60]]]}`,
	}
	star := func(c orb.Point, radiusDeg float64, n int) orb.Ring {
		var ring orb.Ring
		for i := 0; i < n; i++ {
			a := 2 * math.Pi * float64(i) / float64(n)
			rr := radiusDeg * (0.45 + 0.55*r.Float64())
			ring = append(ring, orb.Point{round6(c[0] + rr*math.Cos(a)), round6(c[1] + rr*math.Sin(a))})
		}
		return append(ring, ring[0])
	}
	js := func(g orb.Geometry) string {
		b, _ := json.Marshal(map[string]any{"type": g.GeoJSONType(), "coordinates": g})
		return string(b)
	}
	centres := []orb.Point{{68.7, 27.3}, {68.3, 25.8}, {70.3, 28.6}, {71.6, 30.1}, {73.2, 32.0}, {72.0, 33.8}}
	for i, c := range centres {
		ps[fmt.Sprintf("star %d", i)] = js(orb.Polygon{star(c, 0.1+0.25*float64(i%3), 20+10*i)})
	}
	outer := star(orb.Point{68.5, 26.5}, 0.5, 48)
	hole := star(orb.Point{68.5, 26.5}, 0.1, 12)
	for i, j := 0, len(hole)-1; i < j; i, j = i+1, j-1 {
		hole[i], hole[j] = hole[j], hole[i]
	}
	ps["star with a hole"] = js(orb.Polygon{outer, hole})
	ps["two stars"] = js(orb.MultiPolygon{{star(orb.Point{69.6, 28.1}, 0.2, 30)}, {star(orb.Point{70.9, 29.2}, 0.25, 40)}})
	return ps
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
