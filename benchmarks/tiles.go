package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// benchLayers is the composite the tile runs have always used; allLayers is every layer of the
// catalog (14), for the run on full composites.
const benchLayers = "flood_rp100,rivers,villages,provinces"

var allLayers = []string{"flood_rp10", "flood_rp25", "flood_rp100", "rivers", "gauges", "heat_stress", "wetlands",
	"villages", "places", "cpec_routes", "facilities", "buildings", "country", "provinces"}

// zoomWeight is how many tiles of one zoom a list has (more at higher zooms, as map clients ask).
type zoomWeight struct{ z, n int }

var (
	compositeZooms = []zoomWeight{{6, 10}, {7, 20}, {8, 30}, {9, 40}, {10, 50}, {11, 60}, {12, 70}, {13, 60}, {14, 60}}
	allLayerZooms  = []zoomWeight{{6, 10}, {7, 15}, {8, 20}, {9, 25}, {10, 30}, {11, 30}, {12, 30}}
	buildingZooms  = []zoomWeight{{12, 100}, {13, 150}, {14, 150}}
)

// tileURLs is a fixed, seeded list of distinct tiles of layers, centred on villages (so that the
// list follows where people and data are); quick halves each zoom's count.
func tileURLs(villages []orb.Point, layers string, zooms []zoomWeight, seed uint64, quick bool) []string {
	r := rand.New(rand.NewPCG(seed, seed))
	seen := map[string]bool{}
	var out []string
	for _, w := range zooms {
		n := w.n
		if quick {
			n = max(n/2, 5)
		}
		for k := 0; k < n*3 && n > 0; k++ {
			t := maptile.At(villages[r.IntN(len(villages))], maptile.Zoom(w.z))
			u := fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layers, t.Z, t.X, t.Y)
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
				n--
			}
		}
	}
	return out
}

func prefixed(base string, urls []string) []string {
	out := make([]string, len(urls))
	for i, u := range urls {
		out[i] = base + u
	}
	return out
}

// ceilingTile is one response the ceiling replays: the bytes Indus sent for that URL.
type ceilingTile struct {
	Path string `json:"path"`
	Gzip bool   `json:"gzip"`
	Body []byte `json:"body"`
}

// fetchTiles gets every URL once (which also fills Indus's cache) and keeps the responses.
func fetchTiles(base string, urls []string) ([]ceilingTile, error) {
	c := httpClient()
	var out []ceilingTile
	for _, u := range urls {
		req, _ := http.NewRequest("GET", base+u, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode >= 300 {
			return nil, fmt.Errorf("GET %s: %d %v", u, res.StatusCode, err)
		}
		out = append(out, ceilingTile{Path: u, Gzip: res.Header.Get("Content-Encoding") == "gzip", Body: b})
	}
	return out, nil
}

func httpClient() *http.Client {
	return &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}
}

// tiles loads the ceiling, Indus cached and cold, and the PostGIS peer with the composite list.
// The ceiling replays the very bytes Indus sent for each URL, so both send the same bytes.
func (st *suite) tiles() error {
	in, err := readInputs(st.def)
	if err != nil {
		return err
	}
	urls := tileURLs(in.villages, benchLayers, compositeZooms, 7, st.o.quick)
	ceiling, err := st.startCeiling(st.cached.base, urls)
	if err != nil {
		return err
	}
	defer ceiling.stop()
	self, _ := os.Executable()
	addr := filepath.Join(st.tmp, "peer.addr")
	peer, err := startChild(self, addr, "serve-peer", addr, st.pg.Conn(), "def")
	if err != nil {
		return err
	}
	st.stops = append(st.stops, peer.stop)
	defer peer.stop()
	load(prefixed(peer.base, urls), 4, 3*time.Second, false)
	w, dur, n := st.o.workers, st.loadFor(), len(urls)
	st.rep.Tiles = append(st.rep.Tiles,
		TileRun{"composite", "ceiling: Indus's bytes replayed, minimal Fiber handler", n, load(prefixed(ceiling.base, urls), w, dur, true)},
		TileRun{"composite", "indus cached tiles", n, load(prefixed(st.cached.base, urls), w, dur, true)},
		TileRun{"composite", "indus cold tiles (cache off)", n, load(prefixed(st.cold.base, urls), w, dur, true)},
		TileRun{"composite", "postgis ST_AsMVT, thin Fiber handler", n, load(prefixed(peer.base, urls), w, dur, false)},
	)
	k := len(st.rep.Tiles) - 4
	ps := func(i int) float64 { return st.rep.Tiles[k+i].PerSecond }
	st.rep.Ratios["cached_over_ceiling"] = round3(ps(1) / ps(0))
	st.rep.Ratios["cold_over_postgis"] = round3(ps(2) / ps(3))
	st.rep.Ratios["cached_over_postgis"] = round3(ps(1) / ps(3))
	st.cached.stop()
	st.cold.stop()
	return nil
}

// allLayerTiles compares Indus cached with the ceiling on 14-layer composites z6-12 (on a
// scaled dataset: the default one has no buildings layer).
func (st *suite) allLayerTiles(base string, villages []orb.Point) error {
	urls := tileURLs(villages, strings.Join(allLayers, ","), allLayerZooms, 8, st.o.quick)
	ceiling, err := st.startCeiling(base, urls)
	if err != nil {
		return err
	}
	defer ceiling.stop()
	w, dur, n := st.o.workers, st.loadFor(), len(urls)
	c := load(prefixed(ceiling.base, urls), w, dur, true)
	x := load(prefixed(base, urls), w, dur, true)
	st.rep.Tiles = append(st.rep.Tiles, TileRun{"all14", "ceiling: Indus's bytes replayed, minimal Fiber handler", n, c},
		TileRun{"all14", "indus cached tiles (200k villages + 1M buildings)", n, x})
	st.rep.Ratios["cached_over_ceiling_all_layers"] = round3(x.PerSecond / c.PerSecond)
	return nil
}

func (st *suite) loadFor() time.Duration {
	if st.o.quick {
		return 5 * time.Second
	}
	return 15 * time.Second
}

// startCeiling fetches every URL once from Indus at base (which also fills its cache) and starts
// the ceiling replaying those bytes.
func (st *suite) startCeiling(base string, urls []string) (*process, error) {
	replay, err := fetchTiles(base, urls)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(st.tmp, "ceiling-*.json")
	if err != nil {
		return nil, err
	}
	err = json.NewEncoder(f).Encode(replay)
	f.Close()
	if err != nil {
		return nil, err
	}
	self, _ := os.Executable()
	p, err := startChild(self, f.Name()+".addr", "serve-ceiling", f.Name()+".addr", f.Name())
	if err != nil {
		return nil, err
	}
	st.stops = append(st.stops, p.stop)
	return p, nil
}

// TileRun is one load run on one tile list.
type TileRun struct {
	List   string `json:"list"`
	Target string `json:"target"`
	URLs   int    `json:"urls"`
	LoadResult
}
