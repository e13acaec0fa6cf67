package fibre

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/cpec-digital/indus/data/fault"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// planner is the state of one plan. Villages are addressed by their index in vs (sorted by id, so
// index order is id order).
type planner struct {
	vs    []Village
	opt   Options
	segs  []segment
	value []float64 // population × (1 + w_flood × exposure)
	best  []float64 // unconnected villages: great-circle km to the nearest connection point
	from  []int32   // that point: ≥ 0 a village index, < 0 the segment −1−from
	reach rtree.RTreeG[int32]
	boxes []orb.Bound // the reach box of each unconnected village as stored in reach
	radii []float64   // the radius (km) that box was built for; always ≥ best
	q     queue

	connected int // villages connected before the plan
}

func newPlanner(ctx context.Context, vs []Village, backbone []orb.LineString, opt Options) (*planner, error) {
	n := len(vs)
	p := &planner{vs: vs, opt: opt, value: make([]float64, n), best: make([]float64, n),
		from: make([]int32, n), boxes: make([]orb.Bound, n), radii: make([]float64, n)}
	wf := opt.Weights[WeightFlood]
	for i, v := range vs {
		p.value[i] = float64(v.Population) * (1 + wf*FloodExposure(v.FloodRP))
	}
	for li, l := range backbone {
		for k := 0; k+1 < len(l); k++ {
			p.segs = append(p.segs, newSegment(li, l[k], l[k+1]))
		}
	}
	order := zOrder(vs)
	if err := p.initNearest(ctx, order); err != nil {
		return nil, err
	}
	p.q = queue{score: make([]float64, n), pos: make([]int32, n)}
	for n, i := range order {
		if n%every == 0 {
			if err := stopped(ctx); err != nil {
				return nil, err
			}
		}
		p.q.pos[i] = -1
		if v := vs[i]; v.Connected {
			p.connected++
		} else {
			p.boxes[i], p.radii[i] = geo.CapBound(v.Point, p.best[i]), p.best[i]
			p.reach.Insert(p.boxes[i].Min, p.boxes[i].Max, i)
			p.q.score[i] = p.score(i)
			p.q.push(i)
		}
	}
	return p, nil
}

// every is how many villages the planner's loops handle between two looks at their context.
const every = 16

// stopped is the error of a plan whose context is done, nil while it is not.
func stopped(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &fault.Error{Kind: fault.KindTimeout, Msg: "the plan took too long", Err: err,
			Detail: "plan fewer villages (an admin unit) or a target nearer the villages already connected"}
	}
	return nil
}

// initNearest finds, for every unconnected village, its nearest connected village and its nearest
// backbone segment; a village wins a tie with a segment. Trees are built and queried in Z-order
// (order) so that each query's search radius can start from the previous answer.
func (p *planner) initNearest(ctx context.Context, order []int32) error {
	var villages, segs rtree.RTreeG[int32]
	if err := stopped(ctx); err != nil {
		return err
	}
	for _, i := range order {
		if v := p.vs[i]; v.Connected {
			villages.Insert(v.Point, v.Point, i)
		}
	}
	for k, s := range p.segs {
		b := s.Bound()
		segs.Insert(b.Min, b.Max, int32(k))
	}
	rv, rs, jv, ks := 0.0, 0.0, int32(-1), int32(-1)
	for n, i := range order {
		if n%every == 0 {
			if err := stopped(ctx); err != nil {
				return err
			}
		}
		if p.vs[i].Connected {
			continue
		}
		pt, up := p.vs[i].Point, geo.UnitOf(p.vs[i].Point)
		d, j := nearest(&villages, pt, rv, jv, func(j int32, _ float64) float64 { return geo.DistanceKm(pt, p.vs[j].Point) })
		ds, k := nearest(&segs, pt, rs, ks, func(k int32, best float64) float64 {
			if p.segs[k].Beyond(up, best) {
				return math.Inf(1)
			}
			d := p.segs[k].UnitDistanceKm(up)
			return d
		})
		rv, rs, jv, ks = d, ds, j, k
		if ds < d {
			d, j = ds, -1-k
		}
		p.best[i], p.from[i] = d, j
	}
	return nil
}

// nearest is the item of tr nearest to pt by itemKm (exact, or +Inf when the item is provably
// farther than the best so far, its second argument), the smallest item on a tie, and its
// distance; +Inf and −1 for an empty tree. It searches the box holding the cap of radius r around
// pt, with r starting at hint (at least 1 km) and doubling, but never above the distance of the
// best item so far (seed, if ≥ 0, is tried first). An item has a point at its distance inside its
// bounds, so once the best item found is within r, every item outside the box is farther and every
// item at the same distance was found.
func nearest(tr *rtree.RTreeG[int32], pt orb.Point, hint float64, seed int32, itemKm func(int32, float64) float64) (float64, int32) {
	best, arg := math.Inf(1), int32(-1)
	if tr.Len() == 0 {
		return best, arg
	}
	if seed >= 0 {
		best, arg = itemKm(seed, best), seed
	}
	for r := max(hint, 1); ; r *= 2 {
		r = min(r, best)
		b := geo.CapBound(pt, r)
		tr.Search(b.Min, b.Max, func(_, _ [2]float64, j int32) bool {
			if d := itemKm(j, best); d < best || d == best && j < arg {
				best, arg = d, j
			}
			return true
		})
		if best <= r || r >= math.Pi*geo.EarthRadiusKm {
			return best, arg
		}
	}
}

// zOrder returns the village indices sorted by the Z-order (Morton) code of their points.
func zOrder(vs []Village) []int32 {
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	codes := make([]uint64, len(vs))
	order := make([]int32, len(vs))
	for i, v := range vs {
		codes[i] = geo.Morton(v.Point, world)
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		return cmp.Or(cmp.Compare(codes[a], codes[b]), cmp.Compare(a, b))
	})
	return order
}

// score is value per great-circle km to the nearest connection point (the route factor scales
// every candidate alike); +Inf at distance 0.
func (p *planner) score(i int32) float64 {
	if p.best[i] == 0 {
		return math.Inf(1)
	}
	return p.value[i] / p.best[i]
}

// grow connects need villages, best first, and returns the steps.
func (p *planner) grow(ctx context.Context, need int) ([]Step, error) {
	steps := make([]Step, 0, need)
	var improved []int32
	for len(steps) < need {
		if len(steps)%every == 0 {
			if err := stopped(ctx); err != nil {
				return nil, err
			}
		}
		i := p.q.pop()
		p.reach.Delete(p.boxes[i].Min, p.boxes[i].Max, i)
		steps = append(steps, p.step(i, steps))
		improved = p.connect(i, improved[:0])
	}
	return steps, nil
}

// connect makes village i a connection point. Every unconnected village j whose nearest
// connection point i becomes has DistanceKm(i, j) < best[j], so i lies in j's ball of radius
// best[j], hence in its reach box (built for a radius ≥ best[j]): the point query on the reach
// tree finds every such j. A reach box is rebuilt once best has halved since it was built.
func (p *planner) connect(i int32, improved []int32) []int32 {
	pt := p.vs[i].Point
	p.reach.Search(pt, pt, func(_, _ [2]float64, j int32) bool {
		if d := geo.DistanceKm(pt, p.vs[j].Point); d < p.best[j] {
			p.best[j], p.from[j] = d, i
			improved = append(improved, j)
		}
		return true
	})
	for _, j := range improved {
		p.q.score[j] = p.score(j)
		p.q.up(p.q.pos[j])
		if p.best[j] <= p.radii[j]/2 {
			p.reach.Delete(p.boxes[j].Min, p.boxes[j].Max, j)
			p.boxes[j], p.radii[j] = geo.CapBound(p.vs[j].Point, p.best[j]), p.best[j]
			p.reach.Insert(p.boxes[j].Min, p.boxes[j].Max, j)
		}
	}
	return improved
}

// step describes connecting village i after the steps so far.
func (p *planner) step(i int32, done []Step) Step {
	v := p.vs[i]
	s := Step{Order: len(done) + 1, Phase: len(done)/p.opt.PhaseSize + 1, VillageID: v.ID, Point: v.Point,
		CableKm: p.best[i] * p.opt.RouteFactor, Population: v.Population, FloodRP: v.FloodRP,
		FloodClass: v.FloodClass, Value: p.value[i]}
	if f := p.from[i]; f >= 0 {
		s.FromKind, s.FromID, s.FromPoint = FromVillage, p.vs[f].ID, p.vs[f].Point
	} else {
		seg := p.segs[-1-f]
		_, s.FromPoint = seg.DistanceKm(v.Point)
		s.FromKind, s.FromID = FromBackbone, int64(seg.line)
	}
	s.ConnectedTotal, s.PeopleTotal, s.CableKmTotal = p.connected+s.Order, s.Population, s.CableKm
	if len(done) > 0 {
		prev := done[len(done)-1]
		s.PeopleTotal += prev.PeopleTotal
		s.CableKmTotal += prev.CableKmTotal
	}
	return s
}
