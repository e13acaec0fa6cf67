package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/cpec-digital/indus/data/gdal"
	"github.com/cpec-digital/indus/indexes"
	"github.com/cpec-digital/indus/tiles"
	"github.com/cpec-digital/indus/tiles/pmtiles/pmtilestest"
)

// lowerIndus is the bbox of the test archives: the lower Indus from Sukkur to the delta and the
// sea off it (where tiles are empty).
var lowerIndus = orb.Bound{Min: orb.Point{66.5, 23.6}, Max: orb.Point{69.5, 27.5}}

const lowerIndusFlag = "66.5,23.6,69.5,27.5"

const archiveLayers = "flood_rp100,rivers,villages,provinces"

// tilesOver lists the tiles at zooms 0–maxz whose buffered bounds meet b.
func tilesOver(ts *tiles.Service, b orb.Bound, maxz uint32) [][3]uint32 {
	var out [][3]uint32
	level := [][3]uint32{{0, 0, 0}}
	for z := uint32(0); z <= maxz; z++ {
		out = append(out, level...)
		var next [][3]uint32
		for _, t := range level {
			for d := range uint32(4) {
				c := [3]uint32{z + 1, 2*t[1] + d%2, 2*t[2] + d/2}
				if ts.QueryBound(c[0], c[1], c[2]).Intersects(b) {
					next = append(next, c)
				}
			}
		}
		level = next
	}
	return out
}

// TestExportPMTiles runs `indus export pmtiles` on the default dataset (z0–10 over the lower
// Indus, four layers) and reads the archive back with go-pmtiles: every tile the tile service
// serves non-empty over the bbox is there with the same gzip bytes, no empty tile is, and the
// metadata has vector_layers.
func TestExportPMTiles(t *testing.T) {
	t.Parallel()
	dir := sharedDataDir(t)
	out := filepath.Join(t.TempDir(), "lower-indus.pmtiles")
	var stdout, stderr bytes.Buffer
	args := []string{"export", "pmtiles", "--layers", "villages," + archiveLayers, "--minzoom", "0", "--maxzoom", "10",
		"--bbox", lowerIndusFlag, "--data-dir", dir, "--out", out}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("export exited %d:\n%s", code, stderr.String())
	}
	t.Logf("%s", stdout.String())
	if !strings.Contains(stdout.String(), "tiles stored") || !strings.Contains(stderr.String(), "msg=exporting") {
		t.Errorf("no summary:\n%s\n%s", stdout.String(), stderr.String())
	}
	cfg := defaultConfig()
	cfg.DataDir = dir
	reader := gdal.NewReader(2)
	defer reader.Close()
	set, err := loadDataset(context.Background(), cfg, reader, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	served, err := tiles.New(tiles.Config{CacheBytes: 64 << 20}, func() *indexes.Set { return set }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer served.Close()
	a := pmtilestest.Read(t, out)
	full, empty := a.Compare(t, served, strings.Split(archiveLayers, ","), tilesOver(served, lowerIndus, 10))
	if full < 50 || empty == 0 || a.Header.AddressedTilesCount != uint64(full) {
		t.Errorf("%d non-empty, %d empty tiles over the bbox; the archive addresses %d", full, empty, a.Header.AddressedTilesCount)
	}
	checkArchiveMetadata(t, a)
}

// checkArchiveMetadata checks the header and the JSON metadata.
func checkArchiveMetadata(t *testing.T, a *pmtilestest.Archive) {
	t.Helper()
	h := a.Header
	if h.MinZoom != 0 || h.MaxZoom != 10 || h.TileType != pmtilestest.MVT || h.TileCompression != pmtilestest.Gzip || !h.Clustered ||
		h.MinLonE7 != 665000000 || h.MaxLatE7 != 275000000 {
		t.Errorf("header %+v", h)
	}
	js, err := json.Marshal(a.Metadata(t)) // as go-pmtiles decompressed it
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Name, Attribution string
		VectorLayers      []struct {
			ID     string            `json:"id"`
			Fields map[string]string `json:"fields"`
		} `json:"vector_layers"`
	}
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, vl := range m.VectorLayers {
		ids = append(ids, vl.ID)
	}
	if strings.Join(ids, ",") != archiveLayers || m.Name == "" || !strings.Contains(m.Attribution, "Natural Earth") {
		t.Errorf("metadata %s", js)
	}
}

// exportArchive runs the binary's export of the test layers over the lower Indus to zoom maxz.
func exportArchive(t testing.TB, bin string, maxz int) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "lower-indus.pmtiles")
	cmd := exec.Command(bin, "export", "pmtiles", "--layers", archiveLayers, "--minzoom", "0", "--maxzoom", fmt.Sprint(maxz),
		"--bbox", lowerIndusFlag, "--out", out)
	cmd.Env = append(os.Environ(), "INDUS_DATA_DIR="+sharedDataDir(t))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("export: %v\n%s", err, b)
	}
	return out
}

// serveArchive serves the file at path as object storage or a CDN would: Range requests and
// CORS (Range allowed, the headers the pmtiles client reads exposed). It counts range requests.
func serveArchive(t testing.TB, path string) (string, *atomic.Int64) {
	t.Helper()
	var ranges atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Expose-Headers", "ETag, Content-Range, Content-Length")
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Headers", "Range, If-Match")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Header.Get("Range") != "" {
			ranges.Add(1)
		}
		http.ServeFile(w, r, path)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/" + filepath.Base(path), &ranges
}

// TestServePMTiles serves an exported archive with `indus serve --pmtiles` from a file and from
// an HTTP server honouring Range: its tiles are the bytes /tiles serves for the same layers.
func TestServePMTiles(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	path := exportArchive(t, bin, 9)
	url, ranges := serveArchive(t, path)
	base, _ := startProcess(t, bin, []string{"INDUS_PMTILES=local=" + path + ",cdn=" + url})
	gz := map[string]string{"Accept-Encoding": "gzip"}
	a := pmtilestest.Read(t, path)
	checked, empty := 0, 0
	var sample []maptile.Tile
	for z := range maptile.Zoom(10) {
		for _, p := range []orb.Point{{68.4, 26.2}, {68.9, 27.3}, {67.6, 24.9}, {66.7, 23.7}} { // Indus, Sukkur, Thatta, sea
			sample = append(sample, maptile.At(p, z))
		}
	}
	for _, tl := range sample {
		c := [3]uint32{uint32(tl.Z), tl.X, tl.Y}
		live := fetch(t, fmt.Sprintf("%s/tiles/%s/%d/%d/%d.mvt", base, archiveLayers, c[0], c[1], c[2]), gz)
		stored, inArchive := a.Tile(uint8(c[0]), c[1], c[2])
		for _, name := range []string{"local", "cdn"} {
			got := fetch(t, fmt.Sprintf("%s/pmtiles/%s/%d/%d/%d.mvt", base, name, c[0], c[1], c[2]), gz)
			if got.status != live.status || !bytes.Equal(got.body, live.body) || inArchive != (got.status == 200) || (inArchive && !bytes.Equal(got.body, stored)) {
				t.Errorf("%s %v: %d (%d bytes), /tiles gives %d (%d bytes)", name, c, got.status, len(got.body), live.status, len(live.body))
			}
			if got.status == 200 && (got.header.Get("Content-Encoding") != "gzip" || got.header.Get("Cache-Control") != "public, max-age=300") {
				t.Errorf("%s %v: headers %v", name, c, got.header)
			}
		}
		if live.status == 200 {
			checked++
		} else {
			empty++
		}
	}
	if checked < 30 || empty == 0 || ranges.Load() == 0 {
		t.Errorf("%d non-empty and %d empty tiles compared, %d range requests", checked, empty, ranges.Load())
	}
	// Beyond the bbox the archive has nothing: a CDN serves only what was exported.
	if got := fetch(t, base+"/pmtiles/local/8/181/102.mvt", gz); got.status != 204 {
		t.Errorf("a tile of Punjab, outside the bbox: %d", got.status)
	}
	var health struct {
		PMTiles []struct{ Name string } `json:"pmtiles"`
	}
	getJSON(t, base+"/health", &health)
	if len(health.PMTiles) != 2 || health.PMTiles[1].Name != "cdn" {
		t.Errorf("health lists %+v", health.PMTiles)
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--pmtiles", "gone="+path+".missing")
	if msg, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(msg), `pmtiles archive "gone"`) {
		t.Errorf("a missing archive: %v\n%s", err, msg)
	}
}
