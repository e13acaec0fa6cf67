package httpapi

import (
	"bytes"
	"io"

	"github.com/gofiber/fiber/v2"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/data"
)

// riskCompare serves POST /risk/compare: the body of /risk/area plus "compare": {scenario,
// horizon}; the answer (JSON, or ?format=csv) sets the baseline and the compared climate side by
// side. Its own route because its answer has its own shape (and its own CSV); a GeoJSON export is
// not offered.
func (s *Server) riskCompare(c *fiber.Ctx) error {
	if err := requireJSON(c); err != nil {
		return err
	}
	format, err := exportFormat(c)
	if err != nil {
		return err
	}
	if format == "geojson" {
		return data.Invalid("bad format", "a comparison exports as json or csv; ask /risk/area for the GeoJSON of one climate")
	}
	req, err := analytics.ParseCompareRequest(bytes.Clone(c.Body()))
	if err != nil {
		return err
	}
	req.Who = who(c)
	res, err := s.risk.Compare(c.UserContext(), req)
	if err != nil {
		return err
	}
	s.noteRead(c, note{layers: res.Layers(), bbox: req.BBox})
	return sendExport(c, format, "indus-risk-compare", res,
		func(w io.Writer) error { return analytics.WriteCompareCSV(w, res) }, nil)
}
