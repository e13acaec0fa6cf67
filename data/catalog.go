package data

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/cpec-digital/indus/data/access"

	"go.yaml.in/yaml/v3"

	"github.com/cpec-digital/indus/data/geo"
)

// Theme is one of the seven thematic corridors of the Digital CPEC Platform.
type Theme string

// The seven themes. A layer with any other theme is refused at load.
const (
	ThemeHazards        Theme = "hazards"
	ThemeHydrology      Theme = "hydrology"
	ThemeClimate        Theme = "climate"
	ThemeEcology        Theme = "ecology"
	ThemeSocioeconomic  Theme = "socioeconomic"
	ThemeInfrastructure Theme = "infrastructure"
	ThemeAdmin          Theme = "admin"
)

// ThemeInfo describes a theme for clients.
type ThemeInfo struct {
	ID    Theme  `json:"id"`
	Title string `json:"title"`
}

// Themes lists the seven themes in their canonical order.
var themes = []ThemeInfo{
	{ThemeHazards, "Natural hazards"},
	{ThemeHydrology, "Hydrology and early warning"},
	{ThemeClimate, "Climate"},
	{ThemeEcology, "Ecology"},
	{ThemeSocioeconomic, "Socio-economics"},
	{ThemeInfrastructure, "Infrastructure and connectivity"},
	{ThemeAdmin, "Administration and response"},
}

// Themes returns the seven themes in canonical order.
func Themes() []ThemeInfo { return slices.Clone(themes) }

// ValidTheme reports whether t is one of the seven themes.
func ValidTheme(t Theme) bool {
	return slices.ContainsFunc(themes, func(i ThemeInfo) bool { return i.ID == t })
}

// RiskRole says what part a layer plays in a risk assessment.
type RiskRole string

// Risk roles (Risk Data Library Standard).
const (
	RoleHazard        RiskRole = "hazard"
	RoleExposure      RiskRole = "exposure"
	RoleVulnerability RiskRole = "vulnerability"
	RoleContext       RiskRole = "context"
)

// Metadata is the 18 required metadata elements of a layer (ISO 19115 core, DCAT, STAC and the
// Risk Data Library Standard). Every element must be present; see Validate.
type Metadata struct {
	Identifier      string    `yaml:"identifier" json:"identifier"`
	Title           string    `yaml:"title" json:"title"`
	Abstract        string    `yaml:"abstract" json:"abstract"`
	Theme           Theme     `yaml:"theme" json:"theme"`
	Keywords        []string  `yaml:"keywords" json:"keywords"`
	TopicCategory   string    `yaml:"topic_category" json:"topic_category"`
	RiskRole        RiskRole  `yaml:"risk_role" json:"risk_role"`
	Measure         string    `yaml:"measure" json:"measure"`
	SpatialExtent   []float64 `yaml:"spatial_extent" json:"spatial_extent"` // WGS84 [west, south, east, north]
	TemporalExtent  string    `yaml:"temporal_extent" json:"temporal_extent"`
	ReferenceDate   string    `yaml:"reference_date" json:"reference_date"`
	CRS             string    `yaml:"crs" json:"crs"`
	Resolution      string    `yaml:"resolution" json:"resolution"` // spatial resolution or scale
	Lineage         string    `yaml:"lineage" json:"lineage"`
	Quality         string    `yaml:"quality" json:"quality"`
	License         string    `yaml:"license" json:"license"`
	Contact         string    `yaml:"contact" json:"contact"` // contact or publisher
	UpdateFrequency string    `yaml:"update_frequency" json:"update_frequency"`
	Attribution     string    `yaml:"attribution,omitempty" json:"attribution,omitempty"` // optional display text
}

// ISO 19115 MD_TopicCategoryCode values.
var topicCategories = []string{
	"farming", "biota", "boundaries", "climatologyMeteorologyAtmosphere", "economy", "elevation",
	"environment", "geoscientificInformation", "health", "imageryBaseMapsEarthCover",
	"intelligenceMilitary", "inlandWaters", "location", "oceans", "planningCadastre", "society",
	"structure", "transportation", "utilitiesCommunication",
}

// MetadataElements names the 18 required elements in their canonical order, as spelled in catalogs.
var metadataElements = []string{
	"identifier", "title", "abstract", "theme", "keywords", "topic_category", "risk_role", "measure",
	"spatial_extent", "temporal_extent", "reference_date", "crs", "resolution", "lineage", "quality",
	"license", "contact", "update_frequency",
}

// MetadataElements returns the names of the 18 required metadata elements.
func MetadataElements() []string { return slices.Clone(metadataElements) }

// missing returns the first required element that is absent or malformed, with a reason.
func (m *Metadata) missing() (element, reason string) {
	str := map[string]string{
		"identifier": m.Identifier, "title": m.Title, "abstract": m.Abstract, "theme": string(m.Theme),
		"topic_category": m.TopicCategory, "risk_role": string(m.RiskRole), "measure": m.Measure,
		"temporal_extent": m.TemporalExtent, "reference_date": m.ReferenceDate, "crs": m.CRS,
		"resolution": m.Resolution, "lineage": m.Lineage, "quality": m.Quality, "license": m.License,
		"contact": m.Contact, "update_frequency": m.UpdateFrequency,
	}
	for _, el := range metadataElements {
		switch el {
		case "keywords":
			if len(m.Keywords) == 0 || slices.Contains(m.Keywords, "") {
				return el, "is missing"
			}
		case "spatial_extent":
			if len(m.SpatialExtent) == 0 {
				return el, "is missing"
			}
			if err := checkBBox(m.SpatialExtent); err != "" {
				return el, err
			}
		default:
			if strings.TrimSpace(str[el]) == "" {
				return el, "is missing"
			}
		}
	}
	if !ValidTheme(m.Theme) {
		return "theme", fmt.Sprintf("%q is not one of the 7 themes (%s)", m.Theme, themeList())
	}
	if !slices.Contains(topicCategories, m.TopicCategory) {
		return "topic_category", fmt.Sprintf("%q is not an ISO 19115 topic category", m.TopicCategory)
	}
	switch m.RiskRole {
	case RoleHazard, RoleExposure, RoleVulnerability, RoleContext:
	default:
		return "risk_role", fmt.Sprintf("%q is not one of hazard, exposure, vulnerability, context", m.RiskRole)
	}
	return "", ""
}

func themeList() string {
	var s []string
	for _, t := range themes {
		s = append(s, string(t.ID))
	}
	return strings.Join(s, ", ")
}

func checkBBox(b []float64) string {
	if err := geo.CheckBBox(b); err != nil {
		return "is not a WGS84 bbox: " + err.Error()
	}
	return ""
}

// FieldType is the type of an attribute exposed by a layer.
type FieldType string

// Field types, as TileJSON and GeoJSON clients see them.
const (
	FieldString  FieldType = "string"
	FieldInteger FieldType = "integer"
	FieldNumber  FieldType = "number"
	FieldBoolean FieldType = "boolean"
)

// Field is one exposed attribute of a layer.
type Field struct {
	Name        string    `yaml:"name" json:"name"`
	Type        FieldType `yaml:"type" json:"type"`
	Description string    `yaml:"description" json:"description"`
}

// Class maps a raster value range (Min, Max] to a named class, e.g. a flood depth band.
type Class struct {
	Name string  `yaml:"name" json:"name"`
	Min  float64 `yaml:"min" json:"min"` // exclusive
	Max  float64 `yaml:"max" json:"max"` // inclusive; use a large number for "and above"
}

// Source says where a layer's features come from. Path is a file (relative to the catalog's folder)
// or any GDAL connection string such as "PG:dbname=gis".
type Source struct {
	Path string `yaml:"path" json:"path"`
	// Layer is the OGR layer name inside a multi-layer source (GeoPackage, PostGIS); empty: the first.
	Layer string `yaml:"layer,omitempty" json:"layer,omitempty"`
	// Raster sources are turned into polygons: each cell value goes to the class whose range holds it.
	Raster *RasterSource `yaml:"raster,omitempty" json:"raster,omitempty"`
	// IDField names an integer attribute to use as feature id; empty: the source's FID order.
	IDField string `yaml:"id_field,omitempty" json:"id_field,omitempty"`
}

// RasterSource configures the polygonization of a raster band.
type RasterSource struct {
	Band       int     `yaml:"band" json:"band"`
	ClassField string  `yaml:"class_field" json:"class_field"` // attribute that receives the class name
	Classes    []Class `yaml:"classes" json:"classes"`
}

// LayerSpec is one catalog entry: what a layer is and where its data come from.
type LayerSpec struct {
	ID      string  `yaml:"id" json:"id"`
	Theme   Theme   `yaml:"theme" json:"theme"`
	Source  Source  `yaml:"source" json:"-"`
	MinZoom int     `yaml:"minzoom" json:"minzoom"`
	MaxZoom int     `yaml:"maxzoom" json:"maxzoom"`
	Fields  []Field `yaml:"fields" json:"fields"`
	Hazard  *Hazard `yaml:"hazard,omitempty" json:"hazard,omitempty"`
	// KeyField names the attribute that identifies a feature to users (e.g. a province's ISO code);
	// risk queries accept it for admin units.
	KeyField string   `yaml:"key_field,omitempty" json:"key_field,omitempty"`
	Metadata Metadata `yaml:"metadata" json:"metadata"`
	// Access says who may read the layer: public (the default) or members of some groups.
	Access access.Rule `yaml:"access,omitempty" json:"access,omitzero"`
}

// Field returns the field named name.
func (l *LayerSpec) Field(name string) (Field, bool) {
	i := slices.IndexFunc(l.Fields, func(f Field) bool { return f.Name == name })
	if i < 0 {
		return Field{}, false
	}
	return l.Fields[i], true
}

// FieldIndex returns the index in Fields of the field named name, or -1.
func (l *LayerSpec) FieldIndex(name string) int {
	return slices.IndexFunc(l.Fields, func(f Field) bool { return f.Name == name })
}

// Catalog is the list of layers a server loads, as read from a YAML file.
type Catalog struct {
	Name        string      `yaml:"name" json:"name"`
	Description string      `yaml:"description" json:"description"`
	Attribution string      `yaml:"attribution" json:"attribution"`
	Layers      []LayerSpec `yaml:"layers" json:"layers"`
	// Dir is the folder that relative source paths resolve against (set by the loader).
	Dir string `yaml:"-" json:"-"`
}

// Layer returns the spec of the layer with the given id.
func (c *Catalog) Layer(id string) (*LayerSpec, bool) {
	for i := range c.Layers {
		if c.Layers[i].ID == id {
			return &c.Layers[i], true
		}
	}
	return nil, false
}

// ResolvePath turns a source path into what GDAL should open: connection strings and absolute
// paths are kept; relative paths resolve against the catalog's folder.
func (c *Catalog) ResolvePath(p string) string {
	if connString.MatchString(p) || filepath.IsAbs(p) {
		return p // "PG:dbname=gis", "GPKG:file.gpkg:layer", "/vsizip/..." and absolute paths
	}
	return filepath.Join(c.Dir, p)
}

var connString = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]+:`)

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// MaxZoom is the deepest zoom level a layer may declare.
const MaxZoom = 22

// ParseCatalog reads and validates a YAML catalog. Unknown keys are refused so that typos surface.
// dir is the folder that relative source paths resolve against.
func ParseCatalog(r io.Reader, dir string) (*Catalog, error) {
	raw, err := io.ReadAll(io.LimitReader(r, 16<<20))
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var c Catalog
	if err := dec.Decode(&c); err != nil {
		if err == io.EOF {
			return nil, Invalid("catalog is empty", "")
		}
		return nil, &Error{Kind: KindInvalid, Msg: "catalog is not valid YAML", Err: err}
	}
	c.Dir = dir
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks every layer: a unique id, one of the 7 themes, all 18 metadata elements, a sane
// zoom range, typed fields, for rasters non-overlapping classes and for hazard layers a complete
// hazard block (see Hazard) that no other layer maps. The error names the layer and the element,
// and for a hazard block the line it was written on. A raster hazard layer's source.raster takes
// the hazard's class field and classes when it leaves them out.
func (c *Catalog) Validate() error {
	if len(c.Layers) == 0 {
		return Invalid("catalog has no layers", "")
	}
	seen, claimed := map[string]bool{}, map[string]string{}
	for i := range c.Layers {
		l := &c.Layers[i]
		name := l.ID
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		if err := l.checkHazard(name, claimed); err != nil {
			return err
		}
		if element, reason := l.problem(seen); element != "" {
			return Invalid(fmt.Sprintf("layer %q: %s %s", name, element, reason), "")
		}
		seen[l.ID] = true
	}
	return nil
}

// problem returns the first element of the layer that is wrong and why, or "".
func (l *LayerSpec) problem(seen map[string]bool) (element, reason string) {
	switch {
	case !idPattern.MatchString(l.ID):
		return "id", "must match " + idPattern.String()
	case seen[l.ID]:
		return "id", "is used by another layer"
	case !ValidTheme(l.Theme):
		return "theme", fmt.Sprintf("%q is not one of the 7 themes (%s)", l.Theme, themeList())
	}
	if el, why := l.Metadata.missing(); el != "" {
		return "metadata element " + el, why
	}
	switch {
	case l.Metadata.Theme != l.Theme:
		return "metadata element theme", fmt.Sprintf("%q differs from the layer theme %q", l.Metadata.Theme, l.Theme)
	case l.Source.Path == "":
		return "source.path", "is missing"
	case l.MinZoom < 0 || l.MaxZoom > MaxZoom || l.MinZoom > l.MaxZoom:
		return "zoom range", fmt.Sprintf("[%d, %d] must satisfy 0 <= minzoom <= maxzoom <= %d", l.MinZoom, l.MaxZoom, MaxZoom)
	}
	fields := map[string]bool{}
	for _, f := range l.Fields {
		switch f.Type {
		case FieldString, FieldInteger, FieldNumber, FieldBoolean:
		default:
			return "field " + f.Name, fmt.Sprintf("has type %q (want string, integer, number or boolean)", f.Type)
		}
		if f.Name == "" || fields[f.Name] {
			return "field " + f.Name, "is empty or repeated"
		}
		fields[f.Name] = true
	}
	if r := l.Source.Raster; r != nil {
		if el, why := r.problem(fields); el != "" {
			return el, why
		}
	}
	if l.KeyField != "" && !fields[l.KeyField] {
		return "key_field", "must name one of the layer's fields"
	}
	return "", ""
}

// problem returns what is wrong with a raster source: its band, class field or classes.
func (r *RasterSource) problem(fields map[string]bool) (element, reason string) {
	switch {
	case r.Band < 1:
		return "source.raster.band", "must be 1 or more"
	case r.ClassField == "" || !fields[r.ClassField]:
		return "source.raster.class_field", "must name one of the layer's fields"
	case len(r.Classes) == 0 || len(r.Classes) > 250:
		return "source.raster.classes", "must list 1 to 250 classes"
	}
	for j, cl := range r.Classes {
		if cl.Name == "" || !(cl.Min < cl.Max) {
			return "source.raster.classes", fmt.Sprintf("class %d needs a name and min < max", j+1)
		}
		if j > 0 && cl.Min < r.Classes[j-1].Max {
			return "source.raster.classes", fmt.Sprintf("class %q overlaps the class before it (sort classes by min)", cl.Name)
		}
	}
	return "", ""
}

// LoadCatalogFile reads and validates a catalog file; relative source paths resolve against its folder.
func LoadCatalogFile(path string) (*Catalog, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Kind: KindInvalid, Msg: "cannot read catalog " + path, Err: err}
	}
	defer f.Close()
	c, err := ParseCatalog(f, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	return c, nil
}
