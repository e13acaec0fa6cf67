package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/orb/simplify"

	"github.com/cpec-digital/indus/data/geo"
)

// area is one query of the risk comparison: where Indus is asked (a JSON member of the request
// body), and the polygon PostGIS is given (GeoJSON), or for a province its key in the peer's table.
type area struct {
	Class    string
	Name     string
	Where    string // `"geometry":{...}`, `"admin":{...}` or `"corridor":{...}`
	PeerGeom string // GeoJSON polygon for the peer; empty for a province
	Province string // ISO 3166-2 code when the query is a province
	center   orb.Point
}

// inputs are the real layers the query set is drawn from.
type inputs struct {
	villages  []orb.Point
	provinces []province
	rivers    []orb.LineString
}

type province struct {
	id    string
	shape orb.MultiPolygon
}

func readInputs(dir string) (*inputs, error) {
	files := map[string][]byte{}
	for _, name := range []string{"villages.geojson", "provinces.geojson", "pk-rivers-gshhg-wdbii.geojson"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		files[name] = b
	}
	return parseInputs(files)
}

// parseInputs reads the villages, provinces and rivers of a dataset from its files' bytes.
func parseInputs(files map[string][]byte) (*inputs, error) {
	in := &inputs{}
	vs, err := geojson.UnmarshalFeatureCollection(files["villages.geojson"])
	if err != nil {
		return nil, err
	}
	for _, f := range vs.Features {
		in.villages = append(in.villages, f.Geometry.(orb.Point))
	}
	ps, err := geojson.UnmarshalFeatureCollection(files["provinces.geojson"])
	if err != nil {
		return nil, err
	}
	for _, f := range ps.Features {
		in.provinces = append(in.provinces, province{f.Properties.MustString("iso_3166_2"), geo.Polygons(f.Geometry)})
	}
	rs, err := geojson.UnmarshalFeatureCollection(files["pk-rivers-gshhg-wdbii.geojson"])
	if err != nil {
		return nil, err
	}
	for _, f := range rs.Features {
		level, _ := f.Properties["level"].(float64)
		if l, ok := f.Geometry.(orb.LineString); ok && level <= 2 && geo.LengthKm(l) > 80 { // the rivers the floods follow
			in.rivers = append(in.rivers, l)
		}
	}
	return in, nil
}

// querySet is the seeded, varied set of areas: irregular stars, stars with holes, multipolygons
// across province borders, thin strips along real rivers, 300 km corridors, every province, and
// dense and empty places. quick keeps one of each generated class fewer.
func querySet(in *inputs) []area {
	r := rand.New(rand.NewPCG(2024, 11))
	var out []area
	out = append(out, stars(r, in, 8)...)
	out = append(out, holes(r, in, 4)...)
	out = append(out, borderPairs(r, in, 4)...)
	out = append(out, riverStrips(r, in, 4)...)
	out = append(out, corridors(r, in, 4)...)
	for _, p := range in.provinces {
		out = append(out, area{Class: "province", Name: p.id, Province: p.id,
			Where: fmt.Sprintf(`"admin":{"layer":"provinces","id":%q}`, p.id)})
	}
	out = append(out, dense(r, in, 3)...)
	out = append(out, empty(r, in, 3)...)
	return out
}

// star is an irregular polygon around c: n vertices at increasing angles, at radii between
// inner·rKm and rKm (star-shaped about c, hence simple).
func star(r *rand.Rand, c orb.Point, rKm, inner float64, n int) orb.Ring {
	ring := make(orb.Ring, 0, n+1)
	for i := range n {
		t := 2 * math.Pi * (float64(i) + 0.8*r.Float64()) / float64(n)
		d := rKm * (inner + (1-inner)*r.Float64())
		ring = append(ring, offset(c, d*math.Cos(t), d*math.Sin(t)))
	}
	return append(ring, ring[0])
}

// offset moves p by dx, dy kilometres (local flat approximation).
func offset(p orb.Point, dxKm, dyKm float64) orb.Point {
	return orb.Point{p[0] + dxKm/(111.32*math.Cos(p[1]*math.Pi/180)), p[1] + dyKm/110.57}
}

func polygonArea(class, name string, g orb.Geometry) area {
	b, _ := json.Marshal(geojson.NewGeometry(g))
	return area{Class: class, Name: name, Where: `"geometry":` + string(b), PeerGeom: string(b)}
}

// across draws a diameter in km, log-uniform between lo and hi.
func across(r *rand.Rand, lo, hi float64) float64 {
	return lo * math.Exp(r.Float64()*math.Log(hi/lo))
}

func stars(r *rand.Rand, in *inputs, n int) []area {
	var out []area
	for i := range n {
		c := in.villages[r.IntN(len(in.villages))]
		d, nv := across(r, 5, 100), 20+r.IntN(181)
		out = append(out, polygonArea("star", fmt.Sprintf("star %d: %.0f km, %d vertices", i+1, d, nv), orb.Polygon{star(r, c, d/2, 0.45, nv)}))
	}
	return out
}

func holes(r *rand.Rand, in *inputs, n int) []area {
	var out []area
	for i := range n {
		c := in.villages[r.IntN(len(in.villages))]
		d := across(r, 20, 100)
		outer := star(r, c, d/2, 0.6, 20+r.IntN(181))
		hole := star(r, c, d/2*0.5, 0.3, 20+r.IntN(60))
		hole.Reverse()
		out = append(out, polygonArea("hole", fmt.Sprintf("hole %d: %.0f km", i+1, d), orb.Polygon{outer, hole}))
	}
	return out
}

// borderPairs are multipolygons of two stars on either side of a province border.
func borderPairs(r *rand.Rand, in *inputs, n int) []area {
	var out []area
	for k := 0; len(out) < n && k < 10_000; k++ { // bounded: a draw may be rejected
		p := in.provinces[r.IntN(len(in.provinces))]
		ring := p.shape[r.IntN(len(p.shape))][0]
		v := ring[r.IntN(len(ring))]
		dKm, t := 8+22*r.Float64(), 2*math.Pi*r.Float64()
		a, b := offset(v, dKm*math.Cos(t), dKm*math.Sin(t)), offset(v, -dKm*math.Cos(t), -dKm*math.Sin(t))
		pa, pb := in.provinceAt(a), in.provinceAt(b)
		if pa == "" || pb == "" || pa == pb {
			continue
		}
		mp := orb.MultiPolygon{{star(r, a, 0.9*dKm, 0.5, 20+r.IntN(100))}, {star(r, b, 0.9*dKm, 0.5, 20+r.IntN(100))}}
		out = append(out, polygonArea("multipolygon", fmt.Sprintf("%s | %s (%.0f km apart)", pa, pb, 2*dKm), mp))
	}
	return out
}

func (in *inputs) provinceAt(p orb.Point) string {
	for _, q := range in.provinces {
		if planar.MultiPolygonContains(q.shape, p) {
			return q.id
		}
	}
	return ""
}

// riverStrips are 1-2 km buffers around 40-100 km stretches of real major rivers, starting on
// the Punjab and Sindh plains (where the flood zones are).
func riverStrips(r *rand.Rand, in *inputs, n int) []area {
	var out []area
	for k := 0; len(out) < n && k < 10_000; k++ { // bounded: a draw may be rejected
		l := in.rivers[r.IntN(len(in.rivers))]
		want, start := 40+60*r.Float64(), r.IntN(len(l)-1)
		if p := in.provinceAt(l[start]); p != "PK-PB" && p != "PK-SD" {
			continue
		}
		stretch := orb.LineString{l[start]}
		for k := start + 1; k < len(l) && geo.LengthKm(stretch) < want; k++ {
			stretch = append(stretch, l[k])
		}
		if geo.LengthKm(stretch) < 30 {
			continue
		}
		stretch = simplify.DouglasPeucker(0.001).LineString(stretch.Clone())
		w := 500 + 500*r.Float64()
		mp, err := geo.Buffer(stretch, w)
		if err != nil {
			continue
		}
		out = append(out, polygonArea("river strip", fmt.Sprintf("river strip %d: %.0f km x %.1f km", len(out)+1, geo.LengthKm(stretch), 2*w/1000), mp))
	}
	return out
}

// corridors are 300 km seeded walks from a village (10 legs of 30 km, turning up to 30° each)
// with a 5 km buffer. Indus gets the corridor; PostGIS gets the polygon Indus buffers it into
// (geo.Buffer, the function Indus's corridor queries call), so both answer for the same polygon.
func corridors(r *rand.Rand, in *inputs, n int) []area {
	var out []area
	for k := 0; len(out) < n && k < 10_000; k++ { // bounded: a draw may be rejected
		p := in.villages[r.IntN(len(in.villages))]
		line, t := orb.LineString{p}, 2*math.Pi*r.Float64()
		for range 10 {
			t += (r.Float64() - 0.5) * math.Pi / 3
			p = offset(p, 30*math.Cos(t), 30*math.Sin(t))
			line = append(line, p)
		}
		if in.provinceAt(p) == "" {
			continue // keep the corridors over the data
		}
		mp, err := geo.Buffer(line, 5000)
		if err != nil {
			continue
		}
		lb, _ := json.Marshal(geojson.NewGeometry(line))
		pb, _ := json.Marshal(geojson.NewGeometry(mp))
		out = append(out, area{Class: "corridor", Name: fmt.Sprintf("corridor %d: %.0f km + 5 km", len(out)+1, geo.LengthKm(line)),
			Where: fmt.Sprintf(`"corridor":{"geometry":%s,"buffer_m":5000}`, lb), PeerGeom: string(pb)})
	}
	return out
}

// dense are 50 km stars around the villages with the most neighbours within 0.25° (of 300
// seeded candidates).
func dense(r *rand.Rand, in *inputs, n int) []area {
	type cand struct {
		p orb.Point
		k int
	}
	var cs []cand
	for range 300 {
		p := in.villages[r.IntN(len(in.villages))]
		k := 0
		for _, v := range in.villages {
			if math.Abs(v[0]-p[0]) < 0.25 && math.Abs(v[1]-p[1]) < 0.25 {
				k++
			}
		}
		cs = append(cs, cand{p, k})
	}
	slices.SortFunc(cs, func(a, b cand) int { return b.k - a.k })
	var out []area
	for _, c := range cs {
		if len(out) == n {
			break
		}
		if slices.ContainsFunc(out, func(a area) bool { return planar.Distance(a.center, c.p) < 0.5 }) {
			continue
		}
		a := polygonArea("dense", fmt.Sprintf("dense %d: 50 km, %d villages within 0.25°", len(out)+1, c.k), orb.Polygon{star(r, c.p, 25, 0.7, 120)})
		a.center = c.p
		out = append(out, a)
	}
	return out
}

// empty are stars inside Pakistan away from any village: of 200 seeded points in provinces, the
// n farthest from their nearest village, each with a star of up to 60 km across that holds none.
func empty(r *rand.Rand, in *inputs, n int) []area {
	type cand struct {
		p    orb.Point
		dist float64 // to the nearest village, degrees
	}
	var cs []cand
	for len(cs) < 200 {
		p := orb.Point{61 + 16*r.Float64(), 24 + 13*r.Float64()}
		if in.provinceAt(p) == "" {
			continue
		}
		d := math.Inf(1)
		for _, v := range in.villages {
			d = math.Min(d, math.Max(math.Abs(v[0]-p[0]), math.Abs(v[1]-p[1])))
		}
		cs = append(cs, cand{p, d})
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return cmp.Compare(b.dist, a.dist) })
	var out []area
	for _, c := range cs[:n] {
		d := math.Min(60, 0.9*c.dist*2*85) // a degree is at least 85 km here
		out = append(out, polygonArea("empty", fmt.Sprintf("empty %d: %.0f km at %.2f,%.2f", len(out)+1, d, c.p[0], c.p[1]), orb.Polygon{star(r, c.p, d/2, 0.5, 20+r.IntN(181))}))
	}
	return out
}
