package styles

// Label is how a layer's features are named on the map: one MapLibre symbol layer.
type Label struct {
	Text    any    // text-field: an expression over the feature's attributes
	Bold    bool   // Noto Sans Bold (and Noto Naskh Arabic Bold) instead of Regular
	Size    any    // text-size in pixels (a number or an expression)
	Color   string // text colour; the halo is white
	MinZoom int    // no label below this zoom (the layer's own minzoom if higher)
	Filter  any    // which features are labelled (an expression; may step on the zoom)
	Sort    any    // symbol-sort-key: features with lower keys are placed first
	Line    bool   // along the lines (rivers) instead of at points
	Beside  bool   // beside a point's circle (text-variable-anchor) instead of centred on it
	// Area labels polygons once each: from the zoom-3 tile (source "indus-labels", maxzoom 3,
	// overzoomed), where a province is one polygon, rather than once per tile it crosses.
	Area bool
}

// The fontstacks of labels: Noto Sans, and Noto Naskh Arabic for Arabic script (Urdu), which
// share their vertical metrics; the server makes their glyphs (styles/glyphs).
func fontStack(bold bool) []string {
	if bold {
		return []string{"Noto Sans Bold", "Noto Naskh Arabic Bold"}
	}
	return []string{"Noto Sans Regular", "Noto Naskh Arabic Regular"}
}

// name is a feature's name: the first of its name attributes that it has.
func name(fields ...string) []any {
	expr := []any{"coalesce"}
	for _, f := range fields {
		expr = append(expr, []any{"get", f})
	}
	return expr
}

// twoLines is a name with a second, smaller line (empty when the feature lacks it); second is a
// coalesce expression (name).
func twoLines(first, second []any, scale float64) []any {
	return []any{"format", first, map[string]any{}, "\n", map[string]any{}, append(second, ""), map[string]any{"font-scale": scale}}
}

// labels is the table of labelled layers; the others carry no names.
var labels = map[string]Label{
	// the four provinces before the territories
	"provinces": {Text: twoLines(name("name_en", "name"), name("name_ur"), 1), Bold: true, Color: "#4a4a4a", MinZoom: 3, Area: true,
		Size: []any{"interpolate", []any{"linear"}, []any{"zoom"}, 4, 12, 8, 18},
		Sort: []any{"match", []any{"get", "type_en"}, "Province", 0, 1}},
	"places":   placesLabel(),
	"villages": {Text: name("name", "name_en"), Size: 10, Color: "#525252", MinZoom: 10, Beside: true, Sort: []any{"-", []any{"get", "population"}}},
	"gauges":   {Text: twoLines(name("name"), name("river"), 0.85), Size: 11, Color: "#08306b", MinZoom: 5, Beside: true},
	"rivers":   {Text: name("name", "name_en"), Size: 11, Color: "#2171b5", MinZoom: 7, Line: true},
}

// placesLabel names towns and cities: the bigger the place, the sooner (from zoom 3 the millionaire
// cities, then 200,000+ at 5, 50,000+ at 6, 10,000+ at 7, all at 8), the larger and the likelier
// to be placed.
func placesLabel() Label {
	pop := []any{"get", "population"}
	atLeast := func(n int) []any { return []any{">=", pop, n} }
	return Label{Text: name("name", "name_en"), Color: "#252525", Beside: true,
		Size:   []any{"interpolate", []any{"linear"}, pop, 1000, 10, 100000, 11, 1000000, 13, 10000000, 16},
		Filter: []any{"step", []any{"zoom"}, atLeast(1000000), 5, atLeast(200000), 6, atLeast(50000), 7, atLeast(10000), 8, true},
		Sort:   []any{"-", pop}}
}

// labelOrder places labels: later layers are placed first in MapLibre, so province names win
// over towns, towns over gauges, and so on.
func labelOrder(id string) int {
	switch id {
	case "rivers":
		return 1
	case "villages":
		return 2
	case "gauges":
		return 3
	case "places":
		return 4
	}
	return 5
}

// labelLayer is the symbol layer of a labelled layer; ok is false for the others.
func labelLayer(l Entry) (map[string]any, bool) {
	lb, ok := labels[l.ID]
	if !ok {
		return nil, false
	}
	layout := map[string]any{"text-field": lb.Text, "text-font": fontStack(lb.Bold), "text-size": lb.Size,
		"text-max-width": 8, "text-line-height": 1.25, "text-padding": 3}
	switch {
	case lb.Line:
		layout["symbol-placement"] = "line"
		layout["symbol-spacing"] = 350
		layout["text-letter-spacing"] = 0.05
	case lb.Beside:
		layout["text-variable-anchor"] = []string{"left", "right", "top", "bottom"}
		layout["text-radial-offset"] = 0.6
		layout["text-justify"] = "auto"
	}
	if lb.Sort != nil {
		layout["symbol-sort-key"] = lb.Sort
	}
	m := map[string]any{"id": l.ID + "-label", "type": "symbol", "source": "indus", "source-layer": l.ID,
		"minzoom": max(l.MinZoom, lb.MinZoom), "maxzoom": 24, "layout": layout,
		"paint":    map[string]any{"text-color": lb.Color, "text-halo-color": "#ffffff", "text-halo-width": 1.5, "text-halo-blur": 0.5},
		"metadata": map[string]any{"indus:layer": l.ID, "indus:theme": string(l.Theme), "indus:label": true}}
	if lb.Area {
		m["source"] = labelSource
	}
	if lb.Filter != nil {
		m["filter"] = lb.Filter
	}
	return m, true
}

// labelSource is the source of area labels: the same tiles, from zoom 3 only (overzoomed
// further in), so that each polygon is whole in one tile and named once.
const labelSource = "indus-labels"

// areaLabelled are the ids of the layers named from labelSource.
func areaLabelled(layers []Entry) []string {
	var out []string
	for _, l := range layers {
		if labels[l.ID].Area {
			out = append(out, l.ID)
		}
	}
	return out
}
