package httpapi

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/indexes"
	"github.com/cpec-digital/indus/indexes/features"
	"github.com/cpec-digital/indus/tiles"
	"github.com/cpec-digital/indus/tiles/archive"
	"github.com/cpec-digital/indus/tiles/pmtiles"
)

// pmArchive writes a small archive: tiles 0/0/0 and 6/44/26 with the given raw bytes, gzipped.
func pmArchive(t *testing.T) (string, []byte) {
	t.Helper()
	raw := bytes.Repeat([]byte("an MVT tile, more or less "), 20)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	path := filepath.Join(t.TempDir(), "lower-indus.pmtiles")
	w, err := pmtiles.Create(path, pmtiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.Add(0, 0, 0, gz.Bytes())
	w.Add(6, 44, 26, gz.Bytes())
	if _, err := w.Close(pmtiles.Metadata{JSON: []byte(`{"name":"Lower Indus","vector_layers":[{"id":"flood_rp100","fields":{}}]}`)}); err != nil {
		t.Fatal(err)
	}
	return path, raw
}

// newArchiveServer serves the archives of specs beside the usual services.
func newArchiveServer(t *testing.T, cfg Config, specs []archive.Spec) *Server {
	t.Helper()
	arch, err := archive.Open(context.Background(), specs, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { arch.Close() })
	set := testSet()
	current := func() *indexes.Set { return set }
	ts, err := tiles.New(tiles.Config{}, current, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.Close)
	return New(cfg, Services{Features: features.New(current), Tiles: ts, Risk: analytics.NewEngine(analytics.DefaultConfig(), current),
		Archives: arch}, slog.New(slog.DiscardHandler))
}

// fetchTile gets url with the given headers and returns the response and its body, undecoded.
func fetchTile(t *testing.T, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// Archives from a local file and from an HTTP server honouring Range are served through the
// API: gzip or inflated bytes, 204 for an absent tile, ETag and 304, the tiles' Cache-Control,
// TileJSON with absolute URLs, links and health, 404 JSON for an unknown name.
func TestPMTilesRoutes(t *testing.T) {
	path, raw := pmArchive(t)
	var ranges atomic.Int64
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") != "" {
			ranges.Add(1)
		}
		http.ServeFile(w, r, path)
	}))
	defer remote.Close()
	s := newArchiveServer(t, Config{TileCacheControl: "public, max-age=86400"},
		[]archive.Spec{{Name: "local", Location: path}, {Name: "cdn", Location: remote.URL + "/lower-indus.pmtiles"}})
	base := start(t, s)
	for _, name := range []string{"local", "cdn"} {
		url := base + "/pmtiles/" + name + "/6/44/26.mvt"
		res, body := fetchTile(t, url, map[string]string{"Accept-Encoding": "gzip"})
		etag := res.Header.Get("ETag")
		if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Cache-Control") != "public, max-age=86400" ||
			!strings.HasSuffix(etag, `-gz"`) || res.Header.Get("Content-Type") != mvtType {
			t.Fatalf("%s: %d %v", url, res.StatusCode, res.Header)
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := io.ReadAll(zr); !bytes.Equal(got, raw) {
			t.Errorf("%s: gzip body does not inflate to the tile", url)
		}
		res, body = fetchTile(t, url, nil)
		if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, raw) || res.Header.Get("ETag") == etag {
			t.Errorf("%s without gzip: %d %v, %d bytes", url, res.StatusCode, res.Header, len(body))
		}
		if res, _ := fetchTile(t, url, map[string]string{"Accept-Encoding": "gzip", "If-None-Match": etag}); res.StatusCode != 304 {
			t.Errorf("%s: If-None-Match gave %d", url, res.StatusCode)
		}
		if res, body := fetchTile(t, base+"/pmtiles/"+name+"/6/44/27.mvt", nil); res.StatusCode != 204 || len(body) != 0 {
			t.Errorf("absent tile: %d, %d bytes", res.StatusCode, len(body))
		}
		var tj struct {
			Tiles        []string `json:"tiles"`
			Name         string   `json:"name"`
			MaxZoom      int      `json:"maxzoom"`
			VectorLayers []struct {
				ID string `json:"id"`
			} `json:"vector_layers"`
		}
		if code, _ := get(t, base+"/pmtiles/"+name+".json", &tj); code != 200 || tj.Tiles[0] != base+"/pmtiles/"+name+"/{z}/{x}/{y}.mvt" ||
			tj.Name != "Lower Indus" || tj.MaxZoom != 6 || len(tj.VectorLayers) != 1 {
			t.Errorf("TileJSON of %s: %d %+v", name, code, tj)
		}
	}
	if ranges.Load() == 0 {
		t.Error("the remote archive was not read with Range requests")
	}
	checkPMTilesErrors(t, base)
	var landing struct {
		Links []features.Link `json:"links"`
	}
	get(t, base+"/", &landing)
	var health struct {
		PMTiles []archive.Info `json:"pmtiles"`
	}
	get(t, base+"/health", &health)
	last := landing.Links[len(landing.Links)-1]
	if last.Href != base+"/pmtiles/cdn.json" || len(health.PMTiles) != 2 || health.PMTiles[1].Tiles != 2 || !health.PMTiles[1].Remote {
		t.Errorf("landing %+v, health %+v", landing.Links, health.PMTiles)
	}
}

// checkPMTilesErrors asks for what does not exist.
func checkPMTilesErrors(t *testing.T, base string) {
	t.Helper()
	for path, code := range map[string]int{
		"/pmtiles/nope/0/0/0.mvt": 404, "/pmtiles/nope.json": 404, "/pmtiles/local": 404, "/pmtiles/local/0/0/0.png": 404,
		"/pmtiles/local/1/2/0.mvt": 400, "/pmtiles/local/x/0/0.mvt": 400,
	} {
		var e errorBody
		if got, hdr := get(t, base+path, &e); got != code || e.Error == "" || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
			t.Errorf("%s: %d %+v, want %d with a JSON error", path, got, e, code)
		}
	}
}

// Without archives the routes answer 404 and health lists none.
func TestNoArchives(t *testing.T) {
	base := start(t, newServer(t, Config{}, testSet()))
	var e errorBody
	if code, _ := get(t, base+"/pmtiles/x/0/0/0.mvt", &e); code != 404 {
		t.Errorf("%d %+v", code, e)
	}
	var health struct {
		PMTiles []archive.Info `json:"pmtiles"`
	}
	if get(t, base+"/health", &health); health.PMTiles == nil || len(health.PMTiles) != 0 {
		t.Errorf("health pmtiles %v, want []", health.PMTiles)
	}
}
