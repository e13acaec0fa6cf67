package pakistan

import (
	"embed"
	"fmt"
	"sort"

	"github.com/cpec-digital/indus/data/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// The real data: extracts made from npm and Debian packages (see sources/ and the README's data
// section for licences). They are copied, unmodified, into every materialized dataset.
//
//go:embed sources/*.geojson
var sourceFS embed.FS

// Source file names inside sources/.
const (
	fileCountry   = "pk-admin0-ne10m.geojson"
	fileProvinces = "pk-admin1-ne10m.geojson"
	filePlaces    = "pk-places-geonames.geojson"
	fileRivers    = "pk-rivers-gshhg-wdbii.geojson"
)

// Province is one first-level unit of Pakistan as administered today: a Natural Earth admin-1
// unit, with the Federally Administered Tribal Areas dissolved into Khyber Pakhtunkhwa.
type Province struct {
	Code, Name string // ISO 3166-2 code (PK-SD), English name
	Shape      orb.MultiPolygon
	Bound      orb.Bound
	Properties geojson.Properties // the Natural Earth attributes
}

// Place is one GeoNames populated place.
type Place struct {
	ID         int64
	Name       string
	Population int64
	Point      orb.Point
}

// River is one GSHHG/WDBII river or canal segment.
type River struct {
	Level int // 0 double-lined, 1 permanent major, 2 additional major, 3 additional, 4 minor, 5-6 intermittent, 10 canal
	Line  orb.LineString
}

// Sources is the real geography the derived layers are built from.
type Sources struct {
	Country   orb.MultiPolygon
	Provinces []Province
	Places    []Place
	Rivers    []River
}

func readFC(name string) (*geojson.FeatureCollection, error) {
	raw, err := sourceFS.ReadFile("sources/" + name)
	if err != nil {
		return nil, err
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return fc, nil
}

// LoadSources parses the embedded real data.
func LoadSources() (*Sources, error) {
	var s Sources
	fc, err := readFC(fileCountry)
	if err != nil {
		return nil, err
	}
	s.Country = geo.Polygons(fc.Features[0].Geometry)
	if fc, err = readFC(fileProvinces); err != nil {
		return nil, err
	}
	for _, f := range fc.Features {
		mp := geo.Polygons(f.Geometry)
		s.Provinces = append(s.Provinces, Province{Code: f.Properties.MustString("iso_3166_2", ""),
			Name: f.Properties.MustString("name_en", ""), Shape: mp, Bound: mp.Bound(), Properties: f.Properties})
	}
	if s.Provinces, err = dissolve(s.Provinces, codeFATA, codeKP); err != nil {
		return nil, err
	}
	sort.Slice(s.Provinces, func(i, j int) bool { return s.Provinces[i].Code < s.Provinces[j].Code })
	if fc, err = readFC(filePlaces); err != nil {
		return nil, err
	}
	for _, f := range fc.Features {
		s.Places = append(s.Places, Place{ID: int64(f.Properties.MustFloat64("geonameid", 0)),
			Name: f.Properties.MustString("name", ""), Population: int64(f.Properties.MustFloat64("population", 0)),
			Point: f.Geometry.(orb.Point)})
	}
	if fc, err = readFC(fileRivers); err != nil {
		return nil, err
	}
	for _, f := range fc.Features {
		s.Rivers = append(s.Rivers, River{Level: int(f.Properties.MustFloat64("level", -1)), Line: f.Geometry.(orb.LineString)})
	}
	return &s, nil
}

// The Federally Administered Tribal Areas were merged into Khyber Pakhtunkhwa by the 25th
// Amendment of the Constitution (31 May 2018); Natural Earth 4.1 still draws them apart.
const (
	codeFATA = "PK-TA"
	codeKP   = "PK-KP"
)

// dissolve merges province from into province into (the exact union of their shapes, with the
// attributes of into) and drops from.
func dissolve(ps []Province, from, into string) ([]Province, error) {
	var out []Province
	var parts []orb.Polygon
	at := -1
	for _, p := range ps {
		switch p.Code {
		case from:
			parts = append(parts, p.Shape...)
			continue
		case into:
			parts, at = append(parts, p.Shape...), len(out)
		}
		out = append(out, p)
	}
	if at < 0 || len(parts) == len(out[at].Shape) {
		return nil, fmt.Errorf("%s: no %s or no %s to dissolve into it", fileProvinces, from, into)
	}
	u, err := geo.Union(parts)
	if err != nil {
		return nil, fmt.Errorf("dissolving %s into %s: %w", from, into, err)
	}
	out[at].Shape, out[at].Bound = u, u.Bound()
	return out, nil
}

// ProvincesGeoJSON is the provinces layer of the default dataset: the Natural Earth units with
// FATA dissolved into Khyber Pakhtunkhwa, in code order.
func (s *Sources) ProvincesGeoJSON() ([]byte, error) {
	fc := geojson.NewFeatureCollection()
	for _, p := range s.Provinces {
		var g orb.Geometry = p.Shape
		if len(p.Shape) == 1 {
			g = p.Shape[0]
		}
		f := geojson.NewFeature(g)
		f.Properties = p.Properties
		fc.Append(f)
	}
	return fc.MarshalJSON()
}

// Place returns the place with the given name.
func (s *Sources) Place(name string) (Place, bool) {
	for _, p := range s.Places {
		if p.Name == name {
			return p, true
		}
	}
	return Place{}, false
}
