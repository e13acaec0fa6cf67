package fibre

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"github.com/cpec-digital/indus/data"
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
	boxes []box     // the reach box of each unconnected village as stored in reach
	radii []float64 // the radius (km) that box was built for; always ≥ best
	q     queue

	connected int // villages connected before the plan
}

func newPlanner(vs []Village, backbone []orb.LineString, opt Options) *planner {
	n := len(vs)
	p := &planner{vs: vs, opt: opt, value: make([]float64, n), best: make([]float64, n),
		from: make([]int32, n), boxes: make([]box, n), radii: make([]float64, n)}
	wf := opt.Weights[WeightFlood]
	for i, v := range vs {
		p.value[i] = float64(v.Population) * (1 + wf*FloodExposure(v.FloodRP))
	}
	for li, l := range backbone {
		for k := 0; k+1 < len(l); k++ {
			p.segs = append(p.segs, newSegment(li, l[k], l[k+1]))
		}
	}
	p.initNearest()
	p.q = queue{score: make([]float64, n), pos: make([]int32, n)}
	for i, v := range vs {
		p.q.pos[i] = -1
		if v.Connected {
			p.connected++
		} else {
			p.boxes[i], p.radii[i] = capBox(v.Point, p.best[i]), p.best[i]
			p.reach.Insert(p.boxes[i].min, p.boxes[i].max, int32(i))
			p.q.score[i] = p.score(int32(i))
			p.q.push(int32(i))
		}
	}
	return p
}

// initNearest finds, for every unconnected village, its nearest connected village and its nearest
// backbone segment by nearest-first R-tree searches; a village wins a tie with a segment.
func (p *planner) initNearest() {
	var villages, segs rtree.RTreeG[int32]
	for i, v := range p.vs {
		if v.Connected {
			villages.Insert(v.Point, v.Point, int32(i))
		}
	}
	for k, s := range p.segs {
		b := s.bounds()
		segs.Insert(b.min, b.max, int32(k))
	}
	for i, v := range p.vs {
		if v.Connected {
			continue
		}
		pt := v.Point
		d, j := nearest(&villages, pt, func(j int32) float64 { return data.DistanceKm(pt, p.vs[j].Point) })
		ds, k := nearest(&segs, pt, func(k int32) float64 { d, _ := p.segs[k].distanceKm(pt); return d })
		if ds < d {
			d, j = ds, -1-k
		}
		p.best[i], p.from[i] = d, j
	}
}

// nearest is the item of tr nearest to pt by itemKm (exact), the smallest item on a tie, and its
// distance; +Inf and −1 for an empty tree. Nodes are ranked by lowerBoundKm, which is at most the
// distance of every item inside them, so items come out in order of distance: once one is farther
// than the best, none left can tie it.
func nearest(tr *rtree.RTreeG[int32], pt orb.Point, itemKm func(int32) float64) (float64, int32) {
	best, arg := math.Inf(1), int32(-1)
	tr.Nearby(func(min, max [2]float64, j int32, item bool) float64 {
		if item {
			return itemKm(j)
		}
		return lowerBoundKm(pt, box{min, max})
	}, func(_, _ [2]float64, j int32, d float64) bool {
		if d > best {
			return false
		}
		if d < best || j < arg {
			best, arg = d, j
		}
		return true
	})
	return best, arg
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
func (p *planner) grow(need int) []Step {
	steps := make([]Step, 0, need)
	var improved []int32
	for len(steps) < need {
		i := p.q.pop()
		p.reach.Delete(p.boxes[i].min, p.boxes[i].max, i)
		steps = append(steps, p.step(i, steps))
		improved = p.connect(i, improved[:0])
	}
	return steps
}

// connect makes village i a connection point. Every unconnected village j whose nearest
// connection point i becomes has DistanceKm(i, j) < best[j], so i lies in j's ball of radius
// best[j], hence in its reach box (built for a radius ≥ best[j]): the point query on the reach
// tree finds every such j. A reach box is rebuilt once best has halved since it was built.
func (p *planner) connect(i int32, improved []int32) []int32 {
	pt := p.vs[i].Point
	p.reach.Search(pt, pt, func(_, _ [2]float64, j int32) bool {
		if d := data.DistanceKm(pt, p.vs[j].Point); d < p.best[j] {
			p.best[j], p.from[j] = d, i
			improved = append(improved, j)
		}
		return true
	})
	for _, j := range improved {
		p.q.score[j] = p.score(j)
		p.q.up(p.q.pos[j])
		if p.best[j] <= p.radii[j]/2 {
			p.reach.Delete(p.boxes[j].min, p.boxes[j].max, j)
			p.boxes[j], p.radii[j] = capBox(p.vs[j].Point, p.best[j]), p.best[j]
			p.reach.Insert(p.boxes[j].min, p.boxes[j].max, j)
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
		_, s.FromPoint = seg.distanceKm(v.Point)
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
