package analytics

import (
	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// classTable is, for every feature of an exposure layer (by its position in the layer's index
// order, so that a query reads it in order), the class of the hazard zone its point
// (points) or representative point (polygons, ST_PointOnSurface) lies in, or -1; for polygons
// also whether the feature lies wholly inside one zone piece (its area then goes to that class
// whole) and whether it meets any zone (its area is then split by exact intersections).
type classTable struct {
	of    []int16
	whole []uint64 // bitset
	meets []uint64 // bitset
}

func bit(b []uint64, i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }
func setBit(b []uint64, i int)   { b[i>>6] |= 1 << (uint(i) & 63) }

// classes returns the class table of layer l in hazard layer h, built once per data version.
func (e *Engine) classes(set *indexes.Set, h, l *indexes.Layer) *classTable {
	z := e.zones(set, h)
	c := &e.cache
	c.mu.Lock()
	t, ok := c.tables[[2]*indexes.Layer{h, l}]
	c.mu.Unlock()
	if ok {
		return t
	}
	if isPoints(l) {
		t = pointTable(z, l)
	} else {
		t = polygonTable(z, l)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version == set.Dataset.Version {
		c.tables[[2]*indexes.Layer{h, l}] = t
	}
	return t
}

// warmAreas computes, once per data version, the area of every feature of polygon layer l (by
// position in its index order).
func (e *Engine) warmAreas(set *indexes.Set, l *indexes.Layer) {
	km2 := make([]float64, l.Len())
	const chunk = 1 << 14
	parallel((len(km2)+chunk-1)/chunk, func(c int) error {
		for pos := c * chunk; pos < min(len(km2), (c+1)*chunk); pos++ {
			km2[pos] = featureKm2(l, l.At(pos))
		}
		return nil
	})
	c := &e.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reset(set.Dataset.Version)
	c.areas[l] = km2
}

// areas returns the feature areas of the warmed polygon layers among ls.
func (e *Engine) areas(set *indexes.Set, ls []*indexes.Layer) map[*indexes.Layer][]float64 {
	c := &e.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reset(set.Dataset.Version)
	out := map[*indexes.Layer][]float64{}
	for _, l := range ls {
		if km2, ok := c.areas[l]; ok {
			out[l] = km2
		}
	}
	return out
}

func newClassTable(n int) *classTable {
	t := &classTable{of: make([]int16, n), whole: make([]uint64, (n+63)/64), meets: make([]uint64, (n+63)/64)}
	for i := range t.of {
		t.of[i] = -1
	}
	return t
}

// pointTable looks up the zone of every point.
func pointTable(z *zones, l *indexes.Layer) *classTable {
	t := newClassTable(l.Len())
	for pos := range t.of {
		if p, ok := l.Point(l.At(pos)); ok {
			t.of[pos] = z.at(p)
		}
	}
	return t
}

// polygonTable visits, zone piece by zone piece, the polygons whose bbox meets it: those that do
// meet it are marked, and one whose representative point the piece holds takes its class (whole
// when its bbox lies inside the piece; on the border of two classes, the deeper one). Index pages
// wholly inside or outside a piece are decided at once.
func polygonTable(z *zones, l *indexes.Layer) *classTable {
	t := newClassTable(l.Len())
	for j := range z.pieces.Len() {
		prep, class := z.preps[j], z.class[j]
		l.Pages(z.pieces.FeatureBound(j), func(pb orb.Bound, first int, fs []int32) bool {
			switch relate(prep, pb) {
			case inside:
				for pos := first; pos < first+len(fs); pos++ {
					t.within(pos, class)
				}
			case crossing:
				for k, i := range fs {
					t.mark(int(i), first+k, class, prep, l)
				}
			}
			return true
		})
	}
	return t
}

// within records that the polygon at position pos lies inside a piece of class c.
func (t *classTable) within(pos int, c int16) {
	if bit(t.whole, pos) {
		return
	}
	setBit(t.meets, pos)
	if t.of[pos] < c {
		t.of[pos] = c
		setBit(t.whole, pos)
	}
}

// mark records polygon i (at position pos) against a piece of class c whose edge may cross its
// bbox.
func (t *classTable) mark(i, pos int, c int16, prep *geo.Prepared, l *indexes.Layer) {
	switch relate(prep, l.FeatureBound(i)) {
	case outside:
		return
	case inside:
		t.within(pos, c)
		return
	}
	if bit(t.whole, pos) {
		return
	}
	setBit(t.meets, pos)
	if t.of[pos] < c { // on the border of two classes, the deeper one
		if rp, ok := geo.PointOnSurface(l.Geometry(i)); ok && prep.Covers(rp) {
			t.of[pos] = c
		}
	}
}

func isPoints(l *indexes.Layer) bool {
	if l.Len() == 0 {
		return false
	}
	_, ok := l.Point(0)
	return ok
}

// relation is where a feature's bbox lies with respect to a polygon.
type relation uint8

const (
	outside relation = iota
	inside
	crossing
)

// relate tells where bbox b lies with respect to a prepared polygon.
func relate(p *geo.Prepared, b orb.Bound) relation {
	switch {
	case p.Crosses(b):
		return crossing
	case p.Contains(b.Min):
		return inside
	}
	return outside
}
