package httpapi

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
)

// Limits of /collections/{id}/items.
const (
	defaultItemsLimit = 100
	maxItemsLimit     = 10000
)

type layerInfo struct {
	ID       string        `json:"id"`
	Theme    data.Theme    `json:"theme"`
	MinZoom  int           `json:"minzoom"`
	MaxZoom  int           `json:"maxzoom"`
	Features int           `json:"features"`
	Bounds   []float64     `json:"bounds,omitempty"`
	Fields   []data.Field  `json:"fields"`
	Hazard   *data.Hazard  `json:"hazard,omitempty"`
	Metadata data.Metadata `json:"metadata"`
	Links    []link        `json:"links"`
	Geometry string        `json:"geometry_type"`
}

func (s *Server) layerInfo(c *fiber.Ctx, l *indexes.Layer) layerInfo {
	base := s.baseURL(c)
	var bounds []float64
	if len(l.Features) > 0 {
		bounds = []float64{l.Bound.Min[0], l.Bound.Min[1], l.Bound.Max[0], l.Bound.Max[1]}
	}
	return layerInfo{ID: l.Spec.ID, Theme: l.Spec.Theme, MinZoom: l.Spec.MinZoom, MaxZoom: l.Spec.MaxZoom,
		Features: l.Len(), Bounds: bounds, Fields: l.Spec.Fields, Hazard: l.Spec.Hazard, Metadata: l.Spec.Metadata,
		Geometry: geometryType(l),
		Links: []link{
			{Rel: "items", Href: base + "/collections/" + l.Spec.ID + "/items", Type: "application/geo+json", Title: "features"},
		}}
}

// geometryType names the geometry type of a layer's first feature (layers are homogeneous in practice).
func geometryType(l *indexes.Layer) string {
	if len(l.Features) == 0 {
		return "Unknown"
	}
	return l.Features[0].Geometry.GeoJSONType()
}

func (s *Server) catalog(c *fiber.Ctx) error {
	set := s.set.Load()
	type theme struct {
		data.ThemeInfo
		Layers []string `json:"layers"`
	}
	var themes []theme
	for _, t := range data.Themes() {
		th := theme{ThemeInfo: t, Layers: []string{}}
		for _, l := range set.Layers() {
			if l.Spec.Theme == t.ID {
				th.Layers = append(th.Layers, l.Spec.ID)
			}
		}
		themes = append(themes, th)
	}
	layers := []layerInfo{}
	for _, l := range set.Layers() {
		layers = append(layers, s.layerInfo(c, l))
	}
	cat := set.Dataset.Catalog
	return c.JSON(fiber.Map{"name": cat.Name, "description": cat.Description, "attribution": cat.Attribution,
		"data_version": set.Dataset.Version, "metadata_elements": data.MetadataElements(),
		"themes": themes, "layers": layers})
}

func (s *Server) collections(c *fiber.Ctx) error {
	set := s.set.Load()
	var cols []fiber.Map
	for _, l := range set.Layers() {
		cols = append(cols, s.collectionJSON(c, l))
	}
	return c.JSON(fiber.Map{"collections": cols,
		"links": []link{{Rel: "self", Href: s.baseURL(c) + "/collections", Type: "application/json"}}})
}

func (s *Server) collectionJSON(c *fiber.Ctx, l *indexes.Layer) fiber.Map {
	base := s.baseURL(c)
	m := fiber.Map{"id": l.Spec.ID, "title": l.Spec.Metadata.Title, "description": l.Spec.Metadata.Abstract,
		"theme": l.Spec.Theme, "itemType": "feature", "crs": []string{"http://www.opengis.net/def/crs/OGC/1.3/CRS84"},
		"links": []link{
			{Rel: "self", Href: base + "/collections/" + l.Spec.ID, Type: "application/json"},
			{Rel: "items", Href: base + "/collections/" + l.Spec.ID + "/items", Type: "application/geo+json"},
			{Rel: "describedby", Href: base + "/catalog", Type: "application/json"},
		}}
	if len(l.Features) > 0 {
		m["extent"] = fiber.Map{"spatial": fiber.Map{"bbox": [][]float64{{l.Bound.Min[0], l.Bound.Min[1], l.Bound.Max[0], l.Bound.Max[1]}}}}
	}
	return m
}

func (s *Server) layer(c *fiber.Ctx) (*indexes.Layer, error) {
	id := c.Params("id")
	l, ok := s.set.Load().Layer(id)
	if !ok {
		return nil, data.Errorf(data.KindNotFound, "no collection %q", strings.Clone(id))
	}
	return l, nil
}

func (s *Server) collection(c *fiber.Ctx) error {
	l, err := s.layer(c)
	if err != nil {
		return err
	}
	return c.JSON(s.collectionJSON(c, l))
}

// ParseBBox parses "west,south,east,north" in WGS84 degrees.
func ParseBBox(q string) (orb.Bound, error) {
	parts := strings.Split(q, ",")
	if len(parts) != 4 {
		return orb.Bound{}, data.Invalid("bad bbox", "want west,south,east,north in degrees, got "+strconv.Quote(q))
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return orb.Bound{}, data.Invalid("bad bbox", fmt.Sprintf("%q is not a number", p))
		}
		v[i] = f
	}
	if v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90 || v[0] > v[2] || v[1] > v[3] {
		return orb.Bound{}, data.Invalid("bad bbox", "want -180 <= west <= east <= 180 and -90 <= south <= north <= 90")
	}
	return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}

func floatParam(c *fiber.Ctx, name string) (float64, error) {
	q := c.Query(name)
	f, err := strconv.ParseFloat(q, 64)
	if q == "" || err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, data.Invalid("bad "+name, fmt.Sprintf("want a number, got %q", q))
	}
	return f, nil
}

func intParam(c *fiber.Ctx, name string, def, lo, hi int) (int, error) {
	q := c.Query(name)
	if q == "" {
		return def, nil
	}
	n, err := strconv.Atoi(q)
	if err != nil || n < lo || n > hi {
		return 0, data.Invalid("bad "+name, fmt.Sprintf("want an integer from %d to %d, got %q", lo, hi, q))
	}
	return n, nil
}

// items serves a page of a layer's features as GeoJSON (OGC API - Features, part 1): bbox, limit,
// offset, and equality filters on declared fields (e.g. ?fibre=true).
func (s *Server) items(c *fiber.Ctx) error {
	l, err := s.layer(c)
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", defaultItemsLimit, 1, maxItemsLimit)
	if err != nil {
		return err
	}
	offset, err := intParam(c, "offset", 0, 0, math.MaxInt32)
	if err != nil {
		return err
	}
	var idx []int
	if q := c.Query("bbox"); q != "" {
		b, err := ParseBBox(q)
		if err != nil {
			return err
		}
		idx = l.Indexes(b)
	} else {
		idx = make([]int, len(l.Features))
		for i := range idx {
			idx[i] = i
		}
	}
	filters := map[string]any{}
	var ferr error
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		key := string(k)
		switch key {
		case "bbox", "limit", "offset", "f", "datetime":
			return
		}
		fd, ok := l.Spec.Field(key)
		if !ok {
			ferr = data.Invalid("unknown query parameter "+strconv.Quote(key), "filters must name a field of "+l.Spec.ID)
			return
		}
		val, err := data.Coerce(fd.Type, string(v))
		if err != nil {
			ferr = data.Invalid("bad filter "+key, err.Error())
			return
		}
		filters[key] = val
	})
	if ferr != nil {
		return ferr
	}
	if len(filters) > 0 {
		kept := idx[:0:0]
		for _, i := range idx {
			if matches(l.Features[i].Properties, filters) {
				kept = append(kept, i)
			}
		}
		idx = kept
	}
	matched := len(idx)
	page := idx[min(offset, matched):min(offset+limit, matched)]
	feats := make([]geoFeature, len(page))
	for k, i := range page {
		f := &l.Features[i]
		feats[k] = geoFeature{Type: "Feature", ID: f.ID, Geometry: geometryJSON{f.Geometry}, Properties: f.Properties}
	}
	base := s.baseURL(c) + "/collections/" + l.Spec.ID + "/items"
	links := []link{{Rel: "self", Href: base + "?" + string(c.Context().QueryArgs().QueryString()), Type: "application/geo+json"}}
	if offset+limit < matched {
		args := c.Context().QueryArgs()
		next := fiber.AcquireArgs()
		args.CopyTo(next)
		next.Set("offset", strconv.Itoa(offset+limit))
		next.Set("limit", strconv.Itoa(limit))
		links = append(links, link{Rel: "next", Href: base + "?" + next.String(), Type: "application/geo+json"})
		fiber.ReleaseArgs(next)
	}
	c.Set(fiber.HeaderContentType, "application/geo+json")
	body, err := json.Marshal(featureCollection{Type: "FeatureCollection", Features: feats,
		NumberMatched: matched, NumberReturned: len(feats), Links: links})
	if err != nil {
		return err
	}
	return c.Send(body)
}

func matches(props map[string]any, filters map[string]any) bool {
	for k, v := range filters {
		if props[k] != v {
			return false
		}
	}
	return true
}

type featureCollection struct {
	Type           string       `json:"type"`
	NumberMatched  int          `json:"numberMatched"`
	NumberReturned int          `json:"numberReturned"`
	Features       []geoFeature `json:"features"`
	Links          []link       `json:"links"`
}

// geometryJSON writes an orb geometry as a GeoJSON geometry object.
type geometryJSON struct{ orb.Geometry }

func (g geometryJSON) MarshalJSON() ([]byte, error) {
	return geojson.NewGeometry(g.Geometry).MarshalJSON()
}

type geoFeature struct {
	Type       string         `json:"type"`
	ID         uint64         `json:"id"`
	Geometry   geometryJSON   `json:"geometry"`
	Properties map[string]any `json:"properties"`
}
