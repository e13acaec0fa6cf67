// Package export writes the tiles of a tiles.Service into a PMTiles v3 archive: every tile in
// the archive is the exact gzip bytes the service serves for the same request, empty tiles are
// left out, and subtrees whose buffered bounds meet no feature are skipped without drawing.
package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/indexes"
	"github.com/cpec-digital/indus/tiles"
	"github.com/cpec-digital/indus/tiles/pmtiles"
)

// maxLat is the latitude limit of Web Mercator tiles.
const maxLat = 85.05112878

// Options say what to export. Zero values take the defaults in brackets.
type Options struct {
	Layers           []string  // catalog layer ids, one MVT layer each (required)
	MinZoom, MaxZoom int       // zoom range written
	Bound            orb.Bound // the tiles whose buffered bounds meet it [the union of the layers' bounds]
	Workers          int       // tiles drawn at once [GOMAXPROCS]
	Generator        string    // the metadata's "generator" (software and version)
}

// Progress is a snapshot of a running export.
type Progress struct {
	Zoom                int           // the zoom being written
	ZoomDone, ZoomTotal int           // tiles of that zoom visited and to visit
	MinZoom, MaxZoom    int           // the zoom range of the export
	Visited, Drawn      uint64        // tiles looked up in the indexes, and drawn
	Stored              uint64        // non-empty tiles added to the archive
	Bytes               int64         // their bytes, before deduplication
	Elapsed             time.Duration // since Run started
}

// Summary is what Run did.
type Summary struct {
	Visited uint64        // tiles looked up in the indexes (children of empty subtrees are not)
	Drawn   uint64        // tiles drawn by the tile service
	Archive pmtiles.Stats // tiles stored (Addressed), directory entries, unique tiles (Contents), bytes
	Took    time.Duration
}

// layer is a requested layer and the zooms of the export at which it is drawn.
type layer struct {
	*indexes.Layer
	lo, hi int
}

// Exporter writes one tileset. Progress may be called from any goroutine while Run runs.
type Exporter struct {
	ts     *tiles.Service
	set    *indexes.Set
	opt    Options
	ids    []string
	layers []layer
	tj     *tiles.TileJSON
	start  time.Time

	zoom                         atomic.Int32
	zoomDone, zoomTotal          atomic.Int64
	visited, drawn, stored, size atomic.Uint64
}

// New checks opt against set and prepares an export drawn by a tile service with cfg (its cache
// off: each tile is drawn once). cfg must be the serving configuration for the bytes to match.
func New(set *indexes.Set, cfg tiles.Config, opt Options, log *slog.Logger) (*Exporter, error) {
	if len(opt.Layers) == 0 {
		return nil, data.Invalid("no layers", "name one layer id or a comma-separated list")
	}
	if opt.MinZoom < 0 || opt.MinZoom > opt.MaxZoom || opt.MaxZoom > data.MaxZoom {
		return nil, data.Invalid("bad zoom range", fmt.Sprintf("want 0 ≤ minzoom ≤ maxzoom ≤ %d, got %d–%d", data.MaxZoom, opt.MinZoom, opt.MaxZoom))
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	cfg.CacheBytes, cfg.Cache = -1, nil // the walk visits each tile once: no cache
	ts, err := tiles.New(cfg, func() *indexes.Set { return set }, log)
	if err != nil {
		return nil, err
	}
	e := &Exporter{ts: ts, set: set, opt: opt}
	if e.tj, err = ts.TileJSON(opt.Layers, "", access.Operator()); err != nil { // checks the layer ids
		return nil, err
	}
	if err := e.bind(); err != nil {
		return nil, err
	}
	return e, nil
}

// bind resolves the layers (in catalog order, as the tiles hold them) and the bbox.
func (e *Exporter) bind() error {
	want := map[string]bool{}
	for _, id := range e.opt.Layers {
		want[id] = true
	}
	var union orb.Bound
	for _, l := range e.set.Layers() {
		if !want[l.Spec.ID] {
			continue
		}
		e.ids = append(e.ids, l.Spec.ID)
		if l.Len() > 0 {
			union = extend(union, l.Bound)
		}
		lo, hi := max(l.Spec.MinZoom, e.opt.MinZoom), min(l.Spec.MaxZoom, e.opt.MaxZoom)
		if lo <= hi && l.Len() > 0 {
			e.layers = append(e.layers, layer{Layer: l, lo: lo, hi: hi})
		}
	}
	if len(e.layers) == 0 {
		return data.Invalid("nothing to export", fmt.Sprintf("no layer of %s has features drawn at zooms %d–%d",
			strings.Join(e.ids, ","), e.opt.MinZoom, e.opt.MaxZoom))
	}
	if e.opt.Bound == (orb.Bound{}) {
		e.opt.Bound = union
	}
	b := e.opt.Bound
	if !(b.Min[0] < b.Max[0] && b.Min[1] < b.Max[1]) || b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 {
		return data.Invalid("bad bbox", fmt.Sprintf("want west<east, south<north in degrees, got %v", [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}))
	}
	return nil
}

// extend grows b (the zero bound when empty) to cover o.
func extend(b, o orb.Bound) orb.Bound {
	if b == (orb.Bound{}) {
		return o
	}
	return b.Union(o)
}

// Close releases the tile service.
func (e *Exporter) Close() { e.ts.Close() }

// Layers returns the layer ids of the tiles, in catalog order.
func (e *Exporter) Layers() []string { return append([]string(nil), e.ids...) }

// Options returns the options with their defaults filled in (the bbox, the workers).
func (e *Exporter) Options() Options { return e.opt }

// DataVersion returns the version of the dataset exported.
func (e *Exporter) DataVersion() string { return e.set.Dataset.Version }

// Run writes the archive to path (replacing a file there only once it is complete).
func (e *Exporter) Run(ctx context.Context, path string) (Summary, error) {
	e.start = time.Now()
	w, err := pmtiles.Create(path, pmtiles.Options{TileType: pmtiles.MVT, TileCompression: pmtiles.Gzip})
	if err != nil {
		return Summary{}, err
	}
	defer w.Abort()
	level := []node{{}}
	for z := 0; z <= e.opt.MaxZoom && len(level) > 0; z++ {
		if level, err = e.level(ctx, w, uint32(z), level); err != nil {
			return Summary{}, err
		}
	}
	if e.stored.Load() == 0 {
		return Summary{}, errors.New("export: every tile is empty: the layers have no feature in the bbox at these zooms")
	}
	meta, err := e.metadata()
	if err != nil {
		return Summary{}, err
	}
	st, err := w.Close(meta)
	if err != nil {
		return Summary{}, err
	}
	return Summary{Visited: e.visited.Load(), Drawn: e.drawn.Load(), Archive: st, Took: time.Since(e.start)}, nil
}

// Progress returns a snapshot of the export's counters.
func (e *Exporter) Progress() Progress {
	p := Progress{Zoom: int(e.zoom.Load()), ZoomDone: int(e.zoomDone.Load()), ZoomTotal: int(e.zoomTotal.Load()),
		MinZoom: e.opt.MinZoom, MaxZoom: e.opt.MaxZoom, Visited: e.visited.Load(), Drawn: e.drawn.Load(),
		Stored: e.stored.Load(), Bytes: int64(e.size.Load())}
	if !e.start.IsZero() {
		p.Elapsed = time.Since(e.start)
	}
	return p
}

// vectorLayers are the TileJSON vector layers of the archive: the layers drawn in it, each with
// the zooms it is drawn at (within the archive's, as TileJSON requires), not the catalog's.
func (e *Exporter) vectorLayers() ([]tiles.VectorLayer, error) {
	var all []tiles.VectorLayer
	if err := json.Unmarshal(e.tj.VectorLayers, &all); err != nil {
		return nil, err
	}
	out := []tiles.VectorLayer{}
	for _, vl := range all {
		for _, l := range e.layers {
			if l.Spec.ID == vl.ID {
				vl.MinZoom, vl.MaxZoom = l.lo, l.hi
				out = append(out, vl)
			}
		}
	}
	return out, nil
}

// metadata is the archive's JSON (TileJSON-like: name, attribution, vector_layers, bounds and
// centre) and the header's geography.
func (e *Exporter) metadata() (pmtiles.Metadata, error) {
	b := e.opt.Bound
	west, south := math.Max(b.Min[0], -180), math.Max(b.Min[1], -maxLat)
	east, north := math.Min(b.Max[0], 180), math.Min(b.Max[1], maxLat)
	cz := min(max(int(e.tj.Center[2]), e.opt.MinZoom), e.opt.MaxZoom)
	center := [2]float64{(west + east) / 2, (south + north) / 2}
	vls, err := e.vectorLayers()
	if err != nil {
		return pmtiles.Metadata{}, err
	}
	js, err := json.Marshal(map[string]any{
		"name": e.tj.Name, "description": e.tj.Description, "version": e.tj.Version, "attribution": e.tj.Attribution,
		"type": "overlay", "format": "pbf", "generator": e.opt.Generator,
		"minzoom": e.opt.MinZoom, "maxzoom": e.opt.MaxZoom,
		"bounds": [4]float64{west, south, east, north}, "center": [3]float64{center[0], center[1], float64(cz)},
		"vector_layers": vls, "indus:layers": e.ids, "indus:data_version": e.set.Dataset.Version,
	})
	if err != nil {
		return pmtiles.Metadata{}, err
	}
	return pmtiles.Metadata{JSON: js, Bounds: [4]float64{west, south, east, north}, Center: center, CenterZoom: uint8(cz)}, nil
}
