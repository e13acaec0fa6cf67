package pakistan

import (
	"math"
	"slices"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
)

// hazards adds the hazards beyond today's floods and heat: the scenario maps of floods, heat and
// storm surge, glacial lake outburst floods and the lakes, landslide susceptibility along the
// Karakoram Highway, storm surge, agricultural drought and earthquake shaking. None of them draws
// from the generator's random sequence, so the villages and facilities do not change with them.
func (g *generator) hazards(out *Output) error {
	g.scenarioGrids(out)
	lakes := g.glacialLakes()
	out.Grids["glof.tif"] = g.glof(lakes)
	var err error
	if out.Vectors["glacial_lakes.geojson"], err = featureCollection(lakeFeatures(lakes)); err != nil {
		return err
	}
	out.Grids["landslide_kkh.tif"] = g.landslide()
	for _, s := range append([]Scenario{Historical}, Scenarios...) {
		out.Grids["storm_surge_rp100"+s.Suffix()+".tif"] = g.surge(s)
	}
	out.Grids["drought.tif"] = g.drought()
	out.Grids["earthquake_pga475.tif"] = g.earthquake()
	return nil
}

// area is a grid of its own cell size over part of the generator's extent, with the cells whose
// centre lies inside Pakistan.
type area struct {
	raster
	inside []uint8
}

// area makes the grid of res-degree cells over the box from its north-west corner.
func (g *generator) area(west, south, east, north, res float64) area {
	r := raster{west: west, north: north, res: res,
		w: int(math.Round((east - west) / res)), h: int(math.Round((north - south) / res))}
	a := area{r, make([]uint8, r.w*r.h)}
	r.fillPolygons(g.src.Country, 1, a.inside)
	return a
}

// grid is the area's raster of value(lon, lat, cell) in every cell inside Pakistan (NoData
// elsewhere); values are rounded to 0.01 and those under min become 0.
func (a area) grid(min float64, value func(lon, lat float64, i int) float64) *data.Grid {
	out := &data.Grid{Width: a.w, Height: a.h, EPSG: 4326, NoData: -9999,
		GeoTransform: [6]float64{a.west, a.res, 0, a.north, 0, -a.res}, Values: make([]float32, a.w*a.h)}
	for y := range a.h {
		lat := a.lat(y)
		for x := range a.w {
			i := y*a.w + x
			if a.inside[i] == 0 {
				out.Values[i] = -9999
				continue
			}
			v := math.Round(value(a.lon(x), lat, i)*100) / 100
			if v < min {
				v = 0
			}
			out.Values[i] = float32(v)
		}
	}
	return out
}

// baseCell is the index of the working-grid cell holding (lon, lat).
func (g *generator) baseCell(lon, lat float64) int {
	x, y, _ := g.grid.cell(orb.Point{lon, lat})
	return min(max(y, 0), g.grid.h-1)*g.grid.w + min(max(x, 0), g.grid.w-1)
}

// kkhStops are the CPEC stops along the Karakoram Highway (N-35), Havelian to the Khunjerab Pass.
var kkhStops = []string{"Khunjerab Pass", "Sost", "Aliabad", "Gilgit", "Chilas", "Mansehra", "Abbottabad", "Havelian"}

// landslide is a susceptibility score (1–100) within 10 km of the CPEC road from Havelian to the
// Khunjerab Pass: 100·(0.1 + 0.5·r + 0.25·v + 0.15·(n+1)/2), with r = exp(−((lat − 35.7)/1)²)
// the relief of the Kohistan, Chilas and Hunza gorges, v = exp(−d/4 km) the undercut valley
// sides near a major river and n smooth seeded noise (0.15° lattice). Cells of 0.01°.
func (g *generator) landslide() *data.Grid {
	a := g.area(72.6, 33.7, 76.0, 37.1, 0.01)
	mark := make([]bool, a.w*a.h)
	for _, f := range routes(g.src) {
		from, to := f.Properties["from"].(string), f.Properties["to"].(string)
		if slices.Contains(kkhStops, from) && slices.Contains(kkhStops, to) {
			a.markLine(lineOf(f.Geometry.Coordinates.([][2]float64)), mark)
		}
	}
	road := a.distanceKm(mark)
	n := noise{seed: g.opt.Seed ^ 0x5a1d, spacing: 0.15}
	return a.grid(0, func(lon, lat float64, i int) float64 {
		if road[i] > 10 {
			return 0
		}
		r := math.Exp(-math.Pow(lat-35.7, 2))
		v := math.Exp(-float64(g.riverKm[g.baseCell(lon, lat)]) / 4)
		return math.Round(clamp(100*(0.1+0.5*r+0.25*v+0.15*(n.at(lon, lat)+1)/2), 1, 100))
	})
}

func lineOf(cs [][2]float64) orb.LineString {
	ls := make(orb.LineString, len(cs))
	for i, c := range cs {
		ls[i] = orb.Point{c[0], c[1]}
	}
	return ls
}

// surgeCoast gives the 100-year surge height at the shore H0 (m) and how far inland it would
// reach on its own, L (km), by longitude: 2 m and 3 km on the cliffed Makran coast, 2.5 m and 5 km
// at Karachi, 3 m and 30 km on the flat Indus delta, linear between 66.2–66.8°E and 67.0–67.4°E.
func surgeCoast(lon float64) (h0, reachKm float64) {
	switch {
	case lon < 66.2:
		return 2, 3
	case lon < 66.8:
		t := (lon - 66.2) / 0.6
		return 2 + 0.5*t, 3 + 2*t
	case lon < 67.0:
		return 2.5, 5
	case lon < 67.4:
		t := (lon - 67.0) / 0.4
		return 2.5 + 0.5*t, 5 + 25*t
	}
	return 3, 30
}

// surge is the height (m) of water over the land of the 100-year storm surge of scenario s on the
// Sindh and Makran coasts: h = H0·(1 + 0.15n) + SLR − d·H0/L at d km from the sea (the land rising
// inland at H0/L m a km; SLR the scenario's sea-level rise), n smooth seeded noise. The sea is the
// cells outside Pakistan between 61.7°E and 68.2°E south of 25.7°N. Cells of 0.01°.
func (g *generator) surge(s Scenario) *data.Grid {
	a := g.area(61.6, 23.5, 68.8, 25.9, 0.01)
	sea := make([]bool, a.w*a.h)
	for y := range a.h {
		for x := range a.w {
			i := y*a.w + x
			lon, lat := a.lon(x), a.lat(y)
			sea[i] = a.inside[i] == 0 && lon > 61.7 && lon < 68.2 && lat < 25.7
		}
	}
	dist := a.distanceKm(sea)
	n := noise{seed: g.opt.Seed ^ 0x5e9e, spacing: 0.3}
	return a.grid(0.1, func(lon, lat float64, i int) float64 {
		h0, reach := surgeCoast(lon)
		return math.Max(0, h0*(1+0.15*n.at(lon, lat))+s.SeaLevelM-float64(dist[i])*h0/reach)
	})
}

// drought is the share of years (%) with an agricultural drought: highest in the arid west
// (Balochistan), the Thar (Tharparkar) and Cholistan deserts, lowest on the canal-irrigated plains
// near the major rivers and in the mountains. f = 8 + 22·a + 14·thar + 10·cholistan − 12·irr + 4n,
// clamped to 2–60, with a = ½·clamp((33 − lat)/7) + ½·clamp((71 − lon)/8), the deserts Gaussian
// bumps (Mithi, 120 km; Fort Abbas–Yazman, 100 km), irr = exp(−d_river/25 km) on the Punjab and
// Sindh plains, and n seeded noise. Cells of 0.1°.
func (g *generator) drought() *data.Grid {
	thar, cholistan := orb.Point{69.8, 24.74}, orb.Point{71.8, 28.6}
	return g.coarse(func(lon, lat float64, i int) float64 {
		p := orb.Point{lon, lat}
		a := 0.5*clamp((33-lat)/7, 0, 1) + 0.5*clamp((71-lon)/8, 0, 1)
		f := 8 + 22*a + 4*g.noise.at(lon+200, lat)
		f += 14*bump(p, thar, 120) + 10*bump(p, cholistan, 100)
		switch g.provCode(i) {
		case "PK-PB", "PK-SD":
			f -= 12 * math.Exp(-float64(g.riverKm[i])/25)
		case "PK-GB", "PK-JK":
			f -= 6
		}
		return math.Round(clamp(f, 2, 60))
	})
}

// bump is a Gaussian of width w km centred on c.
func bump(p, c orb.Point, w float64) float64 {
	return math.Exp(-math.Pow(geo.DistanceKm(p, c)/w, 2))
}
