// Package tiles makes Mapbox Vector Tiles 2.1 from the indexed layers: generalized per zoom under a
// byte and feature budget, kept in a Cache (in process: ristretto), with ETags and targeted
// invalidation. It knows
// nothing of HTTP: a tile is bytes, an ETag and an emptiness flag.
package tiles

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"hash/maphash"
	"io"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"golang.org/x/sync/singleflight"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/indexes"
)

// Config tunes the tile service. Zero values take the defaults in brackets.
type Config struct {
	CacheBytes int64 // hot cache size [256 MiB]; negative disables the cache
	// Cache is the hot cache; nil: NewRistretto(CacheBytes) unless CacheBytes is negative. The
	// Service closes it.
	Cache       Cache
	BudgetBytes int // largest compressed tile [500 KB]
	MaxFeatures int // most features in one tile [200,000]
	Buffer      int // clip buffer around the tile, in tile units [64]
	MaxLayers   int // most layers in one composite tile [32]
}

func (c *Config) defaults() {
	if c.CacheBytes == 0 {
		c.CacheBytes = 256 << 20
	}
	if c.BudgetBytes <= 0 {
		c.BudgetBytes = 500_000
	}
	if c.MaxFeatures <= 0 {
		c.MaxFeatures = 200_000
	}
	if c.Buffer <= 0 {
		c.Buffer = 64
	}
	if c.MaxLayers <= 0 {
		c.MaxLayers = 32
	}
}

// Request names one tile.
type Request struct {
	Layers  []string // catalog layer ids; the tile holds one MVT layer per id, in catalog order
	Z, X, Y uint32
	Fields  []string // attributes to keep (nil: all declared fields)
	Filter  string   // filter expression (see Filter); empty: none
	// FilterLang is the filter's language (filter.LangIndus when empty, or filter.LangCQL2) and
	// FilterCRS the CRS of its geometry literals (CRS84 when empty); see filter.ParseIn.
	FilterLang, FilterCRS string
	// Who is the caller: a layer they may not read is answered as an unknown one. nil: anonymous.
	Who *access.Principal
}

// Tile is an encoded tile.
type Tile struct {
	Gzip     []byte // gzip-compressed MVT; nil when the tile is empty
	ETag     string // strong validator of the uncompressed bytes (quoted)
	Empty    bool
	Features int
	Level    int // generalization level the budget needed (0: none beyond the zoom's default)
}

// Raw returns the uncompressed MVT bytes (nil for an empty tile).
func (t *Tile) Raw() ([]byte, error) {
	if t.Empty {
		return nil, nil
	}
	r, err := gzip.NewReader(bytes.NewReader(t.Gzip))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// Stats are the cache's counters.
type Stats struct {
	Hits, Misses, Computed uint64
	Invalidated            uint64
	Evicted                uint64 // entries that left the cache: dropped to make room, or invalidated
	Entries                int
	CostBytes              int64
	Enabled                bool
	// ByZoom counts the tiles made (cache misses drawn, empty ones included) and their gzip bytes
	// at each zoom.
	ByZoom [data.MaxZoom + 1]ZoomStats
}

// ZoomStats are the tiles made at one zoom and their gzip bytes.
type ZoomStats struct {
	Computed, Bytes uint64
}

// Service produces tiles from the current indexed dataset.
type Service struct {
	cfg     Config
	current func() *indexes.Set
	log     *slog.Logger
	cache   Cache // nil: no cache
	flight  singleflight.Group
	seed    maphash.Seed // of the cache keys and the selections' hashes
	sels    selections

	mu      sync.Mutex
	inval   invalidation                   // the cached keys of each layer, and the layers' epochs
	merc    map[*indexes.Layer][]orb.Point // point layers in normalized Web Mercator (0..1)
	hits    atomic.Uint64
	misses  atomic.Uint64
	comp    atomic.Uint64
	dropped atomic.Uint64                                      // tiles invalidated
	zooms   [data.MaxZoom + 1]struct{ n, bytes atomic.Uint64 } // tiles made per zoom and their gzip bytes
}

// New returns a tile service over the dataset current returns (read at every request, so a reload
// is seen at once).
func New(cfg Config, current func() *indexes.Set, log *slog.Logger) (*Service, error) {
	cfg.defaults()
	s := &Service{cfg: cfg, current: current, log: log, cache: cfg.Cache, inval: newInvalidation(),
		seed: maphash.MakeSeed(), sels: selections{m: map[uint64]*asked{}}}
	if s.cache == nil && cfg.CacheBytes > 0 {
		c, err := NewRistretto(cfg.CacheBytes)
		if err != nil {
			return nil, err
		}
		s.cache = c
	}
	return s, nil
}

// Close releases the cache.
func (s *Service) Close() {
	if s.cache != nil {
		s.cache.Close()
	}
}

// plan is a validated request: a selection and the tile to draw it in.
type plan struct {
	*selection
	tile maptile.Tile
	key  uint64 // the cache key (see tileKey)
}

// plan validates req; it allocates nothing for a selection seen before.
func (s *Service) plan(req *Request) (plan, error) {
	if req.Z > data.MaxZoom {
		return plan{}, data.Invalid("bad zoom", fmt.Sprintf("zoom %d is above %d", req.Z, data.MaxZoom))
	}
	if n := uint32(1) << req.Z; req.X >= n || req.Y >= n {
		return plan{}, data.Invalid("tile out of range", fmt.Sprintf("at zoom %d, x and y must be below %d", req.Z, n))
	}
	sel, err := s.selection(s.current(), req)
	if err != nil {
		return plan{}, err
	}
	t := maptile.New(req.X, req.Y, maptile.Zoom(req.Z))
	return plan{selection: sel, tile: t, key: s.tileKey(sel, t)}, nil
}

// tileKey is the cache key of a selection drawn in tile t: a hash of both. Two plans may share
// one (rarely); the cache entry says which it holds (see Entry).
func (s *Service) tileKey(sel *selection, t maptile.Tile) uint64 {
	var b [20]byte
	binary.LittleEndian.PutUint64(b[0:], sel.hash)
	binary.LittleEndian.PutUint32(b[8:], uint32(t.Z))
	binary.LittleEndian.PutUint32(b[12:], t.X)
	binary.LittleEndian.PutUint32(b[16:], t.Y)
	return maphash.Bytes(s.seed, b[:])
}

// name is the plan's readable identity, for logs and to share work on one tile.
func (p *plan) name() string {
	return p.canon + "|" + strconv.Itoa(int(p.tile.Z)) + "/" + strconv.Itoa(int(p.tile.X)) + "/" + strconv.Itoa(int(p.tile.Y))
}

// mercator returns a point layer's positions in normalized Web Mercator (x, y in 0..1, y down),
// computed once per loaded layer; nil for layers that are not all single points.
func (s *Service) mercator(l *indexes.Layer) []orb.Point {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.merc[l]; ok {
		return m
	}
	if s.merc == nil || len(s.merc) > 64 { // drop layers of older data versions
		s.merc = map[*indexes.Layer][]orb.Point{}
	}
	unit := newProjector(maptile.Tile{Z: 0})
	m := make([]orb.Point, l.Len())
	for i := range m {
		pt, ok := l.Point(i)
		if !ok {
			s.merc[l] = nil
			return nil
		}
		q := unit.point(pt)
		m[i] = orb.Point{q[0] / Extent, q[1] / Extent}
	}
	s.merc[l] = m
	return m
}

// Tile returns the tile for req, from the cache when it is there. Concurrent misses for the same
// tile compute it once. Errors are never cached. Tile keeps none of req's strings: the caller
// may reuse them once it returns.
func (s *Service) Tile(ctx context.Context, req Request) (*Tile, error) {
	p, err := s.plan(&req)
	if err != nil {
		return nil, err
	}
	if t := s.cached(&p); t != nil {
		s.hits.Add(1)
		return t, nil
	}
	s.misses.Add(1)
	return s.make(ctx, p)
}

// Cached returns the tile for req when the cache holds it; ok is false when it must be made
// (Tile makes it). A bad request fails as in Tile. Like Tile it keeps none of req's strings, and
// it allocates nothing for a request whose lists were seen before.
func (s *Service) Cached(req Request) (t *Tile, ok bool, err error) {
	p, err := s.plan(&req)
	if err != nil {
		return nil, false, err
	}
	if t = s.cached(&p); t != nil {
		s.hits.Add(1)
	}
	return t, t != nil, nil
}

// cached returns the cached tile of p, or nil.
func (s *Service) cached(p *plan) *Tile {
	if s.cache == nil {
		return nil
	}
	if e, ok := s.cache.Get(p.key); ok && e.At == p.tile && e.Canon == p.canon {
		return e.Tile
	}
	return nil
}

// make renders the tile of p and caches it, once for concurrent callers.
func (s *Service) make(ctx context.Context, p plan) (*Tile, error) {
	v, err, _ := s.flight.Do(p.name(), func() (any, error) {
		s.mu.Lock()
		epochs := s.inval.epochs(p.layers)
		s.mu.Unlock()
		t, err := s.render(ctx, &p)
		if err != nil {
			return nil, err
		}
		s.comp.Add(1)
		z := &s.zooms[p.tile.Z] // the plan checked Z <= data.MaxZoom
		z.n.Add(1)
		z.bytes.Add(uint64(len(t.Gzip)))
		if s.cache != nil {
			s.store(&p, t, epochs)
			s.cache.Wait() // the cache applies sets asynchronously: a request right after this one must hit
		}
		return t, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Tile), nil
}

// store caches t unless one of its layers was invalidated while it was being made.
func (s *Service) store(p *plan, t *Tile, epochs []uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.inval.current(p.layers, epochs) {
		return
	}
	cost := int64(len(t.Gzip)) + 200
	if !s.cache.Set(p.key, &Entry{Canon: p.canon, At: p.tile, Tile: t}, cost) {
		return
	}
	if s.inval.add(p.key, p.tile, p.layers) {
		s.cache.Clear()
	}
}

// Wait blocks until pending cache writes are applied (a Cache may apply them asynchronously).
func (s *Service) Wait() {
	if s.cache != nil {
		s.cache.Wait()
	}
}

// Invalidate drops the cached tiles of layer that touch bound (with the clip buffer), so that they
// are made again from the current data; other tiles stay cached. It returns how many were dropped.
func (s *Service) Invalidate(layer string, bound orb.Bound) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.inval.drop(layer, bound, s.cfg.Buffer, func(key uint64) {
		if s.cache != nil {
			s.cache.Delete(key)
		}
	})
	s.dropped.Add(uint64(n))
	return n
}

// Stats returns the cache counters.
func (s *Service) Stats() Stats {
	st := Stats{Hits: s.hits.Load(), Misses: s.misses.Load(), Computed: s.comp.Load(), Invalidated: s.dropped.Load(), Enabled: s.cache != nil}
	if s.cache != nil {
		cs := s.cache.Stats()
		st.CostBytes, st.Entries, st.Evicted = cs.CostBytes, cs.Entries, cs.Evicted
	}
	for i := range s.zooms {
		st.ByZoom[i] = ZoomStats{Computed: s.zooms[i].n.Load(), Bytes: s.zooms[i].bytes.Load()}
	}
	return st
}

// shapeFor is the default generalization of a layer at zoom z: none at or beyond the layer's
// maxzoom; below it, Douglas-Peucker at one tile unit, polygons under one pixel (64 units² at a
// 512-pixel display size) and lines under one pixel dropped, points thinned to one per cell that
// doubles with each zoom more than two levels below maxzoom. Points are projected
// once per layer, so the grid is global: a point kept in one tile is kept in its neighbours too.
func (s *Service) shapeFor(l *indexes.Layer, z int, level int) shape {
	sh := shape{buffer: float64(s.cfg.Buffer), tolerance: 1}
	if z < l.Spec.MaxZoom {
		sh.minArea = 64
		sh.minLength = 8
		sh.pointCell = 8 * math.Exp2(float64(max(0, l.Spec.MaxZoom-2-z)))
		sh.pointCell = math.Min(sh.pointCell, 512)
	}
	if level > 0 {
		k := math.Exp2(float64(level))
		sh.tolerance *= k
		sh.minArea = math.Max(sh.minArea, 16) * k * k
		sh.minLength = math.Max(sh.minLength, 4) * k
		sh.pointCell = math.Max(sh.pointCell, 4) * k
	}
	return sh
}

// maxLevel is the last coarsening step of the budget loop.
const maxLevel = 10

// render draws the tile, coarsening the generalization until it fits the byte and feature
// budgets (the Tippecanoe approach: drop the smallest and densest features first).
func (s *Service) render(ctx context.Context, p *plan) (*Tile, error) {
	for level := 0; ; level++ {
		if err := ctx.Err(); err != nil {
			return nil, &data.Error{Kind: data.KindTimeout, Msg: "tile took too long", Err: err}
		}
		layers, n := s.draw(p, level, -1)
		if n == 0 {
			return &Tile{Empty: true, ETag: `"empty"`}, nil
		}
		t, err := encode(layers, n)
		if err != nil {
			return nil, err
		}
		t.Level = level
		if (len(t.Gzip) <= s.cfg.BudgetBytes && n <= s.cfg.MaxFeatures) || level == maxLevel {
			if len(t.Gzip) > s.cfg.BudgetBytes || n > s.cfg.MaxFeatures {
				return s.truncate(p, level, n)
			}
			return t, nil
		}
	}
}

// truncate is the last resort: keep only the first features of each layer, halving until it fits.
func (s *Service) truncate(p *plan, level, n int) (*Tile, error) {
	for keep := n / 2; keep > 0; keep /= 2 {
		layers, m := s.draw(p, level, keep)
		t, err := encode(layers, m)
		if err != nil {
			return nil, err
		}
		if len(t.Gzip) <= s.cfg.BudgetBytes && m <= s.cfg.MaxFeatures {
			t.Level = level + 1
			s.log.Warn("tile truncated to fit the budget", "tile", p.name(), "features", m)
			return t, nil
		}
	}
	return &Tile{Empty: true, ETag: `"empty"`}, nil
}

// draw prepares the features of every layer at a generalization level; perLayer < 0 means no cap.
func (s *Service) draw(p *plan, level, perLayer int) ([]outLayer, int) {
	c := newCanvas(p.tile, s.cfg.Buffer)
	var out []outLayer
	total := 0
	for _, l := range p.layers {
		z := int(p.tile.Z)
		if z < l.Spec.MinZoom || z > l.Spec.MaxZoom {
			continue
		}
		ol := s.drawLayer(c, p, l, s.shapeFor(l, z, level), perLayer)
		if len(ol.feats) == 0 {
			continue
		}
		out = append(out, ol)
		total += len(ol.feats)
	}
	return out, total
}

// canvas is one tile's frame: the projection, the lon/lat query box (the tile and its buffer)
// and the lon/lat pre-clip box, a little wider, so that the exact cut happens in tile units.
type canvas struct {
	tile    maptile.Tile
	proj    projector
	query   orb.Bound
	clipBox orb.Bound
}

func newCanvas(t maptile.Tile, buffer int) canvas {
	tb := t.Bound()
	pad := (tb.Max[0] - tb.Min[0]) * float64(buffer) / Extent
	grow := func(d float64) orb.Bound {
		return orb.Bound{Min: orb.Point{tb.Min[0] - d, tb.Min[1] - d}, Max: orb.Point{tb.Max[0] + d, tb.Max[1] + d}}
	}
	return canvas{tile: t, proj: newProjector(t), query: grow(pad), clipBox: grow(2 * pad)}
}

// drawLayer prepares the features of one layer that pass its filter and the generalization.
func (s *Service) drawLayer(c canvas, p *plan, l *indexes.Layer, sh shape, perLayer int) outLayer {
	flt := p.filters[l.Spec.ID]
	merc := s.mercator(l)
	occupied := map[[2]int32]bool{}
	ol := outLayer{layer: l.Layer, fields: p.fields}
	for _, i := range l.Indexes(c.query) {
		if perLayer >= 0 && len(ol.feats) >= perLayer {
			break
		}
		if flt != nil && !flt.Match(l.Layer, i) {
			continue
		}
		var g orb.Geometry
		if merc != nil {
			g = c.point(merc[i], sh, occupied)
		} else {
			g = c.shape(l, i, sh, occupied)
		}
		if g != nil {
			ol.feats = append(ol.feats, outFeature{index: i, geom: g})
		}
	}
	return ol
}

// point places a point projected once for all tiles (normalized Web Mercator m) in the tile,
// thinned on a global grid; nil when it is outside or its cell is taken.
func (c canvas) point(m orb.Point, sh shape, occupied map[[2]int32]bool) orb.Geometry {
	world := math.Exp2(float64(c.tile.Z))
	tp := orb.Point{(m[0]*world - float64(c.tile.X)) * Extent, (m[1]*world - float64(c.tile.Y)) * Extent}
	box := orb.Bound{Min: orb.Point{-sh.buffer, -sh.buffer}, Max: orb.Point{Extent + sh.buffer, Extent + sh.buffer}}
	if !box.Contains(tp) || taken(tp, sh, occupied) {
		return nil
	}
	return snap(tp)
}

// taken reports whether the thinning cell of tile point tp is occupied, and occupies it.
func taken(tp orb.Point, sh shape, occupied map[[2]int32]bool) bool {
	if sh.pointCell <= 0 {
		return false
	}
	cell := [2]int32{int32(math.Floor(tp[0] / sh.pointCell)), int32(math.Floor(tp[1] / sh.pointCell))}
	if occupied[cell] {
		return true
	}
	occupied[cell] = true
	return false
}

// shape prepares feature i of a line, polygon or mixed layer: dropped when its bbox is under the
// minimum size, else clipped, simplified and snapped (see prepare).
func (c canvas) shape(l *indexes.Layer, i int, sh shape, occupied map[[2]int32]bool) orb.Geometry {
	fb := c.proj.bound(l.FeatureBound(i))
	w, h := fb.Max[0]-fb.Min[0], fb.Max[1]-fb.Min[1]
	g := l.Geometry(i)
	switch g.(type) {
	case orb.Polygon, orb.MultiPolygon:
		if w*h < sh.minArea { // a polygon cannot be larger than its bbox
			return nil
		}
	case orb.LineString, orb.MultiLineString:
		if w < sh.minLength && h < sh.minLength {
			return nil
		}
	case orb.Point:
		if taken(fb.Min, sh, occupied) {
			return nil
		}
	}
	return prepare(g, l.FeatureBound(i), c.clipBox, c.proj, sh)
}

// gzipWriters reuses compressors: a deflate state is about a megabyte.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
	return w
}}

// encode marshals the layers (already in tile coordinates) and compresses them once.
func encode(layers []outLayer, n int) (*Tile, error) {
	raw := encodeTile(layers)
	h := fnv.New128a()
	h.Write(raw)
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	zw.Write(raw)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return &Tile{Gzip: slices.Clip(buf.Bytes()), ETag: `"` + hex.EncodeToString(h.Sum(nil)) + `"`, Features: n}, nil
}
