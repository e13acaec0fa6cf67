package pakistan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
)

// Options set the size and seed of the derived layers.
type Options struct {
	Seed      uint64 // every derived layer is a pure function of the sources and this seed
	Villages  int    // number of villages (default 30,000)
	Fibre     int    // how many of them are on the optical-fibre network (default 22,000)
	Buildings int    // extra building footprints for scale tests (default 0: no buildings layer)
}

// DefaultOptions are the options of the embedded default dataset.
func DefaultOptions() Options { return Options{Seed: 2022, Villages: 30000, Fibre: 22000} }

func (o *Options) check() error {
	if o.Villages < 1 || o.Villages > 5_000_000 {
		return fmt.Errorf("villages = %d, want 1 to 5,000,000", o.Villages)
	}
	if o.Fibre < 0 || o.Fibre > o.Villages {
		return fmt.Errorf("fibre = %d, want 0 to villages (%d)", o.Fibre, o.Villages)
	}
	if o.Buildings < 0 || o.Buildings > 20_000_000 {
		return fmt.Errorf("buildings = %d, want 0 to 20,000,000", o.Buildings)
	}
	return nil
}

// Return periods of the derived riverine flood layers, in years.
var ReturnPeriods = []int{10, 25, 100}

// floodParam is the floodplain half-width (km) and peak depth (m) of a flood on the lower Indus plain.
type floodParam struct{ widthKm, depthM float64 }

// floodParams are those of today's flood of each return period.
var floodParams = map[int]floodParam{
	10: {4, 1.3}, 25: {8, 2.0}, 100: {15, 3.2},
}

// Output is the generated files: GeoJSON bytes and rasters, by file name, and the building
// footprints (when asked for) as a sequence to stream into a file.
type Output struct {
	Buildings iter.Seq[data.Feature]
	Vectors   map[string][]byte
	Grids     map[string]*data.Grid
}

// generator holds the working state shared by the derived layers.
type generator struct {
	src      *Sources
	opt      Options
	grid     raster
	inside   []uint8   // 1 inside Pakistan
	prov     []uint8   // 1-based index into src.Provinces, 0 outside
	riverKm  []float32 // distance to the nearest major river, km
	depth100 []float32
	noise    noise
	rng      *rand.Rand
}

// Generate builds every derived layer from the real sources. The result depends only on the
// sources and opt: the same call gives the same bytes.
func Generate(src *Sources, opt Options) (*Output, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	g := &generator{src: src, opt: opt,
		grid:  raster{west: 60.8, north: 37.1, res: 0.02, w: 820, h: 675},
		noise: noise{seed: opt.Seed, spacing: 0.6},
		rng:   rand.New(rand.NewPCG(opt.Seed, 0x1d05)),
	}
	out := &Output{Vectors: map[string][]byte{}, Grids: map[string]*data.Grid{}}
	g.base()
	for _, rp := range ReturnPeriods {
		out.Grids[fmt.Sprintf("flood_rp%d.tif", rp)] = g.flood(floodParams[rp])
	}
	g.depth100 = out.Grids["flood_rp100.tif"].Values
	out.Grids["heat_stress.tif"] = g.heat()
	out.Grids["wetlands.tif"] = g.wetlands()
	villages := g.villages()
	if err := g.hazards(out); err != nil {
		return nil, err
	}
	var err error
	if out.Vectors["provinces.geojson"], err = src.ProvincesGeoJSON(); err != nil {
		return nil, err
	}
	if out.Vectors["villages.geojson"], err = featureCollection(g.villagesFeatures(villages)); err != nil {
		return nil, err
	}
	if out.Vectors["gauges.geojson"], err = featureCollection(gauges(src)); err != nil {
		return nil, err
	}
	if out.Vectors["cpec_routes.geojson"], err = featureCollection(routes(src)); err != nil {
		return nil, err
	}
	if out.Vectors["facilities.geojson"], err = featureCollection(g.facilities(villages)); err != nil {
		return nil, err
	}
	if opt.Buildings > 0 {
		out.Buildings = g.buildings(villages)
	}
	return out, nil
}

// base rasterizes the country and provinces and computes the distance to the major rivers
// (GSHHG levels 0-2: double-lined, permanent major and additional major rivers).
func (g *generator) base() {
	n := g.grid.w * g.grid.h
	g.inside = make([]uint8, n)
	g.grid.fillPolygons(g.src.Country, 1, g.inside)
	g.prov = make([]uint8, n)
	for i, p := range g.src.Provinces {
		g.grid.fillPolygons(p.Shape, uint8(i+1), g.prov)
	}
	mark := make([]bool, n)
	for _, r := range g.src.Rivers {
		if r.Level <= 2 {
			g.grid.markLine(r.Line, mark)
		}
	}
	g.riverKm = g.grid.distanceKm(mark)
}

func (g *generator) provCode(i int) string {
	if g.prov[i] == 0 {
		return ""
	}
	return g.src.Provinces[g.prov[i]-1].Code
}

// plain is the floodplain factor of a cell: 1 on the lower Indus plain (Sindh), smaller upstream
// and in the mountains. Floods widen and deepen downstream: f = terrain × (0.5 + 0.5·downstream).
func (g *generator) plain(i int, lat float64) float64 {
	terrain := 0.45 // Balochistan, Khyber Pakhtunkhwa (with the former FATA): narrow valleys
	switch g.provCode(i) {
	case "PK-SD", "PK-PB":
		terrain = 1
	case "PK-GB", "PK-JK", "PK-IS":
		terrain = 0.25
	}
	downstream := clamp((33-lat)/8, 0, 1)
	return terrain * (0.5 + 0.5*downstream)
}

func (g *generator) newGrid(res float64) *data.Grid {
	w := int(math.Round(float64(g.grid.w) * g.grid.res / res))
	h := int(math.Round(float64(g.grid.h) * g.grid.res / res))
	return &data.Grid{Width: w, Height: h, EPSG: 4326, NoData: -9999,
		GeoTransform: [6]float64{g.grid.west, res, 0, g.grid.north, 0, -res}, Values: make([]float32, w*h)}
}

// flood is the maximum water depth (m) of a flood of half-width W0 and peak depth D: depth falls
// from the river channel to the edge of the floodplain as D·(1 − d/W)^1.3, with W and D scaled by
// the floodplain factor and a smooth seeded noise. Using the same noise for every flood keeps depth
// monotonic in W0 and D, hence in the return period and the scenario.
func (g *generator) flood(p floodParam) *data.Grid {
	out := g.newGrid(g.grid.res)
	for y := range g.grid.h {
		lat := g.grid.lat(y)
		for x := range g.grid.w {
			i := y*g.grid.w + x
			if g.inside[i] == 0 {
				out.Values[i] = -9999
				continue
			}
			n := g.noise.at(g.grid.lon(x), lat)
			f := g.plain(i, lat)
			w := p.widthKm * f * (1 + 0.35*n)
			d := float64(g.riverKm[i])
			var depth float64
			if d < w {
				depth = p.depthM * (0.4 + 0.6*f) * (1 + 0.2*n) * math.Pow(1-d/w, 1.3)
			}
			if depth < 0.1 {
				depth = 0
			}
			out.Values[i] = float32(math.Round(depth*100) / 100)
		}
	}
	return out
}

// heat is the number of days a year with a maximum temperature of 40 °C or more: hottest in the
// south and on the plains, cooler in the mountains and on the Balochistan plateau, with a peak
// around Jacobabad (the country's hottest station). Cells of 0.1°.
func (g *generator) heat() *data.Grid {
	jacobabad := orb.Point{68.44, 28.28}
	return g.coarse(func(lon, lat float64, i int) float64 {
		mountain := 0.0
		switch g.provCode(i) {
		case "PK-GB", "PK-JK":
			mountain = 1
		case "PK-KP", "PK-IS":
			mountain = 0.55
		case "PK-BA":
			mountain = 0.3
		}
		days := 125*clamp((36.5-lat)/10, 0, 1)*(1-0.65*mountain) + 12*g.noise.at(lon+100, lat)
		days += 30 * math.Exp(-math.Pow(geo.DistanceKm(orb.Point{lon, lat}, jacobabad)/150, 2))
		return math.Round(clamp(days, 0, 365))
	})
}

// coarse is a grid of 0.1° cells holding value(lon, lat, i) at every cell whose centre lies in a
// cell i of the working grid inside Pakistan, NoData elsewhere.
func (g *generator) coarse(value func(lon, lat float64, i int) float64) *data.Grid {
	out := g.newGrid(0.1)
	for y := range out.Height {
		lat := g.grid.north - (float64(y)+0.5)*0.1
		for x := range out.Width {
			lon := g.grid.west + (float64(x)+0.5)*0.1
			cx, cy, _ := g.grid.cell(orb.Point{lon, lat})
			i := cy*g.grid.w + cx
			o := y*out.Width + x
			if g.inside[i] == 0 {
				out.Values[o] = -9999
				continue
			}
			out.Values[o] = float32(value(lon, lat, i))
		}
	}
	return out
}

// wetlands marks riparian wetlands (1) within 2 km of the major rivers on the plains where the
// seeded noise is high, plus Manchar Lake, and the Indus delta (2).
func (g *generator) wetlands() *data.Grid {
	out := g.newGrid(g.grid.res)
	manchar := orb.Point{67.67, 26.42}
	for y := range g.grid.h {
		lat := g.grid.lat(y)
		for x := range g.grid.w {
			i := y*g.grid.w + x
			lon := g.grid.lon(x)
			if g.inside[i] == 0 {
				out.Values[i] = -9999
				continue
			}
			d := float64(g.riverKm[i])
			code := g.provCode(i)
			switch {
			case code == "PK-SD" && lat < 24.7 && lon > 67.2 && lon < 68.6 && d < 14:
				out.Values[i] = 2
			case geo.DistanceKm(orb.Point{lon, lat}, manchar) < 9:
				out.Values[i] = 1
			case (code == "PK-SD" || code == "PK-PB") && d < 2.5 && g.noise.at(lon+50, lat) > 0.15:
				out.Values[i] = 1
			}
		}
	}
	return out
}

// contains reports whether p is inside Pakistan and returns its province index.
func (g *generator) locate(p orb.Point) (int, bool) {
	if !geo.Contains(g.src.Country, p) {
		return -1, false
	}
	for i, pr := range g.src.Provinces {
		if pr.Bound.Contains(p) && geo.Contains(pr.Shape, p) {
			return i, true
		}
	}
	return -1, false
}

// interiorProvince returns the province of cell (x, y) when the cell and its eight neighbours all
// lie in that province: then every point of the cell does, and no exact test is needed.
func (g *generator) interiorProvince(x, y int) (int, bool) {
	if x < 1 || y < 1 || x >= g.grid.w-1 || y >= g.grid.h-1 {
		return -1, false
	}
	p := g.prov[y*g.grid.w+x]
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			i := (y+dy)*g.grid.w + x + dx
			if g.prov[i] != p || g.inside[i] == 0 {
				return -1, false
			}
		}
	}
	return int(p) - 1, p != 0
}

type village struct {
	id         int
	point      orb.Point
	province   string
	population int64
	fibre      bool
	cityKm     float64
}

// villages places opt.Villages villages by a density that is higher near the major rivers and the
// cities and lower in deserts and mountains; each lies inside Pakistan and inside a province.
// Population is log-normal (median 900). The opt.Fibre villages with the highest score
// (nearness to a city plus a seeded draw) are fibre-connected.
func (g *generator) villages() []village {
	weight := g.villageWeights()
	cdf := make([]float64, len(weight))
	var sum float64
	for i, w := range weight {
		sum += w
		cdf[i] = sum
	}
	vs := make([]village, 0, g.opt.Villages)
	for len(vs) < g.opt.Villages {
		i := min(sort.SearchFloat64s(cdf, g.rng.Float64()*sum), len(cdf)-1)
		x, y := i%g.grid.w, i/g.grid.w
		p := orb.Point{
			round5(g.grid.west + (float64(x)+g.rng.Float64())*g.grid.res),
			round5(g.grid.north - (float64(y)+g.rng.Float64())*g.grid.res),
		}
		pi, ok := g.interiorProvince(x, y)
		if !ok {
			if pi, ok = g.locate(p); !ok {
				continue
			}
		}
		pop := math.Exp(math.Log(900) + 0.8*g.rng.NormFloat64())
		vs = append(vs, village{id: len(vs) + 1, point: p, province: g.src.Provinces[pi].Code,
			population: int64(clamp(math.Round(pop), 80, 25000))})
	}
	g.connect(vs)
	return vs
}

// villageWeights is the settlement density of every cell: terrain × nearness to a major river,
// plus a pull of sqrt(pop)/1000 · e^(−d/25 km) within 80 km of every city.
func (g *generator) villageWeights() []float64 {
	n := g.grid.w * g.grid.h
	weight := make([]float64, n)
	for i := range n {
		if g.inside[i] == 0 || g.prov[i] == 0 {
			continue
		}
		terrain := 1.0
		switch g.provCode(i) {
		case "PK-BA":
			terrain = 0.2
		case "PK-GB":
			terrain = 0.3
		case "PK-KP", "PK-JK":
			terrain = 0.8
		}
		weight[i] = terrain * (0.15 + 1.6*math.Exp(-float64(g.riverKm[i])/12))
	}
	for _, pl := range g.src.Places {
		cx, cy, ok := g.grid.cell(pl.Point)
		if !ok {
			continue
		}
		r := int(80/(g.grid.res*111)) + 1
		amp := math.Sqrt(float64(pl.Population)) / 1000
		for y := max(cy-r, 0); y <= min(cy+r, g.grid.h-1); y++ {
			for x := max(cx-r, 0); x <= min(cx+r, g.grid.w-1); x++ {
				i := y*g.grid.w + x
				if weight[i] == 0 {
					continue
				}
				if d := geo.DistanceKm(pl.Point, orb.Point{g.grid.lon(x), g.grid.lat(y)}); d < 80 {
					weight[i] += amp * math.Exp(-d/25)
				}
			}
		}
	}
	return weight
}

// connect puts opt.Fibre villages on fibre: ranked by nearness to a city of 50,000+ and a seeded
// draw, the top ones are connected.
func (g *generator) connect(vs []village) {
	var cities []orb.Point
	for _, pl := range g.src.Places {
		if pl.Population >= 50000 {
			cities = append(cities, pl.Point)
		}
	}
	type scored struct {
		i     int
		score float64
	}
	sc := make([]scored, len(vs))
	for i := range vs {
		best := math.Inf(1)
		for _, c := range cities {
			if math.Abs(c[1]-vs[i].point[1]) < best/111 {
				best = math.Min(best, geo.DistanceKm(c, vs[i].point))
			}
		}
		vs[i].cityKm = best
		sc[i] = scored{i, g.rng.Float64() + 1.2*math.Exp(-best/40)}
	}
	sort.Slice(sc, func(a, b int) bool {
		if sc[a].score != sc[b].score {
			return sc[a].score > sc[b].score
		}
		return sc[a].i < sc[b].i
	})
	for k := 0; k < g.opt.Fibre; k++ {
		vs[sc[k].i].fibre = true
	}
}

func round5(v float64) float64 { return math.Round(v*1e5) / 1e5 }

// feature is one output GeoJSON feature; properties are written in sorted key order by encoding/json.
type feature struct {
	ID         int            `json:"id"`
	Type       string         `json:"type"`
	Geometry   geometry       `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

type geometry struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

func pointGeom(p orb.Point) geometry { return geometry{"Point", [2]float64{p[0], p[1]}} }

func featureCollection(fs []feature) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range fs {
		if i > 0 {
			buf.WriteString(",\n")
		}
		fs[i].Type = "Feature"
		b, err := json.Marshal(fs[i])
		if err != nil {
			return nil, err
		}
		buf.Write(b)
	}
	buf.WriteString("]}\n")
	return buf.Bytes(), nil
}

func (g *generator) villagesFeatures(vs []village) []feature {
	fs := make([]feature, len(vs))
	for i, v := range vs {
		fs[i] = feature{ID: v.id, Geometry: pointGeom(v.point), Properties: map[string]any{
			"village_id": v.id, "name": fmt.Sprintf("Village %s-%05d", v.province[3:], v.id),
			"province": v.province, "population": v.population, "fibre": v.fibre,
		}}
	}
	return fs
}
