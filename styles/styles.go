// Package styles builds MapLibre GL styles (spec version 8) and their legends for the catalog's
// layers from one table of definitions, so that a style and its legend never disagree; it also
// holds the embedded web viewer.
package styles

import (
	"slices"
	"strings"

	"github.com/cpec-digital/indus/data"
)

// Entry is what the styles need to know of a catalog layer (one entry of the style table).
type Entry struct {
	ID       string
	Theme    data.Theme
	Title    string
	Geometry string // GeoJSON type of its features: Point, LineString, Polygon, ...
	MinZoom  int
	MaxZoom  int
	Hazard   *data.Hazard // a hazard layer is drawn in its catalog classes' colours and labels
}

// Class is one colour of a layer: features whose Field equals Value (all features when Field is
// empty) are drawn in Color and listed in the legend as Label.
type Class struct {
	Value any
	Label string
	Color string
}

// Def is how one layer is drawn.
type Def struct {
	Kind    string  // fill, line or circle
	Field   string  // attribute the classes match on ("" = one class)
	Classes []Class // colours; the last one is also the fallback
	Opacity float64
	Width   any // line width or circle radius (a number or a MapLibre expression)
	Dash    []float64
	Outline string // fill outline / circle stroke colour
}

// Colour ramps: sequential ColorBrewer schemes (Greens), which read in order for colour-blind
// users; Dark2 qualitative colours for categories. Hazard layers are not here: their colours and
// labels are their catalog classes' (see hazardDef).
var defs = map[string]Def{
	"wetlands": {Kind: "fill", Field: "wetland_type", Opacity: 0.6, Classes: []Class{
		{"riparian", "Riparian wetland", "#74c476"}, {"delta", "Indus delta", "#238b45"}}},
	"rivers": {Kind: "line", Field: "level", Classes: []Class{
		{int64(10), "Irrigation canal", "#9ecae1"}, {nil, "River", "#3182bd"}},
		Width: []any{"interpolate", []any{"linear"}, []any{"zoom"}, 4, 0.6, 10, 2.5}},
	"gauges": {Kind: "circle", Classes: []Class{{nil, "River gauge (barrage)", "#08306b"}}, Width: 6, Outline: "#ffffff"},
	"villages": {Kind: "circle", Field: "fibre", Outline: "#ffffff", Classes: []Class{
		{true, "Village on fibre", "#1b9e77"}, {false, "Village without fibre", "#d95f02"}},
		Width: []any{"interpolate", []any{"linear"}, []any{"get", "population"}, 80, 2, 1000, 3, 5000, 5, 25000, 8}},
	"places": {Kind: "circle", Classes: []Class{{nil, "Town or city (radius by population)", "#525252"}}, Outline: "#ffffff",
		Width: []any{"interpolate", []any{"linear"}, []any{"get", "population"}, 1000, 3, 100000, 5, 1000000, 8, 12000000, 12}},
	"cpec_routes": {Kind: "line", Field: "route", Width: 3, Classes: []Class{
		{"Eastern alignment", "CPEC eastern alignment", "#7b3294"}, {"Western alignment", "CPEC western alignment", "#c2a5cf"}}},
	"facilities": {Kind: "circle", Field: "kind", Width: 4.5, Outline: "#ffffff", Classes: []Class{
		{"hospital", "Hospital", "#e7298a"}, {"rural_health_centre", "Rural health centre", "#66a61e"}, {"flood_shelter", "Flood shelter", "#e6ab02"}}},
	"country":   {Kind: "line", Width: 1.8, Classes: []Class{{nil, "Country boundary", "#252525"}}},
	"provinces": {Kind: "line", Width: 1, Dash: []float64{3, 2}, Classes: []Class{{nil, "Province boundary", "#737373"}}},
	"warnings": {Kind: "fill", Field: "severity", Opacity: 0.35, Outline: "#67000d", Classes: []Class{
		{"Extreme", "Warning: extreme", "#99000d"}, {"Severe", "Warning: severe", "#ef3b2c"},
		{"Moderate", "Warning: moderate", "#fc9272"}, {"Minor", "Warning: minor", "#fee0d2"}}},
}

// hazardDef draws a hazard layer's zones in its classes' colours, listed by their labels; a hazard
// of the climate theme (a climatology covering the whole country) is drawn lighter, so that what
// lies under it stays readable.
func hazardDef(l Entry) Def {
	d := Def{Kind: "fill", Field: l.Hazard.ClassField, Opacity: 0.45}
	if l.Theme == data.ThemeClimate {
		d.Opacity = 0.18
	}
	for _, c := range l.Hazard.Classes {
		d.Classes = append(d.Classes, Class{c.ID, c.Label, c.Colour})
	}
	return d
}

// fallback draws a layer the table does not know, by geometry, in its theme's colour.
var themeColor = map[data.Theme]string{
	data.ThemeHazards: "#cb181d", data.ThemeHydrology: "#2171b5", data.ThemeClimate: "#fd8d3c", data.ThemeEcology: "#238b45",
	data.ThemeSocioeconomic: "#6a51a3", data.ThemeInfrastructure: "#525252", data.ThemeAdmin: "#252525",
}

// DefOf returns how a layer is drawn.
func DefOf(l Entry) Def {
	if l.Hazard != nil && len(l.Hazard.Classes) > 0 {
		return hazardDef(l)
	}
	if d, ok := defs[l.ID]; ok {
		return d
	}
	c := []Class{{nil, l.Title, themeColor[l.Theme]}}
	switch {
	case strings.Contains(l.Geometry, "Polygon"):
		return Def{Kind: "fill", Opacity: 0.4, Classes: c, Outline: themeColor[l.Theme]}
	case strings.Contains(l.Geometry, "LineString"):
		return Def{Kind: "line", Width: 1.5, Classes: c}
	}
	return Def{Kind: "circle", Width: 4, Classes: c, Outline: "#ffffff"}
}

// colorExpr is the MapLibre colour of a definition: one colour, or a match on the field.
func (d Def) colorExpr() any {
	if d.Field == "" || len(d.Classes) == 1 {
		return d.Classes[0].Color
	}
	if _, isBool := d.Classes[0].Value.(bool); isBool { // match labels must be numbers or strings
		expr := []any{"case"}
		for _, c := range d.Classes[:len(d.Classes)-1] {
			expr = append(expr, []any{"==", []any{"get", d.Field}, c.Value}, c.Color)
		}
		return append(expr, d.Classes[len(d.Classes)-1].Color)
	}
	expr := []any{"match", []any{"get", d.Field}}
	var fallback string
	for _, c := range d.Classes {
		if c.Value == nil {
			fallback = c.Color
			continue
		}
		expr = append(expr, c.Value, c.Color)
	}
	if fallback == "" {
		fallback = d.Classes[len(d.Classes)-1].Color
	}
	return append(expr, fallback)
}

// drawOrder puts areas under lines under points, and warnings above the other areas.
func drawOrder(d Def, id string) int {
	switch {
	case id == "warnings":
		return 2
	case d.Kind == "fill":
		return 1
	case d.Kind == "line":
		return 3
	}
	return 4
}

// Names returns the style names: the seven themes and "indus" (all layers).
func Names() []string {
	var out []string
	for _, t := range data.Themes() {
		out = append(out, string(t.ID))
	}
	return append(out, "indus")
}

// Style builds the style of one theme, or of every layer for name "indus". server is the absolute
// URL of the Indus server (e.g. https://maps.example.org): TileJSON and tiles are under
// server/tiles/, the labels' glyphs at server/fonts/{fontstack}/{range}.pbf.
func Style(name string, layers []Entry, server string) (map[string]any, error) {
	if !slices.Contains(Names(), name) {
		return nil, data.Errorf(data.KindNotFound, "no style %q (styles: %s)", name, strings.Join(Names(), ", "))
	}
	var pick []Entry
	for _, l := range layers {
		if name == "indus" || string(l.Theme) == name {
			pick = append(pick, l)
		}
	}
	slices.SortStableFunc(pick, func(a, b Entry) int { return drawOrder(DefOf(a), a.ID) - drawOrder(DefOf(b), b.ID) })
	var ids []string
	for _, l := range pick {
		ids = append(ids, l.ID)
	}
	title := "Indus — all layers"
	for _, t := range data.Themes() {
		if string(t.ID) == name {
			title = "Indus — " + t.Title
		}
	}
	style := map[string]any{
		"version": 8,
		"name":    title,
		"center":  []float64{69.3, 30.4},
		"zoom":    4.6,
		"sources": map[string]any{},
		"layers": []any{map[string]any{"id": "background", "type": "background",
			"paint": map[string]any{"background-color": "#f4f1ea"}}},
		"metadata": map[string]any{"indus:style": name},
	}
	style["glyphs"] = server + "/fonts/{fontstack}/{range}.pbf"
	if len(ids) > 0 {
		style["sources"] = sources(ids, areaLabelled(pick), server+"/tiles/")
	}
	out := style["layers"].([]any)
	for _, l := range pick {
		out = append(out, mapLayers(l)...)
	}
	slices.SortStableFunc(pick, func(a, b Entry) int { return labelOrder(a.ID) - labelOrder(b.ID) })
	for _, l := range pick {
		if m, ok := labelLayer(l); ok {
			out = append(out, m)
		}
	}
	style["layers"] = out
	return style, nil
}

// sources are the style's vector sources: every layer's TileJSON, and the zoom-3 tiles of the
// layers whose areas are labelled.
func sources(ids, areas []string, tiles string) map[string]any {
	out := map[string]any{"indus": map[string]any{"type": "vector", "url": tiles + strings.Join(ids, ",") + ".json"}}
	if len(areas) > 0 {
		out[labelSource] = map[string]any{"type": "vector", "minzoom": 0, "maxzoom": 3,
			"tiles": []string{tiles + strings.Join(areas, ",") + "/{z}/{x}/{y}.mvt"}}
	}
	return out
}

func mapLayers(l Entry) []any {
	d := DefOf(l)
	meta := map[string]any{"indus:layer": l.ID, "indus:theme": string(l.Theme)}
	hidden := false
	if h := l.Hazard; h != nil {
		scenario, horizon := h.Climate()
		meta["indus:hazard"], meta["indus:scenario"], meta["indus:horizon"] = h.Kind, scenario, horizon
		hidden = !h.Historical() // projections are drawn on demand, not over today's maps
	}
	base := func(id, typ string, paint map[string]any) map[string]any {
		m := map[string]any{"id": id, "type": typ, "source": "indus", "source-layer": l.ID, "paint": paint, "metadata": meta,
			"minzoom": l.MinZoom, "maxzoom": 24}
		if hidden {
			m["layout"] = map[string]any{"visibility": "none"}
		}
		return m
	}
	switch d.Kind {
	case "fill":
		paint := map[string]any{"fill-color": d.colorExpr(), "fill-opacity": d.Opacity}
		layers := []any{base(l.ID, "fill", paint)}
		if d.Outline != "" {
			layers = append(layers, base(l.ID+"-outline", "line", map[string]any{"line-color": d.Outline, "line-width": 1.2}))
		}
		return layers
	case "line":
		paint := map[string]any{"line-color": d.colorExpr(), "line-width": width(d.Width, 1.5)}
		if d.Dash != nil {
			paint["line-dasharray"] = d.Dash
		}
		m := base(l.ID, "line", paint)
		layout := map[string]any{"line-cap": "round", "line-join": "round"}
		if hidden {
			layout["visibility"] = "none"
		}
		m["layout"] = layout
		return []any{m}
	}
	paint := map[string]any{"circle-color": d.colorExpr(), "circle-radius": width(d.Width, 4), "circle-opacity": 0.9}
	if d.Outline != "" {
		paint["circle-stroke-color"] = d.Outline
		paint["circle-stroke-width"] = 0.8
	}
	return []any{base(l.ID, "circle", paint)}
}

func width(w any, def float64) any {
	if w == nil {
		return def
	}
	return w
}

// LegendItem is one entry of a layer's legend.
type LegendItem struct {
	Label string `json:"label"`
	Color string `json:"color"`
	Value any    `json:"value,omitempty"`
}

// LegendLayer is the legend of one layer.
type LegendLayer struct {
	ID    string       `json:"id"`
	Theme data.Theme   `json:"theme"`
	Title string       `json:"title"`
	Kind  string       `json:"kind"`
	Field string       `json:"field,omitempty"`
	Items []LegendItem `json:"items"`
}

// Legend lists every layer's colours, from the same definitions as the styles.
func Legend(layers []Entry) []LegendLayer {
	var out []LegendLayer
	for _, l := range layers {
		d := DefOf(l)
		ll := LegendLayer{ID: l.ID, Theme: l.Theme, Title: l.Title, Kind: d.Kind, Field: d.Field}
		for _, c := range d.Classes {
			ll.Items = append(ll.Items, LegendItem{Label: c.Label, Color: c.Color, Value: c.Value})
		}
		out = append(out, ll)
	}
	return out
}

// String names a definition (for errors and logs).
