package httpapi

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// queryables serves GET /collections/{id}/queryables (OGC API – Features – Part 3): the JSON
// Schema of the properties a filter may name, as application/schema+json; a layer the caller
// may not read is a 404, as for its other routes.
func (s *Server) queryables(c *fiber.Ctx) error {
	q, err := s.feat.Queryables(strings.Clone(c.Params("id")), s.baseURL(c), who(c))
	if err != nil {
		return err
	}
	body, err := encodeJSON(q)
	if err != nil {
		return err
	}
	s.noteRead(c, note{layers: []string{strings.Clone(c.Params("id"))}})
	c.Set(fiber.HeaderContentType, "application/schema+json")
	return c.Send(body)
}
