package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/klauspost/compress/gzip"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
	"github.com/cpec-digital/indus/tiles"
)

// compositeIDs are the 14 layer ids of the default catalog: a full composite tile names them all.
var compositeIDs = []string{"flood_rp10", "flood_rp25", "flood_rp100", "rivers", "gauges", "heat_stress", "wetlands",
	"villages", "places", "cpec_routes", "facilities", "country", "provinces", "warnings"}

// compositeSet is 14 layers of jagged random polygons over Pakistan, a few hundred each.
func compositeSet() *indexes.Set {
	cat := &data.Catalog{Name: "test"}
	fields := []data.Field{{Name: "class", Type: data.FieldString}, {Name: "population", Type: data.FieldInteger}}
	for _, id := range compositeIDs {
		cat.Layers = append(cat.Layers, data.LayerSpec{ID: id, Theme: data.ThemeHazards, MaxZoom: 14, Fields: fields})
	}
	var layers []*data.Layer
	for i := range cat.Layers {
		r := rand.New(rand.NewPCG(uint64(i), 9))
		feats := make([]data.Feature, 300)
		for k := range feats {
			x, y, w := 61+15*r.Float64(), 24+12*r.Float64(), 0.02+0.2*r.Float64()
			var ring orb.Ring
			for j := range 24 {
				a, rad := float64(j)/24*2*math.Pi, w*(0.6+0.4*r.Float64())
				ring = append(ring, orb.Point{x + rad*math.Cos(a), y + rad*math.Sin(a)})
			}
			ring = append(ring, ring[0])
			feats[k] = data.Feature{ID: uint64(k + 1), Geometry: orb.Polygon{ring},
				Properties: map[string]any{"class": []string{"low", "high"}[k%2], "population": int64(r.IntN(100000))}}
		}
		layers = append(layers, data.NewLayer(&cat.Layers[i], feats))
	}
	return indexes.Build(&data.Dataset{Catalog: cat, Layers: layers, Version: "c1"})
}

// tileURLs are paths of composite tiles of all 14 layers at z6-12, 8 per zoom, around random points.
func tileURLs() []string {
	r := rand.New(rand.NewPCG(12, 12))
	var out []string
	for z := maptile.Zoom(6); z <= 12; z++ {
		for range 8 {
			tl := maptile.At(orb.Point{61 + 15*r.Float64(), 24 + 12*r.Float64()}, z)
			out = append(out, fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", strings.Join(compositeIDs, ","), z, tl.X, tl.Y))
		}
	}
	return out
}

// inmemory serves handler on an in-memory listener and returns a client of it.
func inmemory(tb testing.TB, handler fasthttp.RequestHandler) *fasthttp.HostClient {
	ln := fasthttputil.NewInmemoryListener()
	srv := &fasthttp.Server{Handler: handler}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Shutdown() })
	return &fasthttp.HostClient{Addr: "indus", Dial: func(string) (net.Conn, error) { return ln.Dial() }, MaxResponseBodySize: 1 << 30}
}

// do sends GET path with the given headers.
func do(tb testing.TB, hc *fasthttp.HostClient, path string, hdr ...string) *fasthttp.Response {
	req, res := fasthttp.AcquireRequest(), &fasthttp.Response{}
	defer fasthttp.ReleaseRequest(req)
	req.SetRequestURI("http://indus" + path)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if err := hc.Do(req, res); err != nil {
		tb.Error(err) // not Fatal: do may run on other goroutines
	}
	return res
}

// Tile responses: gzip or identity with an ETag per encoding, 304 on a match in either, 204 for
// an empty tile, the tiles' Cache-Control, Vary and CORS, JSON errors; the same again from the cache.
func TestTileResponses(t *testing.T) {
	s := newServer(t, Config{TileCacheControl: "public, max-age=7"}, compositeSet())
	hc := inmemory(t, s.app.Handler())
	path := tileURLs()[3]
	for round := range 2 {
		gz := do(t, hc, path, "Accept-Encoding", "gzip, deflate")
		etag := string(gz.Header.Peek("ETag"))
		if gz.StatusCode() != 200 || string(gz.Header.Peek("Content-Encoding")) != "gzip" || !strings.HasSuffix(etag, `-gz"`) ||
			string(gz.Header.ContentType()) != mvtType || string(gz.Header.Peek("Cache-Control")) != "public, max-age=7" ||
			string(gz.Header.Peek("Vary")) != "Accept-Encoding" || string(gz.Header.Peek("Access-Control-Allow-Origin")) != "*" ||
			string(gz.Header.Peek("Access-Control-Expose-Headers")) != "ETag, Content-Crs" || gz.Header.ContentLength() != len(gz.Body()) {
			t.Fatalf("round %d gzip: %d\n%s", round, gz.StatusCode(), gz.Header.String())
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz.Body()))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(zr)
		for _, ae := range []string{"", "identity", "gzip;q=0", "br, gzip; q=0.0"} {
			id := do(t, hc, path, "Accept-Encoding", ae)
			if id.StatusCode() != 200 || len(id.Header.Peek("Content-Encoding")) != 0 || !bytes.Equal(id.Body(), raw) ||
				string(id.Header.Peek("ETag")) != strings.TrimSuffix(etag, `-gz"`)+`"` {
				t.Fatalf("round %d %q: %d %d bytes\n%s", round, ae, id.StatusCode(), len(id.Body()), id.Header.String())
			}
		}
		plain := strings.TrimSuffix(etag, `-gz"`) + `"`
		for _, inm := range []string{etag, plain, "W/" + plain, `"other", ` + etag, "*"} {
			nm := do(t, hc, path, "Accept-Encoding", "gzip", "If-None-Match", inm)
			if nm.StatusCode() != 304 || len(nm.Body()) != 0 || string(nm.Header.Peek("ETag")) != etag {
				t.Fatalf("round %d If-None-Match %s: %d\n%s", round, inm, nm.StatusCode(), nm.Header.String())
			}
		}
		if r := do(t, hc, path, "If-None-Match", `"other"`); r.StatusCode() != 200 {
			t.Fatalf("round %d: a stale If-None-Match gave %d", round, r.StatusCode())
		}
		empty := do(t, hc, "/tiles/rivers,villages/12/0/0.mvt", "Accept-Encoding", "gzip")
		if empty.StatusCode() != 204 || len(empty.Body()) != 0 || string(empty.Header.Peek("Cache-Control")) != "public, max-age=7" {
			t.Fatalf("round %d empty: %d\n%s", round, empty.StatusCode(), empty.Header.String())
		}
		s.tiles.Wait()
	}
	if st := s.tiles.Stats(); st.Hits == 0 {
		t.Errorf("the second round was not served from the cache: %+v", st)
	}
	for path, code := range map[string]int{"/tiles/villages/23/0/0.mvt": 400, "/tiles/villages/3/8/0.mvt": 400,
		"/tiles/villages/3/x/0.mvt": 400, "/tiles/nope/3/0/0.mvt": 404, "/tiles/villages/3/5/3.png": 404, "/tiles/,/3/0/0.mvt": 400,
		"/tiles/villages/5/22/13.mvt?filter=a%3D": 400, "/tiles/villages/5/22/13.mvt?fields=nope": 400} {
		r := do(t, hc, path)
		if r.StatusCode() != code || !bytes.HasPrefix(r.Header.ContentType(), []byte("application/json")) || !bytes.Contains(r.Body(), []byte(`"error"`)) {
			t.Errorf("%s: %d %s, want %d with a JSON error", path, r.StatusCode(), r.Body(), code)
		}
	}
}

// Concurrent requests on several connections, whose strings Fiber reuses between requests, get
// the bytes of their own tile (run with -race).
func TestTilesConcurrent(t *testing.T) {
	s := newServer(t, Config{}, compositeSet())
	hc := inmemory(t, s.app.Handler())
	paths := tileURLs()[:12]
	for i, p := range paths[:6] {
		paths[i] = p + "?fields=population&filter=population%20%3E%20" + strconv.Itoa(i*10000)
	}
	want := map[string]string{}
	for _, p := range paths {
		want[p] = string(do(t, hc, p, "Accept-Encoding", "gzip").Body())
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 150 {
				p := paths[(g*7+i)%len(paths)]
				if r := do(t, hc, p, "Accept-Encoding", "gzip"); string(r.Body()) != want[p] {
					t.Errorf("%s: %d, %d bytes that are not its tile", p, r.StatusCode(), len(r.Body()))
					return
				}
			}
		}()
	}
	wg.Wait()
}

// Making a tile is bounded by the request deadline; a cached tile is served whatever it is.
func TestTileDeadline(t *testing.T) {
	s := newServer(t, Config{RequestTimeout: time.Nanosecond}, compositeSet())
	hc := inmemory(t, s.app.Handler())
	urls := tileURLs()
	r := do(t, hc, urls[0], "Accept-Encoding", "gzip")
	if r.StatusCode() != 504 || !bytes.Contains(r.Body(), []byte("took too long")) {
		t.Fatalf("a tile made past the deadline: %d %s", r.StatusCode(), r.Body())
	}
	req := tiles.Request{Layers: compositeIDs, Z: 6}
	fmt.Sscanf(urls[0][strings.LastIndex(urls[0], "/6/")+3:], "%d/%d.mvt", &req.X, &req.Y)
	if _, err := s.tiles.Tile(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	s.tiles.Wait()
	if r := do(t, hc, urls[0], "Accept-Encoding", "gzip"); r.StatusCode() != 200 {
		t.Fatalf("a cached tile: %d %s", r.StatusCode(), r.Body())
	}
}

// ceilingHandler is the least any Fiber tile server must do: send the bytes stored for the path,
// gzip-encoded, with a content type.
func ceilingHandler(bodies map[string][]byte) fasthttp.RequestHandler {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/tiles/:layers/:z/:x/:y.mvt", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, mvtType)
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(bodies[string(c.Request().URI().Path())])
	})
	return app.Handler()
}

// BenchmarkTileHit is the cached tile path through the whole Fiber app (router, middleware,
// handler), next to a minimal Fiber handler sending the same bytes: "handler" calls the
// fasthttp handler with a reused request, "conn" goes through a fasthttp server and client on an
// in-memory connection. The ratio of the two ns/op is how close Indus is to the ceiling.
func BenchmarkTileHit(b *testing.B) {
	s := newServer(b, Config{}, compositeSet())
	indus := s.app.Handler()
	var urls []string
	bodies := map[string][]byte{}
	hc := inmemory(b, indus)
	for _, u := range tileURLs() {
		if r := do(b, hc, u, "Accept-Encoding", "gzip"); r.StatusCode() == 200 { // empty tiles are not the hit path
			urls = append(urls, u)
			bodies[u] = bytes.Clone(r.Body())
		}
	}
	b.Logf("%d tiles", len(urls))
	s.tiles.Wait()
	ceiling := ceilingHandler(bodies)
	for _, h := range []struct {
		name    string
		handler fasthttp.RequestHandler
	}{{"indus", indus}, {"ceiling", ceiling}} {
		b.Run("handler/"+h.name, func(b *testing.B) { benchHandler(b, h.handler, urls) })
		b.Run("conn/"+h.name, func(b *testing.B) { benchConn(b, inmemory(b, h.handler), urls) })
	}
}

func benchHandler(b *testing.B, h fasthttp.RequestHandler, urls []string) {
	var ctx fasthttp.RequestCtx
	ctx.Init(&fasthttp.Request{}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000}, nil)
	ctx.Request.Header.Set("Accept-Encoding", "gzip")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ctx.Request.SetRequestURI(urls[i%len(urls)])
		ctx.Response.Reset()
		ctx.ResetUserValues() // as the server does between requests
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("%s: %d", urls[i%len(urls)], ctx.Response.StatusCode())
		}
		i++
	}
}

func benchConn(b *testing.B, hc *fasthttp.HostClient, urls []string) {
	req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	req.Header.Set("Accept-Encoding", "gzip")
	full := make([]string, len(urls))
	for i, u := range urls {
		full[i] = "http://indus" + u
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		req.SetRequestURI(full[i%len(full)])
		if err := hc.Do(req, res); err != nil || res.StatusCode() != 200 {
			b.Fatalf("%s: %v %d", full[i%len(full)], err, res.StatusCode())
		}
		i++
	}
}
