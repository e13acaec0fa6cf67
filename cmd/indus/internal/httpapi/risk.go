package httpapi

import (
	"bytes"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/data"
)

// withheldHeader marks an answer of /risk/area (JSON, CSV or GeoJSON) that left out layers the
// caller may not read.
const withheldHeader = "X-Indus-Withheld"

// riskArea serves POST /risk/area (JSON), with ?format=csv or ?format=geojson exports.
func (s *Server) riskArea(c *fiber.Ctx) error {
	if err := requireJSON(c); err != nil {
		return err
	}
	format, err := exportFormat(c)
	if err != nil {
		return err
	}
	req, err := analytics.ParseAreaRequest(bytes.Clone(c.Body()))
	if err != nil {
		return err
	}
	req.Who, req.Export = who(c), format == "geojson"
	res, err := s.risk.Area(c.UserContext(), req)
	if err != nil {
		return err
	}
	s.noteRead(c, note{layers: res.Layers(), bbox: req.BBox})
	if res.Withheld { // in every format: the CSV has no place of its own to say it
		c.Set(withheldHeader, "true")
		c.Append("Access-Control-Expose-Headers", withheldHeader)
	}
	return sendExport(c, format, "indus-risk-area", res,
		func(w io.Writer) error { return analytics.WriteCSV(w, res) },
		func() ([]byte, error) { return analytics.ExposedGeoJSON(c.UserContext(), res) })
}

// riskPoint serves GET /risk/point?lon=&lat=&hazard=&scenario=&horizon=.
func (s *Server) riskPoint(c *fiber.Ctx) error {
	lon, err := floatParam(c, "lon")
	if err != nil {
		return err
	}
	lat, err := floatParam(c, "lat")
	if err != nil {
		return err
	}
	sel, err := hazardSelector(c)
	if err != nil {
		return err
	}
	res, err := s.risk.PointFor(lon, lat, sel, who(c))
	if err != nil {
		return err
	}
	s.noteRead(c, note{layers: res.Layers(), bbox: []float64{lon, lat, lon, lat}})
	return c.JSON(res)
}

// riskRank serves GET /risk/rank?admin=&hazard=&scenario=&horizon=&metric=.
func (s *Server) riskRank(c *fiber.Ctx) error {
	sel, err := hazardSelector(c)
	if err != nil {
		return err
	}
	res, err := s.risk.RankFor(c.UserContext(), strings.Clone(c.Query("admin")), sel, strings.Clone(c.Query("metric")), who(c))
	if err != nil {
		return err
	}
	s.noteRead(c, note{layers: res.Layers})
	return c.JSON(res)
}

// requireJSON refuses a body sent as anything but JSON (a missing Content-Type is taken as JSON).
func requireJSON(c *fiber.Ctx) error {
	ct := c.Get(fiber.HeaderContentType)
	if ct == "" || strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "application/geo+json") {
		return nil
	}
	return data.Invalid("unsupported content type "+ct, "send application/json")
}

// exportFormat is the ?format of an export route: json (the default), csv or geojson.
func exportFormat(c *fiber.Ctx) (string, error) {
	switch f := c.Query("format", "json"); f {
	case "json", "csv", "geojson":
		return f, nil
	}
	return "", data.Invalid("bad format", "want json, csv or geojson")
}

// sendExport writes an answer as JSON, or as a CSV or GeoJSON attachment named name.csv or
// name.geojson.
func sendExport(c *fiber.Ctx, format, name string, v any, csv func(io.Writer) error, geojson func() ([]byte, error)) error {
	var buf bytes.Buffer
	var err error
	switch format {
	case "csv":
		err = csv(&buf)
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	case "geojson":
		var b []byte
		b, err = geojson()
		buf.Write(b)
		c.Set(fiber.HeaderContentType, "application/geo+json")
	default:
		var b []byte
		b, err = encodeJSON(v)
		buf.Write(append(b, '\n'))
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	}
	if err != nil {
		return err
	}
	if format != "json" {
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+"."+format+`"`)
	}
	return c.Send(buf.Bytes())
}
