package pakistan

import (
	"math"

	"github.com/cpec-digital/indus/data/geo"
	"github.com/paulmach/orb"
)

// raster is the working grid of the generator: north-up cells of size res degrees over a lon/lat box.
type raster struct {
	west, north, res float64
	w, h             int
}

func (r raster) lon(x int) float64 { return r.west + (float64(x)+0.5)*r.res }
func (r raster) lat(y int) float64 { return r.north - (float64(y)+0.5)*r.res }

// cell returns the cell holding p, or ok=false when p is outside the grid.
func (r raster) cell(p orb.Point) (x, y int, ok bool) {
	x = int(math.Floor((p[0] - r.west) / r.res))
	y = int(math.Floor((r.north - p[1]) / r.res))
	return x, y, x >= 0 && y >= 0 && x < r.w && y < r.h
}

// fillPolygons sets out[i] = v for every cell whose centre lies inside mp (even-odd rule, so holes
// stay empty), by scanlines.
func (r raster) fillPolygons(mp orb.MultiPolygon, v uint8, out []uint8) {
	var xs []float64
	for y := 0; y < r.h; y++ {
		xs = geo.Crossings(mp, r.lat(y), xs[:0])
		for i := 0; i+1 < len(xs); i += 2 {
			x0 := int(math.Ceil((xs[i]-r.west)/r.res - 0.5))
			x1 := int(math.Floor((xs[i+1]-r.west)/r.res - 0.5))
			for x := max(x0, 0); x <= min(x1, r.w-1); x++ {
				out[y*r.w+x] = v
			}
		}
	}
}

// markLine sets mark[i] for every cell a line passes through (sampled at a fifth of a cell).
func (r raster) markLine(ls orb.LineString, mark []bool) {
	step := r.res / 5
	for i := 0; i+1 < len(ls); i++ {
		a, b := ls[i], ls[i+1]
		n := int(math.Ceil(math.Hypot(b[0]-a[0], b[1]-a[1])/step)) + 1
		for k := 0; k <= n; k++ {
			t := float64(k) / float64(n)
			if x, y, ok := r.cell(orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}); ok {
				mark[y*r.w+x] = true
			}
		}
	}
}

// distanceKm returns, for every cell, the approximate distance in km to the nearest marked cell,
// by a two-pass 8-neighbour chamfer transform with per-row cell widths (cos latitude).
func (r raster) distanceKm(mark []bool) []float32 {
	const kmPerDeg = 111.32
	d := make([]float32, r.w*r.h)
	inf := float32(math.MaxFloat32)
	for i := range d {
		if !mark[i] {
			d[i] = inf
		}
	}
	dy := float32(r.res * kmPerDeg)
	dx := make([]float32, r.h)
	dd := make([]float32, r.h)
	for y := range r.h {
		dx[y] = float32(r.res * kmPerDeg * math.Cos(r.lat(y)*math.Pi/180))
		dd[y] = float32(math.Hypot(float64(dx[y]), float64(dy)))
	}
	relax := func(i int, v float32) {
		if v < d[i] {
			d[i] = v
		}
	}
	for y := 0; y < r.h; y++ {
		for x := 0; x < r.w; x++ {
			i := y*r.w + x
			if x > 0 {
				relax(i, d[i-1]+dx[y])
			}
			if y > 0 {
				relax(i, d[i-r.w]+dy)
				if x > 0 {
					relax(i, d[i-r.w-1]+dd[y])
				}
				if x+1 < r.w {
					relax(i, d[i-r.w+1]+dd[y])
				}
			}
		}
	}
	for y := r.h - 1; y >= 0; y-- {
		for x := r.w - 1; x >= 0; x-- {
			i := y*r.w + x
			if x+1 < r.w {
				relax(i, d[i+1]+dx[y])
			}
			if y+1 < r.h {
				relax(i, d[i+r.w]+dy)
				if x+1 < r.w {
					relax(i, d[i+r.w+1]+dd[y])
				}
				if x > 0 {
					relax(i, d[i+r.w-1]+dd[y])
				}
			}
		}
	}
	return d
}

// noise is smooth seeded value noise in [-1, 1] on a lattice of the given spacing in degrees.
type noise struct {
	seed    uint64
	spacing float64
}

func (n noise) lattice(i, j int64) float64 {
	h := n.seed ^ uint64(i)*0x9E3779B97F4A7C15 ^ uint64(j)*0xC2B2AE3D27D4EB4F
	h ^= h >> 33
	h *= 0xFF51AFD7ED558CCD
	h ^= h >> 33
	h *= 0xC4CEB9FE1A85EC53
	h ^= h >> 33
	return float64(h>>11)/float64(1<<53)*2 - 1
}

func (n noise) at(lon, lat float64) float64 {
	fx, fy := lon/n.spacing, lat/n.spacing
	i, j := math.Floor(fx), math.Floor(fy)
	tx, ty := smooth(fx-i), smooth(fy-j)
	ii, jj := int64(i), int64(j)
	a := n.lattice(ii, jj) + tx*(n.lattice(ii+1, jj)-n.lattice(ii, jj))
	b := n.lattice(ii, jj+1) + tx*(n.lattice(ii+1, jj+1)-n.lattice(ii, jj+1))
	return a + ty*(b-a)
}

func smooth(t float64) float64 { return t * t * (3 - 2*t) }

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }
