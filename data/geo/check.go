package geo

import (
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// CheckPoint reports an error when p is not finite or lies outside lon -180..180, lat -90..90.
func CheckPoint(p orb.Point) error {
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
		return errors.New("a coordinate is not a finite number")
	}
	if p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
		return fmt.Errorf("(%g, %g) is outside the WGS84 range lon -180..180, lat -90..90", p[0], p[1])
	}
	return nil
}

// CheckLonLat reports the first coordinate of g that is not a finite WGS84 lon/lat; it is how a
// mis-projected source is caught.
func CheckLonLat(g orb.Geometry) error {
	var bad error
	EachPoint(g, func(p orb.Point) bool {
		bad = CheckPoint(p)
		return bad == nil
	})
	return bad
}

// CheckBBox reports what is wrong with a [west, south, east, north] WGS84 bbox, or nil.
func CheckBBox(b []float64) error {
	if len(b) != 4 {
		return errors.New("want [west, south, east, north]")
	}
	for _, v := range b {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errors.New("a coordinate is not a finite number")
		}
	}
	if b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90 || b[0] > b[2] || b[1] > b[3] {
		return errors.New("want -180 <= west <= east <= 180 and -90 <= south <= north <= 90")
	}
	return nil
}
