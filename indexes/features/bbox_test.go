package features

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// shapesService serves seeded thin triangles and zigzag lines over Pakistan (their bboxes are
// mostly empty) and two features by the antimeridian.
func shapesService(rng *rand.Rand) (*Service, []data.Feature) {
	spec := data.LayerSpec{ID: "shapes", Theme: data.ThemeAdmin, MaxZoom: 14}
	cat := &data.Catalog{Name: "t", Layers: []data.LayerSpec{spec}}
	var feats []data.Feature
	for i := range 400 {
		c := orb.Point{60 + rng.Float64()*16, 23 + rng.Float64()*13}
		d := 0.5 + rng.Float64()*3
		var g orb.Geometry = orb.Polygon{{c, {c[0] + d, c[1] + d}, {c[0] + d, c[1] + d*0.9}, c}}
		if i%2 == 1 {
			g = orb.LineString{c, {c[0] + d, c[1] + d}, {c[0] + 2*d, c[1]}}
		}
		feats = append(feats, data.Feature{ID: uint64(i + 1), Geometry: g, Properties: map[string]any{}})
	}
	feats = append(feats,
		data.Feature{ID: 1001, Geometry: orb.Polygon{{{178, 66}, {179.5, 66}, {179.5, 68}, {178, 66}}}, Properties: map[string]any{}},
		data.Feature{ID: 1002, Geometry: orb.LineString{{-179.5, 67}, {-178, 69}}, Properties: map[string]any{}})
	set := indexes.Build(&data.Dataset{Catalog: cat, Version: "v", Layers: []*data.Layer{data.NewLayer(&cat.Layers[0], feats)}})
	return New(func() *indexes.Set { return set }), feats
}

// independent tells whether a geometry meets a rectangle by another road than the service's:
// the exact overlay of polygons (simplefeatures), Liang-Barsky for the segments of lines.
func independent(t *testing.T, g orb.Geometry, r orb.Bound) bool {
	if poly, ok := g.(orb.Polygon); ok {
		out, err := geo.Intersection(poly, r.ToPolygon())
		if err != nil {
			t.Fatal(err)
		}
		return len(out) > 0
	}
	l := g.(orb.LineString)
	for i := 0; i+1 < len(l); i++ {
		if geo.SegmentMeetsBound(l[i], l[i+1], r) {
			return true
		}
	}
	return false
}

// The items of a bbox are the features whose geometry meets it, not those whose bbox does
// (OGC API – Features /req/core/fc-bbox-response): over 63 seeded 2°×2° boxes the answer is the
// independent one, numberMatched counts it and the next links page through exactly it.
func TestItemsBBoxMeetsGeometry(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 7))
	s, feats := shapesService(rng)
	bboxOnly := 0
	for range 63 {
		w, so := 60+rng.Float64()*14, 23+rng.Float64()*11
		b := geo.BBox{w, so, w + 2, so + 2}
		var want []uint64
		for _, f := range feats {
			if independent(t, f.Geometry, b.Bounds()[0]) {
				want = append(want, f.ID)
			} else if f.Geometry.Bound().Intersects(b.Bounds()[0]) {
				bboxOnly++
			}
		}
		p, err := s.Items(Query{Layer: "shapes", BBox: &b, Limit: MaxLimit}, "")
		if err != nil {
			t.Fatal(err)
		}
		got := ids(p)
		if !slices.Equal(got, want) || p.NumberMatched != len(want) {
			t.Fatalf("bbox %v: matched %d %v, want %d %v", b, p.NumberMatched, got, len(want), want)
		}
		if paged := pageThrough(t, s, b, 7); !slices.Equal(paged, want) {
			t.Fatalf("bbox %v paged by 7: %v, want %v", b, paged, want)
		}
	}
	if bboxOnly < 100 {
		t.Errorf("only %d features whose bbox but not geometry meets a box: the test is too easy", bboxOnly)
	}
}

// pageThrough follows the next links of a bbox query and gathers the ids of every page.
func pageThrough(t *testing.T, s *Service, b geo.BBox, limit int) []uint64 {
	var out []uint64
	for offset := 0; ; offset += limit {
		p, err := s.Items(Query{Layer: "shapes", BBox: &b, Limit: limit, Offset: offset}, "")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ids(p)...)
		if !slices.ContainsFunc(p.Links, func(l Link) bool { return l.Rel == "next" }) {
			return out
		}
	}
}

func ids(p *Page) []uint64 {
	out := []uint64{}
	for _, f := range p.Features {
		out = append(out, f.ID)
	}
	return out
}

// A bbox across the antimeridian (west > east) is two boxes: it finds the features on both
// sides, and none of those in between.
func TestItemsBBoxAcrossAntimeridian(t *testing.T) {
	s, _ := shapesService(rand.New(rand.NewPCG(1, 1)))
	for _, c := range []struct {
		b    geo.BBox
		want string
	}{
		{geo.BBox{177, 65, -177, 70}, "[1001 1002]"},
		{geo.BBox{179.6, 65, -179.6, 70}, "[]"}, // between the two
		{geo.BBox{179, 65, -179.6, 70}, "[1001]"},
		{geo.BBox{179.6, 65, -179, 70}, "[1002]"},
	} {
		p, err := s.Items(Query{Layer: "shapes", BBox: &c.b}, "")
		if err != nil || fmt.Sprint(ids(p)) != c.want || p.NumberMatched != len(p.Features) {
			t.Errorf("bbox %v: %v %v, want %s", c.b, err, p, c.want)
		}
	}
}
