package features

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/data/filter"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// Limits of a page of items.
const (
	DefaultLimit = 100
	MaxLimit     = 10_000
)

// CRS84 is the one coordinate reference system of every collection: WGS 84 longitude, latitude.
const CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

// Query asks for a page of a collection's items.
type Query struct {
	Layer    string
	BBox     *geo.BBox         // nil: everywhere; features whose geometry meets it (west > east: across the antimeridian)
	Equal    map[string]string // attribute = value filters (all must hold)
	Datetime string            // OGC datetime; refused: no collection has a temporal extent
	// Filter is a filter expression in FilterLang (filter.LangCQL2 when empty, OGC API –
	// Features Part 3's default) with geometry literals in FilterCRS (CRS84 when empty).
	Filter, FilterLang, FilterCRS string
	Limit, Offset                 int
	RawQuery                      string            // the request's query string, for the self and next links
	Who                           *access.Principal // the caller; nil: anonymous
}

// Page is a page of items as a GeoJSON FeatureCollection with OGC API – Features counts, the
// time it was made and links.
type Page struct {
	Type           string    `json:"type"`
	TimeStamp      string    `json:"timeStamp"`
	NumberMatched  int       `json:"numberMatched"`
	NumberReturned int       `json:"numberReturned"`
	Features       []Feature `json:"features"`
	Links          []Link    `json:"links"`
}

// Feature is one item.
type Feature struct {
	Type       string         `json:"type"`
	ID         uint64         `json:"id"`
	Geometry   Geometry       `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

const geoJSON = "application/geo+json"

// Geometry writes an orb geometry as a GeoJSON geometry object.
type Geometry struct{ orb.Geometry }

// MarshalJSON writes the GeoJSON geometry.
func (g Geometry) MarshalJSON() ([]byte, error) { return geojson.NewGeometry(g.Geometry).MarshalJSON() }

// Items returns a page of the features of q.Layer that meet q.BBox and pass the filters (all of
// them), in feature order; base is the public URL prefix of links.
func (s *Service) Items(q Query, base string) (*Page, error) {
	l, err := s.layer(q.Layer, q.Who)
	if err != nil {
		return nil, err
	}
	if q.Datetime != "" {
		return nil, data.Invalid("datetime is not supported by collection "+l.Spec.ID,
			"its features carry no time (the collection has no temporal extent): leave datetime out")
	}
	if q.Limit <= 0 {
		q.Limit = DefaultLimit
	}
	idx, err := matching(l, q)
	if err != nil {
		return nil, err
	}
	matched := len(idx)
	page := idx[min(q.Offset, matched):min(q.Offset+q.Limit, matched)]
	feats := make([]Feature, len(page))
	for k, i := range page {
		feats[k] = feature(l.Layer, i)
	}
	return &Page{Type: "FeatureCollection", TimeStamp: time.Now().UTC().Format(time.RFC3339), Features: feats,
		NumberMatched: matched, NumberReturned: len(feats), Links: pageLinks(base, l.Spec.ID, q, matched)}, nil
}

// pageLinks are the links of a page: itself, the next page (offset and limit, which GDAL and QGIS
// follow) and the previous one, and the collection.
func pageLinks(base, id string, q Query, matched int) []Link {
	col := base + "/collections/" + id
	links := []Link{{Rel: "self", Href: withQuery(col+"/items", q.RawQuery), Type: geoJSON, Title: "this page"}}
	if q.Offset+q.Limit < matched {
		next := withParams(q.RawQuery, "offset", strconv.Itoa(q.Offset+q.Limit), "limit", strconv.Itoa(q.Limit))
		links = append(links, Link{Rel: "next", Href: col + "/items?" + next, Type: geoJSON, Title: "next page"})
	}
	if q.Offset > 0 {
		prev := withParams(q.RawQuery, "offset", strconv.Itoa(max(q.Offset-q.Limit, 0)), "limit", strconv.Itoa(q.Limit))
		links = append(links, Link{Rel: "prev", Href: col + "/items?" + prev, Type: geoJSON, Title: "previous page"})
	}
	return append(links, Link{Rel: "collection", Href: col, Type: "application/json", Title: "the collection"})
}

// withQuery appends a query string to a URL, if there is one.
func withQuery(url, raw string) string {
	if raw == "" {
		return url
	}
	return url + "?" + raw
}

// feature is feature i of l as a GeoJSON Feature.
func feature(l *data.Layer, i int) Feature {
	return Feature{Type: "Feature", ID: l.ID(i), Geometry: Geometry{l.Geometry(i)}, Properties: l.Properties(i)}
}

// Item is one feature with its links: GET /collections/{id}/items/{featureId}.
type Item struct {
	Feature
	Links []Link `json:"links"`
}

// Item returns the feature of layer whose id is featureID (a decimal integer), if who may read
// the layer; base is the public URL prefix of links.
func (s *Service) Item(layer, featureID, base string, who *access.Principal) (*Item, error) {
	l, err := s.layer(layer, who)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseUint(featureID, 10, 64)
	i, ok := l.Find(id)
	if err != nil || !ok {
		return nil, data.Errorf(data.KindNotFound, "no feature %q in collection %q", featureID, layer)
	}
	col := base + "/collections/" + l.Spec.ID
	return &Item{Feature: feature(l.Layer, i),
		Links: []Link{
			{Rel: "self", Href: col + "/items/" + strconv.FormatUint(id, 10), Type: geoJSON, Title: "this feature"},
			{Rel: "collection", Href: col, Type: "application/json", Title: "the collection"},
		}}, nil
}

// matching returns the features of l whose geometry meets q.BBox and that pass q's filters, in
// feature order. Only the features whose bbox meets q.BBox (and the filter expression's own bbox,
// if it has one) are looked at; a feature whose bbox lies inside q.BBox is taken without reading
// its geometry.
func matching(l *indexes.Layer, q Query) ([]int, error) {
	filters, err := compile(l.Spec, q)
	if err != nil {
		return nil, err
	}
	var box *geo.BoxFilter
	if q.BBox != nil {
		box = geo.NewBoxFilter(*q.BBox)
	}
	idx := candidates(l, box, filters)
	kept := idx[:0]
	for _, i := range idx {
		if (box == nil || box.Meets(l.FeatureBound(i), func() orb.Geometry { return l.Geometry(i) })) && matchAll(filters, l.Layer, i) {
			kept = append(kept, i)
		}
	}
	return kept, nil
}

// compile binds the attribute filters and the filter expression of q to the layer.
func compile(spec *data.LayerSpec, q Query) ([]*filter.Filter, error) {
	var filters []*filter.Filter
	if len(q.Equal) > 0 {
		eq, err := equal(spec, q.Equal)
		if err != nil {
			return nil, err
		}
		filters = append(filters, eq)
	}
	expr, err := expression(spec, q)
	if expr != nil {
		filters = append(filters, expr)
	}
	return filters, err
}

// candidates are the features, in ascending order, whose bbox meets the box (nil: everywhere) and
// the bboxes of the filters that have one.
func candidates(l *indexes.Layer, box *geo.BoxFilter, filters []*filter.Filter) []int {
	var rects []orb.Bound // nil: everywhere
	if box != nil {
		rects = box.Bounds()
	}
	for _, f := range filters {
		if b, ok := f.Bound(); ok {
			rects = clipAll(rects, b)
		}
	}
	if rects == nil {
		idx := make([]int, l.Len())
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	idx := []int{}
	for k, r := range rects {
		idx = append(idx, l.Indexes(r)...)
		if k > 0 {
			slices.Sort(idx)
			idx = slices.Compact(idx)
		}
	}
	return idx
}

// clipAll is the parts of rects (nil: everywhere) that meet b; empty, not nil, when none does.
func clipAll(rects []orb.Bound, b orb.Bound) []orb.Bound {
	if rects == nil {
		return []orb.Bound{b}
	}
	out := []orb.Bound{}
	for _, r := range rects {
		if m := meet(&r, b); m != nil {
			out = append(out, *m)
		}
	}
	return out
}

// meet is the intersection of a (nil: everywhere) and b; nil when they do not meet.
func meet(a *orb.Bound, b orb.Bound) *orb.Bound {
	if a != nil {
		if !a.Intersects(b) {
			return nil
		}
		b = orb.Bound{Min: orb.Point{max(a.Min[0], b.Min[0]), max(a.Min[1], b.Min[1])},
			Max: orb.Point{min(a.Max[0], b.Max[0]), min(a.Max[1], b.Max[1])}}
	}
	return &b
}

func matchAll(filters []*filter.Filter, l *data.Layer, i int) bool {
	for _, f := range filters {
		if !f.Match(l, i) {
			return false
		}
	}
	return true
}

// expression parses the filter expression of a query and binds it to the layer (nil when there
// is none); the language and CRS are checked even then.
func expression(spec *data.LayerSpec, q Query) (*filter.Filter, error) {
	lang := q.FilterLang
	if lang == "" {
		lang = filter.LangCQL2
	}
	if err := filter.CheckSyntax(lang, q.FilterCRS); err != nil || q.Filter == "" {
		return nil, err
	}
	f, err := filter.ParseIn(lang, q.FilterCRS, q.Filter)
	if err != nil {
		return nil, err
	}
	return f.Bind(spec)
}

// equal checks the attribute filters of a query and compiles them.
func equal(spec *data.LayerSpec, values map[string]string) (*filter.Filter, error) {
	for k, v := range values {
		fd, ok := spec.Property(k) // a field, or a hazard layer's constant (scenario, horizon, ...)
		if !ok {
			return nil, data.Invalid("unknown query parameter "+strconv.Quote(k), "filters must name a field of "+spec.ID)
		}
		if _, err := data.Coerce(fd.Type, v); err != nil {
			return nil, data.Invalid("bad filter "+k, err.Error())
		}
	}
	return filter.Equal(spec, values)
}

// withParams sets query parameters (name, value pairs) in a raw query string, in place when
// present and appended otherwise, leaving the other parameters as they were.
func withParams(raw string, kv ...string) string {
	var parts []string
	if raw != "" {
		parts = strings.Split(raw, "&")
	}
	for k := 0; k+1 < len(kv); k += 2 {
		name, val, found := kv[k], kv[k+1], false
		for i, p := range parts {
			if n, _, _ := strings.Cut(p, "="); n == name {
				parts[i], found = name+"="+val, true
			}
		}
		if !found {
			parts = append(parts, name+"="+val)
		}
	}
	return strings.Join(parts, "&")
}
