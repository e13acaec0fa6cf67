package httpapi

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes/features"
)

// archiveTile serves GET /pmtiles/{name}/{z}/{x}/{y}.mvt (or .pbf) from a PMTiles archive.
func (s *Server) archiveTile(c *fiber.Ctx) error {
	if ext := c.Params("ext"); ext != "mvt" && ext != "pbf" {
		return data.Errorf(data.KindNotFound, "unknown tile format %q (use .mvt or .pbf)", strings.Clone(ext))
	}
	var z, x, y uint32
	var err error
	if z, err = parseCoord("zoom", c.Params("z")); err != nil {
		return err
	}
	if x, err = parseCoord("x", c.Params("x")); err != nil {
		return err
	}
	if y, err = parseCoord("y", c.Params("y")); err != nil {
		return err
	}
	t, err := s.arch.Tile(c.UserContext(), strings.Clone(c.Params("name")), z, x, y)
	if err != nil {
		return err
	}
	return s.sendTile(c, t)
}

// archiveTileJSON serves GET /pmtiles/{name}.json: TileJSON from the archive's header and
// metadata, with absolute tile URLs.
func (s *Server) archiveTileJSON(c *fiber.Ctx) error {
	name, ok := strings.CutSuffix(strings.Clone(c.Params("file")), ".json")
	if !ok {
		return data.Errorf(data.KindNotFound, "no route for %s (TileJSON is /pmtiles/{name}.json)", strings.Clone(c.Path()))
	}
	tj, err := s.arch.TileJSON(name, s.baseURL(c)+"/pmtiles/"+name+"/{z}/{x}/{y}.mvt")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	return c.JSON(tj)
}

// archiveLinks are the landing page's links to the served archives' TileJSON.
func (s *Server) archiveLinks(base string) []features.Link {
	var out []features.Link
	for _, a := range s.arch.List() {
		out = append(out, features.Link{Rel: "tiles", Href: base + "/pmtiles/" + a.Name + ".json", Type: "application/json",
			Title: "TileJSON of the PMTiles archive " + a.Name})
	}
	return out
}
