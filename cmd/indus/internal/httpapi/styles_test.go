package httpapi

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/testenv"
	"github.com/cpec-digital/indus/indexes"
)

// Every served style passes MapLibre's style validator CLI (gl-style-validate, of npm
// @maplibre/maplibre-gl-style-spec, installed by make web-deps), which reads the bytes as they are
// served: a "\u003e" for ">" (Go's HTML escaping) is an unknown expression to it. No JSON the
// server writes escapes <, > or &.
func TestServedStylesValidate(t *testing.T) {
	cli, _ := filepath.Abs("../../../../styles/web/node_modules/.bin/gl-style-validate")
	testenv.Files(t, "the npm packages of styles/web (make web-deps)", cli)
	base := start(t, newServer(t, Config{}, placesSet()))
	var index struct{ Styles []struct{ Href, Rel string } }
	if code, _ := get(t, base+"/styles", &index); code != 200 || len(index.Styles) < 3 {
		t.Fatalf("GET /styles: %d %+v", code, index)
	}
	dir, comparisons := t.TempDir(), 0
	var files []string
	for _, st := range index.Styles {
		body := served(t, st.Href)
		if bytes.Contains(body, []byte(`\u00`)) {
			t.Errorf("%s escapes HTML characters: %.300s", st.Href, body[bytes.Index(body, []byte(`\u00`)):])
		}
		comparisons += bytes.Count(body, []byte(`=",["get","population"]`)) // [">=", ["get", "population"], n]
		if st.Rel == "stylesheet" {
			f := filepath.Join(dir, filepath.Base(st.Href))
			os.WriteFile(f, body, 0o644)
			files = append(files, f)
		}
	}
	if comparisons == 0 {
		t.Fatal("no style compares the population: the test proves nothing")
	}
	for _, f := range files {
		if out, err := exec.Command(cli, f).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("gl-style-validate %s: %v\n%s", filepath.Base(f), err, out)
		}
	}
	for _, path := range []string{"/api", "/collections", "/collections/villages/items?limit=2&bbox=60,29,61,31"} {
		if b := served(t, base+path); bytes.Contains(b, []byte(`\u003c`)) || bytes.Contains(b, []byte(`\u003e`)) || bytes.Contains(b, []byte(`\u0026`)) {
			t.Errorf("%s escapes HTML characters", path)
		}
	}
}

// placesSet is testSet with a layer of named places, whose labels filter on population (>=).
// served is the body of a GET that must answer 200.
func served(t *testing.T, url string) []byte {
	t.Helper()
	code, _, body := fetch(t, "GET", url, "")
	if code != 200 {
		t.Fatalf("GET %s: %d %s", url, code, body)
	}
	return []byte(body)
}

func placesSet() *indexes.Set {
	base := testSet()
	cat := *base.Dataset.Catalog
	cat.Layers = append(append([]data.LayerSpec{}, cat.Layers...), data.LayerSpec{ID: "places", Theme: data.ThemeSocioeconomic, MaxZoom: 14,
		Fields: []data.Field{{Name: "name", Type: data.FieldString}, {Name: "population", Type: data.FieldInteger}}})
	l := data.NewLayer(&cat.Layers[1], []data.Feature{{ID: 1, Geometry: orb.Point{67, 24.9}, Properties: map[string]any{"name": "Karachi", "population": int64(11624219)}}})
	return indexes.Build(&data.Dataset{Catalog: &cat, Layers: append(append([]*data.Layer{}, base.Dataset.Layers...), l), Version: "v1"})
}
