package httpapi

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes/features"
)

func (s *Server) catalog(c *fiber.Ctx) error {
	s.noteRead(c, note{})
	return c.JSON(s.feat.Catalog(s.baseURL(c), who(c)))
}

func (s *Server) collections(c *fiber.Ctx) error {
	s.noteRead(c, note{})
	return c.JSON(s.feat.Collections(s.baseURL(c), who(c)))
}

func (s *Server) collection(c *fiber.Ctx) error {
	col, err := s.feat.Collection(strings.Clone(c.Params("id")), s.baseURL(c), who(c))
	if err != nil {
		return err
	}
	s.noteRead(c, note{layers: []string{col.ID}})
	return c.JSON(col)
}

// items serves a page of a layer's features as GeoJSON (OGC API - Features, part 1): bbox, limit,
// offset, equality filters on declared fields (e.g. ?fibre=true), and filter= with filter-lang
// and filter-crs (part 3; CQL2 text unless filter-lang says otherwise).
func (s *Server) items(c *fiber.Ctx) error {
	q, err := itemsQuery(c)
	if err != nil {
		return err
	}
	page, err := s.feat.Items(q, s.baseURL(c))
	if err != nil {
		return err
	}
	n := note{layers: []string{q.Layer}}
	if q.BBox != nil {
		n.bbox = []float64{q.BBox.Min[0], q.BBox.Min[1], q.BBox.Max[0], q.BBox.Max[1]}
	}
	s.noteRead(c, n)
	return sendFeatures(c, page)
}

// itemsQuery parses the parameters of /collections/{id}/items; every other parameter is an
// attribute filter (the service checks the field exists). A limit over the maximum is served as
// the maximum (OGC API - Features 1.0.1, /req/core/fc-limit-response-1); crs and bbox-crs may
// only name CRS84.
func itemsQuery(c *fiber.Ctx) (features.Query, error) {
	q := features.Query{Layer: strings.Clone(c.Params("id")), Equal: map[string]string{}, Who: who(c),
		RawQuery: string(c.Context().QueryArgs().QueryString()), Datetime: strings.Clone(c.Query("datetime")),
		Filter: strings.Clone(c.Query("filter")), FilterLang: strings.Clone(c.Query("filter-lang")),
		FilterCRS: strings.Clone(c.Query("filter-crs"))}
	var err error
	if q.Limit, err = intParam(c, "limit", features.DefaultLimit, 1, math.MaxInt32); err != nil {
		return q, err
	}
	q.Limit = min(q.Limit, features.MaxLimit)
	for _, name := range []string{"crs", "bbox-crs"} {
		if err := onlyCRS84(c, name); err != nil {
			return q, err
		}
	}
	if q.Offset, err = intParam(c, "offset", 0, 0, math.MaxInt32); err != nil {
		return q, err
	}
	if raw := c.Query("bbox"); raw != "" {
		b, err := ParseBBox(flatBBox(raw))
		if err != nil {
			return q, err
		}
		q.BBox = &b
	}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		switch key := string(k); key {
		case "bbox", "bbox-crs", "crs", "limit", "offset", "f", "datetime", "filter", "filter-lang", "filter-crs":
		default:
			q.Equal[key] = string(v)
		}
	})
	return q, nil
}

// flatBBox turns an OGC bbox of six numbers (west,south,min height,east,north,max height) into
// the four of its ground extent: every layer is two-dimensional, so heights select nothing.
// Anything else, bad heights too, is left for ParseBBox to judge (and refuse).
func flatBBox(raw string) string {
	p := strings.Split(raw, ",")
	if len(p) != 6 {
		return raw
	}
	for _, h := range []string{p[2], p[5]} {
		if f, err := strconv.ParseFloat(strings.TrimSpace(h), 64); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return raw
		}
	}
	return strings.Join([]string{p[0], p[1], p[3], p[4]}, ",")
}

// ParseBBox parses "west,south,east,north" in WGS84 degrees.
func ParseBBox(q string) (orb.Bound, error) {
	parts := strings.Split(q, ",")
	if len(parts) != 4 {
		return orb.Bound{}, data.Invalid("bad bbox", "want west,south,east,north in degrees, got "+strconv.Quote(q))
	}
	v := make([]float64, 4)
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return orb.Bound{}, data.Invalid("bad bbox", fmt.Sprintf("%q is not a number", p))
		}
		v[i] = f
	}
	if err := geo.CheckBBox(v); err != nil {
		return orb.Bound{}, data.Invalid("bad bbox", err.Error())
	}
	return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}

func floatParam(c *fiber.Ctx, name string) (float64, error) {
	q := c.Query(name)
	f, err := strconv.ParseFloat(q, 64)
	if q == "" || err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, data.Invalid("bad "+name, fmt.Sprintf("want a number, got %q", q))
	}
	return f, nil
}

func intParam(c *fiber.Ctx, name string, def, lo, hi int) (int, error) {
	q := c.Query(name)
	if q == "" {
		return def, nil
	}
	n, err := strconv.Atoi(q)
	if err != nil || n < lo || n > hi {
		return 0, data.Invalid("bad "+name, fmt.Sprintf("want an integer from %d to %d, got %q", lo, hi, q))
	}
	return n, nil
}
