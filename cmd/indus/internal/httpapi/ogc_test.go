package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
	"github.com/cpec-digital/indus/indexes/features"
)

func TestConformanceAndLanding(t *testing.T) {
	base := start(t, newServer(t, Config{PublicURL: "https://maps.example.org"}, testSet()))
	var conf struct {
		ConformsTo []string `json:"conformsTo"`
	}
	if code, _ := get(t, base+"/conformance", &conf); code != 200 {
		t.Fatalf("conformance: %d", code)
	}
	for _, c := range []string{"core", "oas30", "geojson"} {
		if !slices.Contains(conf.ConformsTo, "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"+c) {
			t.Errorf("conformance lacks %s: %v", c, conf.ConformsTo)
		}
	}
	var landing struct {
		Links []features.Link `json:"links"`
	}
	get(t, base+"/", &landing)
	want := map[string]string{
		"service-desc": "https://maps.example.org/api " + openAPIType,
		"conformance":  "https://maps.example.org/conformance application/json",
		"data":         "https://maps.example.org/collections application/json",
	}
	for _, l := range landing.Links {
		if w, ok := want[l.Rel]; ok && w == l.Href+" "+l.Type {
			delete(want, l.Rel)
		}
	}
	if len(want) > 0 {
		t.Errorf("landing page lacks %v: %+v", want, landing.Links)
	}
}

// bigSet is one layer of n points, ids 1..n.
func bigSet(n int) *indexes.Set {
	spec := data.LayerSpec{ID: "dots", Theme: data.ThemeSocioeconomic, MaxZoom: 14,
		Fields: []data.Field{{Name: "k", Type: data.FieldInteger}}}
	cat := &data.Catalog{Name: "big", Layers: []data.LayerSpec{spec}}
	feats := make([]data.Feature, n)
	for i := range feats {
		feats[i] = data.Feature{ID: uint64(i + 1), Geometry: orb.Point{60 + float64(i%100)*0.1, 20 + float64(i/100)*0.1},
			Properties: map[string]any{"k": int64(i)}}
	}
	return indexes.Build(&data.Dataset{Catalog: cat, Layers: []*data.Layer{data.NewLayer(&cat.Layers[0], feats)}, Version: "b"})
}

func TestItemsLimitCRSAndDatetime(t *testing.T) {
	base := start(t, newServer(t, Config{}, bigSet(10_050)))
	var page struct {
		NumberMatched  int             `json:"numberMatched"`
		NumberReturned int             `json:"numberReturned"`
		TimeStamp      string          `json:"timeStamp"`
		Links          []features.Link `json:"links"`
	}
	code, hdr := get(t, base+"/collections/dots/items?limit=50000&crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84", &page)
	if code != 200 || page.NumberMatched != 10_050 || page.NumberReturned != features.MaxLimit || page.TimeStamp == "" {
		t.Fatalf("limit over the maximum: %d %+v", code, page)
	}
	if hdr.Get("Content-Crs") != "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>" || !strings.Contains(hdr.Get("Access-Control-Expose-Headers"), "Content-Crs") {
		t.Errorf("Content-Crs %q, exposed to scripts: %q", hdr.Get("Content-Crs"), hdr.Get("Access-Control-Expose-Headers"))
	}
	if next, _ := url.QueryUnescape(page.Links[1].Href); page.Links[1].Rel != "next" ||
		!strings.HasSuffix(next, "/collections/dots/items?limit=10000&crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84&offset=10000") {
		t.Errorf("next link %+v", page.Links)
	}
	bad := []struct{ query, want string }{
		{"crs=http://www.opengis.net/def/crs/EPSG/0/4326", "unsupported crs"},
		{"bbox-crs=EPSG:3857&bbox=1,2,3,4", "unsupported bbox-crs"},
		{"datetime=2024-01-01T00:00:00Z", "datetime is not supported by collection dots"},
		{"datetime=../2024-01-01", "datetime is not supported"},
	}
	for _, b := range bad {
		var e errorBody
		if code, _ := get(t, base+"/collections/dots/items?"+b.query, &e); code != 400 || !strings.Contains(e.Error, b.want) {
			t.Errorf("%s: %d %+v, want 400 %q", b.query, code, e, b.want)
		}
	}
	if code, _ := get(t, base+"/collections/dots/items?bbox-crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84&bbox=60,20,60.05,20.05", &page); code != 200 || page.NumberMatched != 1 {
		t.Errorf("bbox-crs CRS84: %d %+v", code, page)
	}
	if code, _ := get(t, base+"/collections/dots/items?bbox=60,20,-100,60.15,20.05,8848", &page); code != 200 || page.NumberMatched != 2 {
		t.Errorf("bbox of six numbers: %d %+v", code, page)
	}
	var e errorBody
	if code, _ := get(t, base+"/collections/dots/items?bbox=60,20,x,60.15,20.05,1", &e); code != 400 {
		t.Errorf("bbox of six numbers, one bad: %d %+v", code, e)
	}
}

func TestItemByID(t *testing.T) {
	base := start(t, newServer(t, Config{}, testSet()))
	var f struct {
		Type       string          `json:"type"`
		ID         int             `json:"id"`
		Geometry   json.RawMessage `json:"geometry"`
		Properties map[string]any  `json:"properties"`
		Links      []features.Link `json:"links"`
	}
	code, hdr := get(t, base+"/collections/villages/items/13", &f)
	if code != 200 || hdr.Get("Content-Type") != "application/geo+json" || hdr.Get("Content-Crs") == "" {
		t.Fatalf("item 13: %d %v", code, hdr)
	}
	if f.Type != "Feature" || f.ID != 13 || string(f.Geometry) != `{"type":"Point","coordinates":[61.2,30]}` ||
		f.Properties["population"] != 120.0 || f.Properties["fibre"] != true {
		t.Errorf("item 13: %+v %s", f, f.Geometry)
	}
	if len(f.Links) != 2 || f.Links[0].Rel != "self" || f.Links[0].Href != base+"/collections/villages/items/13" || f.Links[1].Rel != "collection" {
		t.Errorf("links %+v", f.Links)
	}
	for _, p := range []string{"/collections/villages/items/0", "/collections/villages/items/101", "/collections/villages/items/abc",
		"/collections/nope/items/1"} {
		var e errorBody
		if code, _ := get(t, base+p, &e); code != 404 || e.Error == "" {
			t.Errorf("%s: %d %+v, want 404", p, code, e)
		}
	}
	var e errorBody
	if code, _ := get(t, base+"/collections/villages/items/1?crs=EPSG:4326", &e); code != 400 {
		t.Errorf("item with crs EPSG:4326: %d %+v", code, e)
	}
}

func TestOpenAPIServed(t *testing.T) {
	base := start(t, newServer(t, Config{PublicURL: "https://maps.example.org"}, testSet()))
	res, err := http.Get(base + "/api")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Servers []struct{ URL string }    `json:"servers"`
		Paths   map[string]map[string]any `json:"paths"`
		Comps   map[string]map[string]any `json:"components"`
	}
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != openAPIType || json.Unmarshal(body, &doc) != nil {
		t.Fatalf("GET /api: %d %s %.200s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") || len(doc.Servers) != 1 || doc.Servers[0].URL != "https://maps.example.org" {
		t.Errorf("openapi %q, servers %+v", doc.OpenAPI, doc.Servers)
	}
	if strings.Contains(string(body), "x-indus-") || strings.Contains(string(body), `"<<"`) {
		t.Error("the served document holds the YAML anchors' members")
	}
	items := doc.Paths["/collections/{collectionId}/items"]["get"].(map[string]any)
	resp := items["responses"].(map[string]any)
	for _, code := range []string{"200", "400", "401", "404", "504"} {
		if resp[code] == nil {
			t.Errorf("items: no %s response (merged from the anchors) in %v", code, resp)
		}
	}
	if doc.Comps["securitySchemes"]["bearerAuth"] == nil {
		t.Error("no bearerAuth security scheme")
	}
	if _, err := parseOpenAPI([]byte("paths: [")); err == nil {
		t.Error("a broken definition parsed")
	}
}

// TestOpenAPICoversEveryRoute holds the API definition to the router: every route registered
// (but middleware) must be reached by a path of the definition, and every path of the definition
// must reach a registered route, matched as Fiber matches them (registration order, parameters
// within one segment). Routes merged from parallel work are listed in pending until they are
// registered: the definition must describe them already.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	s := newServer(t, Config{}, testSet())
	var paths map[string]map[string]json.RawMessage
	if s.apiErr != nil || json.Unmarshal(s.apiDoc["paths"], &paths) != nil {
		t.Fatalf("openapi.yaml: %v", s.apiErr)
	}
	pending := []string{"GET /metrics", "GET /ready", "GET /fonts/{fontstack}/{range}.pbf", "GET /collections/{collectionId}/queryables"}
	match := routeMatchers(s)
	covered := map[string]bool{}
	for path, ops := range paths {
		for method := range ops {
			op := strings.ToUpper(method) + " " + path
			if m := firstMatch(match[strings.ToUpper(method)], path); m != "" {
				covered[m] = true
			} else if !slices.Contains(pending, op) {
				t.Errorf("the definition has %s, which no route serves", op)
			}
		}
	}
	for _, method := range []string{"GET", "POST"} {
		for _, m := range match[method] {
			if !m.use && !covered[m.key] {
				t.Errorf("route %s is not in openapi.yaml", m.key)
			}
		}
	}
	for _, op := range pending {
		method, path, _ := strings.Cut(op, " ")
		if paths[path][strings.ToLower(method)] == nil {
			t.Errorf("the definition lacks %s (served by work merged separately)", op)
		}
	}
}

// matcher is one registered route as the router tries it: a pattern, or a middleware prefix.
type matcher struct {
	key string // method and Fiber path
	use bool   // middleware mounted under a prefix (app.Use("/map", ...))
	re  *regexp.Regexp
}

// routeMatchers lists the registered routes by method in registration order, leaving out the
// middleware mounted at "/" (it passes every request on).
func routeMatchers(s *Server) map[string][]matcher {
	handlers := map[string]int{}
	for _, r := range s.app.GetRoutes(true) {
		handlers[r.Method+" "+r.Path]++
	}
	out := map[string][]matcher{}
	seen := map[string]bool{}
	for _, r := range s.app.GetRoutes(false) {
		key := r.Method + " " + r.Path
		if seen[key] {
			continue
		}
		seen[key] = true
		use := handlers[key] == 0
		if use && r.Path == "/" {
			continue
		}
		out[r.Method] = append(out[r.Method], matcher{key: key, use: use, re: fiberPattern(r.Path, use)})
	}
	return out
}

var fiberParam = regexp.MustCompile(`:[A-Za-z0-9_]+|\*`)

// fiberPattern is the regular expression of the paths a Fiber route matches: a parameter takes
// what lies between delimiters (never a slash); a middleware prefix takes everything below it.
func fiberPattern(path string, prefix bool) *regexp.Regexp {
	var b strings.Builder
	last := 0
	for _, m := range fiberParam.FindAllStringIndex(path, -1) {
		b.WriteString(regexp.QuoteMeta(path[last:m[0]]))
		b.WriteString(map[bool]string{true: `.*`, false: `[^/]+`}[path[m[0]] == '*'])
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(path[last:]))
	if prefix {
		return regexp.MustCompile("^" + b.String() + "(/.*)?$")
	}
	return regexp.MustCompile("^" + b.String() + "/?$")
}

func firstMatch(ms []matcher, path string) string {
	for _, m := range ms {
		if m.re.MatchString(path) {
			return m.key
		}
	}
	return ""
}

// The matcher itself must tell routes apart as Fiber does.
func TestFiberPattern(t *testing.T) {
	for _, c := range []struct {
		route, path string
		prefix, ok  bool
	}{
		{"/tiles/:layers/:z/:x/:y.:ext", "/tiles/{layers}/{z}/{x}/{y}.{format}", false, true},
		{"/tiles/:tileset", "/tiles/{layers}.json", false, true},
		{"/tiles/:tileset", "/tiles/{layers}/{z}/{x}/{y}.{format}", false, false},
		{"/warnings/:file", "/warnings/{warningId}/villages", false, false},
		{"/collections/:id", "/collections/{collectionId}/items", false, false},
		{"/map", "/map/", true, true},
		{"/map", "/mapping", true, false},
		{"/", "/anything", false, false},
	} {
		if got := fiberPattern(c.route, c.prefix).MatchString(c.path); got != c.ok {
			t.Errorf("%s matches %s: %v, want %v", c.route, c.path, got, c.ok)
		}
	}
}

// docResponses are the statuses of one operation of the served definition, each with its media
// types (responses given by reference resolved).
func docResponses(t *testing.T, s *Server, op string) map[string][]string {
	t.Helper()
	var doc struct {
		Paths      map[string]map[string]struct{ Responses map[string]json.RawMessage }
		Components struct{ Responses map[string]json.RawMessage }
	}
	for k, v := range map[string]any{"paths": &doc.Paths, "components": &doc.Components} {
		if err := json.Unmarshal(s.apiDoc[k], v); err != nil {
			t.Fatal(err)
		}
	}
	method, path, _ := strings.Cut(op, " ")
	out := map[string][]string{}
	for code, raw := range doc.Paths[path][strings.ToLower(method)].Responses {
		var r struct {
			Ref     string                     `json:"$ref"`
			Content map[string]json.RawMessage `json:"content"`
		}
		json.Unmarshal(raw, &r)
		if name, ok := strings.CutPrefix(r.Ref, "#/components/responses/"); ok {
			json.Unmarshal(doc.Components.Responses[name], &r)
		}
		out[code] = []string{}
		for ct := range r.Content {
			out[code] = append(out[code], ct)
		}
	}
	return out
}

// TestOpenAPIStatusesAreTrue asks each route for its answers, good and bad (with keys, a rate
// limit, restricted layers), and holds the definition to them: every status received is listed
// for the operation, with the media type received.
func TestOpenAPIStatusesAreTrue(t *testing.T) {
	open, _ := accessServer(t, nil)
	limited, _ := accessServer(t, &fakeLimiter{n: 0, seen: map[string]int{}})
	s := newServer(t, Config{}, testSet())
	area := `{"bbox":[60,29,62,31]}`
	cases := []struct{ op, base, method, path, token, ctype, body string }{
		{"GET /", open, "GET", "/", "", "", ""}, {"GET /", open, "GET", "/", "nokey", "", ""},
		{"GET /conformance", open, "GET", "/conformance", "", "", ""}, {"GET /api", open, "GET", "/api", "", "", ""},
		{"GET /health", open, "GET", "/health", "", "", ""}, {"GET /catalog", open, "GET", "/catalog", "tel", "", ""},
		{"GET /collections", open, "GET", "/collections", "", "", ""},
		{"GET /collections/{collectionId}", open, "GET", "/collections/villages", "", "", ""},
		{"GET /collections/{collectionId}", open, "GET", "/collections/towers", "", "", ""},
		{"GET /collections/{collectionId}/items", open, "GET", "/collections/towers/items", "tel", "", ""},
		{"GET /collections/{collectionId}/items", open, "GET", "/collections/towers/items", "ndma", "", ""},
		{"GET /collections/{collectionId}/items", open, "GET", "/collections/villages/items?limit=x", "", "", ""},
		{"GET /collections/{collectionId}/items", open, "GET", "/collections/villages/items", "bad", "", ""},
		{"GET /collections/{collectionId}/items", open, "GET", "/collections/villages/items?filter=population%20%3E", "", "", ""},
		{"GET /collections/{collectionId}/items", open, "GET", "/collections/villages/items?filter=TRUE&filter-lang=sql", "", "", ""},
		{"GET /collections/{collectionId}/queryables", open, "GET", "/collections/villages/queryables", "", "", ""},
		{"GET /collections/{collectionId}/queryables", open, "GET", "/collections/towers/queryables", "", "", ""},
		{"GET /collections/{collectionId}/queryables", open, "GET", "/collections/villages/queryables", "bad", "", ""},
		{"GET /collections/{collectionId}/items/{featureId}", open, "GET", "/collections/villages/items/5", "", "", ""},
		{"GET /collections/{collectionId}/items/{featureId}", open, "GET", "/collections/villages/items/500", "", "", ""},
		{"GET /collections/{collectionId}/items/{featureId}", open, "GET", "/collections/villages/items/5?crs=x", "", "", ""},
		{"GET /tiles/{layers}/{z}/{x}/{y}.{format}", open, "GET", "/tiles/villages/0/0/0.mvt", "", "", ""},
		{"GET /tiles/{layers}/{z}/{x}/{y}.{format}", open, "GET", "/tiles/villages/3/0/0.pbf", "", "", ""},
		{"GET /tiles/{layers}/{z}/{x}/{y}.{format}", open, "GET", "/tiles/villages/z/0/0.mvt", "", "", ""},
		{"GET /tiles/{layers}/{z}/{x}/{y}.{format}", open, "GET", "/tiles/villages/0/0/0.mvt?filter-lang=cql2-text&filter=fibre%20%3D%20TRUE", "", "", ""},
		{"GET /tiles/{layers}/{z}/{x}/{y}.{format}", open, "GET", "/tiles/towers/0/0/0.mvt", "", "", ""},
		{"GET /tiles/{layers}.json", open, "GET", "/tiles/villages.json", "", "", ""},
		{"GET /tiles/{layers}.json", open, "GET", "/tiles/nope.json", "", "", ""},
		{"GET /pmtiles/{name}.json", open, "GET", "/pmtiles/nope.json", "", "", ""},
		{"GET /pmtiles/{name}/{z}/{x}/{y}.{format}", open, "GET", "/pmtiles/nope/0/0/0.mvt", "", "", ""},
		{"POST /risk/area", open, "POST", "/risk/area", "", "application/json", area},
		{"POST /risk/area", open, "POST", "/risk/area?format=csv", "", "application/json", area},
		{"POST /risk/area", open, "POST", "/risk/area", "", "text/plain", area},
		{"POST /risk/area", limited, "POST", "/risk/area", "", "application/json", area},
		{"GET /risk/point", open, "GET", "/risk/point?lon=61&lat=30", "", "", ""},
		{"GET /risk/point", open, "GET", "/risk/point?lon=x&lat=30", "", "", ""},
		{"GET /risk/point", limited, "GET", "/risk/point?lon=61&lat=30", "", "", ""},
		{"GET /risk/rank", open, "GET", "/risk/rank?admin=nope", "", "", ""},
		{"POST /plan/fibre", open, "POST", "/plan/fibre", "", "application/json", `{"target": 3}`},
		{"POST /warnings/readings", open, "POST", "/warnings/readings", "", "application/json", `{}`},
		{"POST /warnings/readings", open, "POST", "/warnings/readings", "tel", "application/json", `{}`},
		{"GET /warnings/readings", open, "GET", "/warnings/readings?station=SKR", "", "", ""},
		{"GET /warnings", open, "GET", "/warnings", "", "", ""},
		{"GET /warnings.atom", open, "GET", "/warnings.atom", "", "", ""},
		{"GET /warnings/stream", open, "GET", "/warnings/stream", "", "", ""},
		{"GET /warnings/{warningId}.cap", open, "GET", "/warnings/x.cap", "", "", ""},
		{"GET /warnings/{warningId}/villages", open, "GET", "/warnings/x/villages", "", "", ""},
		{"GET /styles", open, "GET", "/styles", "", "", ""},
		{"GET /styles/legend.json", open, "GET", "/styles/legend.json", "", "", ""},
		{"GET /styles/{styleId}.json", open, "GET", "/styles/indus.json", "", "", ""},
		{"GET /styles/{styleId}.json", open, "GET", "/styles/nope.json", "", "", ""},
		{"GET /map/", open, "GET", "/map/", "", "", ""},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, c.base+c.path, strings.NewReader(c.body))
		if c.ctype != "" {
			req.Header.Set("Content-Type", c.ctype)
		}
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		code := fmt.Sprint(res.StatusCode)
		types, ok := docResponses(t, s, c.op)[code]
		ct, _, _ := strings.Cut(res.Header.Get("Content-Type"), ";")
		switch {
		case !ok:
			t.Errorf("%s %s answers %s, which %s does not list", c.method, c.path, code, c.op)
		case len(types) > 0 && !slices.ContainsFunc(types, func(d string) bool { return strings.HasPrefix(d, ct) }):
			t.Errorf("%s %s answers %s as %q; the definition has %v", c.method, c.path, code, ct, types)
		}
	}
}

// One feature of a restricted layer: its group reads it (privately), everyone else gets exactly
// the answer for a layer that does not exist.
func TestItemOfRestrictedLayer(t *testing.T) {
	base, audit := accessServer(t, nil)
	code, hdr, body := fetch(t, "GET", base+"/collections/towers/items/3", "tel")
	if code != 200 || !strings.Contains(body, `"operator":"jazz"`) || !strings.Contains(hdr.Get("Cache-Control"), "private") {
		t.Errorf("member: %d %v %s", code, hdr, body)
	}
	for _, token := range []string{"", "ndma"} {
		code, _, body := fetch(t, "GET", base+"/collections/towers/items/3", token)
		ucode, _, ubody := fetch(t, "GET", base+"/collections/towerz/items/3", token)
		if code != 404 || code != ucode || body != strings.ReplaceAll(ubody, "towerz", "towers") {
			t.Errorf("key %q: %d %s; a layer that does not exist: %d %s", token, code, body, ucode, ubody)
		}
	}
	audit.mu.Lock()
	defer audit.mu.Unlock()
	if len(audit.events) != 1 || audit.events[0].Who.ID != "tel" || fmt.Sprint(audit.events[0].Layers) != "[towers]" {
		t.Errorf("audit events %+v", audit.events)
	}
}
