package data

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/paulmach/orb"
)

// Feature is one geographic feature as a source gives it: geometry in EPSG:4326 lon/lat and
// typed attributes (string, int64, float64 or bool, as the layer's fields declare).
type Feature struct {
	ID         uint64
	Geometry   orb.Geometry
	Properties map[string]any
}

// Reader reads the features of one catalog layer from its source, reprojected to EPSG:4326, with
// exactly the attributes the spec lists (see Coerce), into sink as it goes. Implementations name
// the source in errors.
type Reader interface {
	ReadLayer(ctx context.Context, cat *Catalog, spec *LayerSpec, sink Sink) error
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
