package tiles

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
	"github.com/cpec-digital/indus/tiles/mvtcheck"
)

// layerOf builds an indexed layer spec with the given features.
func layerOf(id string, minz, maxz int, fields []data.Field, feats []data.Feature) *data.Layer {
	spec := &data.LayerSpec{ID: id, Theme: data.ThemeHazards, MinZoom: minz, MaxZoom: maxz, Fields: fields}
	return data.NewLayer(spec, feats)
}

func setOf(layers ...*data.Layer) *indexes.Set {
	cat := &data.Catalog{Name: "test", Attribution: "test data"}
	for _, l := range layers {
		cat.Layers = append(cat.Layers, *l.Spec)
	}
	return indexes.Build(&data.Dataset{Catalog: cat, Layers: layers, Version: "v1"})
}

func service(t testing.TB, cfg Config, set *indexes.Set) *Service {
	t.Helper()
	s, err := New(cfg, func() *indexes.Set { return set }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func square(x, y, w float64, ccw bool) orb.Ring {
	r := orb.Ring{{x, y}, {x + w, y}, {x + w, y + w}, {x, y + w}, {x, y}}
	if !ccw {
		r.Reverse()
	}
	return r
}

var classField = []data.Field{{Name: "depth_class", Type: data.FieldString}, {Name: "population", Type: data.FieldInteger}}

func decode(t *testing.T, tile *Tile) mvtcheck.Report {
	t.Helper()
	raw, err := tile.Raw()
	if err != nil {
		t.Fatal(err)
	}
	rep := mvtcheck.Check(raw, 64)
	if len(rep.Violations) > 0 {
		t.Fatalf("spec violations: %v", rep.Violations)
	}
	return rep
}

// Both input windings, with holes of both windings, come out as the spec wants.
func TestWindingAndCleaning(t *testing.T) {
	var feats []data.Feature
	for i, ccw := range []bool{true, false} {
		x := 68 + float64(i)
		poly := orb.Polygon{square(x, 27, 0.8, ccw), square(x+0.2, 27.2, 0.2, ccw)} // hole with the same winding as the shell
		// a repeated vertex in the shell
		poly[0] = append(orb.Ring{poly[0][0]}, poly[0]...)
		feats = append(feats, data.Feature{ID: uint64(i + 1), Geometry: poly, Properties: map[string]any{"depth_class": "high", "population": int64(7)}})
	}
	s := service(t, Config{}, setOf(layerOf("flood", 0, 14, classField, feats)))
	tile := maptile.At(orb.Point{68.9, 27.5}, 7)
	got, err := s.Tile(context.Background(), Request{Layers: []string{"flood"}, Z: uint32(tile.Z), X: tile.X, Y: tile.Y})
	if err != nil {
		t.Fatal(err)
	}
	rep := decode(t, got)
	if len(rep.Layers) != 1 || len(rep.Layers[0].Features) != 2 {
		t.Fatalf("layers %+v", rep.Layers)
	}
	for _, f := range rep.Layers[0].Features {
		if len(f.Parts) != 2 {
			t.Fatalf("feature %d has %d rings, want 2", f.ID, len(f.Parts))
		}
		if mvtcheck.Area(f.Parts[0]) <= 0 || mvtcheck.Area(f.Parts[1]) >= 0 {
			t.Errorf("feature %d: shell area %d (want > 0), hole area %d (want < 0)", f.ID, mvtcheck.Area(f.Parts[0]), mvtcheck.Area(f.Parts[1]))
		}
		if f.Props["depth_class"] != "high" || f.Props["population"] != int64(7) {
			t.Errorf("props = %v", f.Props)
		}
	}
}

func TestGeneralization(t *testing.T) {
	tiny := orb.Polygon{square(70, 30, 0.001, true)} // ~100 m: under a pixel at z5, visible at z14
	big := orb.Polygon{square(70.5, 30.5, 1, true)}
	feats := []data.Feature{{ID: 1, Geometry: tiny}, {ID: 2, Geometry: big}}
	s := service(t, Config{CacheBytes: -1}, setOf(layerOf("flood", 0, 14, nil, feats)))
	ids := func(z maptile.Zoom, p orb.Point) []uint64 {
		tl := maptile.At(p, z)
		got, err := s.Tile(context.Background(), Request{Layers: []string{"flood"}, Z: uint32(z), X: tl.X, Y: tl.Y})
		if err != nil {
			t.Fatal(err)
		}
		if got.Empty {
			return nil
		}
		var out []uint64
		for _, f := range decode(t, got).Layers[0].Features {
			out = append(out, f.ID)
		}
		return out
	}
	if got := ids(5, orb.Point{70.5, 30.5}); fmt.Sprint(got) != "[2]" {
		t.Errorf("z5: features %v, want only the big polygon", got)
	}
	if got := ids(14, orb.Point{70.0005, 30.0005}); fmt.Sprint(got) != "[1]" {
		t.Errorf("z14: features %v, want the tiny polygon", got)
	}
}

func randomPolygons(n int, seed uint64) []data.Feature {
	r := rand.New(rand.NewPCG(seed, 9))
	feats := make([]data.Feature, n)
	classes := []string{"low", "medium", "high"}
	for i := range feats {
		x, y := 61+15*r.Float64(), 24+12*r.Float64()
		w := 0.02 + 0.2*r.Float64()
		ring := orb.Ring{}
		for k := range 24 { // jagged polygons that resist simplification and compression
			a := float64(k) / 24 * 6.283
			rad := w * (0.6 + 0.4*r.Float64())
			ring = append(ring, orb.Point{x + rad*cos(a), y + rad*sin(a)})
		}
		ring = append(ring, ring[0])
		feats[i] = data.Feature{ID: uint64(i + 1), Geometry: orb.Polygon{ring},
			Properties: map[string]any{"depth_class": classes[i%3], "population": int64(r.IntN(100000))}}
	}
	return feats
}

// A dense layer must be cut down to the byte budget, and the tile must stay valid.
func TestByteBudget(t *testing.T) {
	set := setOf(layerOf("flood", 0, 14, classField, randomPolygons(40000, 1)))
	s := service(t, Config{CacheBytes: -1, BudgetBytes: 60_000}, set)
	for _, z := range []uint32{3, 5, 6} {
		tl := maptile.At(orb.Point{68, 30}, maptile.Zoom(z))
		got, err := s.Tile(context.Background(), Request{Layers: []string{"flood"}, Z: z, X: tl.X, Y: tl.Y})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Gzip) > 60_000 {
			t.Errorf("z%d: %d bytes over the 60,000 budget", z, len(got.Gzip))
		}
		if got.Level == 0 || got.Features == 0 {
			t.Errorf("z%d: level %d with %d features; want coarsening and some features", z, got.Level, got.Features)
		}
		decode(t, got)
	}
	s2 := service(t, Config{CacheBytes: -1, MaxFeatures: 500}, set)
	tl := maptile.At(orb.Point{68, 30}, 6)
	got, err := s2.Tile(context.Background(), Request{Layers: []string{"flood"}, Z: 6, X: tl.X, Y: tl.Y})
	if err != nil || got.Features > 500 {
		t.Fatalf("feature budget: %v, %d features", err, got.Features)
	}
}

func TestDeterministicBytes(t *testing.T) {
	set := setOf(layerOf("flood", 0, 14, classField, randomPolygons(3000, 2)))
	a := service(t, Config{CacheBytes: -1}, set)
	b := service(t, Config{CacheBytes: -1}, set)
	req := Request{Layers: []string{"flood"}, Z: 6, X: 44, Y: 26}
	t1, err1 := a.Tile(context.Background(), req)
	t2, err2 := b.Tile(context.Background(), req)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if string(t1.Gzip) != string(t2.Gzip) || t1.ETag != t2.ETag {
		t.Fatal("the same request gave different bytes")
	}
}

func TestRequestErrors(t *testing.T) {
	s := service(t, Config{}, setOf(layerOf("flood", 0, 14, classField, randomPolygons(10, 3))))
	tests := []struct {
		req  Request
		kind data.Kind
		want string
	}{
		{Request{Layers: []string{"flood"}, Z: 23}, data.KindInvalid, "bad zoom"},
		{Request{Layers: []string{"flood"}, Z: 2, X: 4}, data.KindInvalid, "out of range"},
		{Request{Layers: []string{"nope"}, Z: 0}, data.KindNotFound, `no layer "nope"`},
		{Request{Z: 0}, data.KindInvalid, "no layers"},
		{Request{Layers: []string{"flood"}, Filter: "depth_class in (high"}, data.KindInvalid, "bad filter"},
		{Request{Layers: []string{"flood"}, Filter: "colour = red"}, data.KindInvalid, `no field "colour"`},
		{Request{Layers: []string{"flood"}, Filter: "population > lots"}, data.KindInvalid, "integer field"},
		{Request{Layers: []string{"flood"}, Fields: []string{"colour"}}, data.KindInvalid, "unknown field"},
		{Request{Layers: []string{"flood"}, FilterLang: "cql2-json"}, data.KindInvalid, "bad filter-lang"},
		{Request{Layers: []string{"flood"}, Filter: "population > 1", FilterLang: "cql2-text", FilterCRS: "EPSG:3857"}, data.KindInvalid, "bad filter-crs"},
		{Request{Layers: []string{"flood"}, Filter: "population >> 1", FilterLang: "cql2-text"}, data.KindInvalid, "at position 13"},
		{Request{Layers: []string{"flood"}, Filter: "depth_class = 5", FilterLang: "cql2-text"}, data.KindInvalid, "cannot compare"},
	}
	for _, tt := range tests {
		_, err := s.Tile(context.Background(), tt.req)
		if err == nil || data.KindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: err = %v (%s), want %s %q", tt.req, err, data.KindOf(err), tt.kind, tt.want)
		}
	}
	if st := s.Stats(); st.Computed != 0 {
		t.Errorf("errors were computed or cached: %+v", st)
	}
}

func TestFieldsFilterAndZoomRange(t *testing.T) {
	feats := randomPolygons(300, 4)
	pts := []data.Feature{{ID: 1, Geometry: orb.Point{68, 30}, Properties: map[string]any{"population": int64(5)}}}
	set := setOf(layerOf("flood", 0, 14, classField, feats), layerOf("villages", 5, 14, classField[1:], pts))
	s := service(t, Config{CacheBytes: -1}, set)
	get := func(req Request) mvtcheck.Report {
		got, err := s.Tile(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if got.Empty {
			return mvtcheck.Report{}
		}
		return decode(t, got)
	}
	rep := get(Request{Layers: []string{"villages", "flood"}, Z: 4, X: 11, Y: 6})
	if len(rep.Layers) != 1 || rep.Layers[0].Name != "flood" {
		t.Fatalf("z4: layers %v, want flood only (villages start at z5)", rep.Layers)
	}
	rep = get(Request{Layers: []string{"villages", "flood"}, Z: 5, X: 22, Y: 13})
	if len(rep.Layers) != 2 || rep.Layers[0].Name != "flood" || rep.Layers[1].Name != "villages" {
		t.Fatalf("z5: want flood then villages (catalog order), got %d layers", len(rep.Layers))
	}
	rep = get(Request{Layers: []string{"flood"}, Z: 4, X: 11, Y: 6, Fields: []string{"depth_class"}, Filter: "depth_class in (medium, high) and population >= 50000"})
	for _, f := range rep.Layers[0].Features {
		if _, ok := f.Props["population"]; ok || (f.Props["depth_class"] != "medium" && f.Props["depth_class"] != "high") {
			t.Fatalf("feature %d props %v", f.ID, f.Props)
		}
		src := feats[f.ID-1].Properties
		if src["population"].(int64) < 50000 {
			t.Fatalf("feature %d with population %v passed the filter", f.ID, src["population"])
		}
	}
	if got, _ := s.Tile(context.Background(), Request{Layers: []string{"flood"}, Z: 10, X: 0, Y: 0}); !got.Empty {
		t.Error("a tile with nothing in it is not empty")
	}
}

// A CQL2 filter selects the features it says (S_INTERSECTS exactly), its canonical form keys the
// cache (two spellings share a tile), and it never shares a key with the Indus language.
func TestCQL2Filter(t *testing.T) {
	feats := randomPolygons(300, 4)
	s := service(t, Config{}, setOf(layerOf("flood", 0, 4, classField, feats))) // z4 is its maxzoom: nothing thinned
	box := geo.NewRegion(orb.Bound{Min: orb.Point{62, 25}, Max: orb.Point{66, 30}})
	ask := func(expr, lang string) *Tile {
		got, err := s.Tile(context.Background(), Request{Layers: []string{"flood"}, Z: 4, X: 10, Y: 6, Filter: expr, FilterLang: lang})
		if err != nil {
			t.Fatal(err)
		}
		s.Wait()
		return got
	}
	tile := ask("S_INTERSECTS(geometry, BBOX(62, 25, 66, 30)) AND depth_class <> 'low'", "cql2-text")
	seen := map[uint64]bool{}
	for _, f := range decode(t, tile).Layers[0].Features {
		seen[f.ID] = true
	}
	kept := 0
	for i, f := range feats {
		want := f.Properties["depth_class"] != "low" && box.Intersects(f.Geometry)
		if big := f.Geometry.Bound().Right()-f.Geometry.Bound().Left() > 0.1; seen[uint64(i+1)] && !want || want && big && !seen[uint64(i+1)] {
			t.Errorf("feature %d: in the tile %v, want %v", i+1, seen[uint64(i+1)], want)
		}
		if want {
			kept++
		}
	}
	if kept < 5 || len(seen) < 5 {
		t.Fatalf("%d features should be kept, %d are", kept, len(seen))
	}
	if again := ask("s_intersects(GEOM,bbox(62,25,66,30)) and \"depth_class\"<>'low'", "cql2-text"); again != tile || s.Stats().Computed != 1 {
		t.Errorf("another spelling of the same CQL2 filter was computed again: %+v", s.Stats())
	}
	ask("depth_class = high", "")
	ask("depth_class = 'high'", "cql2-text")
	if st := s.Stats(); st.Computed != 3 {
		t.Errorf("the Indus and the CQL2 filter shared a key: %+v", st)
	}
}

func TestCacheSingleFlightAndInvalidation(t *testing.T) {
	set := setOf(layerOf("flood", 0, 14, classField, randomPolygons(2000, 5)))
	s := service(t, Config{}, set)
	west := Request{Layers: []string{"flood"}, Z: 6, X: 43, Y: 26}
	east := Request{Layers: []string{"flood"}, Z: 6, X: 46, Y: 26}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Tile(context.Background(), west); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if st := s.Stats(); st.Computed != 1 {
		t.Fatalf("20 concurrent misses computed %d times, want 1", st.Computed)
	}
	first, _ := s.Tile(context.Background(), east)
	s.Wait()
	before := s.Stats()
	s.Tile(context.Background(), west)
	s.Tile(context.Background(), east)
	if st := s.Stats(); st.Computed != before.Computed || st.Hits != before.Hits+2 {
		t.Fatalf("cached tiles were recomputed: before %+v after %+v", before, st)
	}
	// Invalidate an area inside the western tile only.
	wb := maptile.New(west.X, west.Y, 6).Bound()
	n := s.Invalidate("flood", orb.Bound{Min: wb.Center(), Max: orb.Point{wb.Center()[0] + 0.1, wb.Center()[1] + 0.1}})
	if n != 1 {
		t.Fatalf("Invalidate dropped %d tiles, want 1", n)
	}
	s.Tile(context.Background(), west)
	again, _ := s.Tile(context.Background(), east)
	s.Wait() // the cache applies deletions asynchronously
	st := s.Stats()
	if st.Computed != before.Computed+1 {
		t.Errorf("after invalidation %d tiles were computed, want 1", st.Computed-before.Computed)
	}
	if again != first {
		t.Error("the eastern tile was not served from the cache")
	}
	if st.Entries < 1 || st.CostBytes <= 0 {
		t.Errorf("cache size not observable: %+v", st)
	}
	// Three tiles were made at zoom 6 (west, east, west again on the same data), none elsewhere.
	w, _ := s.Tile(context.Background(), west)
	if z6, want := st.ByZoom[6], uint64(2*len(w.Gzip)+len(first.Gzip)); z6.Computed != 3 || z6.Bytes != want {
		t.Errorf("zoom 6: %+v, want 3 tiles of %d bytes", z6, want)
	}
	if st.ByZoom[5].Computed != 0 || st.Evicted < 1 {
		t.Errorf("zoom 5 %+v, evicted %d (the invalidated tile left the cache)", st.ByZoom[5], st.Evicted)
	}
}

// Requests with the same lists in another order share cached tiles; the caller may reuse the
// strings of a request once Tile returns; selections follow the current data and are bounded.
func TestSelections(t *testing.T) {
	feats := randomPolygons(2000, 8)
	set := setOf(layerOf("flood", 0, 14, classField, feats), layerOf("villages", 0, 14, classField, randomPolygons(50, 9)))
	current := set
	s, err := New(Config{}, func() *indexes.Set { return current }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	west, east := maptile.New(44, 26, 6), maptile.New(45, 26, 6)
	buf := []byte("depth_class = high")
	a, err := s.Tile(context.Background(), Request{Layers: []string{"villages", "flood"}, Z: 6, X: west.X, Y: west.Y,
		Filter: unsafe.String(&buf[0], len(buf))})
	if err != nil {
		t.Fatal(err)
	}
	copy(buf, "depth_class = low ") // the caller reuses its bytes
	s.Wait()
	b, _ := s.Tile(context.Background(), Request{Layers: []string{"flood", "villages"}, Z: 6, X: west.X, Y: west.Y, Filter: "depth_class = high"})
	if a != b || s.Stats().Computed != 1 {
		t.Fatalf("the same selection in another order was made again: %+v", s.Stats())
	}
	c, _ := s.Tile(context.Background(), Request{Layers: []string{"villages", "flood"}, Z: 6, X: east.X, Y: east.Y, Filter: "depth_class = high"})
	if c.Empty {
		t.Fatal("the eastern tile is empty")
	}
	for _, l := range decode(t, c).Layers {
		for _, f := range l.Features {
			if f.Props["depth_class"] != "high" {
				t.Fatalf("%s feature %d of class %v passed the filter depth_class = high", l.Name, f.ID, f.Props["depth_class"])
			}
		}
	}
	current = setOf(layerOf("flood", 0, 14, classField, feats))
	if _, err := s.Tile(context.Background(), Request{Layers: []string{"villages", "flood"}, Z: 6, X: west.X, Y: west.Y}); data.KindOf(err) != data.KindNotFound {
		t.Fatalf("a layer gone from the current data is still served: %v", err)
	}
	if _, err := s.Tile(context.Background(), Request{Layers: []string{"flood"}, Z: 6, X: west.X, Y: west.Y}); err != nil {
		t.Fatal(err)
	}
	for _, a := range s.sels.m {
		if a.sel.set != current {
			t.Fatal("a selection of the older data is kept")
		}
	}
	for i := range maxSelections + 10 {
		if _, err := s.plan(&Request{Layers: []string{"flood"}, Filter: fmt.Sprintf("population > %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.sels.m); n > maxSelections {
		t.Errorf("%d selections kept, at most %d", n, maxSelections)
	}
}

// The served TileJSON's vector layers are written as the server writes JSON: no HTML escaping.
func TestTileJSON(t *testing.T) {
	fields := []data.Field{{Name: "depth_class", Type: data.FieldString, Description: "depth < 0.5 m & more"}, classField[1]}
	set := setOf(layerOf("flood", 2, 12, fields, randomPolygons(10, 6)))
	s := service(t, Config{}, set)
	tj, err := s.TileJSON([]string{"flood"}, "http://x/tiles/flood/{z}/{x}/{y}.mvt", nil)
	if err != nil {
		t.Fatal(err)
	}
	if tj.TileJSON != "3.0.0" || tj.MinZoom != 2 || tj.MaxZoom != 12 || tj.Attribution != "test data" {
		t.Errorf("tilejson = %+v", tj)
	}
	if got, want := string(tj.VectorLayers), `[{"id":"flood","description":"","minzoom":2,"maxzoom":12,"fields":{"depth_class":"String: depth < 0.5 m & more","population":"Number: "}}]`; got != want {
		t.Errorf("vector_layers\n%s\nwant\n%s", got, want)
	}
	if tj.Bounds[0] < 60 || tj.Bounds[2] > 77 || tj.Center[2] != 5 {
		t.Errorf("bounds %v center %v", tj.Bounds, tj.Center)
	}
}

func BenchmarkTileCold(b *testing.B) {
	set := setOf(layerOf("flood", 0, 14, classField, randomPolygons(10000, 7)))
	for _, z := range []maptile.Zoom{4, 6, 8, 10} {
		b.Run(fmt.Sprintf("z%d", z), func(b *testing.B) {
			s := service(b, Config{CacheBytes: -1}, set)
			tl := maptile.At(orb.Point{68.5, 30.5}, z)
			req := Request{Layers: []string{"flood"}, Z: uint32(z), X: tl.X, Y: tl.Y}
			b.ReportAllocs()
			var size int
			for b.Loop() {
				t, err := s.Tile(context.Background(), req)
				if err != nil {
					b.Fatal(err)
				}
				size = len(t.Gzip)
			}
			b.ReportMetric(float64(size), "gzip-bytes")
		})
	}
}

func BenchmarkTileCacheHit(b *testing.B) {
	set := setOf(layerOf("flood", 0, 14, classField, randomPolygons(10000, 7)))
	s := service(b, Config{}, set)
	req := Request{Layers: []string{"flood"}, Z: 6, X: 44, Y: 26}
	s.Tile(context.Background(), req)
	s.Wait()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Tile(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// Dropping the vertices beyond one side of the rectangle never changes the clip.

// compositeIDs are the 14 layer ids of the default catalog (a full composite tile).
var compositeIDs = []string{"flood_rp10", "flood_rp25", "flood_rp100", "rivers", "gauges", "heat_stress", "wetlands",
	"villages", "places", "cpec_routes", "facilities", "country", "provinces", "warnings"}

// hitRequests are composite tiles of all 14 layers at z6-12 over the random polygons, each made
// once so that the cache holds them.
func hitRequests(b *testing.B, s *Service) []Request {
	r := rand.New(rand.NewPCG(12, 12))
	var reqs []Request
	for z := maptile.Zoom(6); z <= 12; z++ {
		for range 8 {
			tl := maptile.At(orb.Point{61 + 15*r.Float64(), 24 + 12*r.Float64()}, z)
			req := Request{Layers: compositeIDs, Z: uint32(z), X: tl.X, Y: tl.Y}
			if _, err := s.Tile(context.Background(), req); err != nil {
				b.Fatal(err)
			}
			reqs = append(reqs, req)
		}
	}
	s.Wait()
	return reqs
}

// BenchmarkTileCacheHitComposite is the service's hit path for a composite of all 14 layers.
func BenchmarkTileCacheHitComposite(b *testing.B) {
	var layers []*data.Layer
	for i, id := range compositeIDs {
		layers = append(layers, layerOf(id, 0, 14, classField, randomPolygons(300, uint64(20+i))))
	}
	s := service(b, Config{}, setOf(layers...))
	reqs := hitRequests(b, s)
	before := s.Stats()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.Tile(context.Background(), reqs[i%len(reqs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	if st := s.Stats(); st.Computed != before.Computed {
		b.Fatalf("%d tiles were made again; the benchmark measures cache hits", st.Computed-before.Computed)
	}
}

// TestHitAllocatesNothing: a cached tile is found for a request whose lists live on the caller's
// stack, for the anonymous caller and a member alike, without allocating (the HTTP handler keeps
// its lists in arrays on the stack: nothing of a request may escape).
func TestHitAllocatesNothing(t *testing.T) {
	set := setOf(layerOf("flood", 0, 14, classField, randomPolygons(200, 5)))
	s := service(t, Config{}, set)
	if _, err := s.Tile(context.Background(), Request{Layers: []string{"flood"}, Z: 6, X: 43, Y: 26}); err != nil {
		t.Fatal(err)
	}
	s.Wait()
	for _, who := range []*access.Principal{nil, {ID: "a", Groups: []string{"ndma"}}} {
		allocs := testing.AllocsPerRun(200, func() {
			var layers [4]string
			name := [5]byte{'f', 'l', 'o', 'o', 'd'}
			req := Request{Layers: append(layers[:0], string(name[:])), Z: 6, X: 43, Y: 26, Who: who}
			if _, ok, err := s.Cached(req); !ok || err != nil {
				t.Fatal("not cached", err)
			}
		})
		if allocs > 1 { // the string conversion of name may allocate once; the lists must not
			t.Errorf("%s: %.1f allocations per cached tile", who.Name(), allocs)
		}
	}
}
