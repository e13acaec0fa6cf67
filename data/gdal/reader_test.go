package gdal

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/data/postgres/pgtest"
	"github.com/cpec-digital/indus/data/testenv"
)

const fixture = `{"type":"FeatureCollection","features":[
{"type":"Feature","id":7,"properties":{"name":"Sukkur","population":499900,"depth":1.25,"fibre":1},
 "geometry":{"type":"Point","coordinates":[68.85,27.7]}},
{"type":"Feature","id":9,"properties":{"name":"Block","population":12,"depth":0.5,"fibre":0},
 "geometry":{"type":"Polygon","coordinates":[[[68,27],[69,27],[69,28],[68,28],[68,27]],[[68.2,27.2],[68.2,27.4],[68.4,27.4],[68.4,27.2],[68.2,27.2]]]}}
]}`

func spec(id, path string) *data.LayerSpec {
	return &data.LayerSpec{ID: id, Source: data.Source{Path: path}, Fields: []data.Field{
		{Name: "name", Type: data.FieldString}, {Name: "population", Type: data.FieldInteger},
		{Name: "depth", Type: data.FieldNumber}, {Name: "fibre", Type: data.FieldBoolean},
	}}
}

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func ogr2ogr(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command(testenv.Tool(t, "ogr2ogr"), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ogr2ogr %v: %v\n%s", args, err, out)
	}
}

// read reads a layer through r into memory and returns its features.
func read(t *testing.T, r *Reader, dir string, s *data.LayerSpec) ([]data.Feature, error) {
	t.Helper()
	b := data.NewBuilder(s, "")
	defer b.Close()
	if err := r.ReadLayer(context.Background(), &data.Catalog{Dir: dir}, s, b); err != nil {
		return nil, err
	}
	l, err := b.Layer()
	if err != nil {
		return nil, err
	}
	feats := make([]data.Feature, l.Len())
	for i := range feats {
		feats[i] = l.Feature(i)
	}
	return feats, nil
}

func checkFixture(t *testing.T, feats []data.Feature, tol float64) {
	t.Helper()
	if len(feats) != 2 {
		t.Fatalf("got %d features, want 2", len(feats))
	}
	var pt data.Feature
	var poly data.Feature
	for _, f := range feats {
		switch f.Geometry.(type) {
		case orb.Point:
			pt = f
		case orb.Polygon, orb.MultiPolygon:
			poly = f
		}
	}
	if pt.Geometry == nil || poly.Geometry == nil {
		t.Fatalf("want a point and a polygon, got %T and %T", feats[0].Geometry, feats[1].Geometry)
	}
	p := pt.Geometry.(orb.Point)
	if math.Abs(p[0]-68.85) > tol || math.Abs(p[1]-27.7) > tol {
		t.Errorf("point = %v, want (68.85, 27.7)", p)
	}
	want := map[string]any{"name": "Sukkur", "population": int64(499900), "depth": 1.25, "fibre": true}
	for k, v := range want {
		if pt.Properties[k] != v {
			t.Errorf("point %s = %#v, want %#v", k, pt.Properties[k], v)
		}
	}
	var pg orb.Polygon
	switch g := poly.Geometry.(type) {
	case orb.Polygon:
		pg = g
	case orb.MultiPolygon:
		pg = g[0]
	}
	if len(pg) != 2 {
		t.Fatalf("polygon has %d rings, want 2 (exterior and hole)", len(pg))
	}
	b := pg.Bound()
	if math.Abs(b.Min[0]-68) > tol || math.Abs(b.Max[1]-28) > tol {
		t.Errorf("polygon bound = %v", b)
	}
}

func TestReadVectorFormats(t *testing.T) {
	r := NewReader(2)
	defer r.Close()
	dir := t.TempDir()
	src := write(t, dir, "in.geojson", fixture)
	ogr2ogr(t, "-f", "GPKG", filepath.Join(dir, "in.gpkg"), src, "-nln", "places")
	ogr2ogr(t, "-f", "ESRI Shapefile", filepath.Join(dir, "in.shp"), src, "-nlt", "PROMOTE_TO_MULTI", "-where", "OGR_GEOMETRY='POLYGON'")
	ogr2ogr(t, "-f", "ESRI Shapefile", filepath.Join(dir, "pt.shp"), src, "-where", "OGR_GEOMETRY='POINT'")
	// The same data in UTM zone 42N: the reader must bring it back to lon/lat.
	ogr2ogr(t, "-f", "GPKG", "-t_srs", "EPSG:32642", filepath.Join(dir, "utm.gpkg"), src, "-nln", "places")

	tests := []struct {
		name, path, layer string
		tol               float64
	}{
		{"geojson", "in.geojson", "", 1e-12},
		{"gpkg", "in.gpkg", "places", 1e-12},
		{"gpkg-utm", "utm.gpkg", "", 1e-7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := spec("l", tt.path)
			s.Source.Layer = tt.layer
			feats, err := read(t, r, dir, s)
			if err != nil {
				t.Fatal(err)
			}
			checkFixture(t, feats, tt.tol)
		})
	}
	t.Run("shapefile", func(t *testing.T) {
		polys, err := read(t, r, dir, spec("l", "in.shp"))
		if err != nil {
			t.Fatal(err)
		}
		pts, err := read(t, r, dir, spec("l", "pt.shp"))
		if err != nil {
			t.Fatal(err)
		}
		checkFixture(t, append(pts, polys...), 1e-12)
	})
	t.Run("id_field", func(t *testing.T) {
		s := spec("l", "in.geojson")
		s.Source.IDField = "population"
		feats, err := read(t, r, dir, s)
		if err != nil {
			t.Fatal(err)
		}
		if feats[0].ID != 499900 || feats[1].ID != 12 {
			t.Errorf("ids = %d, %d; want 499900, 12", feats[0].ID, feats[1].ID)
		}
	})
}

func TestReadErrors(t *testing.T) {
	r := NewReader(1)
	defer r.Close()
	dir := t.TempDir()
	write(t, dir, "corrupt.geojson", `{"type":"FeatureCollection","features":[{"type":`)
	write(t, dir, "ok.geojson", fixture)
	write(t, dir, "noise.tif", "II*\x00 this is not a TIFF")
	tests := []struct {
		name string
		spec *data.LayerSpec
		want []string
	}{
		{"missing file", spec("a", "nope.geojson"), []string{`layer "a"`, "nope.geojson", "no such file"}},
		{"corrupt geojson", spec("b", "corrupt.geojson"), []string{`layer "b"`, "corrupt.geojson", "GDAL"}},
		{"missing attribute", func() *data.LayerSpec {
			s := spec("c", "ok.geojson")
			s.Fields = append(s.Fields, data.Field{Name: "ghost", Type: data.FieldString})
			return s
		}(), []string{`layer "c"`, `"ghost"`}},
		{"bad type", func() *data.LayerSpec {
			s := spec("d", "ok.geojson")
			s.Fields[0].Type = data.FieldInteger
			return s
		}(), []string{`"name"`, "not a valid integer"}},
		{"missing layer", func() *data.LayerSpec { s := spec("e", "ok.geojson"); s.Source.Layer = "zz"; return s }(), []string{`"zz"`}},
		{"corrupt tiff", func() *data.LayerSpec {
			s := spec("f", "noise.tif")
			s.Source.Raster = &data.RasterSource{Band: 1, ClassField: "name", Classes: []data.Class{{Name: "x", Min: 0, Max: 1}}}
			return s
		}(), []string{`layer "f"`, "noise.tif"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := read(t, r, dir, tt.spec)
			if err == nil {
				t.Fatal("no error")
			}
			if data.KindOf(err) != data.KindInvalid {
				t.Errorf("kind = %s, want invalid", data.KindOf(err))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// A GeoJSON in metres with no CRS is read as lon/lat by GDAL; data.Load must refuse it.
func TestMisprojectedRefusedAtLoad(t *testing.T) {
	r := NewReader(1)
	defer r.Close()
	dir := t.TempDir()
	write(t, dir, "metres.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
	 "geometry":{"type":"Point","coordinates":[585000,3065000]}}]}`)
	s := spec("m", "metres.geojson")
	s.Fields = nil
	cat := &data.Catalog{Dir: dir, Layers: []data.LayerSpec{*s}}
	_, err := data.Load(context.Background(), cat, r, data.LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "metres.geojson") || !strings.Contains(err.Error(), "WGS84") {
		t.Fatalf("err = %v; want one naming the file and the lon/lat range", err)
	}
}

func TestRasterClassesToPolygons(t *testing.T) {
	r := NewReader(1)
	defer r.Close()
	dir := t.TempDir()
	// 10x10 cells of 0.1 degree from (68, 28) down to (69, 27): left half 0.3 m, right half 2.0 m,
	// one nodata cell in the left half and a dry row at the bottom.
	g := &data.Grid{Width: 10, Height: 10, GeoTransform: [6]float64{68, 0.1, 0, 28, 0, -0.1}, EPSG: 4326, NoData: -9999}
	g.Values = make([]float32, 100)
	for y := range 10 {
		for x := range 10 {
			v := float32(0.3)
			if x >= 5 {
				v = 2.0
			}
			if y == 9 {
				v = 0
			}
			g.Values[y*10+x] = v
		}
	}
	g.Values[0] = -9999
	path := filepath.Join(dir, "depth.tif")
	if err := r.WriteGeoTIFF(context.Background(), path, g); err != nil {
		t.Fatal(err)
	}
	s := &data.LayerSpec{ID: "flood", Source: data.Source{Path: "depth.tif", Raster: &data.RasterSource{
		Band: 1, ClassField: "depth_class", Classes: []data.Class{
			{Name: "low", Min: 0.1, Max: 0.5}, {Name: "medium", Min: 0.5, Max: 1.5}, {Name: "high", Min: 1.5, Max: 1e9}}}},
		Fields: []data.Field{{Name: "depth_class", Type: data.FieldString}}}
	feats, err := read(t, r, dir, s)
	if err != nil {
		t.Fatal(err)
	}
	area := map[string]float64{}
	for _, f := range feats {
		area[f.Properties["depth_class"].(string)] += planarArea(f.Geometry)
	}
	// low: 5x9 cells minus the nodata cell = 44 cells of 0.01 deg²; high: 5x9 = 45 cells.
	if math.Abs(area["low"]-0.44) > 1e-9 || math.Abs(area["high"]-0.45) > 1e-9 || area["medium"] != 0 {
		t.Errorf("class areas = %v, want low 0.44, high 0.45", area)
	}

	// The same grid projected in UTM must come back in lon/lat.
	u := *g
	u.EPSG = 32642
	u.GeoTransform = [6]float64{500000, 1000, 0, 3100000, 0, -1000}
	if err := r.WriteGeoTIFF(context.Background(), filepath.Join(dir, "utm.tif"), &u); err != nil {
		t.Fatal(err)
	}
	s.Source.Path = "utm.tif"
	feats, err = read(t, r, dir, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range feats {
		if err := geo.CheckLonLat(f.Geometry); err != nil {
			t.Fatal(err)
		}
		if c := f.Geometry.Bound().Center(); c[0] < 68.9 || c[0] > 69.1 || c[1] < 27.9 || c[1] > 28.1 {
			t.Errorf("UTM polygon centre %v is not near 69E 28N", c)
		}
	}
}

func planarArea(g orb.Geometry) float64 {
	var a float64
	for _, p := range geo.Polygons(g) {
		a += math.Abs(geo.PlanarRingArea(p[0]))
		for _, h := range p[1:] {
			a -= math.Abs(geo.PlanarRingArea(h))
		}
	}
	return a
}

// TestReadPostGIS reads a layer through a PG: connection string from a private PostGIS cluster,
// loaded with ogr2ogr from the same fixture.
func TestReadPostGIS(t *testing.T) {
	pg := pgtest.Require(t)
	conn := "PG:" + pg.Conn()
	dir := t.TempDir()
	src := write(t, dir, "in.geojson", fixture)
	ogr2ogr(t, "-f", "PostgreSQL", conn, src, "-nln", "places", "-lco", "GEOMETRY_NAME=geom")
	r := NewReader(1)
	defer r.Close()
	s := spec("l", conn)
	s.Source.Layer = "places"
	feats, err := read(t, r, dir, s)
	if err != nil {
		t.Fatal(err)
	}
	checkFixture(t, feats, 1e-12)
	s.Source.Layer = "nope"
	if _, err := read(t, r, dir, s); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("missing PostGIS table: %v", err)
	}
	bad := spec("l", "PG:host=127.0.0.1 port=1 user=postgres dbname=none password=secret")
	_, err = read(t, r, dir, bad)
	if err == nil || strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "password=***") {
		t.Errorf("unreachable database: %v (the password must be redacted)", err)
	}
}
