package httpapi

import (
	"bytes"
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"github.com/cpec-digital/indus/analytics/planning"
	"github.com/cpec-digital/indus/data"
)

// planFibre serves POST /plan/fibre: a fibre roll-out plan over the served villages (JSON), with
// ?format=csv or ?format=geojson exports.
func (s *Server) planFibre(c *fiber.Ctx) error {
	if s.plan == nil {
		return data.Errorf(data.KindNotFound, "fibre planning is not enabled on this server")
	}
	if err := requireJSON(c); err != nil {
		return err
	}
	format := c.Query("format", "json")
	if format != "json" && format != "csv" && format != "geojson" {
		return data.Invalid("bad format", "want json, csv or geojson")
	}
	req, err := planning.ParseRequest(bytes.Clone(c.Body()))
	if err != nil {
		return err
	}
	res, err := s.plan.Plan(c.UserContext(), req)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	switch format {
	case "csv":
		err = res.WriteCSV(&buf)
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="indus-fibre-plan.csv"`)
	case "geojson":
		err = res.WriteGeoJSON(&buf)
		c.Set(fiber.HeaderContentType, "application/geo+json")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="indus-fibre-plan.geojson"`)
	default:
		err = json.NewEncoder(&buf).Encode(res)
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	}
	if err != nil {
		return err
	}
	return c.Send(buf.Bytes())
}
