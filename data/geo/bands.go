package geo

import "github.com/paulmach/orb"

// bands buckets items (edges) by the horizontal bands of a bbox they span, so that a test at one
// latitude looks only at the items of its band.
type bands[T any] struct {
	of   [][]T
	y, h float64 // the bands' bottom and height
}

// bandCount is the most bands; there are about four items a band.
const bandCount = 128

// newBands buckets n items over the latitudes of b in two passes (count, then fill one shared
// backing array); each must call fn with the latitude span of every item, the same way each time.
func newBands[T any](b orb.Bound, n int, each func(fn func(ylo, yhi float64, v T))) bands[T] {
	k := max(1, min(bandCount, n/4))
	bs := bands[T]{of: make([][]T, k), y: b.Min[1], h: (b.Max[1] - b.Min[1]) / float64(k)}
	if bs.h <= 0 {
		bs.h = 1
	}
	counts := make([]int, k)
	total := 0
	each(func(ylo, yhi float64, _ T) {
		lo, hi := bs.band(ylo), bs.band(yhi)
		for j := lo; j <= hi; j++ {
			counts[j]++
		}
		total += hi - lo + 1
	})
	backing := make([]T, total)
	off := 0
	for j, c := range counts {
		bs.of[j] = backing[off : off : off+c]
		off += c
	}
	each(func(ylo, yhi float64, v T) {
		for j := bs.band(ylo); j <= bs.band(yhi); j++ {
			bs.of[j] = append(bs.of[j], v)
		}
	})
	return bs
}

// band is the band of latitude y (clamped to the first and last).
func (bs *bands[T]) band(y float64) int {
	return max(0, min(len(bs.of)-1, int((y-bs.y)/bs.h)))
}
