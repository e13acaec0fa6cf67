package analytics

import (
	"context"
	"time"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/fault"
	"github.com/cpec-digital/indus/indexes"
)

// The work an area query does, counted before it is done (from the index pages alone, without
// reading a feature): the features of the exposure layers' pages wholly inside the query and
// across its edge (each read once for the whole area and once per hazard layer), the hazard zone
// pieces inside it and across its edge, the query's vertices (once per pass, and times the zone
// pieces and features at its edge, whose exact areas walk the query's edges near them), the overlays a
// corridor's buffer needs, and for a GeoJSON export the zone pieces it overlays with the query
// (each with the query's vertices, or a part's when the query is cut) and the query's vertices
// when it is cut.
const (
	termInPoint = iota
	termInLine
	termInPolygon
	termEdgePoint
	termEdgeLine
	termEdgePolygon
	termPieceIn
	termPieceEdge
	termQueryVertex
	termPieceEdgeVertex
	termEdgeVertex
	termBufferOverlay
	termExportPiece
	termExportVertex
	termCutVertex
	termQuery
	nTerms
)

// CostModel names the terms of the cost model and gives their unit costs (benchmarks
// --calibrate reports them).
func CostModel() (names []string, units []time.Duration) {
	u := unitCosts()
	return []string{"inside point", "inside line", "inside polygon", "edge point", "edge line", "edge polygon",
		"zone piece inside", "zone piece at edge", "query vertex", "zone piece at edge × query vertex",
		"edge feature × query vertex", "buffer overlay", "export piece",
		"export piece vertex", "cut query vertex", "query"}, u[:]
}

// unitCosts is the time one unit of each term takes on the 2-core reference machine (CPU time),
// fitted by `go run ./benchmarks --calibrate` (non-negative least squares on the relative error)
// over the benchmark areas, bboxes of 0.1° to 4°, corridors, stars of up to 9,999 vertices and
// exports, on the default dataset and on 1M buildings, and rounded. Cutting a large query for an
// export costs from 10 µs to 400 µs a vertex depending on its shape: the estimate takes the most.
func unitCosts() [nTerms]time.Duration {
	return [nTerms]time.Duration{
		termInPoint:         270 * time.Nanosecond,
		termInLine:          1 * time.Microsecond,
		termInPolygon:       60 * time.Nanosecond,
		termEdgePoint:       130 * time.Nanosecond,
		termEdgeLine:        2 * time.Microsecond,
		termEdgePolygon:     150 * time.Nanosecond,
		termPieceIn:         100 * time.Nanosecond,
		termPieceEdge:       170 * time.Nanosecond,
		termQueryVertex:     160 * time.Nanosecond,
		termPieceEdgeVertex: 10 * time.Nanosecond,
		termEdgeVertex:      1 * time.Nanosecond,
		termBufferOverlay:   400 * time.Microsecond,
		termExportPiece:     52 * time.Microsecond,
		termExportVertex:    960 * time.Nanosecond,
		termCutVertex:       400 * time.Microsecond,
		termQuery:           20 * time.Microsecond,
	}
}

// Cost is the counted work of an area query and the time it should take.
type Cost struct {
	Terms    [nTerms]float64
	Estimate time.Duration
}

func (c *Cost) total() time.Duration {
	units := unitCosts()
	var t time.Duration
	for k, n := range c.Terms {
		t += time.Duration(n * float64(units[k]))
	}
	c.Estimate = t
	return t
}

// count adds the work of the query q (exposure layers exp, hazard layers haz) to c.
func (e *Engine) count(c *Cost, set *indexes.Set, q *Query, haz, exp []*indexes.Layer, export bool) {
	passes, v := float64(1+len(haz)), float64(q.vertices)
	for _, l := range exp {
		in, edge := pagesIn(l, q)
		c.Terms[termEdgeVertex] += passes * float64(edge) * v
		k := termInPolygon
		switch l.Shape() {
		case data.Points:
			k = termInPoint
		case data.Lines:
			k = termInLine
		}
		c.Terms[k] += passes * float64(in)
		c.Terms[k+termEdgePoint-termInPoint] += passes * float64(edge)
	}
	for _, h := range haz {
		in, edge := pagesIn(e.zones(set, h).pieces, q)
		c.Terms[termPieceIn] += float64(in)
		c.Terms[termPieceEdge] += float64(edge)
		c.Terms[termPieceEdgeVertex] += float64(edge) * v
		if export {
			c.Terms[termExportPiece] += float64(edge)
			c.Terms[termExportVertex] += float64(edge * min(q.vertices, wholeBelow))
		}
	}
	if export && q.vertices >= wholeBelow {
		c.Terms[termCutVertex] = float64(q.vertices)
	}
	c.Terms[termQueryVertex] = passes * v
	c.Terms[termQuery]++
}

// pagesIn counts the features of the index pages of l wholly inside the query and across its edge.
func pagesIn(l *indexes.Layer, q *Query) (in, edge int) {
	l.Pages(q.Bound, func(pb orb.Bound, _ int, fs []int32) bool {
		switch relate(q.prep, pb) {
		case inside:
			in += len(fs)
		case crossing:
			edge += len(fs)
		}
		return true
	})
	return in, edge
}

// admit refuses, before the work, what the estimate c says would not be done before ctx's
// deadline, rather than spend that time and fail.
func admit(ctx context.Context, c *Cost) error {
	return fault.Admit(ctx, c.total(), "the query", "use a smaller area, a simpler geometry or fewer layers")
}

// Estimate counts the work of an area query without doing it (building its query area, but not
// a corridor's buffer when that takes overlays).
func (e *Engine) Estimate(ctx context.Context, r *AreaRequest) (*Cost, error) {
	set := e.current()
	haz, exp, _, err := e.layers(set, r)
	if err != nil {
		return nil, err
	}
	c := &Cost{}
	q, err := buildQuery(ctx, set, r, func(n int) error {
		c.Terms[termBufferOverlay] = float64(n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	e.count(c, set, q, haz, exp, r.Export)
	c.total()
	return c, nil
}
