package httpapi

import (
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes/features"
	"github.com/cpec-digital/indus/styles"
)

// style serves GET /styles/{name}.json (a theme, or "indus" for all layers) and /styles/legend.json.
func (s *Server) style(c *fiber.Ctx) error {
	name, ok := strings.CutSuffix(c.Params("file"), ".json")
	if !ok {
		return data.Errorf(data.KindNotFound, "no route for %s (styles are /styles/{name}.json)", c.Path())
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	entries := s.feat.StyleEntries(who(c))
	if name == "legend" {
		s.noteRead(c, note{layers: styledLayers(entries, name)})
		return c.JSON(fiber.Map{"layers": styles.Legend(entries)})
	}
	st, err := styles.Style(strings.Clone(name), entries, s.baseURL(c))
	if err != nil {
		return err // not a read: not audited
	}
	s.noteRead(c, note{layers: styledLayers(entries, name)})
	return c.JSON(st)
}

// styledLayers are the ids of the layers the style (or the legend) of that name shows.
func styledLayers(entries []styles.Entry, name string) []string {
	out := []string{} // never nil: nil would stand for every layer
	for _, e := range entries {
		if name == "legend" || name == "indus" || string(e.Theme) == name {
			out = append(out, e.ID)
		}
	}
	return out
}

func (s *Server) styleIndex(c *fiber.Ctx) error {
	base := s.baseURL(c)
	var out []features.Link
	for _, n := range styles.Names() {
		out = append(out, features.Link{Rel: "stylesheet", Href: base + "/styles/" + n + ".json", Type: "application/json", Title: n})
	}
	out = append(out, features.Link{Rel: "legend", Href: base + "/styles/legend.json", Type: "application/json"})
	return c.JSON(fiber.Map{"styles": out})
}

// viewer serves the embedded web map under /map/.
func (s *Server) viewer() fiber.Handler {
	return filesystem.New(filesystem.Config{Root: http.FS(styles.Web()), PathPrefix: "", Index: "index.html", MaxAge: 300})
}
