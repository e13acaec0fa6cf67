package analytics

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// MaxExportFeatures bounds a GeoJSON export.
const MaxExportFeatures = 100_000

// WriteCSV writes one row per hazard layer × class: the hazard, return period (empty for a map
// without frequency), class, area, share of the query area, and a column per exposure layer and
// measure ("villages.population").
func WriteCSV(w io.Writer, res *AreaResult) error {
	cols := map[string]bool{}
	for _, h := range res.Hazards {
		for _, c := range h.Classes {
			for layer, x := range c.Exposure {
				for k := range x {
					cols[layer+"."+k] = true
				}
			}
		}
	}
	var extra []string
	for k := range cols {
		extra = append(extra, k)
	}
	sort.Strings(extra)
	cw := csv.NewWriter(w)
	cw.Write(append([]string{"hazard_layer", "hazard", "return_period", "class", "area_km2", "share_of_area"}, extra...))
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, h := range res.Hazards {
		for _, c := range h.Classes {
			rp := ""
			if h.ReturnPeriod > 0 {
				rp = f(h.ReturnPeriod)
			}
			row := []string{h.Layer, h.Hazard, rp, c.Class, f(c.AreaKm2), f(c.Share)}
			for _, k := range extra {
				layer, measure := splitCol(k)
				row = append(row, f(c.Exposure[layer][measure]))
			}
			cw.Write(row)
		}
	}
	cw.Flush()
	return cw.Error()
}

func splitCol(k string) (string, string) {
	for i := len(k) - 1; i >= 0; i-- {
		if k[i] == '.' {
			return k[:i], k[i+1:]
		}
	}
	return k, ""
}

// ExposedGeoJSON returns the hazard zones clipped to the query area and the exposed point features
// inside them, as a GeoJSON FeatureCollection, within ctx's deadline; when layers were withheld
// from the caller (res.Withheld), with the foreign member "withheld": true, as the JSON answer says it.
func ExposedGeoJSON(ctx context.Context, res *AreaResult) ([]byte, error) {
	set := res.set
	fc := geojson.NewFeatureCollection()
	if res.Withheld {
		fc.ExtraMembers = geojson.Properties{"withheld": true}
	}
	var pointLayers []*indexes.Layer
	for id := range res.InArea {
		if l, ok := set.Layer(id); ok && isPoints(l) {
			pointLayers = append(pointLayers, l)
		}
	}
	sort.Slice(pointLayers, func(i, j int) bool { return pointLayers[i].Spec.ID < pointLayers[j].Spec.ID })
	for _, h := range res.Hazards {
		for _, pc := range h.pieces {
			if err := deadline(ctx); err != nil {
				return nil, err
			}
			shape, area, err := h.zones.clipped(ctx, pc, res.Query)
			if err != nil {
				return nil, err
			}
			if len(shape) == 0 {
				continue
			}
			class := h.zones.names[h.zones.class[pc.index]]
			zone := geojson.NewFeature(geo.Single(shape))
			zone.Properties = h.tag(geojson.Properties{"kind": "hazard_zone", "layer": h.Layer, "hazard": h.Hazard,
				"class": class, "area_km2": area})
			fc.Append(zone)
			prep := geo.Prepare(shape)
			for _, l := range pointLayers {
				for _, i := range l.Indexes(prep.Bound()) {
					if len(fc.Features) > MaxExportFeatures {
						break
					}
					if p, ok := l.Point(i); ok && prep.Contains(p) {
						ef := geojson.NewFeature(p)
						ef.ID = l.ID(i)
						ef.Properties = l.Properties(i)
						ef.Properties["kind"] = "exposed"
						ef.Properties["layer"] = l.Spec.ID
						ef.Properties["hazard_layer"] = h.Layer
						h.tag(ef.Properties)
						ef.Properties["class"] = class
						fc.Append(ef)
					}
				}
			}
			if len(fc.Features) > MaxExportFeatures {
				return nil, &data.Error{Kind: data.KindTooLarge, Msg: "export too large",
					Detail: fmt.Sprintf("more than %d features; ask for fewer hazard or exposure layers or a smaller area", MaxExportFeatures)}
			}
		}
	}
	return json.Marshal(fc)
}

// tag adds the return period, scenario and horizon of t to p, when it has them.
func (t HazardTag) tag(p geojson.Properties) geojson.Properties {
	if t.ReturnPeriod > 0 {
		p["return_period"] = t.ReturnPeriod
	}
	if t.Scenario != "" {
		p["scenario"], p["horizon"] = t.Scenario, t.Horizon
	}
	return p
}

// clipped is a zone piece inside the query, as polygons (an overlay when it crosses the query's
// edge), and its area.
func (z *zones) clipped(ctx context.Context, pc piece, q *Query) (orb.MultiPolygon, float64, error) {
	mp := geo.Polygons(z.pieces.Geometry(pc.index))
	if pc.rel == inside {
		return mp, z.areas[pc.index], nil
	}
	out, err := q.intersect(ctx, geo.NewOperand(mp), z.pieces.FeatureBound(pc.index))
	if ctx.Err() != nil {
		return nil, 0, deadline(ctx)
	}
	if err != nil {
		return nil, 0, &data.Error{Kind: data.KindInternal, Msg: "overlay failed", Err: err}
	}
	return out, geo.IntersectionAreaM2(z.shapes[pc.index], q.shape) / 1e6, nil
}

// wholeBelow is the number of vertices under which a query is overlaid whole. An overlay reads
// (and nodes) every edge of both operands, so a larger query is cut once into parts of at most
// partVertices (geo.Subdivide) and a piece is overlaid with the parts near it only: overlaying a
// 10,000-vertex query whole with each of thousands of zone pieces never finished.
const (
	wholeBelow   = 512
	partVertices = 256
)

// queryPart is a part of a large query, prepared for overlays.
type queryPart struct {
	bound orb.Bound
	op    geo.Operand
}

// intersect is the intersection of the query with an operand of bbox b: with the whole query when
// it is small, else with the parts of the query that meet b, side by side (a zone is then split
// along the cuts; merging them with an overlay would move their vertices, by up to 0.04 % of the
// area on a 10,000-vertex star).
func (q *Query) intersect(ctx context.Context, o geo.Operand, b orb.Bound) (orb.MultiPolygon, error) {
	if q.vertices < wholeBelow {
		return o.Intersect(q.operand())
	}
	if q.parts == nil {
		for _, p := range q.Shape {
			parts, err := geo.SubdivideContext(ctx, p, partVertices)
			if err != nil {
				return nil, err
			}
			for _, part := range parts {
				q.parts = append(q.parts, queryPart{part.Bound(), geo.NewOperand(part)})
			}
		}
	}
	var out []orb.Polygon
	for _, part := range q.parts {
		if part.bound.Intersects(b) {
			polys, err := o.Intersect(part.op)
			if err != nil {
				return nil, err
			}
			out = append(out, polys...)
		}
	}
	return out, nil
}
