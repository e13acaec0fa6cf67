package pakistan

import (
	"fmt"
	"iter"
	"math"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/paulmach/orb"
)

// Gauge is a river gauging station at a barrage or headworks, with illustrative discharge
// thresholds (cusecs) for the Flood Forecasting Division's five categories.
type Gauge struct {
	ID, Name, River string
	Point           orb.Point // approximate position
	Downstream      orb.Point // end of the reach it warns for: the next station, a confluence or the sea
	// Thresholds are the lower bounds of Low, Medium, High, Very High and Exceptionally High.
	Thresholds [5]int64
}

// Gauges are the main FFD stations. Positions are approximate; thresholds are illustrative
// (FFD does not publish one table of them) and configurable in the catalog's gauge layer.
var Gauges = []Gauge{
	{"TRB", "Tarbela", "Indus", orb.Point{72.69, 34.09}, orb.Point{71.55, 32.96}, [5]int64{200000, 250000, 375000, 500000, 650000}},
	{"KLB", "Kalabagh", "Indus", orb.Point{71.55, 32.96}, orb.Point{71.38, 32.43}, [5]int64{250000, 300000, 450000, 600000, 800000}},
	{"CHS", "Chashma", "Indus", orb.Point{71.38, 32.43}, orb.Point{70.85, 30.51}, [5]int64{250000, 300000, 450000, 600000, 800000}},
	{"TNS", "Taunsa", "Indus", orb.Point{70.85, 30.51}, orb.Point{69.69, 28.42}, [5]int64{250000, 300000, 450000, 600000, 800000}},
	{"GDU", "Guddu", "Indus", orb.Point{69.69, 28.42}, orb.Point{68.85, 27.68}, [5]int64{300000, 400000, 500000, 650000, 800000}},
	{"SKR", "Sukkur", "Indus", orb.Point{68.85, 27.68}, orb.Point{68.37, 25.37}, [5]int64{300000, 400000, 500000, 650000, 800000}},
	{"KTR", "Kotri", "Indus", orb.Point{68.37, 25.37}, orb.Point{67.45, 24.0}, [5]int64{300000, 400000, 500000, 650000, 800000}},
	{"NSR", "Nowshera", "Kabul", orb.Point{71.98, 34.01}, orb.Point{72.23, 33.91}, [5]int64{50000, 80000, 110000, 150000, 200000}},
	{"MRL", "Marala", "Chenab", orb.Point{74.46, 32.67}, orb.Point{72.15, 31.15}, [5]int64{100000, 150000, 250000, 400000, 600000}},
	{"BLK", "Balloki", "Ravi", orb.Point{73.86, 31.22}, orb.Point{71.85, 30.65}, [5]int64{50000, 70000, 100000, 130000, 150000}},
	{"SLM", "Sulemanki", "Sutlej", orb.Point{73.87, 30.38}, orb.Point{71.02, 29.35}, [5]int64{50000, 70000, 100000, 130000, 150000}},
}

func gauges(_ *Sources) []feature {
	fs := make([]feature, len(Gauges))
	for i, g := range Gauges {
		fs[i] = feature{ID: i + 1, Geometry: pointGeom(g.Point), Properties: map[string]any{
			"station_id": g.ID, "name": g.Name, "river": g.River,
			"low_cusecs": g.Thresholds[0], "medium_cusecs": g.Thresholds[1], "high_cusecs": g.Thresholds[2],
			"very_high_cusecs": g.Thresholds[3], "exceptional_cusecs": g.Thresholds[4],
			"downstream_lon": g.Downstream[0], "downstream_lat": g.Downstream[1],
		}}
	}
	return fs
}

// Route stops: real places (GeoNames coordinates) except the Khunjerab Pass and Sost, which are
// not populated places in GeoNames' list and are given by their approximate positions.
var (
	eastern = []string{"Khunjerab Pass", "Sost", "Aliabad", "Gilgit", "Chilas", "Mansehra", "Abbottabad",
		"Havelian", "Islamabad", "Lahore", "Multan", "Rahim Yar Khan", "Sukkur", "Nawabshah", "Hyderabad", "Karachi"}
	western = []string{"Islamabad", "Dera Ismail Khan", "Zhob", "Quetta", "Kalat", "Surab", "Khuzdar",
		"Panjgur", "Turbat", "Gwadar"}
	fixedStops = map[string]orb.Point{"Khunjerab Pass": {75.42, 36.85}, "Sost": {74.82, 36.69}}
)

// routes builds the CPEC road alignments as one feature per city-to-city segment, densified every
// ~5 km with a gentle seeded bend so that they behave like roads when clipped and buffered.
func routes(src *Sources) []feature {
	var fs []feature
	add := func(route string, stops []string) {
		pts := make([]orb.Point, len(stops))
		for i, s := range stops {
			if p, ok := fixedStops[s]; ok {
				pts[i] = p
				continue
			}
			pl, ok := src.Place(s)
			if !ok {
				panic("pakistan: route stop not in GeoNames extract: " + s)
			}
			pts[i] = pl.Point
		}
		for i := 0; i+1 < len(pts); i++ {
			line := bend(pts[i], pts[i+1], uint64(len(fs)+1))
			fs = append(fs, feature{ID: len(fs) + 1, Geometry: geometry{"LineString", coords(line)},
				Properties: map[string]any{"route": route, "from": stops[i], "to": stops[i+1],
					"segment": stops[i] + " – " + stops[i+1], "length_km": math.Round(length(line)*10) / 10}})
		}
	}
	add("Eastern alignment", eastern)
	add("Western alignment", western)
	return fs
}

func bend(a, b orb.Point, seed uint64) orb.LineString {
	d := geo.DistanceKm(a, b)
	n := max(int(d/5), 1)
	nz := noise{seed: seed, spacing: 0.35}
	// perpendicular unit vector in degrees
	dx, dy := b[0]-a[0], b[1]-a[1]
	l := math.Hypot(dx, dy)
	px, py := -dy/l, dx/l
	ls := make(orb.LineString, 0, n+1)
	for k := 0; k <= n; k++ {
		t := float64(k) / float64(n)
		off := 0.04 * math.Sin(math.Pi*t) * nz.at(t*l, 0)
		ls = append(ls, orb.Point{round5(a[0] + t*dx + off*px), round5(a[1] + t*dy + off*py)})
	}
	return ls
}

func coords(ls orb.LineString) [][2]float64 {
	out := make([][2]float64, len(ls))
	for i, p := range ls {
		out[i] = [2]float64{p[0], p[1]}
	}
	return out
}

func length(ls orb.LineString) float64 {
	var s float64
	for i := 0; i+1 < len(ls); i++ {
		s += geo.DistanceKm(ls[i], ls[i+1])
	}
	return s
}

// facilities: a district hospital at every place of 50,000 people or more, a rural health centre
// at every smaller place, and flood shelters (schools designated as shelters) at seeded villages of
// 1,500+ people that stay dry in the 100-year flood.
func (g *generator) facilities(vs []village) []feature {
	var fs []feature
	for _, pl := range g.src.Places {
		kind, capacity := "rural_health_centre", int64(20)
		if pl.Population >= 50000 {
			kind, capacity = "hospital", 100+pl.Population/5000
		}
		fs = append(fs, feature{ID: len(fs) + 1, Geometry: pointGeom(pl.Point), Properties: map[string]any{
			"facility_id": len(fs) + 1, "name": pl.Name + " " + map[string]string{"hospital": "District Hospital", "rural_health_centre": "Rural Health Centre"}[kind],
			"kind": kind, "capacity": capacity}})
	}
	shelters := 0
	for _, k := range g.rng.Perm(len(vs)) {
		if shelters == 400 {
			break
		}
		v := vs[k]
		x, y, _ := g.grid.cell(v.point)
		if v.population < 1500 || g.depth100[y*g.grid.w+x] > 0 {
			continue
		}
		shelters++
		fs = append(fs, feature{ID: len(fs) + 1, Geometry: pointGeom(v.point), Properties: map[string]any{
			"facility_id": len(fs) + 1, "name": fmt.Sprintf("Flood shelter, Village %s-%05d", v.province[3:], v.id),
			"kind": "flood_shelter", "capacity": 200 + v.population/10}})
	}
	return fs
}

// buildings scatters small rectangular footprints (8-25 m a side) around the villages, for scale
// tests of millions of polygons. It yields them one at a time, so that any number can be written
// in bounded memory; the draws continue the generator's seeded sequence.
func (g *generator) buildings(vs []village) iter.Seq[data.Feature] {
	return func(yield func(data.Feature) bool) {
		for i := range g.opt.Buildings {
			v := vs[g.rng.IntN(len(vs))]
			r := 0.004 * math.Sqrt(-2*math.Log(1-g.rng.Float64()))
			a := g.rng.Float64() * 2 * math.Pi
			c := orb.Point{v.point[0] + r*math.Cos(a), v.point[1] + r*math.Sin(a)}
			w := (8 + 17*g.rng.Float64()) / 111320 / math.Cos(c[1]*math.Pi/180) / 2
			h := (8 + 17*g.rng.Float64()) / 110574 / 2
			ring := orb.Ring{{c[0] - w, c[1] - h}, {c[0] + w, c[1] - h}, {c[0] + w, c[1] + h}, {c[0] - w, c[1] + h}, {c[0] - w, c[1] - h}}
			for k := range ring {
				ring[k] = orb.Point{math.Round(ring[k][0]*1e7) / 1e7, math.Round(ring[k][1]*1e7) / 1e7}
			}
			f := data.Feature{ID: uint64(i + 1), Geometry: orb.Polygon{ring},
				Properties: map[string]any{"building_id": int64(i + 1), "village_id": int64(v.id)}}
			if !yield(f) {
				return
			}
		}
	}
}
