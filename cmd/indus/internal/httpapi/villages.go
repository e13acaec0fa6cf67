package httpapi

import (
	"bytes"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/cpec-digital/indus/data"
)

// warningVillages serves GET /warnings/{id}/villages?fibre=true|false&format=json|csv|geojson:
// the villages inside a warning's area (its latest version's polygon), with or without fibre.
func (s *Server) warningVillages(c *fiber.Ctx) error {
	if s.warn == nil {
		return s.warningsOff()
	}
	var fibre *bool
	switch q := c.Query("fibre"); q {
	case "":
	case "true", "false":
		b := q == "true"
		fibre = &b
	default:
		return data.Invalid("bad fibre", "want fibre=true or fibre=false (or no filter)")
	}
	format := c.Query("format", "json")
	if format != "json" && format != "csv" && format != "geojson" {
		return data.Invalid("bad format", "want json, csv or geojson")
	}
	list, err := s.warn.Villages(strings.Clone(c.Params("id")), fibre)
	if err != nil {
		return err
	}
	name := `attachment; filename="` + list.Warning + `-villages.`
	switch format {
	case "csv":
		var buf bytes.Buffer
		if err := list.WriteCSV(&buf); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, name+`csv"`)
		return c.Send(buf.Bytes())
	case "geojson":
		b, err := list.GeoJSON()
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "application/geo+json")
		c.Set(fiber.HeaderContentDisposition, name+`geojson"`)
		return c.Send(b)
	}
	return c.JSON(list)
}
