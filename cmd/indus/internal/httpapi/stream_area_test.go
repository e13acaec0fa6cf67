package httpapi

import (
	"strings"
	"testing"

	"github.com/cpec-digital/indus/data"
)

// /warnings/stream?area= refuses a bow-tie, an unclosed ring and overlapping polygons with 400
// and the reason (issue 20, item 15), and takes a polygon with a hole.
func TestStreamAreaValidated(t *testing.T) {
	bad := map[string]string{
		`{"type":"Polygon","coordinates":[[[68,25],[69,26],[69,25],[68,26],[68,25]]]}`:                                                    "edges cross",
		`{"type":"Polygon","coordinates":[[[68,25],[69,25],[69,26],[68,26]]]}`:                                                            "ring 1 of polygon 1",
		`{"type":"MultiPolygon","coordinates":[[[[68,25],[70,25],[70,27],[68,27],[68,25]]],[[[69,26],[71,26],[71,28],[69,28],[69,26]]]]}`: "not accepted",
	}
	for area, want := range bad {
		_, err := parseArea("", area)
		if data.KindOf(err) != data.KindInvalid || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want a 400 saying %q", area, err, want)
		}
	}
	a, err := parseArea("", `{"type":"Polygon","coordinates":[[[68,25],[70,25],[70,27],[68,27],[68,25]],[[68.5,25.5],[68.5,26],[69,26],[69,25.5],[68.5,25.5]]]}`)
	if err != nil || len(a.Polygon) != 1 || len(a.Polygon[0]) != 2 {
		t.Errorf("a polygon with a hole: %v %v", a, err)
	}
}

func FuzzParseArea(f *testing.F) {
	f.Add(`{"type":"Polygon","coordinates":[[[68,25],[69,26],[69,25],[68,26],[68,25]]]}`)
	f.Add(`{"type":"MultiPolygon","coordinates":[[[[68,25],[70,25],[70,27],[68,27],[68,25]]]]}`)
	f.Add(`{"type":"Polygon","coordinates":[[[68,25],[69,25]]]}`)
	f.Fuzz(func(t *testing.T, area string) {
		a, err := parseArea("", area)
		if err == nil && area != "" && len(a.Polygon) == 0 {
			t.Fatalf("%q: accepted without polygons", area)
		}
		if err != nil && data.KindOf(err) != data.KindInvalid {
			t.Fatalf("%q: %v is not a 400", area, err)
		}
	})
}
