package pakistan

import (
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
)

// Glacial lakes: the GLOF-II project of UNDP and the Government of Pakistan counts over 3,000
// glacial lakes in Gilgit-Baltistan and Khyber Pakhtunkhwa, about 33 of them prone to hazardous
// outburst floods. The generator places that many on the upper reaches of the real rivers.
const (
	lakeCount     = 33
	lakeSpacingKm = 15   // between two lakes
	glofReachKm   = 80   // how far down the river an outburst is mapped
	glofFadeKm    = 30   // e-folding distance of the outburst's depth down the river
	glofSouth     = 34.9 // the valleys open onto the Tarbela reservoir and the plains below
)

type lake struct {
	id       int
	point    orb.Point
	province string
	depthM   float64     // outburst depth at the lake
	path     []orb.Point // the river below the lake, one point per working-grid cell
	reachKm  float64
}

// riverNetwork gives every working-grid cell its distance (km) along the rivers (GSHHG levels 0-4)
// to the plains (river cells south of 34°N), +Inf off the network or cut off from the plains.
// Cells next to a river bridge the gaps between GSHHG's segments at three times the cost, so that
// paths keep to the rivers' own cells; onRiver marks those.
func (g *generator) riverNetwork() (dist []float64, onRiver []bool) {
	r := g.grid
	onRiver = make([]bool, r.w*r.h)
	for _, rv := range g.src.Rivers {
		if rv.Level <= 4 {
			r.markLine(rv.Line, onRiver)
		}
	}
	dist = make([]float64, len(onRiver))
	q := &cellQueue{}
	for i := range dist {
		dist[i] = math.Inf(1)
		if onRiver[i] && r.lat(i/r.w) < 34 {
			dist[i] = 0
			heap.Push(q, cellDist{i, 0})
		}
	}
	for q.Len() > 0 {
		c := heap.Pop(q).(cellDist)
		if c.d > dist[c.i] {
			continue
		}
		r.neighbours(c.i, func(j int, km float64) {
			if !onRiver[j] {
				if !g.nearRiver(j, onRiver) {
					return
				}
				km *= 3
			}
			if d := c.d + km; d < dist[j] {
				dist[j] = d
				heap.Push(q, cellDist{j, d})
			}
		})
	}
	return dist, onRiver
}

// nearRiver says whether a cell touches a river cell.
func (g *generator) nearRiver(i int, onRiver []bool) bool {
	near := false
	g.grid.neighbours(i, func(j int, _ float64) { near = near || onRiver[j] })
	return near
}

// neighbours calls fn with each of the 8 neighbours of cell i and the distance to it in km.
func (r raster) neighbours(i int, fn func(j int, km float64)) {
	x, y := i%r.w, i/r.w
	dy := r.res * 110.57
	dx := r.res * 111.32 * math.Cos(r.lat(y)*math.Pi/180)
	for oy := -1; oy <= 1; oy++ {
		for ox := -1; ox <= 1; ox++ {
			nx, ny := x+ox, y+oy
			if (ox == 0 && oy == 0) || nx < 0 || ny < 0 || nx >= r.w || ny >= r.h {
				continue
			}
			fn(ny*r.w+nx, math.Hypot(float64(ox)*dx, float64(oy)*dy))
		}
	}
}

// glacialLakes places the lakes on river cells of Gilgit-Baltistan and Chitral (Khyber
// Pakhtunkhwa west of 72.7°E) north of 35.5°N, preferring the cells farthest up the network (the
// distance to the plains times a seeded draw of 0.75–1.25), at least lakeSpacingKm apart.
func (g *generator) glacialLakes() []lake {
	dist, onRiver := g.riverNetwork()
	rng := rand.New(rand.NewPCG(g.opt.Seed, 0x610f))
	type cand struct {
		i     int
		score float64
	}
	var cands []cand
	for i, d := range dist {
		lon, lat := g.grid.lon(i%g.grid.w), g.grid.lat(i/g.grid.w)
		code := g.provCode(i)
		if onRiver[i] && !math.IsInf(d, 1) && g.inside[i] == 1 && lat >= 35.5 &&
			(code == "PK-GB" || code == codeKP && lon < 72.7) {
			cands = append(cands, cand{i, d * (0.75 + 0.5*rng.Float64())})
		}
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].score > cands[b].score })
	var lakes []lake
	for _, c := range cands {
		p := orb.Point{g.grid.lon(c.i % g.grid.w), g.grid.lat(c.i / g.grid.w)}
		if len(lakes) == lakeCount || tooNear(lakes, p) {
			continue
		}
		l := lake{id: len(lakes) + 1, point: p, province: g.provCode(c.i), depthM: math.Round(60*(1+0.25*(2*rng.Float64()-1))) / 10}
		l.path, l.reachKm = g.downstream(c.i, dist)
		lakes = append(lakes, l)
	}
	return lakes
}

func tooNear(lakes []lake, p orb.Point) bool {
	for _, l := range lakes {
		if geo.DistanceKm(l.point, p) < lakeSpacingKm {
			return true
		}
	}
	return false
}

// downstream follows the network from cell i to the neighbour nearest the plains, step by step,
// for glofReachKm or until the valley opens (glofSouth).
func (g *generator) downstream(i int, dist []float64) (path []orb.Point, km float64) {
	for {
		path = append(path, orb.Point{g.grid.lon(i % g.grid.w), g.grid.lat(i / g.grid.w)})
		next, step := -1, 0.0
		g.grid.neighbours(i, func(j int, d float64) {
			if dist[j] < dist[i] && (next < 0 || dist[j] < dist[next]) {
				next, step = j, d
			}
		})
		if next < 0 || km+step > glofReachKm || g.grid.lat(next/g.grid.w) < glofSouth {
			return path, km
		}
		i, km = next, km+step
	}
}

// glof is the water depth (m) of the lakes' outburst floods down their rivers: at s km below a
// lake of outburst depth D0 (6 m ± 25 %, seeded), depth D0·exp(−s/30 km)·(1 − d/w)^1.3 at d km from
// the river, within a half-width w = 1 + (1 − exp(−s/25 km)) km; the deepest of all lakes.
// Cells of 0.005° (about 500 m).
func (g *generator) glof(lakes []lake) *data.Grid {
	a := g.area(71.0, 34.6, 77.1, 37.1, 0.005)
	depth := make([]float64, a.w*a.h)
	for _, l := range lakes {
		s := 0.0
		for k := 0; k+1 < len(l.path); k++ {
			p, q := l.path[k], l.path[k+1]
			seg := geo.DistanceKm(p, q)
			n := int(math.Ceil(seg / 0.25))
			for j := range n {
				t := float64(j) / float64(n)
				at := orb.Point{p[0] + t*(q[0]-p[0]), p[1] + t*(q[1]-p[1])}
				d := s + t*seg
				a.stamp(depth, at, 1+(1-math.Exp(-d/25)), l.depthM*math.Exp(-d/glofFadeKm))
			}
			s += seg
		}
	}
	return a.grid(0.1, func(_, _ float64, i int) float64 { return depth[i] })
}

// stamp raises depth to D·(1 − d/w)^1.3 in the cells within w km of c.
func (a area) stamp(depth []float64, c orb.Point, w, D float64) {
	kx := a.res * 111.32 * math.Cos(c[1]*math.Pi/180)
	ky := a.res * 110.57
	cx, cy, _ := a.cell(c)
	rx, ry := int(w/kx)+1, int(w/ky)+1
	for y := max(cy-ry, 0); y <= min(cy+ry, a.h-1); y++ {
		for x := max(cx-rx, 0); x <= min(cx+rx, a.w-1); x++ {
			d := math.Hypot((a.lon(x)-c[0])/a.res*kx, (a.lat(y)-c[1])/a.res*ky)
			if d < w {
				i := y*a.w + x
				depth[i] = math.Max(depth[i], D*math.Pow(1-d/w, 1.3))
			}
		}
	}
}

func lakeFeatures(lakes []lake) []feature {
	fs := make([]feature, len(lakes))
	for i, l := range lakes {
		fs[i] = feature{ID: l.id, Geometry: pointGeom(orb.Point{round5(l.point[0]), round5(l.point[1])}), Properties: map[string]any{
			"lake_id": l.id, "name": fmt.Sprintf("Glacial lake %s-%02d", l.province[3:], l.id), "province": l.province,
			"outburst_depth_m": l.depthM, "reach_km": math.Round(l.reachKm*10) / 10,
		}}
	}
	return fs
}

// cellQueue is a min-heap of cells by distance.
type cellDist struct {
	i int
	d float64
}

type cellQueue []cellDist

func (q cellQueue) Len() int           { return len(q) }
func (q cellQueue) Less(a, b int) bool { return q[a].d < q[b].d || q[a].d == q[b].d && q[a].i < q[b].i }
func (q cellQueue) Swap(a, b int)      { q[a], q[b] = q[b], q[a] }
func (q *cellQueue) Push(x any)        { *q = append(*q, x.(cellDist)) }
func (q *cellQueue) Pop() any {
	old := *q
	c := old[len(old)-1]
	*q = old[:len(old)-1]
	return c
}
