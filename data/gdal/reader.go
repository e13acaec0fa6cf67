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
func (r *Reader) ReadLayer(ctx context.Context, cat *data.Catalog, spec *data.LayerSpec, sink data.Sink) error {
	path := cat.ResolvePath(spec.Source.Path)
	err := r.pool.do(ctx, func() error {
		if spec.Source.Raster != nil {
			return readRaster(ctx, path, spec, sink)
		}
		return readVector(ctx, path, spec, sink)
	})
	if err != nil {
		var de *data.Error
		if errors.As(err, &de) {
			return err
		}
		return &data.Error{Kind: data.KindInvalid, Msg: fmt.Sprintf("layer %q: reading %s", spec.ID, redact(path)), Err: err}
	}
	return nil
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

func readVector(ctx context.Context, path string, spec *data.LayerSpec, sink data.Sink) error {
	ds, err := open(path, godal.OFVector)
	if err != nil {
		return err
	}
	defer ds.Close()
	var layer godal.Layer
	if spec.Source.Layer != "" {
		layer = ds.LayerByName(spec.Source.Layer)
		if layer == (godal.Layer{}) {
			return fmt.Errorf("no layer named %q", spec.Source.Layer)
		}
	} else {
		layer = ds.LayerByIndex(0)
		if layer == (godal.Layer{}) {
			return errors.New("it has no vector layer")
		}
	}
	return readFeatures(ctx, layer, spec, nil, sink)
}

// classNames maps a raster class index (1-based) to its name, for polygons made by readRaster.
type classNames []string

func readFeatures(ctx context.Context, layer godal.Layer, spec *data.LayerSpec, classes classNames, sink data.Sink) error {
	var ct godal.CoordinateTransform
	var transform bool
	if sr := layer.SpatialReference(); sr != (godal.SpatialReference{}) {
		var err error
		ct, transform, err = transformTo4326(sr)
		if err != nil {
			return err
		}
		if transform {
			defer ct.Destroy()
		}
	}
	rd, err := newRowReader(layer, spec, classes)
	if err != nil {
		return err
	}
	rd.ct, rd.transform = ct, transform
	layer.ResetReading()
	for n := uint64(0); ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		resetError()
		f := layer.NextFeature()
		if f == nil {
			if msg := lastError(); msg != "" {
				return fmt.Errorf("reading feature %d: %s", n, msg)
			}
			return nil
		}
		id, geom, err := rd.read(f, n)
		f.Destroy()
		if err == nil && geom != nil {
			err = sink.Add(id, geom, rd.vals)
		}
		if err != nil {
			return err
		}
	}
}

// column is a declared field: its slot in the layer's fields, and its index and type in the OGR
// feature definition.
type column struct {
	field data.Field
	slot  int
	index int
	ogr   godal.FieldType
}

// rowReader converts OGR features into an id, a lon/lat geometry and the declared values.
type rowReader struct {
	spec       *data.LayerSpec
	cols       []column
	idIndex    int
	classIndex int
	classSlot  int
	classes    classNames
	ct         godal.CoordinateTransform
	transform  bool
	vals       []data.Value // reused for every feature
}

func newRowReader(layer godal.Layer, spec *data.LayerSpec, classes classNames) (*rowReader, error) {
	def := layer.Definition()
	rd := &rowReader{spec: spec, classes: classes, idIndex: -1, classIndex: -1, classSlot: -1, vals: make([]data.Value, len(spec.Fields))}
	for k, f := range spec.Fields {
		if classes != nil && f.Name == spec.Source.Raster.ClassField {
			rd.classSlot = k
			continue
		}
		i := def.FieldIndex(f.Name)
		if i < 0 {
			return nil, fmt.Errorf("attribute %q (declared in the catalog) is not in the source", f.Name)
		}
		rd.cols = append(rd.cols, column{f, k, i, def.FieldDefinition(i).Type()})
	}
	if spec.Source.IDField != "" {
		if rd.idIndex = def.FieldIndex(spec.Source.IDField); rd.idIndex < 0 {
			return nil, fmt.Errorf("id_field %q is not in the source", spec.Source.IDField)
		}
	}
	if classes != nil {
		rd.classIndex = def.FieldIndex("class")
	}
	return rd, nil
}

// read converts feature number n; a nil geometry means the feature is skipped (no geometry, or
// an unclassified raster cell).
func (rd *rowReader) read(f *godal.Feature, n uint64) (uint64, orb.Geometry, error) {
	geom, err := rd.geometry(f, n)
	if err != nil || geom == nil {
		return 0, nil, err
	}
	id := n
	if fid := f.FID(); fid >= 0 {
		id = uint64(fid)
	}
	if rd.idIndex >= 0 {
		v := f.FieldAsInteger64(rd.idIndex)
		if v < 0 || !f.IsFieldSetAndNotNull(rd.idIndex) {
			return 0, nil, fmt.Errorf("feature %d: id_field %q is null or negative", n, rd.spec.Source.IDField)
		}
		id = uint64(v)
	}
	if err := rd.attributes(f); err != nil {
		return 0, nil, fmt.Errorf("feature %d: %w", n, err)
	}
	if rd.classes != nil {
		k := f.FieldAsInteger(rd.classIndex)
		if k < 1 || k > len(rd.classes) {
			return 0, nil, nil // unclassified cells
		}
		rd.vals[rd.classSlot] = data.Value{Type: data.FieldString, Str: rd.classes[k-1]}
	}
	return id, geom, nil
}

// geometry returns the feature's geometry in lon/lat, without empty parts; nil when it has none.
func (rd *rowReader) geometry(f *godal.Feature, n uint64) (orb.Geometry, error) {
	g := f.Geometry()
	if g == (godal.Geometry{}) || g.IsEmpty() {
		return nil, nil // features without geometry are not map features
	}
	g.FlattenTo2D()
	if rd.transform {
		resetError()
		if err := g.Transform(rd.ct); err != nil {
			return nil, gdalErr(fmt.Sprintf("feature %d: reprojecting to EPSG:4326", n), err)
		}
	}
	raw, err := g.ToWKB()
	if err != nil {
		return nil, gdalErr(fmt.Sprintf("feature %d: exporting geometry", n), err)
	}
	geom, err := wkb.Unmarshal(raw)
	if err != nil {
		return nil, fmt.Errorf("feature %d: geometry type %s is not supported: %v", n, g.Name(), err)
	}
	return dropEmptyParts(geom), nil
}

// attributes reads the declared fields of f into rd.vals, converted to their declared types;
// null and unset fields are null.
func (rd *rowReader) attributes(f *godal.Feature) error {
	for _, c := range rd.cols {
		rd.vals[c.slot] = data.Value{}
		if !f.IsFieldSetAndNotNull(c.index) {
			continue
		}
		var raw any
		switch c.ogr {
		case godal.FT_Integer, godal.FT_Integer64:
			raw = f.FieldAsInteger64(c.index)
		case godal.FT_Real:
			raw = f.FieldAsFloat64(c.index)
		default:
			raw = f.FieldAsString(c.index)
		}
		v, err := data.Coerce(c.field.Type, raw)
		if err != nil {
			return fmt.Errorf("attribute %q: %v", c.field.Name, err)
		}
		rd.vals[c.slot] = data.ValueOf(v)
	}
	return nil
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
