package features

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// testService serves 100 villages on a line (every other one on fibre) and one province.
func testService() *Service {
	vill := data.LayerSpec{ID: "villages", Theme: data.ThemeSocioeconomic, MinZoom: 6, MaxZoom: 14,
		Fields: []data.Field{{Name: "population", Type: data.FieldInteger}, {Name: "fibre", Type: data.FieldBoolean},
			{Name: "province", Type: data.FieldString}},
		Metadata: data.Metadata{Title: "Villages", Abstract: "Points"}}
	prov := data.LayerSpec{ID: "provinces", Theme: data.ThemeAdmin, MaxZoom: 10,
		Fields: []data.Field{{Name: "code", Type: data.FieldString}}, Metadata: data.Metadata{Title: "Provinces"}}
	cat := &data.Catalog{Name: "test", Description: "d", Attribution: "a", Layers: []data.LayerSpec{vill, prov}}
	var feats []data.Feature
	for i := range 100 {
		feats = append(feats, data.Feature{ID: uint64(i + 1), Geometry: orb.Point{60 + float64(i)*0.1, 30},
			Properties: map[string]any{"population": int64(i * 10), "fibre": i%2 == 0, "province": []string{"PK-SD", "PK-PB"}[i/50]}})
	}
	sq := orb.Polygon{{{60, 29}, {70, 29}, {70, 31}, {60, 31}, {60, 29}}}
	ds := &data.Dataset{Catalog: cat, Version: "v1", Layers: []*data.Layer{
		data.NewLayer(&cat.Layers[0], feats),
		data.NewLayer(&cat.Layers[1], []data.Feature{{ID: 1, Geometry: sq, Properties: map[string]any{"code": "PK-SD"}}}),
	}}
	set := indexes.Build(ds)
	return New(func() *indexes.Set { return set })
}

func TestCatalogAndCollections(t *testing.T) {
	s := testService()
	c := s.Catalog("https://x.org", nil)
	if len(c.Themes) != 7 || len(c.Layers) != 2 || c.DataVersion != "v1" || len(c.MetadataElements) != 18 {
		t.Fatalf("catalog: %d themes, %d layers, version %s", len(c.Themes), len(c.Layers), c.DataVersion)
	}
	v := c.Layers[0]
	if v.Features != 100 || v.Geometry != "Point" || fmt.Sprint(v.Bounds) != "[60 30 69.9 30]" ||
		v.Links[0].Href != "https://x.org/collections/villages/items" {
		t.Errorf("layer info %+v", v)
	}
	for _, th := range c.Themes {
		if th.ID == data.ThemeAdmin && fmt.Sprint(th.Layers) != "[provinces]" {
			t.Errorf("admin theme lists %v", th.Layers)
		}
	}
	cols := s.Collections("", nil)
	if len(cols.Collections) != 2 || cols.Collections[1].Extent.Spatial.BBox[0][2] != 70 ||
		cols.Collections[1].Extent.Spatial.CRS != CRS84 || cols.Collections[0].CRS[0] != CRS84 {
		t.Errorf("collections %+v", cols)
	}
	if _, err := s.Collection("nope", "", nil); data.KindOf(err) != data.KindNotFound {
		t.Errorf("unknown collection: %v", err)
	}
	if sum := s.Summary(nil); sum.Layers != 2 || sum.Features != 101 || sum.Version != "v1" {
		t.Errorf("summary %+v", sum)
	}
	if sl := s.StyleEntries(nil); len(sl) != 2 || sl[1].Geometry != "Polygon" || sl[0].MinZoom != 6 {
		t.Errorf("style layers %+v", sl)
	}
}

func TestItems(t *testing.T) {
	s := testService()
	cases := []struct {
		q                 Query
		matched, returned int
		first             uint64
		next              string
	}{
		{Query{Layer: "villages", Limit: 10}, 100, 10, 1, "offset=10&limit=10"},
		{Query{Layer: "villages", Limit: 10, Offset: 95, RawQuery: "offset=95&limit=10"}, 100, 5, 96, ""},
		{Query{Layer: "villages", Equal: map[string]string{"fibre": "true"}, Limit: 20, RawQuery: "fibre=true&limit=20"}, 50, 20, 1, "fibre=true&limit=20&offset=20"},
		{Query{Layer: "villages", Equal: map[string]string{"fibre": "false", "province": "PK-PB"}}, 25, 25, 52, ""},
		{Query{Layer: "villages", BBox: &geo.BBox{61, 29, 61.55, 31}}, 6, 6, 11, ""},
	}
	for _, c := range cases {
		p, err := s.Items(c.q, "")
		if err != nil {
			t.Fatal(err)
		}
		next := ""
		for _, l := range p.Links {
			if l.Rel == "next" {
				next = l.Href[len("/collections/villages/items?"):]
			}
		}
		if p.NumberMatched != c.matched || p.NumberReturned != c.returned || len(p.Features) != c.returned ||
			p.Features[0].ID != c.first || next != c.next {
			t.Errorf("%+v: matched %d returned %d first %d next %q", c.q, p.NumberMatched, p.NumberReturned, p.Features[0].ID, next)
		}
	}
	for _, q := range []Query{{Layer: "villages", Equal: map[string]string{"colour": "red"}},
		{Layer: "villages", Equal: map[string]string{"population": "many"}}} {
		if _, err := s.Items(q, ""); data.KindOf(err) != data.KindInvalid {
			t.Errorf("%v: err = %v", q.Equal, err)
		}
	}
	if _, err := s.Items(Query{Layer: "roads"}, ""); data.KindOf(err) != data.KindNotFound {
		t.Errorf("unknown layer: %v", err)
	}
}

func TestWithParams(t *testing.T) {
	for _, c := range [][3]string{
		{"", "offset=10&limit=5", ""},
		{"bbox=1,2,3,4&offset=0", "bbox=1,2,3,4&offset=10&limit=5", ""},
		{"limit=5&fibre=true&offset=0", "limit=5&fibre=true&offset=10", ""},
	} {
		if got := withParams(c[0], "offset", "10", "limit", "5"); got != c[1] {
			t.Errorf("withParams(%q) = %q, want %q", c[0], got, c[1])
		}
	}
}

// A CQL2 filter combines with the bbox and the field=value filters (all must hold); the
// language and CRS are checked; errors are 400s naming the position.
func TestItemsFilter(t *testing.T) {
	s := testService()
	box := geo.BBox{61, 29, 63, 31} // villages 10..30
	cases := []struct {
		q     Query
		ids   string // of the features matched, in order
		match int
	}{
		{Query{Layer: "villages", Filter: "population < 30"}, "[1 2 3]", 3},
		{Query{Layer: "villages", Filter: "population < 30", FilterLang: "cql2-text"}, "[1 2 3]", 3},
		{Query{Layer: "villages", Filter: "population < 30 AND fibre = true", Equal: map[string]string{"province": "PK-SD"}}, "[1 3]", 2},
		{Query{Layer: "villages", Filter: "population BETWEEN 100 AND 300", BBox: &box}, "[11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30]", 21}, // a page of 20
		{Query{Layer: "villages", Filter: "S_INTERSECTS(geometry, BBOX(60.25, 29, 60.5, 31)) OR population = 990"}, "[4 5 6 100]", 4},
		{Query{Layer: "villages", Filter: "S_INTERSECTS(geometry, BBOX(60.25, 29, 60.5, 31))", BBox: &box}, "[]", 0},
		{Query{Layer: "villages", Filter: "S_INTERSECTS(geometry, POINT(30 60.3))", FilterCRS: "EPSG:4326"}, "[4]", 1},
		{Query{Layer: "villages", Filter: "province LIKE '%SD' AND NOT population < 470"}, "[48 49 50]", 3},
		{Query{Layer: "villages", Filter: "population = 5000", FilterLang: "indus"}, "[]", 0},
		{Query{Layer: "villages", Filter: "province in (PK-PB) and population < 510", FilterLang: "indus"}, "[51]", 1},
		{Query{Layer: "provinces", Filter: "S_INTERSECTS(geometry, LINESTRING(59 28, 59.99 31.01))"}, "[]", 0},
		{Query{Layer: "provinces", Filter: "S_INTERSECTS(geometry, LINESTRING(59 28, 60 29))"}, "[1]", 1},
	}
	for _, c := range cases {
		c.q.Limit = 20
		p, err := s.Items(c.q, "")
		if err != nil {
			t.Fatalf("%s: %v", c.q.Filter, err)
		}
		var ids []uint64
		for _, f := range p.Features {
			ids = append(ids, f.ID)
		}
		if fmt.Sprint(ids) != c.ids && !(c.ids == "[]" && ids == nil) || p.NumberMatched != c.match {
			t.Errorf("%s: ids %v (%d matched), want %s (%d)", c.q.Filter, ids, p.NumberMatched, c.ids, c.match)
		}
	}
	for _, c := range []struct {
		q    Query
		want string
	}{
		{Query{Layer: "villages", Filter: "population >"}, "at position 13"},
		{Query{Layer: "villages", Filter: "colour = 'red'"}, `no queryable "colour"`},
		{Query{Layer: "villages", Filter: "population = 'many'"}, "cannot compare"},
		{Query{Layer: "villages", FilterLang: "cql2-json"}, "bad filter-lang"},
		{Query{Layer: "villages", Filter: "TRUE", FilterCRS: "EPSG:3857"}, "bad filter-crs"},
	} {
		if _, err := s.Items(c.q, ""); data.KindOf(err) != data.KindInvalid || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want %q", c.q, err, c.want)
		}
	}
}

func TestQueryables(t *testing.T) {
	s := testService()
	q, err := s.Queryables("villages", "https://x.org", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(q)
	want := `{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://x.org/collections/villages/queryables","type":"object","title":"Villages",` +
		`"properties":{"fibre":{"title":"fibre","type":"boolean"},"geometry":{"title":"geometry","description":"the feature geometry (also named geom); test it with S_INTERSECTS","format":"geometry-point-or-multipoint"},` +
		`"population":{"title":"population","type":"integer"},"province":{"title":"province","type":"string"}},"additionalProperties":false}`
	if string(b) != want {
		t.Errorf("queryables\n%s\nwant\n%s", b, want)
	}
	if p, _ := s.Queryables("provinces", "", nil); p.Properties["geometry"].Format != "geometry-polygon-or-multipolygon" {
		t.Errorf("provinces: %+v", p.Properties)
	}
	if _, err := s.Queryables("nope", "", nil); data.KindOf(err) != data.KindNotFound {
		t.Errorf("unknown collection: %v", err)
	}
	c, _ := s.Collection("villages", "https://x.org", nil)
	found := false
	for _, l := range c.Links {
		found = found || l.Rel == "http://www.opengis.net/def/rel/ogc/1.0/queryables" && l.Href == "https://x.org/collections/villages/queryables"
	}
	if !found {
		t.Errorf("no queryables link in %+v", c.Links)
	}
}

func TestPageLinksAndTime(t *testing.T) {
	s := testService()
	p, err := s.Items(Query{Layer: "villages", Limit: 10, Offset: 15, RawQuery: "limit=10&offset=15&fibre=true", Equal: map[string]string{"fibre": "true"}}, "https://x.org")
	if err != nil {
		t.Fatal(err)
	}
	links := map[string]string{}
	for _, l := range p.Links {
		links[l.Rel] = l.Href + " " + l.Type
	}
	want := map[string]string{
		"self":       "https://x.org/collections/villages/items?limit=10&offset=15&fibre=true application/geo+json",
		"next":       "https://x.org/collections/villages/items?limit=10&offset=25&fibre=true application/geo+json",
		"prev":       "https://x.org/collections/villages/items?limit=10&offset=5&fibre=true application/geo+json",
		"collection": "https://x.org/collections/villages application/json",
	}
	if fmt.Sprint(links) != fmt.Sprint(want) {
		t.Errorf("links\n%v\nwant\n%v", links, want)
	}
	if ts, err := time.Parse(time.RFC3339, p.TimeStamp); err != nil || time.Since(ts) > time.Hour || time.Since(ts) < -time.Hour {
		t.Errorf("timeStamp %q: %v", p.TimeStamp, err)
	}
	p, _ = s.Items(Query{Layer: "villages"}, "")
	if p.Links[0].Href != "/collections/villages/items" || len(p.Links) != 2 {
		t.Errorf("first page of all: %+v", p.Links)
	}
	p, _ = s.Items(Query{Layer: "villages", Limit: 10, Offset: 4, RawQuery: "offset=4&limit=10"}, "")
	if p.Links[2].Rel != "prev" || p.Links[2].Href != "/collections/villages/items?offset=0&limit=10" {
		t.Errorf("prev of offset 4: %+v", p.Links)
	}
}

func TestItem(t *testing.T) {
	s := testService()
	it, err := s.Item("villages", "42", "https://x.org", nil)
	if err != nil {
		t.Fatal(err)
	}
	if it.ID != 42 || it.Properties["population"] != int64(410) || it.Geometry.Geometry != (orb.Point{64.1, 30}) ||
		it.Links[0].Href != "https://x.org/collections/villages/items/42" || it.Links[1].Rel != "collection" {
		t.Errorf("item 42: %+v", it)
	}
	b, _ := json.Marshal(it)
	if !strings.HasPrefix(string(b), `{"type":"Feature","id":42,"geometry":{"type":"Point","coordinates":[64.1,30]},"properties":{`) {
		t.Errorf("item JSON %s", b)
	}
	for _, c := range [][2]string{{"villages", "0"}, {"villages", "101"}, {"villages", "x"}, {"villages", "-1"}, {"villages", "1.0"},
		{"villages", "99999999999999999999"}, {"roads", "1"}} {
		if _, err := s.Item(c[0], c[1], "", nil); data.KindOf(err) != data.KindNotFound {
			t.Errorf("%v: err = %v, want not found", c, err)
		}
	}
}

func TestDatetimeRefused(t *testing.T) {
	_, err := testService().Items(Query{Layer: "villages", Datetime: "2024-01-01T00:00:00Z"}, "")
	if data.KindOf(err) != data.KindInvalid || !strings.Contains(err.Error(), "datetime") {
		t.Errorf("datetime: %v", err)
	}
}

// FuzzItem: any feature id in a URL finds the feature with exactly that id or is a 404.
func FuzzItem(f *testing.F) {
	s := testService()
	for _, id := range []string{"1", "100", "0", "101", "-1", "+5", "05", "1e2", "18446744073709551616", ""} {
		f.Add(id)
	}
	f.Fuzz(func(t *testing.T, id string) {
		it, err := s.Item("villages", id, "", nil)
		if err != nil {
			if data.KindOf(err) != data.KindNotFound {
				t.Fatalf("%q: %v", id, err)
			}
			return
		}
		if fmt.Sprint(it.ID) != strings.TrimLeft(strings.TrimPrefix(id, "+"), "0") && !(it.ID == 0 && strings.Trim(id, "+0") == "") {
			t.Fatalf("%q found feature %d", id, it.ID)
		}
	})
}
