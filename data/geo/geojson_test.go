package geo

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

var geojsonCases = []string{
	`{"type":"Point","coordinates":[68.5,27.25]}`,
	`{"coordinates":[[68,27],[69,27.5,12]],"type":"LineString"}`,
	`{"type":"MultiPoint","coordinates":[[1,2],[3e1,-4.5E-1]]}`,
	`{"type":"Polygon","coordinates":[[[68,27],[69,27],[69,28],[68,27]],[[68.2,27.2],[68.3,27.2],[68.3,27.3],[68.2,27.2]]]}`,
	`{"type":"MultiPolygon","coordinates":[[[[68,27],[69,27],[69,28],[68,27]]],[[[70,30],[71,30],[71,31],[70,30]]]]}`,
	`{"type":"MultiLineString","coordinates":[[[1,2],[3,4]],[]]}`,
	` { "type" : "Feature" , "properties" : {"a":[1,{"b":"}\""}],"c":null,"d":true} , "geometry" : {"type":"Polygon","coordinates":[]} } `,
	`{"type":"Pol\u0079gon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`,
	`{"type":"Polygon","coordinates":[]}`,
}

// The decoder reads what orb's GeoJSON reader (through encoding/json) reads.
func TestDecodeGeometry(t *testing.T) {
	for _, c := range geojsonCases {
		got, err := DecodeGeometry([]byte(c))
		want := oracle(t, c)
		if err != nil || !orb.Equal(got, want) {
			t.Errorf("%s: got %v (%v), want %v", c, got, err, want)
		}
	}
	for _, bad := range []string{
		`{"type":"Polygon"}`, `{"type":"Circle","coordinates":[1,2]}`, `{"type":"Point","coordinates":[1]}`,
		`{"type":"Polygon","coordinates":[[["a",1]]]}`, `{"type":"Feature","properties":{}}`, `[1,2]`,
		`{"type":"Polygon","coordinates":[[[0,0],[1,0]]`,
	} {
		if g, err := DecodeGeometry([]byte(bad)); err == nil {
			t.Errorf("%s: decoded %v", bad, g)
		}
	}
}

func oracle(t testing.TB, s string) orb.Geometry {
	var probe struct {
		Type     string          `json:"type"`
		Geometry json.RawMessage `json:"geometry"`
	}
	if err := json.Unmarshal([]byte(s), &probe); err != nil {
		return nil
	}
	if probe.Type == "Feature" {
		s = string(probe.Geometry)
	}
	g, err := geojson.UnmarshalGeometry([]byte(s))
	if err != nil || g == nil {
		return nil
	}
	return g.Geometry()
}

// Whatever it is given, the decoder does not panic, and when both it and orb's reader
// accept a geometry they read the same one.
func FuzzDecodeGeometry(f *testing.F) {
	for _, c := range geojsonCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := DecodeGeometry([]byte(s)) // never a panic, even on what is not JSON
		if !json.Valid([]byte(s)) {
			return
		}
		want := oracle(t, s)
		if err != nil || want == nil || strings.Contains(s, `"GeometryCollection"`) {
			return
		}
		if !orb.Equal(got, want) {
			t.Fatalf("%s: got %v, orb reads %v", s, got, want)
		}
	})
}

func BenchmarkDecodeGeometry(b *testing.B) {
	ring := `[[68,27]`
	for i := range 199 {
		ring += `,[68.` + strings.Repeat("1", i%7+1) + `,27.123456789]`
	}
	body := []byte(`{"type":"Polygon","coordinates":[` + ring + `,[68,27]]]}`)
	b.Run("indus", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeGeometry(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("orb-geojson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := geojson.UnmarshalGeometry(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
