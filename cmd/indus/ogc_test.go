package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
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

// TestOGCAPIFeaturesClients reads the default dataset's collections through real clients: GDAL's
// OGC API - Features driver (OAPIF, as QGIS uses it) lists every collection, counts and describes
// the villages, reads all 30,000 of them (following the next links) with the values Indus serves,
// reads one by id, and copies a bbox into a GeoPackage; swagger-parser validates /api.
func TestOGCAPIFeaturesClients(t *testing.T) {
	t.Parallel()
	base := startServer(t, binary(t))
	t.Run("collections", func(t *testing.T) { checkOAPIFCollections(t, base) })
	t.Run("villages summary", func(t *testing.T) { checkOAPIFSummary(t, base) })
	t.Run("full read", func(t *testing.T) { checkOAPIFFullRead(t, base) })
	t.Run("one feature", func(t *testing.T) { checkOAPIFFeature(t, base) })
	t.Run("bbox to GeoPackage", func(t *testing.T) { checkOAPIFBBoxCopy(t, base) })
	t.Run("OpenAPI", func(t *testing.T) { checkOpenAPI(t, base) })
}

// gdalTool runs a GDAL command line tool and returns its standard output.
func gdalTool(t *testing.T, tool string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(testenv.Tool(t, tool), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, stderr.String())
	}
	return out
}

var oapifLayerRE = regexp.MustCompile(`(?m)^\d+: (\S+)`)

func checkOAPIFCollections(t *testing.T, base string) {
	var cols struct {
		Collections []struct{ ID string } `json:"collections"`
	}
	getJSON(t, base+"/collections", &cols)
	var want []string
	for _, c := range cols.Collections {
		want = append(want, c.ID)
	}
	var got []string
	for _, m := range oapifLayerRE.FindAllStringSubmatch(string(gdalTool(t, "ogrinfo", "-ro", "-so", "OAPIF:"+base)), -1) {
		got = append(got, m[1])
	}
	if len(want) < 14 || !slices.Equal(got, want) {
		t.Errorf("ogrinfo lists %v, /collections %v", got, want)
	}
}

// ogrType is the OGR field type GDAL reads a catalog field type as, from GeoJSON values.
var ogrType = map[string][]string{"boolean": {"Integer(Boolean)"}, "integer": {"Integer", "Integer64"}, "number": {"Real"}, "string": {"String"}}

func checkOAPIFSummary(t *testing.T, base string) {
	out := string(gdalTool(t, "ogrinfo", "-ro", "-al", "-so", "OAPIF:"+base+"/collections/villages"))
	for _, want := range []string{"Layer name: villages", "Geometry: Point", "Feature Count: 30000"} {
		if !strings.Contains(out, "\n"+want+"\n") {
			t.Errorf("ogrinfo does not say %q:\n%s", want, out)
		}
	}
	var col struct {
		Extent struct{ Spatial struct{ BBox [][]float64 } }
	}
	getJSON(t, base+"/collections/villages", &col)
	b := col.Extent.Spatial.BBox[0]
	if ext := fmt.Sprintf("Extent: (%f, %f) - (%f, %f)", b[0], b[1], b[2], b[3]); !strings.Contains(out, ext) {
		t.Errorf("ogrinfo's extent differs from the collection's %s:\n%s", ext, out)
	}
	fields := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^(\w+): ([\w()]+) \(`).FindAllStringSubmatch(out, -1) {
		fields[m[1]] = m[2]
	}
	var cat struct {
		Layers []struct {
			ID     string
			Fields []struct{ Name, Type string }
		}
	}
	getJSON(t, base+"/catalog", &cat)
	for _, l := range cat.Layers {
		if l.ID != "villages" {
			continue
		}
		if len(fields) != len(l.Fields) {
			t.Errorf("ogrinfo reads fields %v, the catalog declares %v", fields, l.Fields)
		}
		for _, f := range l.Fields {
			if !slices.Contains(ogrType[f.Type], fields[f.Name]) {
				t.Errorf("field %s (%s) is read as %q", f.Name, f.Type, fields[f.Name])
			}
		}
	}
}

// feature is a GeoJSON feature as GDAL writes and Indus serves it.
type feature struct {
	ID         uint64         `json:"id"`
	Properties map[string]any `json:"properties"`
	Geometry   struct {
		Type        string    `json:"type"`
		Coordinates []float64 `json:"coordinates"`
	} `json:"geometry"`
}

// servedVillages reads every village from Indus, by pages of 10,000.
func servedVillages(t *testing.T, base, query string) map[uint64]feature {
	out := map[uint64]feature{}
	for offset := 0; ; offset += 10_000 {
		var page struct {
			NumberMatched int       `json:"numberMatched"`
			Features      []feature `json:"features"`
		}
		getJSON(t, fmt.Sprintf("%s/collections/villages/items?limit=10000&offset=%d%s", base, offset, query), &page)
		for _, f := range page.Features {
			out[f.ID] = f
		}
		if offset+10_000 >= page.NumberMatched {
			return out
		}
	}
}

// readSeq parses GeoJSON text sequences (one feature a line).
func readSeq(t *testing.T, b []byte) []feature {
	var out []feature
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var f feature
		if err := json.Unmarshal(bytes.TrimLeft(sc.Bytes(), "\x1e"), &f); err != nil {
			t.Fatalf("GDAL wrote %q: %v", sc.Text(), err)
		}
		out = append(out, f)
	}
	return out
}

// sameFeature says how two features differ, or "".
func sameFeature(got, want feature) string {
	g, w := got.Geometry, want.Geometry
	if g.Type != w.Type || len(g.Coordinates) != 2 || len(w.Coordinates) != 2 ||
		math.Abs(g.Coordinates[0]-w.Coordinates[0]) > 1e-9 || math.Abs(g.Coordinates[1]-w.Coordinates[1]) > 1e-9 {
		return fmt.Sprintf("geometry %v, served %v", g, w)
	}
	if fmt.Sprint(got.Properties) != fmt.Sprint(want.Properties) {
		return fmt.Sprintf("properties %v, served %v", got.Properties, want.Properties)
	}
	return ""
}

func checkOAPIFFullRead(t *testing.T, base string) {
	got := readSeq(t, gdalTool(t, "ogr2ogr", "-preserve_fid", "-oo", "PAGE_SIZE=10000", "-f", "GeoJSONSeq", "/vsistdout/",
		"OAPIF:"+base+"/collections/villages"))
	served := servedVillages(t, base, "")
	if len(got) != 30_000 || len(served) != 30_000 {
		t.Fatalf("GDAL read %d villages, Indus serves %d; want 30000", len(got), len(served))
	}
	seen, bad := map[uint64]bool{}, 0
	for _, f := range got {
		if seen[f.ID] {
			t.Fatalf("GDAL read village %d twice", f.ID)
		}
		seen[f.ID] = true
		if msg := sameFeature(f, served[f.ID]); msg != "" && bad < 5 {
			bad++
			t.Errorf("village %d: GDAL reads %s", f.ID, msg)
		}
	}
	for _, id := range []uint64{1, 2, 777, 15_000, 29_999, 30_000} { // spot checks against the single-item route
		var one feature
		getJSON(t, fmt.Sprintf("%s/collections/villages/items/%d", base, id), &one)
		if one.ID != id || !seen[id] || sameFeature(one, served[id]) != "" {
			t.Errorf("village %d: /items/%d gives %+v, the pages %+v", id, id, one, served[id])
		}
	}
}

func checkOAPIFFeature(t *testing.T, base string) {
	out := string(gdalTool(t, "ogrinfo", "-ro", "-fid", "12345", "OAPIF:"+base+"/collections/villages", "villages"))
	var one feature
	getJSON(t, base+"/collections/villages/items/12345", &one)
	for _, want := range []string{
		"OGRFeature(villages):12345",
		fmt.Sprintf("population (Integer) = %v", one.Properties["population"]),
		fmt.Sprintf("name (String) = %v", one.Properties["name"]),
		fmt.Sprintf("POINT (%v %v)", one.Geometry.Coordinates[0], one.Geometry.Coordinates[1]),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("ogrinfo -fid 12345 does not say %q:\n%s", want, out)
		}
	}
}

func checkOAPIFBBoxCopy(t *testing.T, base string) {
	gpkg := filepath.Join(t.TempDir(), "villages.gpkg")
	gdalTool(t, "ogr2ogr", "-f", "GPKG", gpkg, "OAPIF:"+base, "villages", "-spat", "67", "24", "70", "28")
	m := regexp.MustCompile(`Feature Count: (\d+)`).FindStringSubmatch(string(gdalTool(t, "ogrinfo", "-ro", "-al", "-so", gpkg)))
	if m == nil {
		t.Fatal("ogrinfo gives no feature count for the GeoPackage")
	}
	count, _ := strconv.Atoi(m[1])
	served := servedVillages(t, base, "&bbox=67,24,70,28")
	if count != len(served) || count == 0 || count == 30_000 {
		t.Fatalf("the GeoPackage holds %d villages; Indus matches %d in the bbox", count, len(served))
	}
	want := map[any]bool{}
	for _, f := range served {
		want[f.Properties["village_id"]] = true
	}
	for _, f := range readSeq(t, gdalTool(t, "ogr2ogr", "-f", "GeoJSONSeq", "/vsistdout/", gpkg)) {
		if !want[f.Properties["village_id"]] {
			t.Errorf("the GeoPackage holds village %v, outside what Indus matches", f.Properties["village_id"])
		}
	}
}

// checkOpenAPI validates GET /api with @apidevtools/swagger-parser (styles/web/test/openapi.mjs).
func checkOpenAPI(t *testing.T, base string) {
	testenv.Files(t, "the npm packages of styles/web", "../../styles/web/node_modules/@apidevtools/swagger-parser")
	var doc json.RawMessage
	getJSON(t, base+"/api", &doc)
	file := filepath.Join(t.TempDir(), "api.json")
	if err := os.WriteFile(file, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("node", "../../styles/web/test/openapi.mjs", file).CombinedOutput()
	if err != nil {
		t.Fatalf("swagger-parser: %v\n%.3000s", err, out)
	}
	var res struct{ Paths, Operations int }
	if json.Unmarshal(out, &res) != nil || res.Paths < 30 || res.Operations < res.Paths {
		t.Errorf("swagger-parser read %s", out)
	}
	t.Logf("swagger-parser: %s", bytes.TrimSpace(out))
}
