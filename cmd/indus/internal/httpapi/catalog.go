package httpapi

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

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
		n.bbox = q.BBox.Slice()
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
		b, err := parseBBox(raw)
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

// parseBBox reads a bbox parameter (geo.ParseBBox: four numbers, or six with heights; west > east
// crosses the antimeridian).
func parseBBox(raw string) (geo.BBox, error) {
	b, err := geo.ParseBBox(raw)
	if err != nil {
		return b, data.Invalid("bad bbox", err.Error())
	}
	return b, nil
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
