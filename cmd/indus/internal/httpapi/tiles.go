package httpapi

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/tiles"
)

const mvtType = "application/vnd.mapbox-vector-tile"

// splitList splits a comma list into copied, trimmed, non-empty items (Fiber reuses its strings).
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, strings.Clone(p))
		}
	}
	return out
}

func parseCoord(name, s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, data.Invalid("bad tile "+name, strconv.Quote(s)+" is not a non-negative integer")
	}
	return uint32(n), nil
}

// tile serves GET /tiles/{layers}/{z}/{x}/{y}.mvt (or .pbf).
func (s *Server) tile(c *fiber.Ctx) error {
	if ext := c.Params("ext"); ext != "mvt" && ext != "pbf" {
		return data.Errorf(data.KindNotFound, "unknown tile format %q (use .mvt or .pbf)", strings.Clone(ext))
	}
	req := tiles.Request{Layers: splitList(c.Params("layers")), Filter: strings.Clone(c.Query("filter"))}
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
		req.Fields = splitList(f)
	}
	t, err := s.tiles.Tile(c.UserContext(), req)
	if err != nil {
		return err
	}
	return s.sendTile(c, t)
}

// sendTile writes a tile: 204 when empty, the gzip bytes when accepted (else inflated), the
// tiles' Cache-Control, an ETag per encoding and 304 for a matching If-None-Match.
func (s *Server) sendTile(c *fiber.Ctx, t *tiles.Tile) error {
	c.Set(fiber.HeaderCacheControl, s.cfg.TileCacheControl)
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	if t.Empty {
		return c.SendStatus(fiber.StatusNoContent)
	}
	gz := acceptsGzip(c.Get(fiber.HeaderAcceptEncoding))
	etag := t.ETag
	if gz {
		etag = strings.TrimSuffix(etag, `"`) + `-gz"`
	}
	c.Set(fiber.HeaderETag, etag)
	if matchETag(c.Get(fiber.HeaderIfNoneMatch), t.ETag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, mvtType)
	if gz {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(t.Gzip)
	}
	raw, err := t.Raw()
	if err != nil {
		return err
	}
	return c.Send(raw)
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip (a q=0 refuses it).
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
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
	for _, part := range strings.Split(header, ",") {
		v := strings.TrimPrefix(strings.TrimSpace(part), "W/")
		v = strings.Trim(v, `"`)
		if v == "*" || v == base || v == base+"-gz" {
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
	tj, err := s.tiles.TileJSON(layers, url)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	return c.JSON(tj)
}
