package geo

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

// LengthKm returns the length of a (multi)linestring in km along great circles between vertices.
func LengthKm(g orb.Geometry) float64 {
	var s float64
	if c, ok := g.(orb.Collection); ok {
		for _, m := range c {
			s += LengthKm(m)
		}
	}
	for _, l := range Lines(g) {
		for i := 0; i+1 < len(l); i++ {
			s += DistanceKm(l[i], l[i+1])
		}
	}
	return s
}

// ClosestInBound is the point of b nearest to p in lon/lat.
func ClosestInBound(b orb.Bound, p orb.Point) orb.Point {
	return orb.Point{math.Min(math.Max(p[0], b.Min[0]), b.Max[0]), math.Min(math.Max(p[1], b.Min[1]), b.Max[1])}
}
