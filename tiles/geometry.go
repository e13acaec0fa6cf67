package tiles

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/simplify"

	"github.com/cpec-digital/indus/data/geo"
)

// Extent is the MVT tile extent (coordinate units per tile side).
const Extent = 4096

// projector maps lon/lat to tile units of one tile (y down, origin at the tile's top-left).
type projector struct {
	n    float64 // 2^z
	x, y float64
}

func newProjector(t maptile.Tile) projector {
	return projector{n: math.Exp2(float64(t.Z)), x: float64(t.X), y: float64(t.Y)}
}

const maxLat = 85.05112877980659

func (p projector) point(q orb.Point) orb.Point {
	lat := math.Max(-maxLat, math.Min(maxLat, q[1]))
	wx := (q[0] + 180) / 360 * p.n
	s := math.Sin(lat * math.Pi / 180)
	wy := (0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)) * p.n
	return orb.Point{(wx - p.x) * Extent, (wy - p.y) * Extent}
}

// bound maps a lon/lat bound to tile units (min is the top-left corner).
func (p projector) bound(b orb.Bound) orb.Bound {
	a, c := p.point(orb.Point{b.Min[0], b.Max[1]}), p.point(orb.Point{b.Max[0], b.Min[1]})
	return orb.Bound{Min: a, Max: c}
}

func (p projector) geometry(g orb.Geometry) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return p.point(g)
	case orb.MultiPoint:
		out := make(orb.MultiPoint, len(g))
		for i, q := range g {
			out[i] = p.point(q)
		}
		return out
	case orb.LineString:
		return orb.LineString(p.geometry(orb.MultiPoint(g)).(orb.MultiPoint))
	case orb.Ring:
		return orb.Ring(p.geometry(orb.MultiPoint(g)).(orb.MultiPoint))
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, l := range g {
			out[i] = p.geometry(l).(orb.LineString)
		}
		return out
	case orb.Polygon:
		out := make(orb.Polygon, len(g))
		for i, r := range g {
			out[i] = p.geometry(r).(orb.Ring)
		}
		return out
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, pg := range g {
			out[i] = p.geometry(pg).(orb.Polygon)
		}
		return out
	}
	return nil
}

// shape are the knobs of generalization for one tile; the byte budget loop coarsens them.
type shape struct {
	buffer    float64 // clip margin in tile units
	tolerance float64 // Douglas-Peucker tolerance in tile units (0: none)
	minArea   float64 // polygons (parts) smaller than this, in tile units², are dropped
	minLength float64 // lines whose bbox is smaller than this on both axes are dropped
	pointCell float64 // keep one point per cell of this size (0: keep all)
}

// prepare turns a lon/lat geometry into valid MVT geometry for the tile: projected, clipped to the
// buffered tile, simplified, snapped to the integer grid, without repeated points, without rings
// under 4 points or of zero area, exterior rings clockwise and holes counter-clockwise in tile
// coordinates (y down). It returns nil when nothing is left.
func prepare(g orb.Geometry, gb orb.Bound, lonlat orb.Bound, proj projector, s shape) orb.Geometry {
	if !lonlat.Contains(gb.Min) || !lonlat.Contains(gb.Max) {
		// Cut to the (buffered) tile in lon/lat first: a meridian or parallel is a straight line
		// in Web Mercator, so this is the same cut, and a large polygon is not projected whole.
		switch t := g.(type) {
		case orb.LineString, orb.MultiLineString:
			g = clip.Geometry(lonlat, g) // orb's line clip leaves its input alone
		case orb.Polygon:
			g = geo.ClipPolygon(lonlat, t)
		case orb.MultiPolygon:
			var mp orb.MultiPolygon
			for _, p := range t {
				if c := geo.ClipPolygon(lonlat, p); c != nil {
					mp = append(mp, c)
				}
			}
			g = nil
			if mp != nil {
				g = mp
			}
		}
		if g == nil {
			return nil
		}
	}
	g = proj.geometry(g)
	box := orb.Bound{Min: orb.Point{-s.buffer, -s.buffer}, Max: orb.Point{Extent + s.buffer, Extent + s.buffer}}
	switch t := g.(type) {
	case orb.Point:
		if !box.Contains(t) {
			return nil
		}
		return snap(t)
	case orb.MultiPoint:
		var out orb.MultiPoint
		for _, q := range t {
			if box.Contains(q) {
				out = append(out, snap(q))
			}
		}
		return geo.Single(out)
	case orb.LineString, orb.MultiLineString:
		g = clip.Geometry(box, g)
		if g == nil {
			return nil
		}
		if s.tolerance > 0 {
			g = simplify.DouglasPeucker(s.tolerance).Simplify(g)
		}
		return cleanLines(g)
	case orb.Polygon, orb.MultiPolygon:
		g = clip.Geometry(box, g)
		if g == nil {
			return nil
		}
		if s.tolerance > 0 {
			g = simplify.DouglasPeucker(s.tolerance).Simplify(g)
		}
		return cleanPolygons(g, s.minArea)
	}
	return nil
}

func snap(p orb.Point) orb.Point { return orb.Point{math.Round(p[0]), math.Round(p[1])} }

// snapLine rounds to the grid and removes consecutive repeated points.
func snapLine(ls []orb.Point) []orb.Point {
	out := make([]orb.Point, 0, len(ls))
	for _, p := range ls {
		p = snap(p)
		if n := len(out); n > 0 && out[n-1] == p {
			continue
		}
		out = append(out, p)
	}
	return out
}

func cleanLines(g orb.Geometry) orb.Geometry {
	var lines orb.MultiLineString
	for _, l := range geo.Lines(g) {
		if s := snapLine(l); len(s) >= 2 {
			lines = append(lines, s)
		}
	}
	return geo.Single(lines)
}

// cleanRing snaps, dedupes, closes and orients a ring; ok is false for rings under 4 points or of
// zero area.
func cleanRing(r orb.Ring, exterior bool) (orb.Ring, float64, bool) {
	pts := snapLine(r)
	if len(pts) > 1 && pts[0] == pts[len(pts)-1] {
		pts = pts[:len(pts)-1]
	}
	pts = dropSpikes(pts)
	if len(pts) < 3 {
		return nil, 0, false
	}
	ring := orb.Ring(append(pts, pts[0]))
	a := geo.PlanarRingArea(ring) // positive: clockwise on screen (y down), the MVT exterior
	if a == 0 {
		return nil, 0, false
	}
	if (a > 0) != exterior {
		for i, j := 0, len(ring)-1; i < j; i, j = i+1, j-1 {
			ring[i], ring[j] = ring[j], ring[i]
		}
	}
	return ring, math.Abs(a), true
}

// dropSpikes removes vertices where the ring turns back on itself (a→b→a), which snapping creates.
func dropSpikes(pts []orb.Point) []orb.Point {
	for changed := true; changed && len(pts) >= 3; {
		changed = false
		for i := 0; i < len(pts) && len(pts) >= 3; i++ {
			prev, next := pts[(i+len(pts)-1)%len(pts)], pts[(i+1)%len(pts)]
			if prev == next {
				// remove pts[i] and one copy of the repeated neighbour
				pts = append(pts[:i], pts[i+1:]...)
				j := i % len(pts)
				pts = append(pts[:j], pts[j+1:]...)
				changed = true
				break
			}
		}
	}
	return pts
}

func cleanPolygons(g orb.Geometry, minArea float64) orb.Geometry {
	var polys orb.MultiPolygon
	for _, p := range geo.Polygons(g) {
		polys = cleanPolygon(p, minArea, polys)
	}
	return geo.Single(polys)
}

// cleanPolygon cleans the rings of p and appends what is left to out: nothing when its exterior
// is degenerate or under minArea (holes under a quarter of it are dropped), and the polygons
// repair makes of it when its rings touch or cross themselves or cross each other (see rings.go).
func cleanPolygon(p orb.Polygon, minArea float64, out orb.MultiPolygon) orb.MultiPolygon {
	if len(p) == 0 {
		return out
	}
	ext, area, ok := cleanRing(p[0], true)
	if !ok || area < minArea {
		return out
	}
	poly := orb.Polygon{ext}
	for _, h := range p[1:] {
		if hole, harea, ok := cleanRing(h, false); ok && harea >= minArea/4 {
			poly = append(poly, hole)
		}
	}
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	rings := sc.grid(poly)
	if faultlessWith(rings, &sc.segs) {
		return append(out, poly)
	}
	return rebuild(rings, out, maxRepairs)
}
