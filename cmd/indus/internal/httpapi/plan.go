package httpapi

import (
	"bytes"

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
	format, err := exportFormat(c)
	if err != nil {
		return err
	}
	req, err := planning.ParseRequest(bytes.Clone(c.Body()))
	if err != nil {
		return err
	}
	req.Who = who(c)
	res, err := s.plan.Plan(c.UserContext(), req)
	if err != nil {
		return err
	}
	s.noteRead(c, note{layers: res.Layers()})
	return sendExport(c, format, "indus-fibre-plan", res, res.WriteCSV, func() ([]byte, error) {
		var buf bytes.Buffer
		err := res.WriteGeoJSON(&buf)
		return buf.Bytes(), err
	})
}
