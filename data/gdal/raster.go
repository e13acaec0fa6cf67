package gdal

import (
	"context"
	"fmt"
	"math"

	godal "github.com/lukeroth/gdal"

	"github.com/cpec-digital/indus/data"
)

// stripRows is how many raster rows are classified at a time, bounding memory for large rasters.
const stripRows = 256

// readRaster classifies a raster band by the catalog's class ranges (Min, Max], polygonizes the
// classes with GDALPolygonize and reads the polygons as features. The class test follows the domain
// rule min < value <= max; nodata and unclassified cells produce no polygon.
func readRaster(ctx context.Context, path string, spec *data.LayerSpec, sink data.Sink) error {
	rs := spec.Source.Raster
	src, err := open(path, godal.OFRaster)
	if err != nil {
		return err
	}
	defer src.Close()
	if rs.Band > src.RasterCount() {
		return fmt.Errorf("band %d requested, the raster has %d", rs.Band, src.RasterCount())
	}
	wkt, err := georeference(src)
	if err != nil {
		return err
	}
	classDS, err := classRaster(ctx, src, wkt, rs)
	if err != nil {
		return err
	}
	defer classDS.Close()
	sr := godal.CreateSpatialReference(wkt)
	defer sr.Destroy()
	sr.SetAxisMappingStrategy(godal.OAMS_TraditionalGisOrder)
	memOGR := godal.OGRDriverByName("Memory")
	out, ok := memOGR.Create("polygons", nil)
	if !ok {
		return gdalErr("creating the polygon layer", nil)
	}
	defer out.Destroy()
	layer, err := classLayer(out, sr)
	if err != nil {
		return err
	}
	resetError()
	if err := polygonize(classDS.RasterBand(1), layer); err != nil {
		return err
	}
	names := make(classNames, len(rs.Classes))
	for i, c := range rs.Classes {
		names[i] = c.Name
	}
	return readFeatures(ctx, layer, spec, names, sink)
}

// georeference returns the raster's CRS as WKT; a raster without one is accepted only when its
// extent fits in lon/lat, and is then taken as EPSG:4326.
func georeference(src godal.Dataset) (string, error) {
	gt := src.GeoTransform()
	if gt == [6]float64{0, 1, 0, 0, 0, 1} {
		return "", fmt.Errorf("the raster is not georeferenced (no geotransform)")
	}
	if wkt := src.Projection(); wkt != "" {
		return wkt, nil
	}
	w, h := float64(src.RasterXSize()), float64(src.RasterYSize())
	x0, y0 := gt[0], gt[3]
	x1, y1 := gt[0]+w*gt[1]+h*gt[2], gt[3]+w*gt[4]+h*gt[5]
	if math.Min(x0, x1) < -180 || math.Max(x0, x1) > 180 || math.Min(y0, y1) < -90 || math.Max(y0, y1) > 90 {
		return "", fmt.Errorf("the raster declares no CRS and its extent (%g,%g)-(%g,%g) is not lon/lat", x0, y0, x1, y1)
	}
	return `GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]`, nil
}

// classRaster writes the 1-based class index of every cell (0: none) into an in-memory byte
// raster on the same grid, strip by strip so that memory stays bounded for large rasters.
func classRaster(ctx context.Context, src godal.Dataset, wkt string, rs *data.RasterSource) (godal.Dataset, error) {
	band := src.RasterBand(rs.Band)
	w, h := band.XSize(), band.YSize()
	nodata, hasNodata := band.NoDataValue()
	memDrv, err := godal.GetDriverByName("MEM")
	if err != nil {
		return godal.Dataset{}, gdalErr("MEM driver", err)
	}
	resetError()
	classDS := memDrv.Create("", w, h, 1, godal.Byte, nil)
	if classDS == (godal.Dataset{}) {
		return classDS, gdalErr("creating the class raster", nil)
	}
	fail := func(err error) (godal.Dataset, error) { classDS.Close(); return godal.Dataset{}, err }
	if err := classDS.SetGeoTransform(src.GeoTransform()); err != nil {
		return fail(gdalErr("setting the geotransform", err))
	}
	if err := classDS.SetProjection(wkt); err != nil {
		return fail(gdalErr("setting the projection", err))
	}
	classBand := classDS.RasterBand(1)
	vals := make([]float64, w*stripRows)
	cls := make([]uint8, w*stripRows)
	for y := 0; y < h; y += stripRows {
		if ctx.Err() != nil {
			return fail(ctx.Err())
		}
		rows := min(stripRows, h-y)
		if err := band.IO(godal.Read, 0, y, w, rows, vals[:w*rows], w, rows, 0, 0); err != nil {
			return fail(gdalErr(fmt.Sprintf("reading rows %d-%d", y, y+rows), err))
		}
		for i, v := range vals[:w*rows] {
			cls[i] = classify(v, nodata, hasNodata, rs.Classes)
		}
		if err := classBand.IO(godal.Write, 0, y, w, rows, cls[:w*rows], w, rows, 0, 0); err != nil {
			return fail(gdalErr("writing the class raster", err))
		}
	}
	return classDS, nil
}

// classLayer creates the polygon layer GDALPolygonize fills, with an integer "class" field.
func classLayer(out godal.DataSource, sr godal.SpatialReference) (godal.Layer, error) {
	layer := out.CreateLayer("classes", sr, godal.GT_Polygon, nil)
	if layer == (godal.Layer{}) {
		return layer, gdalErr("creating the polygon layer", nil)
	}
	fd := godal.CreateFieldDefinition("class", godal.FT_Integer)
	defer fd.Destroy()
	if err := layer.CreateField(fd, false); err != nil {
		return layer, gdalErr("creating the class field", err)
	}
	return layer, nil
}

// classify returns the 1-based index of the class whose (Min, Max] holds v, or 0.
func classify(v, nodata float64, hasNodata bool, classes []data.Class) uint8 {
	if math.IsNaN(v) || (hasNodata && v == nodata) {
		return 0
	}
	for i, c := range classes {
		if v > c.Min && v <= c.Max {
			return uint8(i + 1)
		}
	}
	return 0
}
