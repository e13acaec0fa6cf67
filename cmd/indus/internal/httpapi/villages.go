package httpapi

import (
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
	format, err := exportFormat(c)
	if err != nil {
		return err
	}
	list, err := s.warn.Villages(strings.Clone(c.Params("id")), fibre)
	if err != nil {
		return err
	}
	return sendExport(c, format, list.Warning+"-villages", list, list.WriteCSV, list.GeoJSON)
}
