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

// Province is one Natural Earth admin-1 unit.
type Province struct {
	Code, Name string // ISO 3166-2 code (PK-SD), English name
	Shape      orb.MultiPolygon
	Bound      orb.Bound
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
			Name: f.Properties.MustString("name_en", ""), Shape: mp, Bound: mp.Bound()})
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

// Place returns the place with the given name.
func (s *Sources) Place(name string) (Place, bool) {
	for _, p := range s.Places {
		if p.Name == name {
			return p, true
		}
	}
	return Place{}, false
}
