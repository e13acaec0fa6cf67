package httpapi

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes/features"
	"github.com/cpec-digital/indus/tiles/archive"
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
	name := strings.Clone(c.Params("name"))
	if err := s.archiveFor(c, name); err != nil {
		return err
	}
	t, err := s.arch.Tile(c.UserContext(), name, z, x, y)
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
	if err := s.archiveFor(c, name); err != nil {
		return err
	}
	tj, err := s.arch.TileJSON(name, s.baseURL(c)+"/pmtiles/"+name+"/{z}/{x}/{y}.mvt")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	return c.JSON(tj)
}

// archiveFor refuses an archive holding a layer the caller may not read, as one that does not exist.
func (s *Server) archiveFor(c *fiber.Ctx, name string) error {
	layers, err := s.arch.Layers(name)
	if err != nil {
		return err
	}
	if s.feat.Hides(layers, who(c)) {
		return data.Errorf(data.KindNotFound, "no pmtiles archive %q", name)
	}
	s.noteRead(c, note{layers: layers})
	return nil
}

// archives lists the archives the caller may see.
func (s *Server) archives(c *fiber.Ctx) []archive.Info {
	out := []archive.Info{}
	for _, a := range s.arch.List() {
		if !s.feat.Hides(a.Layers, who(c)) {
			out = append(out, a)
		}
	}
	return out
}

// archiveLinks are the landing page's links to the TileJSON of the archives the caller may see.
func (s *Server) archiveLinks(c *fiber.Ctx, base string) []features.Link {
	var out []features.Link
	for _, a := range s.archives(c) {
		out = append(out, features.Link{Rel: "tiles", Href: base + "/pmtiles/" + a.Name + ".json", Type: "application/json",
			Title: "TileJSON of the PMTiles archive " + a.Name})
	}
	return out
}
