package httpapi

import (
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// queryables serves GET /collections/{id}/queryables (OGC API – Features – Part 3): the JSON
// Schema of the properties a filter may name, as application/schema+json.
func (s *Server) queryables(c *fiber.Ctx) error {
	q, err := s.feat.Queryables(strings.Clone(c.Params("id")), s.baseURL(c))
	if err != nil {
		return err
	}
	body, err := json.Marshal(q)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/schema+json")
	return c.Send(body)
}
