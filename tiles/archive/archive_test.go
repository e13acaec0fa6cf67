package archive

import (
	"bytes"
	"context"
	"encoding/hex"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/cpec-digital/indus/data/fault"
	"github.com/cpec-digital/indus/tiles/pmtiles"
)

// meta is the archive's metadata: its vector layers carry the catalog's zooms, beyond the archive's
// 0–5, as the exporter once wrote them.
const meta = `{"name":"Test tiles","attribution":"test data","vector_layers":[{"id":"flood","fields":{"depth":"Number"},"minzoom":0,"maxzoom":14},` +
	`{"id":"roads","fields":{},"minzoom":3,"maxzoom":14},{"id":"towns","fields":{},"minzoom":6,"maxzoom":14},{"id":"wells","fields":{}}]}`

// gz compresses b.
func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testTiles are the tiles of the test archive: zoom 0, the four of zoom 1 but one, and a tile at
// zoom 5; the raw bytes stand for MVT.
var testTiles = []struct {
	z    uint8
	x, y uint32
	raw  string
}{{0, 0, 0, "world"}, {1, 0, 0, "nw"}, {1, 0, 1, "sw"}, {1, 1, 1, "se"}, {5, 22, 13, "pakistan"}}

// writeArchive writes the test tiles (gzip, or as they are with NoCompression) and returns the path.
func writeArchive(t testing.TB, opt pmtiles.Options) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.pmtiles")
	w, err := pmtiles.Create(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range testTiles { // already in tile id order
		b := []byte(tt.raw)
		if opt.TileCompression != pmtiles.NoCompression {
			b = gz(t, b)
		}
		if err := w.Add(tt.z, tt.x, tt.y, b); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(pmtiles.Metadata{JSON: []byte(meta), Bounds: [4]float64{60, 23, 78, 37}, Center: [2]float64{69, 30}, CenterZoom: 5}); err != nil {
		t.Fatal(err)
	}
	return path
}

// rangeServer serves path honouring Range and counts the requests.
func rangeServer(t testing.TB, path string, hits *atomic.Int64) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.ServeFile(w, r, path)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/test.pmtiles?sig=secret"
}

func inflate(t testing.TB, b []byte) string {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// Tiles come out of a local file, a Range-honouring HTTP server and an uncompressed archive
// alike: gzip bytes with an ETag that hashes them, empty where the archive has no tile.
func TestTilesFromFileAndHTTP(t *testing.T) {
	path := writeArchive(t, pmtiles.Options{})
	var hits atomic.Int64
	specs := []Spec{{"local", path}, {"remote", rangeServer(t, path, &hits)}, {"plain", writeArchive(t, pmtiles.Options{TileCompression: pmtiles.NoCompression})}}
	s, err := Open(context.Background(), specs, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, sp := range specs {
		for _, tt := range testTiles {
			got, err := s.Tile(context.Background(), sp.Name, uint32(tt.z), tt.x, tt.y)
			if err != nil {
				t.Fatal(err)
			}
			h := fnv.New128a()
			h.Write(got.Gzip)
			if got.Empty || inflate(t, got.Gzip) != tt.raw || got.ETag != `"`+hex.EncodeToString(h.Sum(nil))+`"` {
				t.Errorf("%s %d/%d/%d: %+v", sp.Name, tt.z, tt.x, tt.y, got)
			}
		}
		got, err := s.Tile(context.Background(), sp.Name, 1, 1, 0)
		if err != nil || !got.Empty {
			t.Errorf("%s: absent tile gave %+v, %v", sp.Name, got, err)
		}
	}
	if hits.Load() == 0 {
		t.Error("the remote archive was not read over HTTP")
	}
	if _, err := s.Tile(context.Background(), "nope", 0, 0, 0); fault.KindOf(err) != fault.KindNotFound {
		t.Errorf("unknown archive: %v", err)
	}
	if _, err := s.Tile(context.Background(), "local", 2, 4, 0); fault.KindOf(err) != fault.KindInvalid {
		t.Errorf("x out of range: %v", err)
	}
	list := s.List()
	if len(list) != 3 || list[1].Location != strings.TrimSuffix(specs[1].Location, "?sig=secret") || !list[1].Remote || list[0].Tiles != 5 {
		t.Errorf("list %+v", list)
	}
}

func TestTileJSON(t *testing.T) {
	s, err := Open(context.Background(), []Spec{{"t", writeArchive(t, pmtiles.Options{})}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tj, err := s.TileJSON("t", "http://x/pmtiles/t/{z}/{x}/{y}.mvt")
	if err != nil {
		t.Fatal(err)
	}
	if tj.Name != "Test tiles" || tj.Attribution != "test data" || tj.MinZoom != 0 || tj.MaxZoom != 5 ||
		tj.Bounds != [4]float64{60, 23, 78, 37} || tj.Center != [3]float64{69, 30, 5} || !strings.Contains(string(tj.VectorLayers), `"flood"`) {
		t.Errorf("tilejson %+v", tj)
	}
	// TileJSON: a layer's zooms lie within the tileset's; towns (6–14) has no tile in a 0–5 archive
	if got := string(tj.VectorLayers); got != `[{"fields":{"depth":"Number"},"id":"flood","maxzoom":5,"minzoom":0},{"fields":{},"id":"roads","maxzoom":5,"minzoom":3},{"fields":{},"id":"wells","maxzoom":5,"minzoom":0}]` {
		t.Errorf("vector_layers %s", got)
	}
	if _, err := s.TileJSON("u", ""); fault.KindOf(err) != fault.KindNotFound {
		t.Errorf("unknown archive: %v", err)
	}
}

// An archive that cannot be opened stops Open with an error naming it.
func TestOpenFailuresNameTheArchive(t *testing.T) {
	good := writeArchive(t, pmtiles.Options{})
	png := filepath.Join(t.TempDir(), "png.pmtiles")
	w, _ := pmtiles.Create(png, pmtiles.Options{TileType: pmtiles.PNG})
	w.Add(0, 0, 0, []byte("png"))
	if _, err := w.Close(pmtiles.Metadata{}); err != nil {
		t.Fatal(err)
	}
	noRange := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(bytes.NewReader([]byte("whole file, no ranges")), 100))
		w.Write(b)
	}))
	defer noRange.Close()
	for _, c := range []struct{ spec, want string }{
		{"missing=" + filepath.Join(t.TempDir(), "missing.pmtiles"), "no such file"},
		{"png=" + png, "only vector tiles"},
		{"norange=" + noRange.URL + "/a.pmtiles", "ignored the Range header"},
	} {
		sp, err := ParseSpec(c.spec)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Open(context.Background(), []Spec{{"ok", good}, sp}, nil)
		if err == nil || !strings.Contains(err.Error(), `"`+sp.Name+`"`) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.spec, err)
		}
	}
	if _, err := Open(context.Background(), []Spec{{"a", good}, {"a", good}}, nil); err == nil {
		t.Error("a name given twice was accepted")
	}
}

func TestParseSpec(t *testing.T) {
	for in, ok := range map[string]bool{
		"pk=/data/pk.pmtiles": true, "pk-2024.v1=https://cdn.example.org/pk.pmtiles": true,
		"pk": false, "=x.pmtiles": false, "p k=x": false, "pk.json=x": false, "pk=": false, "../pk=x": false,
	} {
		if _, err := ParseSpec(in); (err == nil) != ok {
			t.Errorf("ParseSpec(%q): %v", in, err)
		}
	}
}
