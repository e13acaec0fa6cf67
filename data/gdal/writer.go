package gdal

import (
	"context"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"

	godal "github.com/lukeroth/gdal"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/cpec-digital/indus/data"
)

// WriteGeoTIFF writes a single-band Float32 GeoTIFF (DEFLATE-compressed, tiled) from g. It writes to
// a temporary name and renames, so a reader never sees half a file.
func (r *Reader) WriteGeoTIFF(ctx context.Context, path string, g *data.Grid) error {
	if err := g.Check(); err != nil {
		return err
	}
	return r.pool.do(ctx, func() error {
		tmp := path + ".tmp"
		drv, err := godal.GetDriverByName("GTiff")
		if err != nil {
			return gdalErr("GTiff driver", err)
		}
		resetError()
		ds := drv.Create(tmp, g.Width, g.Height, 1, godal.Float32, []string{"COMPRESS=DEFLATE", "PREDICTOR=3", "TILED=YES"})
		if ds == (godal.Dataset{}) {
			return gdalErr("creating "+tmp, nil)
		}
		closed := false
		defer func() {
			if !closed {
				ds.Close()
				os.Remove(tmp)
			}
		}()
		if err := ds.SetGeoTransform(g.GeoTransform); err != nil {
			return gdalErr("setting the geotransform", err)
		}
		sr := godal.CreateSpatialReference("")
		defer sr.Destroy()
		if err := sr.FromEPSG(g.EPSG); err != nil {
			return gdalErr(fmt.Sprintf("EPSG:%d", g.EPSG), err)
		}
		wkt, err := sr.ToWKT()
		if err != nil {
			return gdalErr("exporting the CRS", err)
		}
		if err := ds.SetProjection(wkt); err != nil {
			return gdalErr("setting the projection", err)
		}
		band := ds.RasterBand(1)
		if err := band.SetNoDataValue(g.NoData); err != nil {
			return gdalErr("setting nodata", err)
		}
		if err := band.IO(godal.Write, 0, 0, g.Width, g.Height, g.Values, g.Width, g.Height, 0, 0); err != nil {
			return gdalErr("writing pixels", err)
		}
		resetError()
		ds.Close()
		closed = true
		if msg := lastError(); msg != "" {
			os.Remove(tmp)
			return fmt.Errorf("closing %s: %s", tmp, msg)
		}
		return os.Rename(tmp, path)
	})
}

// WriteFlatGeobuf streams features into a FlatGeobuf file in EPSG:4326 (without a spatial index:
// Indus reads it front to back), with the given attributes; memory stays bounded whatever the
// number of features. It writes to a temporary name and renames.
func (r *Reader) WriteFlatGeobuf(ctx context.Context, path string, fields []data.Field, feats iter.Seq[data.Feature]) error {
	return r.pool.do(ctx, func() error {
		tmp := path + ".tmp.fgb"
		os.Remove(tmp)
		ds, layer, sr, err := createFlatGeobuf(tmp, fields)
		if err != nil {
			return err
		}
		defer sr.Destroy()
		err = writeFeatures(ctx, layer, sr, fields, feats)
		resetError()
		ds.Destroy()
		if msg := lastError(); err == nil && msg != "" {
			err = fmt.Errorf("closing %s: %s", tmp, msg)
		}
		if err != nil {
			os.Remove(tmp)
			return err
		}
		return os.Rename(tmp, path)
	})
}

// createFlatGeobuf creates the file with one layer and the fields.
func createFlatGeobuf(path string, fields []data.Field) (godal.DataSource, godal.Layer, godal.SpatialReference, error) {
	sr, err := wgs84()
	if err != nil {
		return godal.DataSource{}, godal.Layer{}, sr, err
	}
	resetError()
	ds, ok := godal.OGRDriverByName("FlatGeobuf").Create(path, nil)
	if !ok {
		sr.Destroy()
		return ds, godal.Layer{}, sr, gdalErr("creating "+path, nil)
	}
	name := strings.TrimSuffix(filepath.Base(path), ".tmp.fgb")
	layer := ds.CreateLayer(strings.TrimSuffix(name, filepath.Ext(name)), sr, godal.GT_Unknown, []string{"SPATIAL_INDEX=NO"})
	if layer == (godal.Layer{}) {
		ds.Destroy()
		sr.Destroy()
		return ds, layer, sr, gdalErr("creating the layer of "+path, nil)
	}
	types := map[data.FieldType]godal.FieldType{data.FieldInteger: godal.FT_Integer64, data.FieldNumber: godal.FT_Real,
		data.FieldString: godal.FT_String, data.FieldBoolean: godal.FT_Integer}
	for _, f := range fields {
		fd := godal.CreateFieldDefinition(f.Name, types[f.Type])
		err := layer.CreateField(fd, false)
		fd.Destroy()
		if err != nil {
			ds.Destroy()
			sr.Destroy()
			return ds, layer, sr, gdalErr("creating field "+f.Name, err)
		}
	}
	return ds, layer, sr, nil
}

// writeFeatures appends every feature to layer.
func writeFeatures(ctx context.Context, layer godal.Layer, sr godal.SpatialReference, fields []data.Field, feats iter.Seq[data.Feature]) error {
	def := layer.Definition()
	n := 0
	for f := range feats {
		if n++; n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		raw, err := wkb.Marshal(f.Geometry)
		if err != nil {
			return fmt.Errorf("feature %d: %w", f.ID, err)
		}
		g, err := godal.CreateFromWKB(raw, sr, len(raw))
		if err != nil {
			return gdalErr(fmt.Sprintf("feature %d: geometry", f.ID), err)
		}
		of := def.Create()
		of.SetGeometryDirectly(g)
		setFields(of, fields, f.Properties)
		resetError()
		err = layer.Create(of)
		of.Destroy()
		if err != nil {
			return gdalErr(fmt.Sprintf("writing feature %d", f.ID), err)
		}
	}
	return nil
}

func setFields(of godal.Feature, fields []data.Field, props map[string]any) {
	for i, fd := range fields {
		switch v := props[fd.Name].(type) {
		case int64:
			of.SetFieldInteger64(i, v)
		case float64:
			of.SetFieldFloat64(i, v)
		case string:
			of.SetFieldString(i, v)
		case bool:
			of.SetFieldInteger(i, map[bool]int{false: 0, true: 1}[v])
		}
	}
}
