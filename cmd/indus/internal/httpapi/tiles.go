package httpapi

import (
	"context"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/tiles"
)

const mvtType = "application/vnd.mapbox-vector-tile"

// splitList splits a comma list into copied, trimmed, non-empty items (Fiber reuses its strings).
func splitList(s string) []string {
	out := splitInto(nil, s)
	for i, p := range out {
		out[i] = strings.Clone(p)
	}
	return out
}

// splitInto appends the trimmed, non-empty items of a comma list to dst, uncopied; nil when there
// are none.
func splitInto(dst []string, s string) []string {
	for rest, more := s, true; more; {
		var p string
		p, rest, more = strings.Cut(rest, ",")
		if p = strings.TrimSpace(p); p != "" {
			dst = append(dst, p)
		}
	}
	if len(dst) == 0 {
		return nil
	}
	return dst
}

func parseCoord(name, s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, data.Invalid("bad tile "+name, strconv.Quote(s)+" is not a non-negative integer")
	}
	return uint32(n), nil
}

// tile serves GET /tiles/{layers}/{z}/{x}/{y}.mvt (or .pbf). The request holds Fiber's strings,
// uncopied (the tile service keeps none), so that a cached tile is served without allocating.
// Only making a tile is bounded by the request deadline: a hit has nothing to bound.
func (s *Server) tile(c *fiber.Ctx) error {
	if ext := c.Params("ext"); ext != "mvt" && ext != "pbf" {
		return data.Errorf(data.KindNotFound, "unknown tile format %q (use .mvt or .pbf)", ext)
	}
	var layers, fields [32]string
	req := tiles.Request{Layers: splitInto(layers[:0], c.Params("layers")), Filter: c.Query("filter"),
		FilterLang: c.Query("filter-lang"), FilterCRS: c.Query("filter-crs"), Who: who(c)}
	var err error
	if req.Z, err = parseCoord("zoom", c.Params("z")); err != nil {
		return err
	}
	if req.X, err = parseCoord("x", c.Params("x")); err != nil {
		return err
	}
	if req.Y, err = parseCoord("y", c.Params("y")); err != nil {
		return err
	}
	if f := c.Query("fields"); f != "" {
		req.Fields = splitInto(fields[:0], f)
	}
	t, ok, err := s.tiles.Cached(req)
	if err != nil {
		return err
	}
	if !ok {
		ctx, cancel := context.WithTimeout(c.UserContext(), s.cfg.RequestTimeout)
		defer cancel()
		if t, err = s.tiles.Tile(ctx, req); err != nil {
			return err
		}
	}
	if req.Who != nil {
		s.noteRead(c, note{layers: splitList(c.Params("layers")), tile: c.Params("z") + "/" + c.Params("x") + "/" + c.Params("y")})
	}
	return s.sendTile(c, t)
}

// sendTile writes a tile: 204 when empty, the gzip bytes when accepted (else inflated), the
// tiles' Cache-Control, an ETag per encoding and 304 for a matching If-None-Match.
func (s *Server) sendTile(c *fiber.Ctx, t *tiles.Tile) error {
	h := &c.Response().Header
	h.Set(fiber.HeaderCacheControl, s.cfg.TileCacheControl)
	h.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	if t.Empty {
		return c.SendStatus(fiber.StatusNoContent)
	}
	gz := acceptsGzip(c.Get(fiber.HeaderAcceptEncoding))
	if gz {
		var buf [64]byte
		h.SetBytesV(fiber.HeaderETag, gzipETag(buf[:0], t.ETag))
	} else {
		h.Set(fiber.HeaderETag, t.ETag)
	}
	if matchETag(c.Get(fiber.HeaderIfNoneMatch), t.ETag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	h.SetContentType(mvtType)
	if gz {
		h.SetContentEncoding("gzip")
		return c.Send(t.Gzip)
	}
	raw, err := t.Raw()
	if err != nil {
		return err
	}
	return c.Send(raw)
}

// gzipETag appends the validator of a tile's gzip bytes: its ETag with -gz inside the quotes.
func gzipETag(dst []byte, etag string) []byte {
	return append(append(dst, strings.TrimSuffix(etag, `"`)...), `-gz"`...)
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip (a q=0 refuses it).
func acceptsGzip(h string) bool {
	for rest, more := h, true; more; {
		var part string
		part, rest, more = strings.Cut(rest, ",")
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") || strings.TrimSpace(name) == "*" {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// matchETag reports whether If-None-Match names the tile's validator, in either encoding.
func matchETag(header, etag string) bool {
	if header == "" {
		return false
	}
	base := strings.Trim(etag, `"`)
	for rest, more := header, true; more; {
		var part string
		part, rest, more = strings.Cut(rest, ",")
		v := strings.TrimPrefix(strings.TrimSpace(part), "W/")
		v = strings.Trim(v, `"`)
		if v == "*" || v == base || (strings.HasSuffix(v, "-gz") && v[:len(v)-3] == base) {
			return true
		}
	}
	return false
}

// tileJSON serves GET /tiles/{layers}.json.
func (s *Server) tileJSON(c *fiber.Ctx) error {
	spec := c.Params("tileset")
	name, ok := strings.CutSuffix(spec, ".json")
	if !ok {
		return data.Errorf(data.KindNotFound, "no route for %s (TileJSON is /tiles/{layers}.json)", c.Path())
	}
	layers := splitList(name)
	url := s.baseURL(c) + "/tiles/" + strings.Join(layers, ",") + "/{z}/{x}/{y}.mvt"
	tj, err := s.tiles.TileJSON(layers, url, who(c))
	if err != nil {
		return err
	}
	s.noteRead(c, note{layers: layers})
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	return c.JSON(tj)
}
