package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/cpec-digital/indus/data/testenv"
	"github.com/cpec-digital/indus/tiles/mvtcheck"
)

const allLayers = "flood_rp10,flood_rp25,flood_rp100,rivers,gauges,heat_stress,wetlands,villages,places,cpec_routes,facilities,country,provinces"

var pkBound = orb.Bound{Min: orb.Point{60.84, 23.69}, Max: orb.Point{77.05, 37.06}}

type fetched struct {
	status int
	header http.Header
	body   []byte
}

func fetch(t *testing.T, url string, hdr map[string]string) fetched {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept-Encoding", "identity")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultTransport.RoundTrip(req) // no transparent gunzip
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return fetched{res.StatusCode, res.Header, b}
}

var featureCountRE = regexp.MustCompile(`(?m)^Layer name: (\S+)[\s\S]*?^Feature Count: (\d+)`)

// ogrCounts decodes an MVT file with GDAL's MVT driver (an independent decoder) and returns the
// feature count of each layer.
func ogrCounts(t *testing.T, path string) map[string]int {
	t.Helper()
	out, err := exec.Command(testenv.Tool(t, "ogrinfo"), "-ro", "-al", "-so", "-oo", "CLIP=NO", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo %s: %v\n%s", path, err, out)
	}
	counts := map[string]int{}
	for _, block := range strings.Split(string(out), "\nLayer name: ")[1:] {
		m := featureCountRE.FindStringSubmatch("Layer name: " + block)
		if m == nil {
			t.Fatalf("cannot read ogrinfo output:\n%s", block)
		}
		n, _ := strconv.Atoi(m[2])
		counts[m[1]] += n
	}
	return counts
}

// TestDefaultTiles checks every composite tile over Pakistan at z0-8 with two independent decoders
// (GDAL's MVT driver and tiles/mvtcheck), the 500 KB budget up to z14 on the densest places, ETags,
// TileJSON and bad requests, against the real server on the default data.
func TestDefaultTiles(t *testing.T) {
	t.Parallel()
	base := startServer(t, binary(t))
	dir := t.TempDir()
	maxSize := map[int]int{}
	checked := 0
	for z := maptile.Zoom(0); z <= 8; z++ {
		minT, maxT := maptile.At(orb.Point{pkBound.Min[0], pkBound.Max[1]}, z), maptile.At(orb.Point{pkBound.Max[0], pkBound.Min[1]}, z)
		for x := minT.X; x <= maxT.X; x++ {
			for y := minT.Y; y <= maxT.Y; y++ {
				url := fmt.Sprintf("%s/tiles/%s/%d/%d/%d.mvt", base, allLayers, z, x, y)
				r := fetch(t, url, nil)
				if r.status == 204 {
					continue
				}
				if r.status != 200 || r.header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
					t.Fatalf("%s: %d %s", url, r.status, r.header.Get("Content-Type"))
				}
				rep := mvtcheck.Check(r.body, 64)
				if len(rep.Violations) > 0 {
					t.Fatalf("%d/%d/%d: %v", z, x, y, rep.Violations)
				}
				path := filepath.Join(dir, fmt.Sprintf("%d-%d-%d.mvt", z, x, y))
				os.WriteFile(path, r.body, 0o644)
				gdal := ogrCounts(t, path)
				for _, l := range rep.Layers {
					if gdal[l.Name] != len(l.Features) {
						t.Fatalf("%d/%d/%d layer %s: GDAL reads %d features, mvtcheck %d", z, x, y, l.Name, gdal[l.Name], len(l.Features))
					}
				}
				gz := fetch(t, url, map[string]string{"Accept-Encoding": "gzip"})
				if gz.header.Get("Content-Encoding") != "gzip" {
					t.Fatalf("%s: no gzip", url)
				}
				if len(gz.body) > 500_000 {
					t.Errorf("%d/%d/%d: %d bytes gzipped, over the 500 KB budget", z, x, y, len(gz.body))
				}
				maxSize[int(z)] = max(maxSize[int(z)], len(gz.body))
				checked++
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d non-empty tiles at z0-8", checked)
	}
	// z9-14: the tiles over the densest places and along the Indus.
	for z := maptile.Zoom(9); z <= 14; z++ {
		for _, p := range []orb.Point{{67.0104, 24.8608}, {74.3507, 31.558}, {68.8589, 27.7032}, {68.3737, 25.3924}, {67.7, 24.2}, {71.4782, 30.1968}} {
			tl := maptile.At(p, z)
			r := fetch(t, fmt.Sprintf("%s/tiles/%s/%d/%d/%d.mvt", base, allLayers, z, tl.X, tl.Y), map[string]string{"Accept-Encoding": "gzip"})
			if r.status == 200 {
				if len(r.body) > 500_000 {
					t.Errorf("%d/%d/%d: %d bytes", z, tl.X, tl.Y, len(r.body))
				}
				zr, _ := gzip.NewReader(bytes.NewReader(r.body))
				raw, _ := io.ReadAll(zr)
				if rep := mvtcheck.Check(raw, 64); len(rep.Violations) > 0 {
					t.Fatalf("%d/%d/%d: %v", z, tl.X, tl.Y, rep.Violations)
				}
				maxSize[int(z)] = max(maxSize[int(z)], len(r.body))
			}
		}
	}
	t.Logf("largest gzipped tile per zoom: %v", maxSize)

	// Same request, same bytes and ETag; If-None-Match gives 304.
	url := base + "/tiles/" + allLayers + "/5/22/13.mvt"
	a, b := fetch(t, url, nil), fetch(t, url, nil)
	if !bytes.Equal(a.body, b.body) || a.header.Get("ETag") == "" || a.header.Get("ETag") != b.header.Get("ETag") {
		t.Fatal("the same tile request gave different bytes or ETags")
	}
	if r := fetch(t, url, map[string]string{"If-None-Match": a.header.Get("ETag")}); r.status != 304 || len(r.body) != 0 {
		t.Errorf("If-None-Match: %d", r.status)
	}
	if r := fetch(t, url, nil); r.header.Get("Access-Control-Allow-Origin") != "*" || r.header.Get("Cache-Control") == "" {
		t.Errorf("headers %v", r.header)
	}

	var tj struct {
		TileJSON     string   `json:"tilejson"`
		Tiles        []string `json:"tiles"`
		VectorLayers []struct {
			ID     string            `json:"id"`
			Fields map[string]string `json:"fields"`
		} `json:"vector_layers"`
	}
	getJSON(t, base+"/tiles/villages,flood_rp100.json", &tj)
	if tj.TileJSON != "3.0.0" || len(tj.Tiles) != 1 || !strings.HasPrefix(tj.Tiles[0], base+"/tiles/") || len(tj.VectorLayers) != 2 || tj.VectorLayers[1].Fields["fibre"] == "" {
		t.Errorf("tilejson = %+v", tj)
	}

	for path, code := range map[string]int{
		"/tiles/villages/23/0/0.mvt":              400,
		"/tiles/villages/3/8/0.mvt":               400,
		"/tiles/villages/3/-1/0.mvt":              400,
		"/tiles/nope/3/0/0.mvt":                   404,
		"/tiles/villages/3/5/3.png":               404,
		"/tiles/villages/5/22/13.mvt?filter=a%3D": 400,
		"/tiles/nope.json":                        404,
	} {
		r := fetch(t, base+path, nil)
		var e struct{ Error string }
		if r.status != code || json.Unmarshal(r.body, &e) != nil || e.Error == "" {
			t.Errorf("%s: %d %s, want %d with a JSON error", path, r.status, r.body, code)
		}
	}
}
