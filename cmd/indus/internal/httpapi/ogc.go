package httpapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	"github.com/gofiber/fiber/v2"
	"go.yaml.in/yaml/v3"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes/features"
)

// openAPIType is the media type of the API definition (OGC API - Features, /req/oas30).
const openAPIType = "application/vnd.oai.openapi+json;version=3.0"

// openAPIYAML is the API definition, edited by hand beside the routes it describes.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// openAPI is the API definition as JSON, by top-level member, so that "servers" can be set for
// each request's public URL.
type openAPI map[string]json.RawMessage

// parseOpenAPI reads the YAML definition (anchors and << merges resolved) into its JSON members,
// leaving out the x-indus-* members that only hold anchors.
func parseOpenAPI(src []byte) (openAPI, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	out := openAPI{}
	for k, v := range doc {
		if strings.HasPrefix(k, "x-indus-") {
			continue
		}
		b, err := encodeJSON(jsonValue(v))
		if err != nil {
			return nil, fmt.Errorf("openapi.yaml: %s: %w", k, err)
		}
		out[k] = b
	}
	return out, nil
}

// jsonValue turns the maps YAML decodes with non-string keys into maps JSON can encode.
func jsonValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonValue(e)
		}
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonValue(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = jsonValue(e)
		}
	}
	return v
}

// api serves GET /api: the OpenAPI 3.0 definition, its servers set to this server's URL.
func (s *Server) api(c *fiber.Ctx) error {
	if s.apiErr != nil {
		return s.apiErr
	}
	doc := maps.Clone(s.apiDoc)
	doc["servers"], _ = encodeJSON([]map[string]string{{"url": s.baseURL(c), "description": "this server"}})
	b, err := encodeJSON(doc)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, openAPIType)
	return c.Send(b)
}

// conformanceDoc serves GET /conformance.
func (s *Server) conformanceDoc(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"conformsTo": conformance()})
}

// item serves GET /collections/{id}/items/{featureId}: one feature as GeoJSON.
func (s *Server) item(c *fiber.Ctx) error {
	if err := onlyCRS84(c, "crs"); err != nil {
		return err
	}
	id := strings.Clone(c.Params("id"))
	it, err := s.feat.Item(id, strings.Clone(c.Params("featureId")), s.baseURL(c), who(c))
	if err != nil {
		return err
	}
	s.noteRead(c, note{layers: []string{id}})
	return sendFeatures(c, it)
}

// sendFeatures writes GeoJSON features in CRS84, saying so in Content-Crs (OGC API - Features -
// Part 2, which clients use to know the axis order).
func sendFeatures(c *fiber.Ctx, v any) error {
	body, err := encodeJSON(v)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/geo+json")
	c.Set("Content-Crs", "<"+features.CRS84+">")
	return c.Send(body)
}

// onlyCRS84 refuses a CRS parameter (crs, bbox-crs) other than CRS84, the only one served.
func onlyCRS84(c *fiber.Ctx, name string) error {
	if v := c.Query(name); v != "" && v != features.CRS84 {
		return data.Invalid(fmt.Sprintf("unsupported %s %q", name, v), "only "+features.CRS84+" is served")
	}
	return nil
}
