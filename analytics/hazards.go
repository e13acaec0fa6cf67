package analytics

import (
	"slices"
	"sync"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// maxPieceVertices is the most vertices a polygon piece keeps after subdivision (as PostGIS's
// ST_Subdivide default of 256): the boundary integrals of an area query then touch only the
// pieces near the query's edge, and pieces wholly inside it are summed from their areas.
const maxPieceVertices = 256

// zones is a hazard layer prepared for area queries: its polygons cut into pieces of at most
// maxPieceVertices vertices (pieces partition each polygon exactly), with each piece's class,
// area, and its prepared forms for points and lines (unsnapped) and for areas (a geo.Shape).
type zones struct {
	pieces *indexes.Layer
	class  []int16 // index into names, per piece
	names  []string
	areas  []float64 // km², per piece
	preps  []*geo.Prepared
	shapes []*geo.Shape
}

// newZones cuts hazard layer h into pieces and prepares them.
func newZones(h *indexes.Layer) *zones {
	z := &zones{}
	field := h.Spec.FieldIndex(h.Spec.Hazard.ClassField)
	z.names = h.Spec.Hazard.ClassIDs()
	var feats []data.Feature
	for i := range h.Len() {
		name := h.Value(i, field).String()
		for _, poly := range geo.Polygons(h.Geometry(i)) {
			for _, part := range geo.Subdivide(poly, maxPieceVertices) {
				feats = append(feats, data.Feature{ID: h.ID(i), Geometry: part, Properties: map[string]any{h.Spec.Hazard.ClassField: name}})
				z.class = append(z.class, z.classOf(name))
			}
		}
	}
	l := data.NewLayer(h.Spec, feats)
	l.Bound = h.Bound
	z.pieces = indexes.NewLayer(l)
	for i := range l.Len() {
		mp := geo.Polygons(l.Geometry(i))
		z.areas = append(z.areas, geo.AreaKm2(mp))
		z.preps = append(z.preps, geo.Prepare(mp))
		z.shapes = append(z.shapes, geo.NewShape(mp))
	}
	return z
}

func (z *zones) classOf(name string) int16 {
	if k := slices.Index(z.names, name); k >= 0 {
		return int16(k)
	}
	z.names = append(z.names, name)
	return int16(len(z.names) - 1)
}

// at returns the class of the zone whose closed polygon holds p, or -1; a point on the border of
// two classes is in the more intense one (the later of the hazard's classes).
func (z *zones) at(p orb.Point) int16 {
	c := int16(-1)
	z.pieces.Search(orb.Bound{Min: p, Max: p}, func(j int) bool {
		if z.class[j] > c && z.preps[j].Covers(p) {
			c = z.class[j]
		}
		return true
	})
	return c
}

// zoneCache keeps the prepared zones of every hazard layer of the current data version.
type zoneCache struct {
	mu      sync.Mutex
	version string
	byLayer map[*indexes.Layer]*zones
	// tables caches the class of every feature of an exposure layer in a hazard layer
	tables map[[2]*indexes.Layer]*classTable
	// areas caches the area (km²) of every feature of the default polygon exposure layers
	areas map[*indexes.Layer][]float64
}

// zones returns h's prepared zones, building them on first use for the current data version.
func (e *Engine) zones(set *indexes.Set, h *indexes.Layer) *zones {
	c := &e.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reset(set.Dataset.Version)
	z, ok := c.byLayer[h]
	if !ok {
		z = newZones(h)
		c.byLayer[h] = z
	}
	return z
}

// reset drops what belongs to another data version; the caller holds c.mu.
func (c *zoneCache) reset(version string) {
	if c.version != version || c.byLayer == nil {
		c.version, c.byLayer, c.tables = version, map[*indexes.Layer]*zones{}, map[[2]*indexes.Layer]*classTable{}
		c.areas = map[*indexes.Layer][]float64{}
	}
}
