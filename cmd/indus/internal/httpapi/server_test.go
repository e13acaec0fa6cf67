package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/analytics/warnings"
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
	"github.com/cpec-digital/indus/indexes/features"
	"github.com/cpec-digital/indus/tiles"
)

// testSet is a small in-memory dataset: 100 villages on a line, every other one fibre-connected.
func testSet() *indexes.Set {
	spec := data.LayerSpec{ID: "villages", Theme: data.ThemeSocioeconomic, MaxZoom: 14,
		Fields:   []data.Field{{Name: "population", Type: data.FieldInteger}, {Name: "fibre", Type: data.FieldBoolean}},
		Metadata: data.Metadata{Title: "Villages", Theme: data.ThemeSocioeconomic}}
	cat := &data.Catalog{Name: "test", Layers: []data.LayerSpec{spec}}
	var feats []data.Feature
	for i := range 100 {
		feats = append(feats, data.Feature{ID: uint64(i + 1), Geometry: orb.Point{60 + float64(i)*0.1, 30},
			Properties: map[string]any{"population": int64(i * 10), "fibre": i%2 == 0}})
	}
	l := data.NewLayer(&cat.Layers[0], feats)
	return indexes.Build(&data.Dataset{Catalog: cat, Layers: []*data.Layer{l}, Version: "v1"})
}

// newServer builds a server with a tile service over set.
func newServer(t testing.TB, cfg Config, set *indexes.Set) *Server {
	t.Helper()
	return newServerOn(t, cfg, func() *indexes.Set { return set }, nil)
}

// newServerOn builds a server over the set current returns, with warnings from w (may be nil).
func newServerOn(t testing.TB, cfg Config, current func() *indexes.Set, w *warnings.Service) *Server {
	t.Helper()
	ts, err := tiles.New(tiles.Config{}, current, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.Close)
	return New(cfg, Services{Features: features.New(current), Tiles: ts, Risk: analytics.NewEngine(analytics.DefaultConfig(), current),
		Warnings: w}, slog.New(slog.DiscardHandler))
}

// start serves s on a free loopback port and returns its base URL.
func start(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String()
}

func get(t *testing.T, url string, into any) (int, http.Header) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if into != nil {
		if err := json.Unmarshal(body, into); err != nil {
			t.Fatalf("GET %s: %v\n%s", url, err, body)
		}
	}
	return res.StatusCode, res.Header
}

func TestItems(t *testing.T) {
	base := start(t, newServer(t, Config{}, testSet()))
	var fc struct {
		NumberMatched  int `json:"numberMatched"`
		NumberReturned int `json:"numberReturned"`
		Features       []struct {
			ID         int            `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
		Links []features.Link `json:"links"`
	}
	tests := []struct {
		query            string
		matched, returns int
		firstID          int
	}{
		{"", 100, 100, 1},
		{"?limit=10", 100, 10, 1},
		{"?limit=10&offset=95", 100, 5, 96},
		{"?fibre=true", 50, 50, 1},
		{"?fibre=false&limit=3", 50, 3, 2},
		{"?bbox=60.95,29,61.45,31", 5, 5, 11},
		{"?bbox=60.95,29,61.45,31&population=120", 1, 1, 13},
	}
	for _, tt := range tests {
		fc.Features = nil
		code, hdr := get(t, base+"/collections/villages/items"+tt.query, &fc)
		if code != 200 || hdr.Get("Content-Type") != "application/geo+json" {
			t.Fatalf("%s: status %d, type %s", tt.query, code, hdr.Get("Content-Type"))
		}
		if fc.NumberMatched != tt.matched || fc.NumberReturned != tt.returns || len(fc.Features) != tt.returns {
			t.Errorf("%s: matched %d returned %d (%d features), want %d and %d", tt.query, fc.NumberMatched, fc.NumberReturned, len(fc.Features), tt.matched, tt.returns)
			continue
		}
		if fc.Features[0].ID != tt.firstID {
			t.Errorf("%s: first id %d, want %d", tt.query, fc.Features[0].ID, tt.firstID)
		}
	}
	for _, q := range []string{"?bbox=177,65,-177,70", "?bbox=59,29,-179,31&limit=3", "?bbox=177,65,0,-177,70,10"} {
		fc.Features = nil
		code, _ := get(t, base+"/collections/villages/items"+q, &fc)
		want := map[bool]int{true: 0, false: 100}[strings.HasPrefix(q, "?bbox=177")] // across the antimeridian
		if code != 200 || fc.NumberMatched != want {
			t.Errorf("%s: %d, %d matched, want 200 and %d", q, code, fc.NumberMatched, want)
		}
	}
	get(t, base+"/collections/villages/items?limit=10", &fc)
	if len(fc.Links) < 2 || fc.Links[1].Rel != "next" || !strings.Contains(fc.Links[1].Href, "offset=10") {
		t.Errorf("links = %+v, want a next link at offset 10", fc.Links)
	}
}

func TestBadRequests(t *testing.T) {
	base := start(t, newServer(t, Config{}, testSet()))
	tests := []struct {
		path string
		code int
		want string
	}{
		{"/collections/nope/items", 404, `no collection "nope"`},
		{"/collections/villages/items?limit=0", 400, "bad limit"},
		{"/collections/villages/items?limit=abc", 400, "bad limit"},
		{"/collections/villages/items?limit=99999999999", 400, "bad limit"},
		{"/collections/villages/items?limit=1.5", 400, "bad limit"},
		{"/collections/villages/items?offset=-1", 400, "bad offset"},
		{"/collections/villages/items?bbox=1,2,3", 400, "bad bbox"},
		{"/collections/villages/items?bbox=1,2,3,NaN", 400, "bad bbox"},
		{"/collections/villages/items?bbox=10,4,3,2", 400, "bad bbox"},
		{"/collections/villages/items?bbox=-170,2,200,4", 400, "bad bbox"},
		{"/collections/villages/items?bbox=-200,2,3,4", 400, "bad bbox"},
		{"/collections/villages/items?colour=red", 400, "unknown query parameter"},
		{"/collections/villages/items?fibre=maybe", 400, "bad filter fibre"},
		{"/nothing/here", 404, "no route"},
	}
	for _, tt := range tests {
		var e errorBody
		code, hdr := get(t, base+tt.path, &e)
		if code != tt.code || !strings.Contains(e.Error, tt.want) {
			t.Errorf("%s: %d %+v, want %d and %q", tt.path, code, e, tt.code, tt.want)
		}
		if !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
			t.Errorf("%s: content type %q", tt.path, hdr.Get("Content-Type"))
		}
	}
}

func TestLandingCatalogHealth(t *testing.T) {
	base := start(t, newServer(t, Config{PublicURL: "https://maps.example.org/"}, testSet()))
	var landing struct {
		Links []features.Link `json:"links"`
	}
	get(t, base+"/", &landing)
	if len(landing.Links) == 0 || landing.Links[0].Href != "https://maps.example.org/" {
		t.Errorf("landing links = %+v, want the public URL", landing.Links)
	}
	var cat struct {
		Themes []struct {
			ID     string   `json:"id"`
			Layers []string `json:"layers"`
		} `json:"themes"`
		Layers []features.LayerInfo `json:"layers"`
	}
	get(t, base+"/catalog", &cat)
	if len(cat.Themes) != 7 || cat.Themes[4].ID != "socioeconomic" || cat.Themes[4].Layers[0] != "villages" {
		t.Errorf("themes = %+v", cat.Themes)
	}
	if len(cat.Layers) != 1 || cat.Layers[0].Features != 100 {
		t.Errorf("layers = %+v", cat.Layers)
	}
	var h map[string]any
	if code, _ := get(t, base+"/health", &h); code != 200 || h["status"] != "ok" || h["features"] != 100.0 {
		t.Errorf("health = %d %v", code, h)
	}
	res, err := http.DefaultClient.Do(must(http.NewRequest(http.MethodOptions, base+"/catalog", nil)))
	if err != nil || res.StatusCode != 204 || res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("CORS preflight: %v %v", err, res)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprint(err))
	}
	return v
}

// riskSet is a tiny dataset for the /risk endpoints: a flood square and a village in it.
func riskSet() *indexes.Set {
	flood := data.LayerSpec{ID: "flood", Theme: data.ThemeHazards, MaxZoom: 14,
		Fields: []data.Field{{Name: "depth_class", Type: data.FieldString}},
		Hazard: &data.Hazard{Kind: "flood", Frequency: &data.Frequency{ReturnPeriod: 100}, ClassField: "depth_class"}}
	vill := data.LayerSpec{ID: "villages", Theme: data.ThemeSocioeconomic, MaxZoom: 14,
		Fields:   []data.Field{{Name: "population", Type: data.FieldInteger}},
		Metadata: data.Metadata{RiskRole: data.RoleExposure}}
	cat := &data.Catalog{Layers: []data.LayerSpec{flood, vill}}
	sq := orb.Polygon{{{68, 25}, {69, 25}, {69, 26}, {68, 26}, {68, 25}}}
	layers := []*data.Layer{
		data.NewLayer(&cat.Layers[0], []data.Feature{{ID: 1, Geometry: sq, Properties: map[string]any{"depth_class": "high"}}}),
		data.NewLayer(&cat.Layers[1], []data.Feature{{ID: 1, Geometry: orb.Point{68.5, 25.5}, Properties: map[string]any{"population": int64(42)}}}),
	}
	return indexes.Build(&data.Dataset{Catalog: cat, Layers: layers, Version: "r"})
}

func post(t *testing.T, url, ctype, body string) (int, http.Header, []byte) {
	t.Helper()
	res, err := http.Post(url, ctype, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

func TestRiskEndpoints(t *testing.T) {
	base := start(t, newServer(t, Config{BodyLimit: 64 << 10}, riskSet()))
	code, _, body := post(t, base+"/risk/area", "application/json", `{"bbox":[68.25,25,69.25,26]}`)
	var res struct {
		Hazards []struct {
			Classes []struct {
				Class    string                        `json:"class"`
				Exposure map[string]map[string]float64 `json:"exposure"`
			} `json:"classes"`
		} `json:"hazards"`
	}
	if code != 200 || json.Unmarshal(body, &res) != nil || res.Hazards[0].Classes[0].Exposure["villages"]["population"] != 42 {
		t.Fatalf("area: %d %s", code, body)
	}
	code, hdr, body := post(t, base+"/risk/area?format=csv", "application/json", `{"bbox":[68.25,25,69.25,26]}`)
	if code != 200 || hdr.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(hdr.Get("Content-Disposition"), "filename=") ||
		!strings.HasPrefix(string(body), "hazard_layer,hazard,return_period,class,area_km2") {
		t.Errorf("csv: %d %v %s", code, hdr, body)
	}
	code, hdr, body = post(t, base+"/risk/area?format=geojson", "application/json", `{"bbox":[68.25,25,69.25,26]}`)
	if code != 200 || hdr.Get("Content-Type") != "application/geo+json" || !strings.Contains(string(body), `"kind":"exposed"`) {
		t.Errorf("geojson: %d %v %s", code, hdr, body)
	}
	var pt map[string]any
	if code, _ := get(t, base+"/risk/point?lon=68.5&lat=25.5", &pt); code != 200 || !strings.Contains(fmt.Sprint(pt["hazards"]), "high") {
		t.Errorf("point: %d %v", code, pt)
	}
	bad := []struct {
		method, path, ctype, body string
		code                      int
	}{
		{"POST", "/risk/area", "application/json", `{"geometry":{"type":"Polygon","coordinates":[[[68,25],[69,26],[69,25],[68,26],[68,25]]]}}`, 400},
		{"POST", "/risk/area", "application/json", `not json`, 400},
		{"POST", "/risk/area", "text/plain", `{"bbox":[68,25,69,26]}`, 400},
		{"POST", "/risk/area?format=xls", "application/json", `{"bbox":[68,25,69,26]}`, 400},
		{"POST", "/risk/area", "application/json", `{"admin":{"layer":"flood","id":"9"}}`, 404},
		{"POST", "/risk/area", "application/json", `{"bbox":[68,25,69,26],"pad":"` + strings.Repeat("x", 70<<10) + `"}`, 413},
		{"GET", "/risk/point?lon=abc&lat=1", "", "", 400},
		{"GET", "/risk/point?lon=500&lat=1", "", "", 400},
		{"GET", "/risk/rank?admin=nope", "", "", 404},
	}
	for _, b := range bad {
		var code int
		var body []byte
		if b.method == "POST" {
			code, _, body = post(t, base+b.path, b.ctype, b.body)
		} else {
			var e errorBody
			code, _ = get(t, base+b.path, &e)
			body, _ = json.Marshal(e)
		}
		var e errorBody
		if code != b.code || json.Unmarshal(body, &e) != nil || e.Error == "" {
			t.Errorf("%s %s: %d %s, want %d with a JSON error", b.method, b.path, code, body, b.code)
		}
	}
}
