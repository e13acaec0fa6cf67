package analytics

import (
	"sync"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
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
func (p *pieces) of(set *indexes.Set, l *indexes.Layer) (*indexes.Layer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.version != set.Dataset.Version {
		p.version, p.layers = set.Dataset.Version, map[*indexes.Layer]*indexes.Layer{}
	}
	if s, ok := p.layers[l]; ok {
		return s, nil
	}
	out := &data.Layer{Spec: l.Spec, Bound: l.Bound}
	for i := range l.Features {
		f := &l.Features[i]
		mp := data.Polygons(f.Geometry)
		if mp == nil {
			out.Features = append(out.Features, *f)
			continue
		}
		for _, poly := range mp {
			parts, err := subdivide(poly, 0)
			if err != nil {
				return nil, err
			}
			for _, part := range parts {
				out.Features = append(out.Features, data.Feature{ID: f.ID, Geometry: part, Properties: f.Properties})
			}
		}
	}
	s := indexes.NewLayer(out)
	p.layers[l] = s
	return s, nil
}

func vertices(p orb.Polygon) int {
	n := 0
	for _, r := range p {
		n += len(r)
	}
	return n
}

// subdivide halves a polygon along the longer side of its bbox until every piece has at most
// maxPieceVertices vertices.
func subdivide(p orb.Polygon, depth int) ([]orb.Polygon, error) {
	if vertices(p) <= maxPieceVertices || depth > 24 {
		return []orb.Polygon{p}, nil
	}
	b := p.Bound()
	var halves [2]orb.Bound
	if b.Max[0]-b.Min[0] >= b.Max[1]-b.Min[1] {
		mid := (b.Min[0] + b.Max[0]) / 2
		halves[0] = orb.Bound{Min: b.Min, Max: orb.Point{mid, b.Max[1]}}
		halves[1] = orb.Bound{Min: orb.Point{mid, b.Min[1]}, Max: b.Max}
	} else {
		mid := (b.Min[1] + b.Max[1]) / 2
		halves[0] = orb.Bound{Min: b.Min, Max: orb.Point{b.Max[0], mid}}
		halves[1] = orb.Bound{Min: orb.Point{b.Min[0], mid}, Max: b.Max}
	}
	src := toSF(p)
	var out []orb.Polygon
	for _, h := range halves {
		g, err := intersection(src, toSF(h.ToPolygon()))
		if err != nil {
			return []orb.Polygon{p}, nil // keep the polygon whole rather than fail
		}
		polys, _ := fromSF(g)
		for _, q := range polys {
			sub, err := subdivide(q, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		}
	}
	return out, nil
}
