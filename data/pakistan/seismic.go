package pakistan

import (
	"math"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
)

// seismicSource is a schematic trace of a seismic source named by the Building Code of Pakistan's
// zoning, with the peak ground acceleration it gives on its trace (g) and its e-folding distance.
type seismicSource struct {
	name   string
	amp    float64
	fadeKm float64
	trace  orb.LineString
}

// seismicSources approximate the sources that make the north and west the most hazardous (after
// the 1935 Quetta, 1945 Makran, 1974 Pattan, 2005 Kashmir and 2008 Ziarat earthquakes) and keep
// Karachi and most of Sindh low; traces are schematic, to 0.1°-0.5°.
var seismicSources = []seismicSource{
	{"Hazara-Kashmir syntaxis", 0.40, 45, orb.LineString{{72.9, 35.0}, {73.35, 34.55}, {73.8, 33.9}, {74.3, 33.3}}},
	{"Kohistan and Karakoram thrusts", 0.38, 60, orb.LineString{{71.5, 35.0}, {72.9, 35.3}, {74.5, 35.5}, {75.6, 35.4}, {76.5, 35.8}}},
	{"Hindu Kush deep zone", 0.45, 110, orb.LineString{{70.5, 36.3}, {71.2, 36.6}, {71.5, 36.9}}},
	{"Chaman fault", 0.38, 55, orb.LineString{{65.9, 27.2}, {66.4, 29.0}, {66.6, 30.4}, {67.3, 31.7}, {68.3, 33.3}, {69.2, 34.4}}},
	{"Quetta-Ziarat-Sibi belt", 0.50, 50, orb.LineString{{66.5, 29.5}, {67.0, 30.2}, {67.7, 30.6}, {68.4, 30.2}, {68.8, 29.6}}},
	{"Makran subduction zone", 0.45, 90, orb.LineString{{61.5, 24.7}, {63.5, 24.6}, {65.5, 24.4}}},
	{"Kirthar range", 0.25, 45, orb.LineString{{66.3, 25.6}, {66.6, 27.0}, {67.4, 28.5}}},
	{"Rann of Kutch", 0.35, 90, orb.LineString{{68.6, 23.5}, {69.5, 23.7}, {70.4, 23.5}, {71.0, 24.0}}},
	{"Karachi arc", 0.15, 40, orb.LineString{{66.7, 24.9}, {67.3, 25.0}, {67.9, 24.8}}},
	{"Salt Range and Potwar", 0.20, 50, orb.LineString{{71.5, 32.8}, {72.7, 32.6}, {73.7, 32.9}}},
}

// earthquake is the peak ground acceleration (g) with a 475-year return period (10 % in 50
// years), approximating the Building Code of Pakistan (Seismic Provisions, 2007) zoning:
// PGA = (b + max over sources of A·exp(−d/L))·(1 + 0.08n), b = 0.05 + 0.04·clamp((lat − 24)/10)
// + 0.03·clamp((70 − lon)/8) rising to the north and west, n smooth seeded noise; clamped to
// 0.051–1. Cells of 0.1°.
func (g *generator) earthquake() *data.Grid {
	// the 0.1° cells of the working grid and a degree south of it, for the Rann of Kutch
	r := raster{west: g.grid.west, north: g.grid.north, res: 0.1, w: 164, h: 145}
	dist := make([][]float32, len(seismicSources))
	for k, s := range seismicSources {
		mark := make([]bool, r.w*r.h)
		r.markLine(s.trace, mark)
		dist[k] = r.distanceKm(mark)
	}
	n := noise{seed: g.opt.Seed ^ 0xea27, spacing: 0.8}
	return g.coarse(func(lon, lat float64, _ int) float64 {
		x, y, _ := r.cell(orb.Point{lon, lat})
		var src float64
		for k, s := range seismicSources {
			src = math.Max(src, s.amp*math.Exp(-float64(dist[k][y*r.w+x])/s.fadeKm))
		}
		b := 0.05 + 0.04*clamp((lat-24)/10, 0, 1) + 0.03*clamp((70-lon)/8, 0, 1)
		return math.Round(clamp((b+src)*(1+0.08*n.at(lon, lat)), 0.051, 1)*1000) / 1000
	})
}
