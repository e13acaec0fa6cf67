package geo

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// BBox is a WGS84 bbox [west, south, east, north] as OGC API – Features and the CLI take it: a
// west edge east of the east edge crosses the antimeridian (177,65,-177,70 is 6° wide).
type BBox [4]float64

// ParseBBox reads "west,south,east,north" in degrees, or the six numbers of a bbox with heights
// (west,south,min height,east,north,max height), whose heights are dropped: every layer is
// two-dimensional. A west edge east of the east edge crosses the antimeridian.
func ParseBBox(s string) (BBox, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return BBox{}, fmt.Errorf("want west,south,east,north in degrees, got %s", strconv.Quote(s))
	}
	v := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return BBox{}, fmt.Errorf("%s is not a finite number", strconv.Quote(p))
		}
		v[i] = f
	}
	if len(v) == 6 {
		if v[2] > v[5] {
			return BBox{}, errors.New("the minimum height is above the maximum height")
		}
		v = []float64{v[0], v[1], v[3], v[4]}
	}
	b := BBox{v[0], v[1], v[2], v[3]}
	return b, b.Check()
}

// Check reports what is wrong with the bbox, or nil: each edge within lon -180..180, lat
// -90..90, south not north of north (west may be east of east: across the antimeridian).
func (b BBox) Check() error {
	for _, v := range b {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errors.New("a coordinate is not a finite number")
		}
	}
	if b[0] < -180 || b[0] > 180 || b[2] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90 || b[1] > b[3] {
		return errors.New("want -180 <= west, east <= 180 and -90 <= south <= north <= 90 (west > east crosses the antimeridian)")
	}
	return nil
}

// Crosses reports whether the bbox crosses the antimeridian.
func (b BBox) Crosses() bool { return b[0] > b[2] }

// Bounds are the one or two rectangles the bbox covers: two when it crosses the antimeridian
// (west to 180, -180 to east).
func (b BBox) Bounds() []orb.Bound {
	if b.Crosses() {
		return []orb.Bound{
			{Min: orb.Point{b[0], b[1]}, Max: orb.Point{180, b[3]}},
			{Min: orb.Point{-180, b[1]}, Max: orb.Point{b[2], b[3]}},
		}
	}
	return []orb.Bound{{Min: orb.Point{b[0], b[1]}, Max: orb.Point{b[2], b[3]}}}
}

// Geometry is the bbox as a geometry: a Bound, or a Collection of two across the antimeridian.
func (b BBox) Geometry() orb.Geometry {
	bs := b.Bounds()
	if len(bs) == 1 {
		return bs[0]
	}
	return orb.Collection{bs[0], bs[1]}
}

// Slice is the bbox as [west, south, east, north].
func (b BBox) Slice() []float64 { return b[:] }

// BoxFilter tells exactly which geometries meet a bbox (closed sets: touching counts), as OGC API
// – Features' bbox parameter asks: a geometry whose bbox lies inside one of the rectangles is
// accepted without looking at it, one whose bbox meets none is refused, and only the others are
// tested, against the rectangles prepared once.
type BoxFilter struct {
	bounds []orb.Bound
	region *Region
}

// NewBoxFilter prepares b.
func NewBoxFilter(b BBox) *BoxFilter {
	return &BoxFilter{bounds: b.Bounds(), region: NewRegion(b.Geometry())}
}

// Bounds are the rectangles of the filter.
func (f *BoxFilter) Bounds() []orb.Bound { return f.bounds }

// Meets reports whether a geometry whose bbox is gb meets the box; geometry is called only when
// the bboxes alone cannot tell.
func (f *BoxFilter) Meets(gb orb.Bound, geometry func() orb.Geometry) bool {
	touched := false
	for _, r := range f.bounds {
		if r.Contains(gb.Min) && r.Contains(gb.Max) {
			return true
		}
		touched = touched || r.Intersects(gb)
	}
	return touched && f.region.Intersects(geometry())
}
