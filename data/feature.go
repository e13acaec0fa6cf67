package data

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/paulmach/orb"
)

// Feature is one geographic feature: geometry in EPSG:4326 lon/lat and typed attributes.
// Property values are string, int64, float64 or bool, as the layer's fields declare.
type Feature struct {
	ID         uint64
	Geometry   orb.Geometry
	Properties map[string]any
}

// Layer is a loaded catalog layer: its spec and its features.
type Layer struct {
	Spec     *LayerSpec
	Features []Feature
	Bound    orb.Bound
}

// Reader reads the features of one catalog layer from its source, reprojected to EPSG:4326, with
// exactly the attributes the spec lists (see Coerce). Implementations name the source in errors.
type Reader interface {
	ReadLayer(ctx context.Context, cat *Catalog, spec *LayerSpec) ([]Feature, error)
}

// Coerce converts a raw attribute value to the declared field type, or reports why it cannot.
// nil stays nil (a null attribute).
func Coerce(t FieldType, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t {
	case FieldString:
		switch x := v.(type) {
		case string:
			return x, nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		case bool:
			return strconv.FormatBool(x), nil
		}
	case FieldInteger:
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x), nil
			}
		case string:
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				return n, nil
			}
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case FieldNumber:
		switch x := v.(type) {
		case float64:
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				return x, nil
			}
		case int64:
			return float64(x), nil
		case string:
			if f, err := strconv.ParseFloat(x, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
				return f, nil
			}
		}
	case FieldBoolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, nil
			}
		}
	}
	return nil, fmt.Errorf("value %v (%T) is not a valid %s", v, v, t)
}

// CheckLonLat reports an error if any coordinate of g is not finite or lies outside the WGS84
// lon/lat range; it is how a mis-projected source is caught.
func CheckLonLat(g orb.Geometry) error {
	var bad error
	eachPoint(g, func(p orb.Point) bool {
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) ||
			p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
			bad = fmt.Errorf("coordinate (%g, %g) is outside the WGS84 lon/lat range", p[0], p[1])
			return false
		}
		return true
	})
	return bad
}

func eachPoint(g orb.Geometry, fn func(orb.Point) bool) bool {
	switch g := g.(type) {
	case orb.Point:
		return fn(g)
	case orb.MultiPoint:
		for _, p := range g {
			if !fn(p) {
				return false
			}
		}
	case orb.LineString:
		return eachPoint(orb.MultiPoint(g), fn)
	case orb.Ring:
		return eachPoint(orb.MultiPoint(g), fn)
	case orb.MultiLineString:
		for _, l := range g {
			if !eachPoint(orb.MultiPoint(l), fn) {
				return false
			}
		}
	case orb.Polygon:
		for _, r := range g {
			if !eachPoint(orb.MultiPoint(r), fn) {
				return false
			}
		}
	case orb.MultiPolygon:
		for _, p := range g {
			if !eachPoint(p, fn) {
				return false
			}
		}
	case orb.Collection:
		for _, c := range g {
			if !eachPoint(c, fn) {
				return false
			}
		}
	case orb.Bound:
		return eachPoint(g.ToPolygon(), fn)
	}
	return true
}
