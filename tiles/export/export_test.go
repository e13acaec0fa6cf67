package export

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
	"github.com/cpec-digital/indus/tiles"
	"github.com/cpec-digital/indus/tiles/pmtiles/pmtilestest"
)

// testSet is a dataset of three layers over the lower Indus with different zoom ranges: jagged
// flood polygons (0–14), villages (points, 5–14) and a river line drawn only up to zoom 6.
func testSet() *indexes.Set {
	r := rand.New(rand.NewPCG(4, 2))
	var floods, villages []data.Feature
	for i := range 60 {
		x, y, w := 67.5+2*r.Float64(), 24.5+3*r.Float64(), 0.01+0.1*r.Float64()
		ring := orb.Ring{}
		for k := range 16 {
			a := float64(k) / 16 * 2 * math.Pi
			rad := w * (0.6 + 0.4*r.Float64())
			ring = append(ring, orb.Point{x + rad*math.Cos(a), y + rad*math.Sin(a)})
		}
		ring = append(ring, ring[0])
		floods = append(floods, data.Feature{ID: uint64(i + 1), Geometry: orb.Polygon{ring},
			Properties: map[string]any{"depth_class": []string{"low", "high"}[i%2]}})
	}
	for i := range 400 {
		villages = append(villages, data.Feature{ID: uint64(i + 1), Geometry: orb.Point{67.5 + 2*r.Float64(), 24.5 + 3*r.Float64()},
			Properties: map[string]any{"population": int64(r.IntN(9000))}})
	}
	river := []data.Feature{{ID: 1, Geometry: orb.LineString{{68.8, 27.9}, {68.4, 26.2}, {68.3, 25.3}, {67.9, 24.6}}}}
	cat := &data.Catalog{Name: "test", Attribution: "test data"}
	layers := []*data.Layer{
		data.NewLayer(&data.LayerSpec{ID: "flood", Theme: data.ThemeHazards, MinZoom: 0, MaxZoom: 14,
			Fields: []data.Field{{Name: "depth_class", Type: data.FieldString}}}, floods),
		data.NewLayer(&data.LayerSpec{ID: "river", Theme: data.ThemeHazards, MinZoom: 0, MaxZoom: 6}, river),
		data.NewLayer(&data.LayerSpec{ID: "villages", Theme: data.ThemeHazards, MinZoom: 5, MaxZoom: 14,
			Fields: []data.Field{{Name: "population", Type: data.FieldInteger}}}, villages),
	}
	for _, l := range layers {
		cat.Layers = append(cat.Layers, *l.Spec)
	}
	return indexes.Build(&data.Dataset{Catalog: cat, Layers: layers, Version: "v1"})
}

// export writes an archive of set and returns its path, the summary and the exporter.
func export(t *testing.T, set *indexes.Set, opt Options) (string, Summary, *Exporter) {
	t.Helper()
	e, err := New(set, tiles.Config{}, opt, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	path := filepath.Join(t.TempDir(), "out.pmtiles")
	sum, err := e.Run(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return path, sum, e
}

// candidates lists every tile at zooms lo–hi whose buffered bound meets b: the tiles an export
// over b is responsible for, found without any pruning.
func candidates(ts *tiles.Service, b orb.Bound, lo, hi int) [][3]uint32 {
	var out [][3]uint32
	level := [][3]uint32{{0, 0, 0}}
	for z := 0; z <= hi; z++ {
		var next [][3]uint32
		for _, t := range level {
			if z >= lo {
				out = append(out, t)
			}
			for d := range uint32(4) {
				c := [3]uint32{t[0] + 1, 2*t[1] + d%2, 2*t[2] + d/2}
				if ts.QueryBound(c[0], c[1], c[2]).Intersects(b) {
					next = append(next, c)
				}
			}
		}
		level = next
	}
	return out
}

// compare checks that the archive holds exactly the non-empty tiles a serving tile service gives
// for every candidate tile, byte for byte, and returns how many were non-empty and empty.
func compare(t *testing.T, a *pmtilestest.Archive, set *indexes.Set, layers []string, b orb.Bound, lo, hi int) (full, empty int) {
	t.Helper()
	served, err := tiles.New(tiles.Config{}, func() *indexes.Set { return set }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer served.Close()
	return a.Compare(t, served, layers, candidates(served, b, lo, hi))
}

// Every tile over the bbox is in the archive exactly when the service serves it non-empty, with
// the served gzip bytes; the header and metadata describe the tileset.
func TestArchiveHoldsTheServedTiles(t *testing.T) {
	set := testSet()
	bbox := orb.Bound{Min: orb.Point{66.6, 24.8}, Max: orb.Point{69.2, 28.4}} // wider than the data
	layers := []string{"villages", "flood", "river"}                          // any order: tiles hold catalog order
	path, sum, _ := export(t, set, Options{Layers: layers, MinZoom: 0, MaxZoom: 10, Bound: bbox, Workers: 3})
	a := pmtilestest.Read(t, path)
	full, empty := compare(t, a, set, layers, bbox, 0, 10)
	if full < 50 || empty == 0 {
		t.Fatalf("%d non-empty and %d empty tiles: the test data should give both", full, empty)
	}
	if sum.Archive.Addressed != uint64(full) || a.Header.AddressedTilesCount != uint64(full) {
		t.Errorf("archive addresses %d tiles (header %d), want %d", sum.Archive.Addressed, a.Header.AddressedTilesCount, full)
	}
	h := a.Header
	if h.MinZoom != 0 || h.MaxZoom != 10 || h.TileType != pmtilestest.MVT || h.TileCompression != pmtilestest.Gzip || !h.Clustered {
		t.Errorf("header %+v", h)
	}
	if math.Abs(float64(h.MinLonE7)/1e7-66.6) > 1e-6 || math.Abs(float64(h.MaxLatE7)/1e7-28.4) > 1e-6 {
		t.Errorf("header bounds %d %d, want the bbox", h.MinLonE7, h.MaxLatE7)
	}
	m := a.Metadata(t)
	var vl []struct {
		ID               string            `json:"id"`
		Fields           map[string]string `json:"fields"`
		MinZoom, MaxZoom int
	}
	if err := json.Unmarshal(m["vector_layers"], &vl); err != nil || len(vl) != 3 || vl[0].ID != "flood" || vl[2].Fields["population"] == "" {
		t.Errorf("vector_layers %s (%v)", m["vector_layers"], err)
	}
	// the zooms each layer is drawn at in this archive (0–10), not the catalog's (0–14, 0–6, 5–14)
	if len(vl) != 3 || vl[0].MinZoom != 0 || vl[0].MaxZoom != 10 || vl[1].MaxZoom != 6 || vl[2].MinZoom != 5 || vl[2].MaxZoom != 10 {
		t.Errorf("vector_layers zooms %s, want flood 0–10, river 0–6, villages 5–10", m["vector_layers"])
	}
	if string(m["attribution"]) != `"test data"` || len(m["name"]) < 3 || len(m["bounds"]) == 0 || len(m["center"]) == 0 {
		t.Errorf("metadata %v", m)
	}
}

// Subtrees that meet no feature are not visited: over the whole world the export looks at a few
// hundred tiles, not the 87,381 of zooms 0–8, and still holds every non-empty tile.
func TestEmptySubtreesAreSkipped(t *testing.T) {
	set := testSet()
	world := orb.Bound{Min: orb.Point{-180, -85}, Max: orb.Point{180, 85}}
	layers := []string{"flood", "villages"}
	path, sum, _ := export(t, set, Options{Layers: layers, MinZoom: 0, MaxZoom: 8, Bound: world})
	if sum.Visited > 600 || sum.Drawn > sum.Visited {
		t.Errorf("visited %d tiles, drew %d; want a few hundred at most", sum.Visited, sum.Drawn)
	}
	full, _ := compare(t, pmtilestest.Read(t, path), set, layers, world, 0, 7)
	if full == 0 {
		t.Fatal("no tile")
	}
	// A layer drawn only to zoom 6 stops the walk there.
	path, sum, _ = export(t, set, Options{Layers: []string{"river"}, MinZoom: 0, MaxZoom: 12, Bound: world})
	a := pmtilestest.Read(t, path)
	if a.Header.MaxZoom != 6 || sum.Visited > 60 {
		t.Errorf("river to zoom 12: deepest tile at zoom %d, %d tiles visited; want 6 and a few dozen", a.Header.MaxZoom, sum.Visited)
	}
	compare(t, a, set, []string{"river"}, world, 0, 8)
}

// The archive does not depend on the number of workers (the reorder buffer adds in id order).
func TestSameBytesWithAnyWorkers(t *testing.T) {
	set := testSet()
	opt := Options{Layers: []string{"flood", "villages"}, MinZoom: 3, MaxZoom: 11}
	var files [][]byte
	for _, w := range []int{1, 2, 7} {
		opt.Workers = w
		path, _, _ := export(t, set, opt)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	if !bytes.Equal(files[0], files[1]) || !bytes.Equal(files[0], files[2]) {
		t.Fatal("archives differ with the number of workers")
	}
}

func TestBadOptions(t *testing.T) {
	set := testSet()
	for _, c := range []struct {
		opt  Options
		kind data.Kind
	}{
		{Options{Layers: []string{"nope"}, MaxZoom: 5}, data.KindNotFound},
		{Options{MaxZoom: 5}, data.KindInvalid},
		{Options{Layers: []string{"flood"}, MinZoom: 6, MaxZoom: 5}, data.KindInvalid},
		{Options{Layers: []string{"flood"}, MaxZoom: 23}, data.KindInvalid},
		{Options{Layers: []string{"flood"}, MaxZoom: 5, Bound: orb.Bound{Min: orb.Point{70, 25}, Max: orb.Point{69, 26}}}, data.KindInvalid},
		{Options{Layers: []string{"villages"}, MaxZoom: 4}, data.KindInvalid}, // villages start at zoom 5
	} {
		_, err := New(set, tiles.Config{}, c.opt, slog.New(slog.DiscardHandler))
		if data.KindOf(err) != c.kind {
			t.Errorf("%+v: %v, want kind %v", c.opt, err, c.kind)
		}
	}
	// A bbox with no feature: nothing to write, no file left behind.
	e, err := New(set, tiles.Config{}, Options{Layers: []string{"flood"}, MaxZoom: 6, Bound: orb.Bound{Min: orb.Point{10, 10}, Max: orb.Point{11, 11}}}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := e.Run(context.Background(), filepath.Join(dir, "x.pmtiles")); err == nil {
		t.Error("an export of nothing succeeded")
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("files left behind: %v", left)
	}
}
