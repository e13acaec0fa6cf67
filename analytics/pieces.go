package analytics

import (
	"sync"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// maxPieceVertices is the most vertices a polygon piece keeps after subdivision (as PostGIS's
// ST_Subdivide default of 256): overlays then touch only the pieces near a query's edge.
const maxPieceVertices = 256

// pieces keeps, per loaded layer, an index over its polygons subdivided into small pieces. A
// river-following flood zone can have tens of thousands of vertices; cut into pieces of at most
// 256, a query overlays a few small pieces instead of the whole zone, and takes pieces wholly
// inside it without any overlay. Pieces partition each polygon exactly (they are overlay output),
// so areas and counts are unchanged.
type pieces struct {
	mu      sync.Mutex
	version string
	layers  map[*indexes.Layer]*indexes.Layer
}

// of returns the subdivided index of l, building it on first use for the current data version.
func (p *pieces) of(set *indexes.Set, l *indexes.Layer) *indexes.Layer {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.version != set.Dataset.Version {
		p.version, p.layers = set.Dataset.Version, map[*indexes.Layer]*indexes.Layer{}
	}
	if s, ok := p.layers[l]; ok {
		return s
	}
	if !needsPieces(l) {
		p.layers[l] = l // small polygons (building footprints): the layer is its own pieces
		return l
	}
	var feats []data.Feature
	for i := range l.Len() {
		g := l.Geometry(i)
		mp := geo.Polygons(g)
		if mp == nil {
			feats = append(feats, data.Feature{ID: l.ID(i), Geometry: g, Properties: l.Properties(i)})
			continue
		}
		props := l.Properties(i)
		for _, poly := range mp {
			for _, part := range geo.Subdivide(poly, maxPieceVertices) {
				feats = append(feats, data.Feature{ID: l.ID(i), Geometry: part, Properties: props})
			}
		}
	}
	out := data.NewLayer(l.Spec, feats)
	out.Bound = l.Bound // pieces are snapped to 1e-9°: keep the layer's own bound
	s := indexes.NewLayer(out)
	p.layers[l] = s
	return s
}

// needsPieces reports whether any polygon of l has more vertices than a piece may.
func needsPieces(l *indexes.Layer) bool {
	for i := range l.Len() {
		if l.Points(i) > maxPieceVertices {
			return true
		}
	}
	return false
}
