package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cpec-digital/indus/data/geo"
	"github.com/paulmach/orb"
)

// storeSpec declares one field of every type.
func storeSpec() *LayerSpec {
	return &LayerSpec{ID: "mixed", Theme: ThemeHazards, MaxZoom: 14, Fields: []Field{
		{Name: "code", Type: FieldInteger}, {Name: "name", Type: FieldString}, {Name: "depth", Type: FieldNumber},
		{Name: "wet", Type: FieldBoolean}, {Name: "seq", Type: FieldInteger}, {Name: "big", Type: FieldInteger}}}
}

// randomFeatures is every geometry kind, holes, multi-parts and nulls.
func randomFeatures(n int, seed uint64) []Feature {
	r := rand.New(rand.NewPCG(seed, 3))
	pt := func() orb.Point { return orb.Point{60 + 17*r.Float64(), 23 + 14*r.Float64()} }
	ring := func(c orb.Point, k int) orb.Ring {
		var out orb.Ring
		for j := range k {
			a := 2 * math.Pi * float64(j) / float64(k)
			out = append(out, orb.Point{c[0] + 0.01*math.Cos(a), c[1] + 0.01*math.Sin(a)})
		}
		return append(out, out[0])
	}
	var out []Feature
	for i := range n {
		c := pt()
		geoms := []orb.Geometry{c, orb.MultiPoint{c, pt()}, orb.LineString{c, pt(), pt()},
			orb.MultiLineString{{c, pt()}, {pt(), pt(), pt()}}, orb.Polygon{ring(c, 4+i%20), ring(c, 4)},
			orb.MultiPolygon{{ring(c, 5)}, {ring(pt(), 7), ring(c, 4)}}}
		props := map[string]any{"code": int64(r.IntN(300) - 100), "name": fmt.Sprintf("n%d", r.IntN(40)),
			"depth": r.Float64() * 3, "wet": r.IntN(2) == 0, "seq": int64(i + 1), "big": int64(r.Uint64() >> 2)}
		if i%7 == 3 {
			delete(props, "name")
			delete(props, "depth")
			delete(props, "wet")
			delete(props, "code")
		}
		out = append(out, Feature{ID: uint64(1000 + 3*i), Geometry: geoms[i%len(geoms)], Properties: props})
	}
	return out
}

// The layer read back from its columns has every feature's id, geometry (exactly, with its type)
// and attributes as they were added.
func TestStoreRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 17, 1000} {
		feats := randomFeatures(n, uint64(n))
		l := NewLayer(storeSpec(), feats)
		checkLayer(t, l, feats)
	}
}

func checkLayer(t *testing.T, l *Layer, feats []Feature) {
	t.Helper()
	if l.Len() != len(feats) {
		t.Fatalf("Len = %d, want %d", l.Len(), len(feats))
	}
	for i, f := range feats {
		g := l.Feature(i)
		if g.ID != f.ID || !reflect.DeepEqual(g.Geometry, f.Geometry) || !reflect.DeepEqual(g.Properties, f.Properties) {
			t.Fatalf("feature %d: got %v %v %v\nwant %v %v %v", i, g.ID, g.Geometry, g.Properties, f.ID, f.Geometry, f.Properties)
		}
		n := 0
		geo.EachPoint(f.Geometry, func(orb.Point) bool { n++; return true })
		if l.Points(i) != n {
			t.Fatalf("feature %d: %d points, want %d", i, l.Points(i), n)
		}
		if b := l.FeatureBound(i); b != f.Geometry.Bound() {
			t.Fatalf("feature %d bound %v, want %v", i, b, f.Geometry.Bound())
		}
		if p, ok := l.Point(i); ok != (f.Geometry.GeoJSONType() == "Point") || (ok && p != f.Geometry.(orb.Point)) {
			t.Fatalf("feature %d: Point() = %v %v", i, p, ok)
		}
	}
	order, pages := l.Order()
	seen := make([]bool, l.Len())
	for k, i := range order {
		seen[i] = true
		b := l.FeatureBound(int(i))
		pb := orb.Bound{Min: orb.Point{pages[4*(k/PageSize)], pages[4*(k/PageSize)+1]}, Max: orb.Point{pages[4*(k/PageSize)+2], pages[4*(k/PageSize)+3]}}
		if pb.Union(b) != pb {
			t.Fatalf("feature %d is outside its page %v", i, pb)
		}
	}
	for i, ok := range seen {
		if !ok {
			t.Fatalf("feature %d is in no page", i)
		}
	}
}

func TestSnapshotFileRoundTripAndRefusals(t *testing.T) {
	dir := t.TempDir()
	cat := testCatalog(t)
	feats := randomFeatures(500, 9)
	b := NewBuilder(&cat.Layers[0], dir) // spilled to files
	for _, f := range feats {
		if err := b.AddFeature(f); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "s.snapshot")
	version, err := WriteSnapshot(path, cat, []*Builder{b})
	b.Close()
	if err != nil || len(version) != 16 {
		t.Fatalf("write: %v (version %q)", err, version)
	}
	ds, err := OpenSnapshot(path)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Version != version || len(ds.Layers) != 1 || ds.Catalog.Layers[0].Metadata.Title != cat.Layers[0].Metadata.Title {
		t.Fatalf("opened %+v", ds)
	}
	checkLayer(t, ds.Layers[0], feats)
	raw, _ := os.ReadFile(path)
	bad := func(name string, mutate func([]byte) []byte, want string) {
		b := mutate(append([]byte(nil), raw...))
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		if _, err := OpenSnapshot(p); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want one naming the file and %q", name, err, want)
		}
	}
	bad("truncated", func(b []byte) []byte { return b[:len(b)/2] }, "table of contents")
	bad("version", func(b []byte) []byte { b[8] = 9; return b }, "format version 9")
	bad("magic", func(b []byte) []byte { b[0] = 'X'; return b }, "not an Indus snapshot")
	bad("flipped", func(b []byte) []byte { b[preambleSize+100] ^= 0xFF; return b }, "checksum mismatch")
	bad("empty", func(b []byte) []byte { return nil }, "preamble")
}

func testCatalog(t testing.TB) *Catalog {
	t.Helper()
	spec := storeSpec()
	spec.Source.Path = "x.geojson"
	spec.Metadata = Metadata{Identifier: "x", Title: "Mixed", Abstract: "a", Theme: ThemeHazards, Keywords: []string{"k"},
		TopicCategory: "environment", RiskRole: RoleContext, Measure: "m", SpatialExtent: []float64{60, 23, 78, 38},
		TemporalExtent: "t", ReferenceDate: "2026-01-01", CRS: "EPSG:4326", Resolution: "r", Lineage: "l", Quality: "q",
		License: "CC0-1.0", Contact: "c", UpdateFrequency: "u"}
	cat := &Catalog{Name: "t", Layers: []LayerSpec{*spec}}
	if err := cat.Validate(); err != nil {
		t.Fatal(err)
	}
	return cat
}

// A catalog that lost a metadata element is refused when the snapshot is opened.
func TestSnapshotCatalogValidated(t *testing.T) {
	dir := t.TempDir()
	cat := testCatalog(t)
	b := NewBuilder(&cat.Layers[0], "")
	b.AddFeature(randomFeatures(1, 1)[0])
	cat.Layers[0].Metadata.License = ""
	path := filepath.Join(dir, "s.snapshot")
	if _, err := WriteSnapshot(path, cat, []*Builder{b}); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenSnapshot(path); err == nil || !strings.Contains(err.Error(), "license") {
		t.Fatalf("err = %v", err)
	}
}

func TestBuilderRefusesBadFeatures(t *testing.T) {
	b := NewBuilder(storeSpec(), "")
	defer b.Close()
	cases := []Feature{
		{ID: 1},
		{ID: 2, Geometry: orb.Point{585000, 3065000}},
		{ID: 3, Geometry: orb.LineString{{1, 1}}},
		{ID: 4, Geometry: orb.Collection{orb.Point{1, 1}}},
		{ID: 5, Geometry: orb.Point{1, 1}, Properties: map[string]any{"colour": "red"}},
		{ID: 6, Geometry: orb.Point{1, 1}, Properties: map[string]any{"code": "seven"}},
	}
	for _, f := range cases {
		if err := b.AddFeature(f); err == nil {
			t.Errorf("feature %d accepted", f.ID)
		}
	}
	if b.Len() != 0 {
		t.Errorf("%d features kept", b.Len())
	}
}
