package gdal

import (
	"context"
	"fmt"
	"os"

	godal "github.com/lukeroth/gdal"

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
