package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/gdal"
	"github.com/cpec-digital/indus/data/testenv"
	"github.com/cpec-digital/indus/indexes"
	"github.com/cpec-digital/indus/tiles"
	"github.com/cpec-digital/indus/tiles/mvtcheck"
)

// TestTileRingsValid draws every tile with data over Pakistan at z0-8 and a seeded sample at
// z9-14 (random places and random vertices of the polygon layers, where rings are cut and
// simplified) of the default data, all 13 layers in one tile, and checks that every polygon is
// valid (MVT 2.1 4.3.4.4; OGC simple features as GEOS's IsValid decides): tiles/mvtcheck decodes
// each tile and checks each ring, and SpatiaLite's ST_IsValid, through GDAL's MVT driver, must
// agree feature by feature.
func TestTileRingsValid(t *testing.T) {
	t.Parallel()
	testenv.Tool(t, "ogrinfo") // before the work: GDAL's verdict is half the test
	cfg := defaultConfig()
	cfg.DataDir = sharedDataDir(t)
	set := loadSet(t, cfg)
	all := strings.Split(allLayers, ",")
	list := allTilesOver(pkBound, 0, 8)
	r := rand.New(rand.NewPCG(23, 1))
	for z := maptile.Zoom(9); z <= 14; z++ {
		list = append(list, sampleTiles(r, set, z, 120)...)
	}
	checkTileRings(t, set, all, list)
}

// TestBuildingTileRingsValid does the same on scaled buildings (small rectangles, many sharing
// pixels at z12) with the default layers, at z12-14 around the villages.
func TestBuildingTileRingsValid(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("generates a dataset with buildings")
	}
	// The binary (built without the race detector) generates the dataset and its snapshot, as
	// indus gen and indus build do for an operator; this process draws and checks the tiles.
	bin, dir := binary(t), t.TempDir()
	out, err := exec.Command(bin, "gen", "--out", filepath.Join(dir, "data"), "--villages", "3000", "--fibre", "2200", "--buildings", "300000").Output()
	if err != nil {
		t.Fatal(err)
	}
	catalog, snapshot := strings.TrimSpace(string(out)), filepath.Join(dir, "buildings.snapshot")
	buildTo(t, bin, catalog, snapshot)
	cfg := defaultConfig()
	cfg.DataDir, cfg.Catalog, cfg.Snapshot = dir, catalog, snapshot
	set := loadSet(t, cfg)
	r := rand.New(rand.NewPCG(23, 2))
	var list []maptile.Tile
	for z := maptile.Zoom(12); z <= 14; z++ {
		list = append(list, sampleTiles(r, set, z, 100)...)
	}
	checkTileRings(t, set, []string{"buildings", "flood_rp100", "provinces"}, list)
}

func loadSet(t *testing.T, cfg config) *indexes.Set {
	t.Helper()
	reader := gdal.NewReader(2)
	defer reader.Close()
	set, err := loadDataset(context.Background(), cfg, reader, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// allTilesOver lists every tile over b from zoom lo to hi.
func allTilesOver(b orb.Bound, lo, hi maptile.Zoom) []maptile.Tile {
	var out []maptile.Tile
	for z := lo; z <= hi; z++ {
		minT, maxT := maptile.At(orb.Point{b.Min[0], b.Max[1]}, z), maptile.At(orb.Point{b.Max[0], b.Min[1]}, z)
		for x := minT.X; x <= maxT.X; x++ {
			for y := minT.Y; y <= maxT.Y; y++ {
				out = append(out, maptile.New(x, y, z))
			}
		}
	}
	return out
}

// sampleTiles draws n distinct tiles at zoom z: a third at random places over Pakistan, the rest
// at random vertices of random features of the polygon layers.
func sampleTiles(r *rand.Rand, set *indexes.Set, z maptile.Zoom, n int) []maptile.Tile {
	var polys []*indexes.Layer
	for _, l := range set.Layers() {
		if l.Shape() == data.Polygons && l.Len() > 0 && int(z) >= l.Spec.MinZoom {
			polys = append(polys, l)
		}
	}
	seen := map[maptile.Tile]bool{}
	var out []maptile.Tile
	for len(out) < n {
		p := orb.Point{pkBound.Min[0] + r.Float64()*(pkBound.Max[0]-pkBound.Min[0]), pkBound.Min[1] + r.Float64()*(pkBound.Max[1]-pkBound.Min[1])}
		if len(out)%3 != 0 {
			l := polys[r.IntN(len(polys))]
			var ring orb.Ring
			l.Rings(r.IntN(l.Len()), func(k int, rr orb.Ring) {
				if ring == nil || r.IntN(4) == 0 {
					ring = rr
				}
			})
			p = ring[r.IntN(len(ring))]
		}
		if tl := maptile.At(p, z); !seen[tl] {
			seen[tl] = true
			out = append(out, tl)
		}
	}
	return out
}

// checkTileRings draws the tiles of layers and checks every polygon with mvtcheck and GDAL.
func checkTileRings(t *testing.T, set *indexes.Set, layers []string, list []maptile.Tile) {
	ts, err := tiles.New(tiles.Config{CacheBytes: -1}, func() *indexes.Set { return set }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	dir := t.TempDir()
	bad, byKind, byLayer := 0, map[string]int{}, map[string]int{}
	ours := map[string][]string{} // "z/x/y layer id" of each invalid feature: its faults
	var polygonLayers [][2]string // path of a tile, name of a polygon layer in it
	drawn := 0
	for _, tl := range list {
		tile, err := ts.Tile(context.Background(), tiles.Request{Layers: layers, Z: uint32(tl.Z), X: tl.X, Y: tl.Y})
		if err != nil {
			t.Fatal(err)
		}
		if tile.Empty {
			continue
		}
		raw, err := tile.Raw()
		if err != nil {
			t.Fatal(err)
		}
		drawn++
		rep := mvtcheck.Check(raw, 64)
		bad += rep.InvalidRings
		for k, n := range rep.Invalid {
			byKind[k] += n
		}
		name := fmt.Sprintf("%d/%d/%d", tl.Z, tl.X, tl.Y)
		for f, faults := range invalidFeatures(rep) {
			ours[name+" "+f] = faults
			byLayer[strings.Fields(f)[0]]++
		}
		path := filepath.Join(dir, fmt.Sprintf("%d-%d-%d.mvt", tl.Z, tl.X, tl.Y))
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, l := range rep.Layers {
			if len(l.Features) > 0 && l.Features[0].Type == 3 {
				polygonLayers = append(polygonLayers, [2]string{path, l.Name})
			}
		}
	}
	theirs := gdalInvalid(t, dir, polygonLayers)
	t.Logf("%d tiles drawn of %d, %d polygon layers; invalid rings %d %v; invalid features by layer %v (GDAL/SpatiaLite: %d)",
		drawn, len(list), len(polygonLayers), bad, byKind, byLayer, len(theirs))
	if k := keys(ours); strings.Join(k, ",") != strings.Join(theirs, ",") {
		t.Errorf("mvtcheck finds invalid\n%s\nGDAL/SpatiaLite\n%s", strings.Join(k, "\n"), strings.Join(theirs, "\n"))
	}
	if bad > 0 {
		var examples []string
		for _, k := range keys(ours)[:min(len(ours), 20)] {
			examples = append(examples, fmt.Sprintf("%s: %v", k, ours[k]))
		}
		t.Errorf("%d invalid polygon rings, e.g.\n%s", bad, strings.Join(examples, "\n"))
	}
}

// invalidFeatures maps "layer id" of each invalid polygon feature to its faults (mvtcheck).
func invalidFeatures(rep mvtcheck.Report) map[string][]string {
	out := map[string][]string{}
	for _, l := range rep.Layers {
		for _, f := range l.Features {
			if f.Type != 3 {
				continue
			}
			if faults := mvtcheck.Faults(f.Parts); len(faults) > 0 {
				out[fmt.Sprintf("%s %d", l.Name, f.ID)] = faults
			}
		}
	}
	return out
}

var gdalRowRE = regexp.MustCompile(`(?m)^\s+k \(String\) = (.*)$`)

// gdalInvalid returns "z/x/y layer id" of every feature of the given tile layers that SpatiaLite's
// ST_IsValid finds invalid, reading the tiles with GDAL's MVT driver (unclipped, in tile
// coordinates). The layers are gathered in OGR VRT files so that one ogrinfo reads up to 400
// of them (SQLite's limit of terms in a compound SELECT is 500).
func gdalInvalid(t *testing.T, dir string, layers [][2]string) []string {
	t.Helper()
	var ids []string
	for lo := 0; lo < len(layers); lo += 400 {
		batch := layers[lo:min(lo+400, len(layers))]
		var vrt strings.Builder
		var sql []string
		vrt.WriteString("<OGRVRTDataSource>\n")
		for i, l := range batch {
			name := strings.ReplaceAll(strings.TrimSuffix(filepath.Base(l[0]), ".mvt"), "-", "/")
			fmt.Fprintf(&vrt, `<OGRVRTLayer name="l%d"><SrcDataSource>%s</SrcDataSource><OpenOptions><OOI key="CLIP">NO</OOI></OpenOptions><SrcLayer>%s</SrcLayer></OGRVRTLayer>`+"\n", i, l[0], l[1])
			sql = append(sql, fmt.Sprintf(`SELECT '%s %s ' || mvt_id AS k FROM l%d WHERE ST_IsValid(geometry) <> 1`, name, l[1], i))
		}
		vrt.WriteString("</OGRVRTDataSource>\n")
		path := filepath.Join(dir, fmt.Sprintf("batch%d.vrt", lo))
		if err := os.WriteFile(path, []byte(vrt.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(testenv.Tool(t, "ogrinfo"), "-ro", "-q", "-dialect", "sqlite", "-sql", strings.Join(sql, " UNION ALL "), path).CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo %s: %v\n%.2000s", path, err, out)
		}
		for _, m := range gdalRowRE.FindAllStringSubmatch(string(out), -1) {
			ids = append(ids, m[1])
		}
	}
	sort.Strings(ids)
	return ids
}

func keys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
