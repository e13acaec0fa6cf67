package export

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/tiles"
	"github.com/cpec-digital/indus/tiles/pmtiles"
)

// node is a tile to visit at the zoom being walked.
type node struct {
	id   uint64 // pmtiles.TileID, the order tiles are added in
	x, y uint32
}

// visit is what a worker found for the i-th node of a zoom.
type visit struct {
	i       int
	tile    []byte // gzip MVT; nil when the tile is empty or was not drawn
	descend bool   // some tile below may be non-empty
	err     error
}

// level visits the tiles of zoom z (in tile id order) with one worker per core, adds the
// non-empty ones to w in that order through a reorder buffer, and returns the tiles of zoom z+1
// to visit: the children, within the bbox, of the tiles whose subtrees may hold features.
func (e *Exporter) level(ctx context.Context, w *pmtiles.Writer, z uint32, level []node) ([]node, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e.zoom.Store(int32(z))
	e.zoomDone.Store(0)
	e.zoomTotal.Store(int64(len(level)))
	window := e.opt.Workers * 32
	jobs := make(chan int)
	out := make(chan visit, window) // never full: at most window nodes are out at once
	slots := make(chan struct{}, window)
	go func() {
		defer close(jobs)
		for i := range level {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			jobs <- i
		}
	}()
	var wg sync.WaitGroup
	for range e.opt.Workers {
		wg.Go(func() {
			for i := range jobs {
				out <- e.visit(ctx, z, i, level[i])
			}
		})
	}
	go func() { wg.Wait(); close(out) }()
	next, err := e.collect(w, z, level, out, slots)
	if err != nil {
		cancel()
		for range out { // let the workers finish
		}
		return nil, err
	}
	slices.SortFunc(next, func(a, b node) int { return cmp.Compare(a.id, b.id) })
	return next, nil
}

// collect takes the workers' visits in any order and handles them in node order: a slot is
// released for each node handled, so the buffer holds at most the window.
func (e *Exporter) collect(w *pmtiles.Writer, z uint32, level []node, out <-chan visit, slots <-chan struct{}) ([]node, error) {
	pending := map[int]visit{}
	var next []node
	for i := 0; i < len(level); {
		v, ok := <-out
		if !ok {
			break
		}
		pending[v.i] = v
		for r, ok := pending[i]; ok; r, ok = pending[i] {
			delete(pending, i)
			<-slots
			if r.err != nil {
				return nil, r.err
			}
			n := level[i]
			if r.tile != nil {
				if err := w.Add(uint8(z), n.x, n.y, r.tile); err != nil {
					return nil, err
				}
				e.stored.Add(1)
				e.size.Add(uint64(len(r.tile)))
			}
			if r.descend {
				next = e.children(next, z, n)
			}
			e.zoomDone.Add(1)
			i++
		}
	}
	return next, nil
}

// children appends the children of tile z/n whose buffered bounds meet the bbox.
func (e *Exporter) children(next []node, z uint32, n node) []node {
	for dy := range uint32(2) {
		for dx := range uint32(2) {
			x, y := 2*n.x+dx, 2*n.y+dy
			if e.ts.QueryBound(z+1, x, y).Intersects(e.opt.Bound) {
				next = append(next, node{id: pmtiles.TileID(uint8(z+1), x, y), x: x, y: y})
			}
		}
	}
	return next
}

// visit looks tile z/n up in the layers' indexes and draws it if a feature may be in it.
func (e *Exporter) visit(ctx context.Context, z uint32, i int, n node) visit {
	v := visit{i: i}
	if err := ctx.Err(); err != nil {
		v.err = err
		return v
	}
	e.visited.Add(1)
	var draw bool
	draw, v.descend = e.touches(z, n.x, n.y)
	if !draw {
		return v
	}
	e.drawn.Add(1)
	t, err := e.ts.Tile(ctx, tiles.Request{Layers: e.ids, Z: z, X: n.x, Y: n.y, Who: access.Operator()})
	if err != nil {
		v.err = err
	} else if !t.Empty {
		v.tile = t.Gzip
	}
	return v
}

// touches says whether some feature of a layer drawn at zoom z meets the tile's buffered bound
// (else the tile is empty: the tile service draws only such features), and whether some feature
// of a layer drawn deeper does (else every tile below is empty: their bounds lie within this one).
func (e *Exporter) touches(z, x, y uint32) (draw, descend bool) {
	b := e.ts.QueryBound(z, x, y)
	zi := int(z)
	for _, l := range e.layers {
		here, below := l.lo <= zi && zi <= l.hi, zi < l.hi
		if (!here || draw) && (!below || descend) {
			continue // this layer can tell nothing new
		}
		hit := false
		l.Search(b, func(int) bool { hit = true; return false })
		draw = draw || (hit && here)
		descend = descend || (hit && below)
		if draw && descend {
			break
		}
	}
	return draw, descend
}
