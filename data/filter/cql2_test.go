package filter

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
)

func sq(x, y, s float64) orb.Polygon {
	return orb.Polygon{{{x, y}, {x + s, y}, {x + s, y + s}, {x, y + s}, {x, y}}}
}

// cqlLayer has five polygons with strings, integers, numbers (one NaN) and booleans, some null.
// Feature 1 is an L whose bbox covers the box [2,3]² but which stays 0.5 away from it.
func cqlLayer() (*data.LayerSpec, *data.Layer) {
	spec := &data.LayerSpec{ID: "v", Fields: []data.Field{{Name: "name", Type: data.FieldString},
		{Name: "population", Type: data.FieldInteger}, {Name: "score", Type: data.FieldNumber}, {Name: "fibre", Type: data.FieldBoolean}}}
	ell := orb.Polygon{{{3.5, 0}, {5, 0}, {5, 5}, {0, 5}, {0, 3.5}, {3.5, 3.5}, {3.5, 0}}}
	feats := []data.Feature{
		{ID: 1, Geometry: sq(0, 0, 1), Properties: map[string]any{"name": "Karachi", "population": int64(5000), "score": 0.5, "fibre": true}},
		{ID: 2, Geometry: ell, Properties: map[string]any{"name": "karachi", "population": int64(100), "score": math.NaN(), "fibre": false}},
		{ID: 3, Geometry: sq(2.5, 2.5, 0.1), Properties: map[string]any{"name": "Kotri_1", "score": 2.5}},
		{ID: 4, Geometry: sq(3, 3, 1), Properties: map[string]any{"population": int64(0), "fibre": true}},
		{ID: 5, Geometry: sq(-10, -10, 20), Properties: map[string]any{"name": "50%", "population": int64(-7), "score": 1e-9, "fibre": false}},
	}
	return spec, data.NewLayer(spec, feats)
}

// matches binds a CQL2 filter to spec and lists the features of l it keeps.
func matches(t *testing.T, spec *data.LayerSpec, l *data.Layer, expr string) []int {
	t.Helper()
	f, err := ParseCQL2(expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	b, err := f.Bind(spec)
	if err != nil {
		t.Fatalf("%s: bind: %v", expr, err)
	}
	got := []int{}
	for i := range l.Len() {
		if b.Match(l, i) {
			got = append(got, i)
		}
	}
	if g, err := ParseCQL2(f.String()); err != nil || g.String() != f.String() {
		t.Errorf("%s: canonical form %s reads back as %v (%v)", expr, f, g, err)
	}
	return got
}

// Hand-computed answers: three-valued logic over nulls, NaN comparing with nothing, inclusive
// BETWEEN, case-sensitive LIKE with escapes, and exact S_INTERSECTS.
func TestCQL2Evaluation(t *testing.T) {
	spec, l := cqlLayer()
	cases := []struct {
		expr string
		want []int
	}{
		{"population >= 100", []int{0, 1}},
		{"population < 100", []int{3, 4}},
		{"NOT population < 100", []int{0, 1}}, // a null population is unknown, and so is NOT of it
		{"population <> 5000", []int{1, 3, 4}},
		{"5000 <= population", []int{0}},
		{"fibre = TRUE", []int{0, 3}},
		{"true = \"fibre\"", []int{0, 3}},
		{"fibre <> TRUE", []int{1, 4}},
		{"not fibre = true", []int{1, 4}},
		{"fibre > false", []int{0, 3}},
		{"fibre IS NULL", []int{2}},
		{"fibre IS NOT NULL", []int{0, 1, 3, 4}},
		{"name is null", []int{3}},
		{"geometry IS NULL", []int{}},
		{"score > 1", []int{2}},
		{"score <> 0.5", []int{1, 2, 4}}, // NaN differs from everything
		{"NOT score = 0.5", []int{1, 2, 4}},
		{"score = score", []int{0, 2, 4}},
		{"score BETWEEN 0.5 AND 2.5", []int{0, 2}},
		{"score NOT BETWEEN 0.5 AND 2.5", []int{1, 4}},
		{"population BETWEEN 100 AND 5000", []int{0, 1}},
		{"population BETWEEN 5000 AND 100", []int{}},
		{"population IN (0, 100, 42)", []int{1, 3}},
		{"population NOT IN (0, 100)", []int{0, 4}},
		{"population IN (100.0, 5e3)", []int{0, 1}},
		{"name IN ('Karachi', 'x')", []int{0}},
		{"name LIKE 'K%'", []int{0, 2}},
		{"name like '_arachi'", []int{0, 1}},
		{"name LIKE 'Kotri_1'", []int{2}},
		{`name LIKE 'Kotri\_1'`, []int{2}},
		{`name LIKE 'K%\_%'`, []int{2}},
		{`name LIKE '50\%'`, []int{4}},
		{`name LIKE '%\%'`, []int{4}},
		{"name LIKE '%'", []int{0, 1, 2, 4}},
		{"name LIKE '%%a%%'", []int{0, 1}},
		{"name LIKE ''", []int{}},
		{"name NOT LIKE 'K%'", []int{1, 4}},
		{"name > 'K'", []int{0, 1, 2}},
		{"TRUE", []int{0, 1, 2, 3, 4}},
		{"FALSE", []int{}},
		{"NOT FALSE", []int{0, 1, 2, 3, 4}},
		{"population > 1000 OR fibre = TRUE", []int{0, 3}},
		{"(fibre = TRUE OR population IS NULL) AND NOT population > 1000", []int{3}},
		{"DATE('2020-01-01') < DATE('2021-01-01') AND TIMESTAMP('2022-04-14T14:48:46Z') > TIMESTAMP('2022-04-14T14:48:45.5Z')", []int{0, 1, 2, 3, 4}},
		{"S_INTERSECTS(geometry, BBOX(2, 2, 3, 3))", []int{2, 3, 4}}, // not the L (1), though its bbox meets the box
		{"NOT S_INTERSECTS(geometry, BBOX(2, 2, 3, 3))", []int{0, 1}},
		{"S_INTERSECTS(BBOX(2, 2, 3, 3), geom) AND population >= 0", []int{3}},
		{"S_INTERSECTS(geometry, POINT(0.5 0.5))", []int{0, 4}},
		{"S_INTERSECTS(geometry, POINT(1 1))", []int{0, 4}}, // a corner
		{"S_INTERSECTS(geometry, LINESTRING(2 4.5, 4.5 2))", []int{1, 3, 4}},
		{"S_INTERSECTS(geometry, POLYGON((2 2, 3 2, 3 3, 2 3, 2 2)))", []int{2, 3, 4}},
		{"S_INTERSECTS(geometry, MULTIPOLYGON(((0.2 0.2, 0.4 0.2, 0.4 0.4, 0.2 0.2)), ((4.8 4.8, 6 4.8, 6 6, 4.8 4.8))))", []int{0, 1, 4}},
		{"S_INTERSECTS(geometry, MULTIPOINT(2.55 2.55, (9 9)))", []int{2, 4}},
		{"S_INTERSECTS(geometry, MULTILINESTRING((-20 0.5, -15 0.5), (3.9 3.9, 3.95 3.95)))", []int{1, 3, 4}},
		{"S_INTERSECTS(geometry, MULTILINESTRING((-20 0.5, -15 0.5), (3.1 3.4, 3.4 3.1)))", []int{3, 4}}, // in the L's notch
		{"S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(0.5 0.5), POINT EMPTY))", []int{0, 4}},
		{"S_INTERSECTS(geometry, POINT Z (0.5 0.5 100))", []int{0, 4}},
		{"S_INTERSECTS(geometry, BBOX(2, 2, -100, 3, 3, 100))", []int{2, 3, 4}},
		{"S_INTERSECTS(geometry, POLYGON EMPTY)", []int{}},
		{"S_INTERSECTS(POINT(1 1), BBOX(0, 0, 1, 1))", []int{0, 1, 2, 3, 4}},
		{"S_INTERSECTS(POINT(1 1), BBOX(2, 2, 3, 3))", []int{}},
		{"S_INTERSECTS(geometry, geom)", []int{0, 1, 2, 3, 4}},
		{"'Karachi' LIKE 'K%' AND 'x' NOT LIKE 'K%'", []int{0, 1, 2, 3, 4}}, // literals on the left too
		{"100 IN (population, 0)", []int{1}},                                // unknown for the null population
		{"100 BETWEEN population AND 5000", []int{1, 3, 4}},
		{"1 = 1 AND 'a' < 'b' AND NOT 2.5 > 3", []int{0, 1, 2, 3, 4}},
		{"S_INTERSECTS(geometry, BBOX(170, -20, -170, 20))", []int{}}, // across the antimeridian
		{"S_INTERSECTS(geometry, BBOX(4.5, -20, -179, 20))", []int{1, 4}},
	}
	for _, c := range cases {
		if got := matches(t, spec, l, c.expr); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: matched %v, want %v", c.expr, got, c.want)
		}
	}
}

// Points on the edge of a box are in it; a hair beyond is not.
func TestCQL2PointsOnTheEdge(t *testing.T) {
	spec := &data.LayerSpec{ID: "p"}
	l := data.NewLayer(spec, []data.Feature{{ID: 1, Geometry: orb.Point{3, 2.5}}, {ID: 2, Geometry: orb.Point{math.Nextafter(3, 4), 2.5}},
		{ID: 3, Geometry: orb.Point{2, 2}}, {ID: 4, Geometry: orb.MultiPoint{{9, 9}, {2.5, 3}}}})
	if got := matches(t, spec, l, "S_INTERSECTS(geometry, BBOX(2, 2, 3, 3))"); fmt.Sprint(got) != "[0 2 3]" {
		t.Errorf("matched %v", got)
	}
	lines := data.NewLayer(spec, []data.Feature{{ID: 1, Geometry: orb.LineString{{0, 6}, {6, 0}}}, {ID: 2, Geometry: orb.LineString{{0, 6.1}, {6.1, 0}}},
		{ID: 3, Geometry: orb.MultiLineString{{{9, 9}, {10, 10}}, {{2.5, 2.5}, {2.6, 2.6}}}}})
	if got := matches(t, spec, lines, "S_INTERSECTS(geometry, BBOX(2, 2, 3, 3))"); fmt.Sprint(got) != "[0 2]" {
		t.Errorf("lines matched %v", got) // x+y=6 touches the corner (3,3); x+y=6.1 misses it
	}
}

// Parse errors name what was wrong and where (in characters).
func TestCQL2ParseErrors(t *testing.T) {
	cases := []struct{ expr, want string }{
		{"", "empty expression"},
		{"population >= ", "got the end of the filter at position 15"},
		{"population = 'abc", "unterminated string starting at position 14"},
		{"population != 5", "'!=' is not CQL2 (use <>) at position 12"},
		{"(a = 1", "expected ')' to close the '(' at position 1"},
		{"a = 1 b = 2", `unexpected "b" at position 7`},
		{"a = 1 AND", "at position 10"},
		{"a", "expected a comparison"},
		{"a IS 3", "expected NULL after IS"},
		{"a NOT = 3", "expected LIKE, BETWEEN or IN after NOT"},
		{"a BETWEEN 1 OR 2", `expected AND in BETWEEN, got "OR" at position 13`},
		{"a IN (1, 2", "expected ',' or ')'"},
		{"a IN 1", "expected '('"},
		{"a LIKE b", "expected a pattern in single quotes"},
		{`a LIKE 'x\\'`, "a lone \\ ends the pattern"},
		{"a = NULL", "NULL is not a value"},
		{"and = 1", "expected a property name or a value"},
		{"a = #", "unexpected character '#' at position 5"},
		{`"città" = 'x' AND ¤`, "unexpected character '¤' at position 19"},
		{"a = 1e999", "out of range"},
		{"a = 1e", "malformed exponent"},
		{"upper(a) = 'X'", "function UPPER is not supported"},
		{"a = DATE('2020-13-01')", "not a valid DATE"},
		{"S_CONTAINS(geometry, POINT(1 2))", "S_CONTAINS is not supported"},
		{"S_INTERSECTS(geometry)", "takes two geometries"},
		{"S_INTERSECTS(name, POINT(1 2))", `expected the feature geometry (geometry or geom) or a geometry literal, got "name" at position 14`},
		{"S_INTERSECTS(geometry, POINT(1))", "expected a coordinate"},
		{"S_INTERSECTS(geometry, LINESTRING(1 2))", "at least 2 points"},
		{"S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 0 0)))", "at least 4 points"},
		{"S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 1)))", "the ring is not closed"},
		{"S_INTERSECTS(geometry, BBOX(0, 1, 2))", "BBOX takes 4 numbers"},
		{"S_INTERSECTS(geometry, BBOX(0, 3, 2, 1))", "south edge 3 is north of the north edge 1"},
		{"S_INTERSECTS(geometry, CIRCLE(1 2))", "expected the feature geometry"},
		{"S_INTERSECTS(geometry, GEOMETRYCOLLECTION(GEOMETRYCOLLECTION(POINT(1 2))))", "expected a geometry literal"},
		{strings.Repeat("NOT ", 40) + "a = 1", "nested too deeply"},
		{strings.Repeat("(", 40) + "a = 1" + strings.Repeat(")", 40), "nested too deeply"},
		{"a = '" + strings.Repeat("x", MaxFilterLength) + "'", ""},
	}
	for _, c := range cases {
		_, err := ParseCQL2(c.expr)
		if err == nil || data.KindOf(err) != data.KindInvalid {
			t.Errorf("%q: err = %v", c.expr, err)
			continue
		}
		want := c.want
		if want == "" {
			want = "filter too long"
		}
		if msg := err.Error(); !strings.Contains(msg, want) {
			t.Errorf("%q: %v, want it to say %q", c.expr, msg, want)
		}
	}
}

// Binding checks that properties exist and that both sides of a comparison have one type.
func TestCQL2BindErrors(t *testing.T) {
	spec, _ := cqlLayer()
	cases := []struct{ expr, want string }{
		{"nope = 1", `layer "v" has no queryable "nope" (it has name, population, score, fibre, geometry)`},
		{"population = 'abc'", `= cannot compare "population" (a number) with 'abc' (a string)`},
		{"name > 5", `cannot compare "name" (a string) with 5 (a number)`},
		{"fibre = 1", "(a boolean)"},
		{"population IN (1, 'a')", "IN cannot compare"},
		{"population = DATE('2020-01-01')", "(a date)"},
		{"fibre LIKE 'x'", `LIKE matches strings: "fibre" is a boolean`},
		{"name BETWEEN 'a' AND 'b'", "BETWEEN compares numbers"},
		{"geometry = 1", "is the geometry"},
		{"population = 1 AND nope IS NULL", `no queryable "nope"`},
	}
	for _, c := range cases {
		f, err := ParseCQL2(c.expr)
		if err != nil {
			t.Fatalf("%q: %v", c.expr, err)
		}
		_, err = f.Bind(spec)
		if data.KindOf(err) != data.KindInvalid || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: bind error %v, want it to say %q", c.expr, err, c.want)
		}
	}
}

// The canonical form is CQL2 that reads back as itself; keywords and quoting normalized.
func TestCQL2Canonical(t *testing.T) {
	cases := map[string]string{
		"a=1 and b<>'x' or not c is null":                                  `(("a" = 1 AND "b" <> 'x') OR (NOT "c" IS NULL))`,
		"a = 'it''s' AND b = 'it\\'s\\n\\\\'":                              `("a" = 'it''s' AND "b" = 'it''s\n\\')`,
		"a between -1.5 and +2E3":                                          `"a" BETWEEN -1.5 AND 2000`,
		"\"a b\" not in (1, 2.0)":                                          `"a b" NOT IN (1, 2)`,
		"s_intersects(GEOM, bbox(1,2,3,4))":                                `S_INTERSECTS("geometry", BBOX(1, 2, 3, 4))`,
		"S_INTERSECTS(geometry, multipoint(1 2, 3 4))":                     `S_INTERSECTS("geometry", MULTIPOINT((1 2), (3 4)))`,
		"S_INTERSECTS(geometry, POLYGON Z ((0 0 1, 1 0 1, 1 1 1, 0 0 1)))": `S_INTERSECTS("geometry", POLYGON((0 0, 1 0, 1 1, 0 0)))`,
		"a = DATE('2020-01-02')":                                           `"a" = DATE('2020-01-02')`,
	}
	for in, want := range cases {
		f, err := ParseCQL2(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if f.String() != want {
			t.Errorf("%q: canonical %s, want %s", in, f, want)
		}
		if f.Key() != "cql2:"+want {
			t.Errorf("%q: key %s", in, f.Key())
		}
	}
	legacy, _ := Parse("a = 1")
	if legacy.Key() != legacy.String() || legacy.Key() != `a = "1"` {
		t.Errorf("Indus key %q", legacy.Key())
	}
}

// filter-lang and filter-crs: EPSG:4326 lists latitude first; anything else is refused.
func TestParseIn(t *testing.T) {
	f, err := ParseIn(LangCQL2, "http://www.opengis.net/def/crs/EPSG/0/4326", "S_INTERSECTS(geometry, POINT(25 68)) OR S_INTERSECTS(geometry, BBOX(25, 68, 26, 69))")
	if err != nil {
		t.Fatal(err)
	}
	if want := `(S_INTERSECTS("geometry", POINT(68 25)) OR S_INTERSECTS("geometry", BBOX(68, 25, 69, 26)))`; f.String() != want {
		t.Errorf("lat/lon: %s, want %s", f, want)
	}
	for _, crs := range []string{"", "http://www.opengis.net/def/crs/OGC/1.3/CRS84", "https://www.opengis.net/def/crs/OGC/1.3/CRS84", "[OGC:CRS84]", "EPSG:4326"} {
		if err := CheckSyntax(LangCQL2, crs); err != nil {
			t.Errorf("%q: %v", crs, err)
		}
	}
	if err := CheckSyntax("cql2-json", ""); data.KindOf(err) != data.KindInvalid || !strings.Contains(err.Error(), "filter-lang") {
		t.Errorf("cql2-json: %v", err)
	}
	if err := CheckSyntax(LangCQL2, "http://www.opengis.net/def/crs/EPSG/0/3857"); data.KindOf(err) != data.KindInvalid || !strings.Contains(err.Error(), "filter-crs") {
		t.Errorf("EPSG:3857: %v", err)
	}
	g, err := ParseIn("", "", "a in (x, y)") // Indus's language by default
	if err != nil || g.String() != `a in ("x","y")` {
		t.Errorf("default language: %v %v", g, err)
	}
	if b, ok := f.Bound(); !ok || b != (orb.Bound{Min: orb.Point{68, 25}, Max: orb.Point{69, 26}}) {
		t.Errorf("bound of an OR of spatial tests: %v %v", b, ok)
	}
	h, _ := ParseCQL2("a = 1 AND S_INTERSECTS(geometry, BBOX(1, 2, 3, 4))")
	if b, ok := h.Bound(); !ok || b.Max != (orb.Point{3, 4}) {
		t.Errorf("bound of an AND: %v %v", b, ok)
	}
	for _, expr := range []string{"a = 1 OR S_INTERSECTS(geometry, BBOX(1, 2, 3, 4))", "NOT S_INTERSECTS(geometry, BBOX(1, 2, 3, 4))"} {
		if k, _ := ParseCQL2(expr); k != nil {
			if _, ok := k.Bound(); ok {
				t.Errorf("%s has a bound", expr)
			}
		}
	}
}

func TestLike(t *testing.T) {
	cases := []struct {
		pat, s string
		want   bool
	}{
		{"abc", "abc", true}, {"abc", "abC", false}, {"a%", "a", true}, {"%", "", true}, {"_", "", false},
		{"_", "é", true}, {"__", "é", false}, {"%b%", "aaabaaa", true}, {"%b", "aaabaaa", false},
		{"a%b%c", "aXbYc", true}, {"a%b%c", "aXcYb", false}, {`\%`, "%", true}, {`\%`, "x", false},
		{`a\_b`, "a_b", true}, {`a\_b`, "axb", false}, {`\\`, `\`, true}, {"%%%", "x", true},
		{"%aab", "aaaab", true}, {"_%_", "ab", true}, {"_%_", "a", false}, {"日本%", "日本語", true},
	}
	for _, c := range cases {
		p, err := compileLike(c.pat)
		if err != nil {
			t.Fatalf("%q: %v", c.pat, err)
		}
		if got := p.match(c.s); got != c.want {
			t.Errorf("%q LIKE %q = %v, want %v", c.s, c.pat, got, c.want)
		}
	}
	// a pathological pattern stays linear per wildcard: no exponential backtracking
	p, _ := compileLike(strings.Repeat("%a", 30) + "b")
	if p.match(strings.Repeat("a", 5000)) {
		t.Error("matched without the b")
	}
}

// FuzzParseCQL2: the parser never panics, binding and matching never panic, and the canonical
// form reads back as itself and selects the same features.
func FuzzParseCQL2(f *testing.F) {
	for _, s := range []string{"population >= 5000 AND fibre = FALSE", "name LIKE 'K%\\_x' OR NOT score BETWEEN 1 AND 2",
		"S_INTERSECTS(geometry, POLYGON((2 2, 3 2, 3 3, 2 2)))", "population IN (1, 2.5) AND name IS NOT NULL",
		"S_INTERSECTS(geom, GEOMETRYCOLLECTION(POINT(1 2), MULTILINESTRING((0 0, 1 1))))", "S_INTERSECTS(geometry, BBOX(4, -1, -179, 9))",
		"\"name\" = 'a''b' OR TRUE", "DATE('2020-01-01') = DATE('2020-01-01')", "not (fibre <> true)",
		"S_INTERSECTS(", "-.0>0"} {
		f.Add(s)
	}
	spec, l := cqlLayer()
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseCQL2(s)
		if err != nil {
			if data.KindOf(err) != data.KindInvalid {
				t.Fatalf("%q: error of kind %v", s, data.KindOf(err))
			}
			return
		}
		again, err := ParseCQL2(flt.String())
		if err != nil || again.String() != flt.String() {
			t.Fatalf("%q: canonical %s reads back as %v (%v)", s, flt, again, err)
		}
		b1, err1 := flt.Bind(spec)
		b2, err2 := again.Bind(spec)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("%q: binds %v, its canonical form %v", s, err1, err2)
		}
		if err1 != nil {
			return
		}
		for i := range l.Len() {
			if b1.Match(l, i) != b2.Match(l, i) {
				t.Fatalf("%q: feature %d matched differently by the canonical form", s, i)
			}
		}
	})
}

// Geometry literals are checked (issue 20, item 15): coordinates in WGS84 lon/lat, polygons
// simple; the error names the literal, where it starts and what is wrong.
func TestCQL2InvalidLiterals(t *testing.T) {
	cases := []struct{ expr, want, at string }{
		{"S_INTERSECTS(geometry, POINT(500 27))", "invalid POINT: (500, 27) is outside the WGS84 range", "24"},
		{"S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))", "invalid POLYGON: edges cross", "24"},
		{"S_INTERSECTS(geometry, MULTIPOLYGON(((0 0, 2 0, 2 2, 0 2, 0 0)), ((1 1, 3 1, 3 3, 1 3, 1 1))))", "invalid MULTIPOLYGON: ", "24"},
		{"S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(1 2), POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))))", "invalid POLYGON: edges cross", "55"},
		{"S_INTERSECTS(geometry, LINESTRING(0 0, 1 95))", "invalid LINESTRING: (1, 95) is outside", "24"},
		{"S_INTERSECTS(geometry, BBOX(0, 0, 200, 1))", "invalid BBOX: (200, 1) is outside", "24"},
	}
	for _, c := range cases {
		_, err := ParseCQL2(c.expr)
		if err == nil || data.KindOf(err) != data.KindInvalid {
			t.Errorf("%q: err = %v", c.expr, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, c.want) || !strings.Contains(msg, "at position "+c.at) {
			t.Errorf("%q: %v, want it to say %q at position %s", c.expr, msg, c.want, c.at)
		}
	}
	for _, ok := range []string{"S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 1, 0 0), (0.2 0.2, 0.4 0.2, 0.4 0.4, 0.2 0.2)))",
		"S_INTERSECTS(geometry, BBOX(170, 0, -170, 10))", "S_INTERSECTS(geometry, POINT(180 -90))"} {
		if _, err := ParseCQL2(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}
