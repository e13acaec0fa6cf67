package data

import "fmt"

// Grid is a single-band raster held in memory: row-major values, north-up, with a GDAL-style
// geotransform (origin x, pixel width, 0, origin y, 0, -pixel height) in the CRS EPSG.
type Grid struct {
	Width, Height int
	GeoTransform  [6]float64
	EPSG          int
	NoData        float64
	Values        []float32
}

// Check reports whether the grid's size and values agree.
func (g *Grid) Check() error {
	if g.Width <= 0 || g.Height <= 0 || len(g.Values) != g.Width*g.Height {
		return fmt.Errorf("grid %dx%d has %d values", g.Width, g.Height, len(g.Values))
	}
	if g.GeoTransform[1] <= 0 || g.GeoTransform[5] >= 0 {
		return fmt.Errorf("grid geotransform %v is not north-up", g.GeoTransform)
	}
	return nil
}

// At returns the value at column x, row y.
func (g *Grid) At(x, y int) float32 { return g.Values[y*g.Width+x] }
