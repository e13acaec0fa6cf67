package analytics

import (
	"context"
	"fmt"
	"time"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
)

// costOf is the time one feature of a layer of this shape takes in an area query (measured on
// the 2-core reference machine, rounded up): a point, a line, a polygon (a building footprint).
func costOf(s data.Shape) time.Duration {
	switch s {
	case data.Points:
		return 500 * time.Nanosecond
	case data.Lines:
		return 20 * time.Microsecond
	}
	return 3 * time.Microsecond
}

// pieceCost is the time one hazard zone piece takes.
const pieceCost = 40 * time.Microsecond

// estimate is the time a query should take, from the features in its bbox counted by index
// pages: each exposure layer once and once more per hazard layer, and the zone pieces.
func (e *Engine) estimate(set *indexes.Set, q *Query, haz, exp []*indexes.Layer) time.Duration {
	var t time.Duration
	for _, l := range exp {
		t += time.Duration(l.Count(q.Bound)*(1+len(haz))) * costOf(l.Shape())
	}
	for _, h := range haz {
		t += time.Duration(e.zones(set, h).pieces.Count(q.Bound)) * pieceCost
	}
	return t
}

// refuseLate refuses, before any work, a query whose estimate exceeds the time left before
// ctx's deadline, rather than spend that time and fail.
func (e *Engine) refuseLate(ctx context.Context, set *indexes.Set, q *Query, haz, exp []*indexes.Layer) error {
	dl, ok := ctx.Deadline()
	if !ok {
		return nil
	}
	est, left := e.estimate(set, q, haz, exp), time.Until(dl)
	if est <= left {
		return nil
	}
	return &data.Error{Kind: data.KindTooLarge, Msg: "the query is too large to answer in time",
		Detail: fmt.Sprintf("it would take about %s and the deadline is %s away: use a smaller area or fewer exposure layers",
			est.Round(100*time.Millisecond), left.Round(100*time.Millisecond))}
}
