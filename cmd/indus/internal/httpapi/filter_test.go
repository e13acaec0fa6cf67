package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/cpec-digital/indus/tiles/mvtcheck"
)

// itemsPage fetches a page of villages with the given parameters.
func itemsPage(t *testing.T, base string, params url.Values) (int, []int, string, []byte) {
	t.Helper()
	res, err := http.Get(base + "/collections/villages/items?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var fc struct {
		Features []struct {
			ID int `json:"id"`
		} `json:"features"`
		Links []struct{ Rel, Href string } `json:"links"`
	}
	json.Unmarshal(body, &fc)
	ids, next := []int{}, ""
	for _, f := range fc.Features {
		ids = append(ids, f.ID)
	}
	for _, l := range fc.Links {
		if l.Rel == "next" {
			next = l.Href
		}
	}
	return res.StatusCode, ids, next, body
}

// Items take filter= in CQL2 text by default (or in Indus's language with filter-lang=indus),
// ANDed with bbox and field=value; a bad filter, filter-lang or filter-crs is a 400 with a JSON
// body that names the problem and, for syntax, its position.
func TestItemsFilterCQL2(t *testing.T) {
	base := start(t, newServer(t, Config{}, testSet()))
	ok := []struct {
		params url.Values
		want   string
	}{
		{url.Values{"filter": {"population < 30"}}, "[1 2 3]"},
		{url.Values{"filter": {"population < 100 AND fibre = TRUE"}, "fibre": {"true"}, "bbox": {"60,29,60.45,31"}}, "[1 3 5]"},
		{url.Values{"filter": {"NOT fibre = TRUE AND population BETWEEN 100 AND 150"}, "filter-lang": {"cql2-text"}}, "[12 14 16]"},
		{url.Values{"filter": {"S_INTERSECTS(geometry, POINT(60.3 30)) OR S_INTERSECTS(geom, LINESTRING(69.85 29, 69.85 31))"}}, "[4]"},
		{url.Values{"filter": {"S_INTERSECTS(geometry, BBOX(29.5, 60.55, 30.5, 60.7))"}, "filter-crs": {"http://www.opengis.net/def/crs/EPSG/0/4326"}}, "[7 8]"},
		{url.Values{"filter": {"population in (10, 20)"}, "filter-lang": {"indus"}}, "[2 3]"},
		{url.Values{"filter": {"population IS NULL"}}, "[]"},
	}
	for _, c := range ok {
		code, ids, _, body := itemsPage(t, base, c.params)
		if code != 200 || fmt.Sprint(ids) != c.want {
			t.Errorf("%v: %d %v, want %s\n%s", c.params, code, ids, c.want, body)
		}
	}
	_, ids, next, _ := itemsPage(t, base, url.Values{"filter": {"fibre = FALSE"}, "limit": {"2"}})
	if fmt.Sprint(ids) != "[2 4]" || !strings.Contains(next, "filter=fibre") || !strings.Contains(next, "offset=2") {
		t.Errorf("first page %v, next link %q", ids, next)
	}
	bad := []struct {
		params url.Values
		want   errorBody
	}{
		{url.Values{"filter": {"population >"}}, errorBody{"bad filter", `expected a property name or a value, got the end of the filter at position 13`}},
		{url.Values{"filter": {"population = 'x' OR fibre == TRUE"}}, errorBody{"bad filter", `expected a property name or a value, got "=" at position 28`}},
		{url.Values{"filter": {"colour = 'red'"}}, errorBody{"bad filter", `layer "villages" has no queryable "colour" (it has population, fibre, geometry)`}},
		{url.Values{"filter": {"population = 'many'"}}, errorBody{"bad filter", `= cannot compare "population" (a number) with 'many' (a string)`}},
		{url.Values{"filter": {"TRUE"}, "filter-lang": {"cql2-json"}}, errorBody{"bad filter-lang", `"cql2-json" is not a filter language here: use cql2-text or indus`}},
		{url.Values{"filter-lang": {"sql"}}, errorBody{"bad filter-lang", `"sql" is not a filter language here: use cql2-text or indus`}},
		{url.Values{"filter": {"TRUE"}, "filter-crs": {"http://www.opengis.net/def/crs/EPSG/0/3857"}}, errorBody{Error: "bad filter-crs"}},
		{url.Values{"filter": {"population in (1"}, "filter-lang": {"indus"}}, errorBody{Error: "bad filter"}},
	}
	for _, c := range bad {
		code, _, _, body := itemsPage(t, base, c.params)
		var e errorBody
		if err := json.Unmarshal(body, &e); err != nil || code != 400 || e.Error != c.want.Error || !strings.HasPrefix(e.Detail, c.want.Detail) {
			t.Errorf("%v: %d %s, want 400 %+v", c.params, code, body, c.want)
		}
	}
}

// Tiles take filter-lang=cql2-text: the tile holds exactly the features of the unfiltered tile
// that pass the filter; two spellings of one filter share the cached tile; errors are 400s.
func TestTileFilterCQL2(t *testing.T) {
	set := compositeSet()
	s := newServer(t, Config{}, set)
	hc := inmemory(t, s.app.Handler())
	villages, _ := set.Layer("villages")
	// The villages lie within 24–36°N and east of 60.8°E: a polygon meets the box 60–68°E exactly
	// when its westernmost vertex is at 68°E or west of it.
	west := func(id uint64) bool { return villages.FeatureBound(int(id - 1)).Min[0] <= 68 }
	tl := maptile.At(orb.Point{68, 27}, 6)
	path := fmt.Sprintf("/tiles/villages/6/%d/%d.mvt", tl.X, tl.Y)
	decode := func(q string) map[uint64]map[string]any {
		res := do(t, hc, path+q)
		s.tiles.Wait() // the cache admits tiles in the background
		if res.StatusCode() != 200 {
			t.Fatalf("%s: %d %s", q, res.StatusCode(), res.Body())
		}
		rep := mvtcheck.Check(res.Body(), 64)
		out := map[uint64]map[string]any{}
		for _, f := range rep.Layers[0].Features {
			out[f.ID] = f.Props
		}
		return out
	}
	all := decode("")
	expr := "class = 'high' AND population >= 50000 AND NOT S_INTERSECTS(geometry, BBOX(60, 20, 68, 40))"
	got := decode("?filter-lang=cql2-text&filter=" + url.QueryEscape(expr))
	want := 0
	for id, p := range all {
		if p["class"] == "high" && p["population"].(int64) >= 50000 && !west(id) {
			want++
			if got[id] == nil {
				t.Errorf("village %d passes the filter but is not in the tile", id)
			}
		}
	}
	t.Logf("%d of %d features pass", want, len(all))
	if len(got) != want || want == 0 {
		t.Errorf("%d features in the filtered tile, %d of the tile's %d pass", len(got), want, len(all))
	}
	before := s.tiles.Stats()
	decode("?filter-lang=cql2-text&filter=" + url.QueryEscape(expr))
	decode("?filter-lang=cql2-text&filter=" + url.QueryEscape("\"class\"='high' and population>=5e4 and not s_intersects(geom,bbox(60,20,68,40))"))
	if st := s.tiles.Stats(); st.Computed != before.Computed {
		t.Errorf("another spelling of a computed filter was computed again: %+v then %+v", before, st)
	}
	for q, want := range map[string]string{
		"?filter-lang=cql2-text&filter=" + url.QueryEscape("class = 'high' AND"): "at position 19",
		"?filter-lang=cql2-text&filter=" + url.QueryEscape("class = 1"):          "cannot compare",
		"?filter-lang=cql2-json&filter=x":                                        "bad filter-lang",
		"?filter-lang=cql2-text&filter=TRUE&filter-crs=EPSG:32642":               "bad filter-crs",
		"?filter=" + url.QueryEscape("class <> 'high'"):                          "bad filter", // Indus's language, the default of tiles, has no <>
	} {
		res := do(t, hc, path+q)
		var e errorBody
		if json.Unmarshal(res.Body(), &e); res.StatusCode() != 400 || !strings.Contains(e.Error+" "+e.Detail, want) {
			t.Errorf("%s: %d %s, want 400 with %q", q, res.StatusCode(), res.Body(), want)
		}
	}
}

func TestQueryablesRoute(t *testing.T) {
	base := start(t, newServer(t, Config{}, testSet()))
	res, err := http.Get(base + "/collections/villages/queryables")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var q struct {
		Schema     string `json:"$schema"`
		ID         string `json:"$id"`
		Properties map[string]struct{ Type, Format string }
		Additional *bool `json:"additionalProperties"`
	}
	if err := json.NewDecoder(res.Body).Decode(&q); err != nil || res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/schema+json" {
		t.Fatalf("%d %s: %v", res.StatusCode, res.Header.Get("Content-Type"), err)
	}
	if q.Schema != "https://json-schema.org/draft/2020-12/schema" || q.ID != base+"/collections/villages/queryables" ||
		q.Properties["population"].Type != "integer" || q.Properties["fibre"].Type != "boolean" ||
		q.Properties["geometry"].Format != "geometry-point-or-multipoint" || q.Properties["geometry"].Type != "" || len(q.Properties) != 3 ||
		q.Additional == nil || *q.Additional {
		t.Errorf("queryables %+v", q)
	}
	var e errorBody
	if code, _ := get(t, base+"/collections/nope/queryables", &e); code != 404 {
		t.Errorf("unknown collection: %d %+v", code, e)
	}
	var conf struct {
		ConformsTo []string `json:"conformsTo"`
	}
	get(t, base+"/conformance", &conf)
	for _, c := range []string{"ogcapi-features-3/1.0/conf/queryables", "ogcapi-features-3/1.0/conf/queryables-query-parameters",
		"ogcapi-features-3/1.0/conf/filter", "ogcapi-features-3/1.0/conf/features-filter", "cql2/1.0/conf/cql2-text",
		"cql2/1.0/conf/basic-cql2", "cql2/1.0/conf/advanced-comparison-operators", "cql2/1.0/conf/basic-spatial-functions",
		"cql2/1.0/conf/basic-spatial-functions-plus", "cql2/1.0/conf/property-property"} {
		if !slices.Contains(conf.ConformsTo, "http://www.opengis.net/spec/"+c) {
			t.Errorf("/conformance lacks %s", c)
		}
	}
}
