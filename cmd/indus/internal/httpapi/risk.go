package httpapi

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/data"
)

// riskArea serves POST /risk/area (JSON), with ?format=csv or ?format=geojson exports.
func (s *Server) riskArea(c *fiber.Ctx) error {
	if err := requireJSON(c); err != nil {
		return err
	}
	format := c.Query("format", "json")
	switch format {
	case "json", "csv", "geojson":
	default:
		return data.Invalid("bad format", "want json, csv or geojson")
	}
	req, err := analytics.ParseAreaRequest(bytes.Clone(c.Body()))
	if err != nil {
		return err
	}
	res, err := s.risk.Area(c.UserContext(), req)
	if err != nil {
		return err
	}
	switch format {
	case "csv":
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="indus-risk-area.csv"`)
		var buf bytes.Buffer
		if err := analytics.WriteCSV(&buf, res); err != nil {
			return err
		}
		return c.Send(buf.Bytes())
	case "geojson":
		body, err := analytics.ExposedGeoJSON(res)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "application/geo+json")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="indus-risk-area.geojson"`)
		return c.Send(body)
	}
	body, err := json.Marshal(res)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(body)
}

// riskPoint serves GET /risk/point?lon=&lat=.
func (s *Server) riskPoint(c *fiber.Ctx) error {
	lon, err := floatParam(c, "lon")
	if err != nil {
		return err
	}
	lat, err := floatParam(c, "lat")
	if err != nil {
		return err
	}
	res, err := s.risk.Point(lon, lat)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

// riskRank serves GET /risk/rank?admin=&hazard=&metric=.
func (s *Server) riskRank(c *fiber.Ctx) error {
	res, err := s.risk.Rank(c.UserContext(), strings.Clone(c.Query("admin")),
		strings.Clone(c.Query("hazard")), strings.Clone(c.Query("metric")))
	if err != nil {
		return err
	}
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
