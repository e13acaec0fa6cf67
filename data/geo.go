package data

import (
	"math"

	"github.com/paulmach/orb"
)

// EarthRadiusKm is the mean Earth radius (IUGG) used for great-circle distances.
const EarthRadiusKm = 6371.0088

// DistanceKm is the great-circle (haversine) distance between two lon/lat points.
func DistanceKm(a, b orb.Point) float64 {
	la1, la2 := a[1]*math.Pi/180, b[1]*math.Pi/180
	dla, dlo := la2-la1, (b[0]-a[0])*math.Pi/180
	h := math.Sin(dla/2)*math.Sin(dla/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dlo/2)*math.Sin(dlo/2)
	return 2 * EarthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Polygons returns a polygonal geometry as a MultiPolygon, or nil for any other geometry.
func Polygons(g orb.Geometry) orb.MultiPolygon {
	switch t := g.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{t}
	case orb.MultiPolygon:
		return t
	}
	return nil
}
