package gdal

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/testenv"
)

// WriteFlatGeobuf streams features that GDAL's own ogrinfo then reads (count, fields, a value),
// and that read back through the Reader are the features written, geometry exactly.
func TestWriteFlatGeobuf(t *testing.T) {
	dir := t.TempDir()
	s := spec("written", "written.fgb")
	feats := []data.Feature{
		{ID: 1, Geometry: orb.Point{68.85, 27.7}, Properties: map[string]any{"name": "Sukkur", "population": int64(499900), "depth": 1.25, "fibre": true}},
		{ID: 2, Geometry: orb.Polygon{{{68, 27}, {69, 27}, {69, 28}, {68, 28}, {68, 27}}, {{68.2, 27.2}, {68.2, 27.4}, {68.4, 27.4}, {68.4, 27.2}, {68.2, 27.2}}},
			Properties: map[string]any{"name": "Block", "population": int64(12), "depth": 0.5, "fibre": false}},
		{ID: 3, Geometry: orb.MultiPolygon{{{{70, 30}, {70.001, 30}, {70.001, 30.001}, {70, 30}}}, {{{71, 31}, {71.5, 31}, {71.5, 31.5}, {71, 31}}}},
			Properties: map[string]any{"name": "Two"}}, // nulls
	}
	r := NewReader(1)
	defer r.Close()
	path := filepath.Join(dir, "written.fgb")
	if err := r.WriteFlatGeobuf(context.Background(), path, s.Fields, slices.Values(feats)); err != nil {
		t.Fatal(err)
	}
	t.Run("ogrinfo", func(t *testing.T) {
		out, err := exec.Command(testenv.Tool(t, "ogrinfo"), "-ro", "-al", "-so", path).CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo: %v\n%s", err, out)
		}
		for _, want := range []string{"Feature Count: 3", "name: String", "population: Integer64", "depth: Real", "fibre: Integer"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("ogrinfo does not say %q:\n%s", want, out)
			}
		}
	})
	got, err := read(t, r, dir, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(feats) {
		t.Fatalf("read %d features, wrote %d", len(got), len(feats))
	}
	for i, f := range feats {
		if !orb.Equal(got[i].Geometry, f.Geometry) {
			t.Errorf("feature %d: read %v, wrote %v", i, got[i].Geometry, f.Geometry)
		}
		for k, v := range f.Properties {
			if got[i].Properties[k] != v {
				t.Errorf("feature %d %s: read %#v, wrote %#v", i, k, got[i].Properties[k], v)
			}
		}
	}
	if got[2].Properties["population"] != nil {
		t.Errorf("a null population read as %#v", got[2].Properties["population"])
	}
}
