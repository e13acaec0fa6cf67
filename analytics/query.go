package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// Limits on area queries (documented in the README).
const (
	MaxVertices     = 10_000 // vertices in a query geometry
	MaxBufferM      = 50_000 // corridor buffer, metres
	MaxCorridorKm   = 3_000  // corridor line length
	MaxQueryAreaKm2 = 2.5e6  // about three times Pakistan
)

// AreaRequest is the body of POST /risk/area. Exactly one of Geometry (a GeoJSON Polygon or
// MultiPolygon, or a LineString with BufferM), BBox, Admin or Corridor says where.
type AreaRequest struct {
	Geometry json.RawMessage `json:"geometry,omitempty"`
	BufferM  float64         `json:"buffer_m,omitempty"`
	BBox     []float64       `json:"bbox,omitempty"`
	Admin    *AdminRef       `json:"admin,omitempty"`
	Corridor *Corridor       `json:"corridor,omitempty"`
	Hazards  []string        `json:"hazards,omitempty"`  // hazard layer ids; default: those HazardSelector picks
	Exposure []string        `json:"exposure,omitempty"` // exposure layer ids; default: see DefaultExposure

	HazardSelector // hazard, scenario and horizon: which hazard layers, when Hazards is empty
	// Who is the caller: layers they may not read are left out of the defaults and refused by name
	// as unknown ones. nil: anonymous.
	Who *access.Principal `json:"-"`
	// Export says that the answer is for a GeoJSON export (its overlays count in the estimate).
	Export bool `json:"-"`
}

// AdminRef names an admin unit: a feature of an admin layer by its key field (or feature id).
type AdminRef struct {
	Layer string `json:"layer"`
	ID    string `json:"id"`
}

// Corridor is a line with a buffer, e.g. a CPEC route or a fibre line.
type Corridor struct {
	Geometry json.RawMessage `json:"geometry"`
	BufferM  float64         `json:"buffer_m"`
}

// Query is a validated query area.
type Query struct {
	Kind      string           `json:"type"` // polygon, bbox, admin, corridor
	AreaKm2   float64          `json:"area_km2"`
	Bound     orb.Bound        `json:"-"`
	Shape     orb.MultiPolygon `json:"-"`
	Warnings  []string         `json:"warnings,omitempty"`
	op        geo.Operand      // for overlays (the GeoJSON export); see operand
	opOnce    sync.Once
	prep      *geo.Prepared // for points, lines and bboxes
	shape     *geo.Shape    // for exact intersection areas
	found     map[*indexes.Layer]*members
	km2       map[*indexes.Layer][]float64 // feature areas of warmed polygon layers
	unit      *unitRef                     // the admin unit, for a query of one
	vertices  int                          // of Shape
	parts     []queryPart                  // a large query cut for overlays; see intersect
	partsOnce sync.Once
}

// unitRef names a feature of an admin layer.
type unitRef struct {
	layer string
	index int
}

// ParseAreaRequest decodes a request body strictly (unknown keys are refused).
func ParseAreaRequest(body []byte) (*AreaRequest, error) { return decodeStrict[AreaRequest](body) }

// where checks that r says where in exactly one way.
func (r *AreaRequest) where() error {
	n := 0
	for _, present := range []bool{len(r.Geometry) > 0, r.BBox != nil, r.Admin != nil, r.Corridor != nil} {
		if present {
			n++
		}
	}
	if n != 1 {
		return data.Invalid("say where", "give exactly one of geometry, bbox, admin or corridor")
	}
	if r.BufferM != 0 && len(r.Geometry) == 0 {
		return errBufferAlone
	}
	return nil
}

// errBufferAlone refuses a top-level buffer_m that would be ignored.
var errBufferAlone = data.Invalid("bad buffer_m", "buffer_m goes with a LineString geometry (a corridor has its own)")

// BuildQuery turns a request into a validated query area, resolving admin units in set.
func BuildQuery(set *indexes.Set, r *AreaRequest) (*Query, error) {
	return buildQuery(context.Background(), set, r, nil)
}

// buildQuery is BuildQuery within ctx's deadline; overlays, when not nil, is told how many
// overlays a corridor's buffer takes before any is done, and may refuse them.
func buildQuery(ctx context.Context, set *indexes.Set, r *AreaRequest, overlays func(int) error) (*Query, error) {
	if err := r.where(); err != nil {
		return nil, err
	}
	q := &Query{}
	var err error
	switch {
	case r.BBox != nil:
		q.Kind = "bbox"
		err = q.fromBBox(r.BBox)
	case r.Admin != nil:
		q.Kind = "admin"
		err = q.fromAdmin(set, r.Admin, r.Who)
	case r.Corridor != nil:
		q.Kind = "corridor"
		err = q.fromLine(ctx, r.Corridor.Geometry, r.Corridor.BufferM, overlays)
	default:
		g, gerr := parseGeometry(r.Geometry)
		if gerr != nil {
			return nil, gerr
		}
		if _, isLine := g.(orb.LineString); isLine {
			q.Kind = "corridor"
			err = q.fromLine(ctx, r.Geometry, r.BufferM, overlays)
		} else if r.BufferM != 0 {
			return nil, errBufferAlone
		} else {
			q.Kind = "polygon"
			err = q.fromPolygon(g)
		}
	}
	if err != nil {
		return nil, err
	}
	return q, q.finish()
}

func parseGeometry(raw json.RawMessage) (orb.Geometry, error) {
	g, err := geo.DecodeGeometry(raw)
	if err != nil {
		return nil, data.Invalid("invalid GeoJSON geometry", err.Error())
	}
	return g, nil
}

func checkCoords(pts []orb.Point, what string) error {
	for _, p := range pts {
		if err := geo.CheckPoint(p); err != nil {
			return data.Invalid("invalid coordinates", what+": "+err.Error())
		}
	}
	return nil
}

func (q *Query) fromBBox(b []float64) error {
	if len(b) != 4 {
		return data.Invalid("bad bbox", "want [west, south, east, north]")
	}
	pts := []orb.Point{{b[0], b[1]}, {b[2], b[3]}}
	if err := checkCoords(pts, "bbox"); err != nil {
		return err
	}
	if !(b[0] < b[2] && b[1] < b[3]) {
		return data.Invalid("bad bbox", "want west < east and south < north")
	}
	q.Shape = orb.MultiPolygon{orb.Bound{Min: pts[0], Max: pts[1]}.ToPolygon()}
	return nil
}

func (q *Query) fromPolygon(g orb.Geometry) error {
	mp := geo.Polygons(g)
	if mp == nil {
		return data.Invalid("unsupported geometry", fmt.Sprintf("%s: want a Polygon, MultiPolygon, or LineString with buffer_m", g.GeoJSONType()))
	}
	if len(mp) == 0 {
		return data.Invalid("empty polygon", "the geometry has no rings")
	}
	vertices := 0
	for i, p := range mp {
		if len(p) == 0 {
			return data.Invalid("empty polygon", fmt.Sprintf("polygon %d has no rings", i+1))
		}
		for j, r := range p {
			vertices += len(r)
			if err := checkCoords(r, fmt.Sprintf("ring %d of polygon %d", j+1, i+1)); err != nil {
				return err
			}
			if len(r) > 0 && r[0] != r[len(r)-1] {
				mp[i][j] = append(r, r[0])
				q.Warnings = append(q.Warnings, fmt.Sprintf("ring %d of polygon %d was not closed; closed it", j+1, i+1))
			}
			if len(mp[i][j]) < 4 {
				return data.Invalid("invalid polygon", fmt.Sprintf("ring %d of polygon %d has %d points; a ring needs at least 4 (first = last)", j+1, i+1, len(r)))
			}
		}
	}
	if vertices > MaxVertices {
		return &data.Error{Kind: data.KindTooLarge, Msg: "too many vertices", Detail: fmt.Sprintf("%d vertices; the limit is %d", vertices, MaxVertices)}
	}
	q.Shape = mp
	return nil
}

func (q *Query) fromAdmin(set *indexes.Set, ref *AdminRef, who *access.Principal) error {
	u, err := findUnit(set, ref, who)
	if err != nil {
		return err
	}
	l, _ := set.Layer(u.layer)
	g := l.Geometry(u.index)
	if q.Shape = geo.Polygons(g); q.Shape == nil {
		return data.Invalid("not an area", fmt.Sprintf("layer %q has %s features", ref.Layer, g.GeoJSONType()))
	}
	q.Shape = q.Shape.Clone()
	q.unit = &u
	return nil
}

// findUnit finds the unit ref names: a feature of its layer by id or key field value.
func findUnit(set *indexes.Set, ref *AdminRef, who *access.Principal) (unitRef, error) {
	l, ok := set.LayerFor(ref.Layer, who)
	if !ok {
		return unitRef{}, data.Errorf(data.KindNotFound, "no layer %q", ref.Layer)
	}
	key := l.Spec.KeyField
	ki := l.Spec.FieldIndex(key)
	for i := range l.Len() {
		if strconv.FormatUint(l.ID(i), 10) == ref.ID || (ki >= 0 && l.Value(i, ki).String() == ref.ID) {
			return unitRef{l.Spec.ID, i}, nil
		}
	}
	return unitRef{}, data.Errorf(data.KindNotFound, "no unit %q in layer %q (key field %q)", ref.ID, ref.Layer, key)
}

func (q *Query) fromLine(ctx context.Context, raw json.RawMessage, bufferM float64, overlays func(int) error) error {
	g, err := parseGeometry(raw)
	if err != nil {
		return err
	}
	line, ok := g.(orb.LineString)
	if !ok {
		return data.Invalid("corridor needs a LineString", "got "+g.GeoJSONType())
	}
	if len(line) < 2 {
		return data.Invalid("corridor needs a LineString", "of at least 2 points")
	}
	if len(line) > MaxVertices {
		return &data.Error{Kind: data.KindTooLarge, Msg: "too many vertices", Detail: fmt.Sprintf("%d vertices; the limit is %d", len(line), MaxVertices)}
	}
	if err := checkCoords(line, "corridor line"); err != nil {
		return err
	}
	for i, p := range line {
		if math.Abs(p[1]) > 85 {
			return data.Invalid("corridor too close to a pole", "corridor lines must stay within latitude -85..85")
		}
		if i > 0 && math.Abs(p[0]-line[i-1][0]) > 180 {
			return data.Invalid("corridor crosses the antimeridian", "split the line at longitude 180")
		}
	}
	if math.IsNaN(bufferM) || bufferM < 1 || bufferM > MaxBufferM {
		return data.Invalid("bad buffer_m", fmt.Sprintf("want a buffer in metres from 1 to %d", MaxBufferM))
	}
	if l := geo.LengthKm(line); l > MaxCorridorKm {
		return &data.Error{Kind: data.KindTooLarge, Msg: "corridor too long", Detail: fmt.Sprintf("%.0f km; the limit is %d km", l, MaxCorridorKm)}
	}
	b, err := geo.PrepareBuffer(ctx, line, bufferM)
	if err == nil && overlays != nil {
		if err := overlays(b.Overlays()); err != nil {
			return err
		}
	}
	if err == nil {
		q.Shape, err = b.Build(ctx)
	}
	if ctx.Err() != nil {
		return deadline(ctx)
	}
	if err != nil {
		return data.Invalid("cannot buffer this line", err.Error())
	}
	return nil
}

// finish validates a drawn shape (no self-intersections; admin units, bboxes and buffers are
// valid by construction), checks its area and prepares it.
func (q *Query) finish() error {
	if q.Kind == "polygon" {
		if err := geo.Validate(q.Shape); err != nil {
			return data.Invalid("invalid polygon", err.Error()+" (self-intersecting or overlapping rings are not accepted)")
		}
	}
	q.AreaKm2 = geo.AreaKm2(q.Shape)
	if q.AreaKm2 <= 0 {
		return data.Invalid("empty polygon", "the area is zero")
	}
	if q.AreaKm2 > MaxQueryAreaKm2 {
		return &data.Error{Kind: data.KindTooLarge, Msg: "area too large", Detail: fmt.Sprintf("%.0f km²; the limit is %.0f km²", q.AreaKm2, MaxQueryAreaKm2)}
	}
	q.Bound = q.Shape.Bound()
	for _, p := range q.Shape {
		q.vertices += geo.Vertices(p)
	}
	q.prep = geo.Prepare(q.Shape)
	q.shape = geo.NewShape(q.Shape)
	return nil
}

// operand is the query prepared for overlays (the GeoJSON export), built on first use.
func (q *Query) operand() geo.Operand {
	q.opOnce.Do(func() { q.op = geo.NewOperand(q.Shape) })
	return q.op
}
