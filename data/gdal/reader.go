// Package gdal reads catalog layers through GDAL/OGR (vector sources and classified rasters) and
// writes GeoTIFFs; it is the only package in Indus that uses cgo.
package gdal

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"

	godal "github.com/lukeroth/gdal"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/cpec-digital/indus/data"
)

// Reader reads layers with GDAL on a pool of thread-locked workers. It implements data.Reader.
type Reader struct {
	pool *pool
}

// NewReader starts a reader with the given number of GDAL workers (one per core is a good choice).
func NewReader(workers int) *Reader { return &Reader{pool: newPool(workers)} }

// Close stops the workers.
func (r *Reader) Close() { r.pool.close() }

// ReadLayer reads spec's source: a vector layer, or a raster band turned into class polygons.
func (r *Reader) ReadLayer(ctx context.Context, cat *data.Catalog, spec *data.LayerSpec) ([]data.Feature, error) {
	path := cat.ResolvePath(spec.Source.Path)
	var feats []data.Feature
	err := r.pool.do(ctx, func() error {
		var err error
		if spec.Source.Raster != nil {
			feats, err = readRaster(ctx, path, spec)
		} else {
			feats, err = readVector(ctx, path, spec)
		}
		return err
	})
	if err != nil {
		var de *data.Error
		if errors.As(err, &de) {
			return nil, err
		}
		return nil, &data.Error{Kind: data.KindInvalid, Msg: fmt.Sprintf("layer %q: reading %s", spec.ID, redact(path)), Err: err}
	}
	return feats, nil
}

// redact hides a password in a PG: connection string.
func redact(path string) string {
	if !strings.HasPrefix(path, "PG:") {
		return path
	}
	var out []string
	for _, kv := range strings.Fields(path[3:]) {
		if strings.HasPrefix(kv, "password=") {
			kv = "password=***"
		}
		out = append(out, kv)
	}
	return "PG:" + strings.Join(out, " ")
}

// gdalErr builds an error from GDAL's thread-local message, falling back to what the binding said.
func gdalErr(what string, fallback error) error {
	msg := lastError()
	if msg == "" && fallback != nil {
		msg = fallback.Error()
	}
	if msg == "" {
		msg = "unknown GDAL error"
	}
	return fmt.Errorf("%s: %s", what, msg)
}

func open(path string, flags godal.OpenFlag) (godal.Dataset, error) {
	if !strings.Contains(path, ":") || strings.HasPrefix(path, "/") {
		if _, err := os.Stat(path); err != nil {
			return godal.Dataset{}, fmt.Errorf("cannot open: %w", err)
		}
	}
	resetError()
	ds, err := godal.OpenEx(path, flags|godal.OFReadOnly|godal.OFVerbose_Error, nil, nil, nil)
	if err != nil {
		return godal.Dataset{}, gdalErr("GDAL cannot open it", err)
	}
	return ds, nil
}

// wgs84 returns EPSG:4326 with lon/lat axis order. The caller destroys it.
func wgs84() (godal.SpatialReference, error) {
	sr := godal.CreateSpatialReference("")
	if err := sr.FromEPSG(4326); err != nil {
		sr.Destroy()
		return sr, gdalErr("EPSG:4326", err)
	}
	sr.SetAxisMappingStrategy(godal.OAMS_TraditionalGisOrder)
	return sr, nil
}

// transformTo4326 returns a transform from src to lon/lat, or ok=false when src already is lon/lat
// WGS84. The caller destroys the transform.
func transformTo4326(src godal.SpatialReference) (ct godal.CoordinateTransform, ok bool, err error) {
	dst, err := wgs84()
	if err != nil {
		return ct, false, err
	}
	defer dst.Destroy()
	if src.IsSame(dst) {
		return ct, false, nil
	}
	// Compare in lon/lat order whatever the source's own axis order says.
	src.SetAxisMappingStrategy(godal.OAMS_TraditionalGisOrder)
	resetError()
	ct = godal.CreateCoordinateTransform(src, dst)
	if ct == (godal.CoordinateTransform{}) || lastError() != "" {
		return ct, false, gdalErr("no transformation to EPSG:4326", nil)
	}
	return ct, true, nil
}

func readVector(ctx context.Context, path string, spec *data.LayerSpec) ([]data.Feature, error) {
	ds, err := open(path, godal.OFVector)
	if err != nil {
		return nil, err
	}
	defer ds.Close()
	var layer godal.Layer
	if spec.Source.Layer != "" {
		layer = ds.LayerByName(spec.Source.Layer)
		if layer == (godal.Layer{}) {
			return nil, fmt.Errorf("no layer named %q", spec.Source.Layer)
		}
	} else {
		layer = ds.LayerByIndex(0)
		if layer == (godal.Layer{}) {
			return nil, errors.New("it has no vector layer")
		}
	}
	return readFeatures(ctx, layer, spec, nil)
}

// classNames maps a raster class index (1-based) to its name, for polygons made by readRaster.
type classNames []string

func readFeatures(ctx context.Context, layer godal.Layer, spec *data.LayerSpec, classes classNames) ([]data.Feature, error) {
	var ct godal.CoordinateTransform
	var transform bool
	if sr := layer.SpatialReference(); sr != (godal.SpatialReference{}) {
		var err error
		ct, transform, err = transformTo4326(sr)
		if err != nil {
			return nil, err
		}
		if transform {
			defer ct.Destroy()
		}
	}
	def := layer.Definition()
	var cols []column
	idIndex := -1
	for _, f := range spec.Fields {
		if classes != nil && f.Name == spec.Source.Raster.ClassField {
			continue
		}
		i := def.FieldIndex(f.Name)
		if i < 0 {
			return nil, fmt.Errorf("attribute %q (declared in the catalog) is not in the source", f.Name)
		}
		cols = append(cols, column{f, i})
	}
	if spec.Source.IDField != "" {
		if idIndex = def.FieldIndex(spec.Source.IDField); idIndex < 0 {
			return nil, fmt.Errorf("id_field %q is not in the source", spec.Source.IDField)
		}
	}
	classIndex := -1
	if classes != nil {
		classIndex = def.FieldIndex("class")
	}
	layer.ResetReading()
	var feats []data.Feature
	for n := uint64(0); ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		resetError()
		f := layer.NextFeature()
		if f == nil {
			if msg := lastError(); msg != "" {
				return nil, fmt.Errorf("reading feature %d: %s", n, msg)
			}
			break
		}
		feat, keep, err := convertFeature(f, n, ct, transform, cols, idIndex, classIndex, classes, spec)
		f.Destroy()
		if err != nil {
			return nil, err
		}
		if keep {
			feats = append(feats, feat)
		}
	}
	return feats, nil
}

// column is a declared field and its index in the OGR feature definition.
type column struct {
	field data.Field
	index int
}

func convertFeature(f *godal.Feature, n uint64, ct godal.CoordinateTransform, transform bool, cols []column,
	idIndex, classIndex int, classes classNames, spec *data.LayerSpec) (data.Feature, bool, error) {
	g := f.Geometry()
	if g == (godal.Geometry{}) || g.IsEmpty() {
		return data.Feature{}, false, nil // features without geometry are not map features
	}
	g.FlattenTo2D()
	if transform {
		resetError()
		if err := g.Transform(ct); err != nil {
			return data.Feature{}, false, gdalErr(fmt.Sprintf("feature %d: reprojecting to EPSG:4326", n), err)
		}
	}
	raw, err := g.ToWKB()
	if err != nil {
		return data.Feature{}, false, gdalErr(fmt.Sprintf("feature %d: exporting geometry", n), err)
	}
	geom, err := wkb.Unmarshal(raw)
	if err != nil {
		return data.Feature{}, false, fmt.Errorf("feature %d: geometry type %s is not supported: %v", n, g.Name(), err)
	}
	geom = dropEmptyParts(geom)
	if geom == nil {
		return data.Feature{}, false, nil
	}
	id := n
	if fid := f.FID(); fid >= 0 {
		id = uint64(fid)
	}
	if idIndex >= 0 {
		v := f.FieldAsInteger64(idIndex)
		if v < 0 || !f.IsFieldSetAndNotNull(idIndex) {
			return data.Feature{}, false, fmt.Errorf("feature %d: id_field %q is null or negative", n, spec.Source.IDField)
		}
		id = uint64(v)
	}
	props, err := attributes(f, cols)
	if err != nil {
		return data.Feature{}, false, fmt.Errorf("feature %d: %w", n, err)
	}
	if classes != nil {
		k := f.FieldAsInteger(classIndex)
		if k < 1 || k > len(classes) {
			return data.Feature{}, false, nil // unclassified cells
		}
		props[spec.Source.Raster.ClassField] = classes[k-1]
	}
	return data.Feature{ID: id, Geometry: geom, Properties: props}, true, nil
}

// attributes reads the declared fields of f, converted to their declared types; null and unset
// fields are left out.
func attributes(f *godal.Feature, cols []column) (map[string]any, error) {
	props := make(map[string]any, len(cols)+1)
	for _, c := range cols {
		if !f.IsFieldSetAndNotNull(c.index) {
			continue
		}
		var raw any
		switch f.FieldDefinition(c.index).Type() {
		case godal.FT_Integer, godal.FT_Integer64:
			raw = f.FieldAsInteger64(c.index)
		case godal.FT_Real:
			raw = f.FieldAsFloat64(c.index)
		default:
			raw = f.FieldAsString(c.index)
		}
		v, err := data.Coerce(c.field.Type, raw)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %v", c.field.Name, err)
		}
		props[c.field.Name] = v
	}
	return props, nil
}

// dropEmptyParts removes empty members of multi-geometries; it returns nil if nothing is left.
func dropEmptyParts(g orb.Geometry) orb.Geometry {
	switch t := g.(type) {
	case orb.MultiPolygon:
		out := t[:0]
		for _, p := range t {
			if len(p) > 0 && len(p[0]) >= 4 {
				out = append(out, p)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case orb.MultiLineString:
		out := t[:0]
		for _, l := range t {
			if len(l) >= 2 {
				out = append(out, l)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case orb.LineString:
		if len(t) < 2 {
			return nil
		}
	case orb.Polygon:
		if len(t) == 0 || len(t[0]) < 4 {
			return nil
		}
	case orb.Point:
		if math.IsNaN(t[0]) {
			return nil
		}
	}
	return g
}
