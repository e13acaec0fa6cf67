// Package pakistan is the default Indus dataset: real boundaries, places and rivers of Pakistan
// (embedded), and a seeded generator for the layers that cannot be downloaded here (the hazards —
// floods, glacial lake outburst floods, landslides, storm surge, earthquake, heat, drought, with
// climate scenarios of floods, heat and surge — villages, gauges, CPEC routes, facilities, wetlands).
package pakistan

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"text/template"

	"github.com/cpec-digital/indus/data"
)

//go:embed catalog.yaml.tmpl
var catalogFS embed.FS

// Writer writes rasters and big vector layers to files (the GDAL adapter writes GeoTIFF and
// FlatGeobuf).
type Writer interface {
	WriteGeoTIFF(ctx context.Context, path string, g *data.Grid) error
	WriteFlatGeobuf(ctx context.Context, path string, fields []data.Field, feats iter.Seq[data.Feature]) error
}

// buildingFields are the attributes of the buildings layer.
var buildingFields = []data.Field{{Name: "building_id", Type: data.FieldInteger}, {Name: "village_id", Type: data.FieldInteger}}

// Catalog renders the catalog YAML for a dataset generated with opt.
func Catalog(opt Options) ([]byte, error) {
	t, err := template.ParseFS(catalogFS, "catalog.yaml.tmpl")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	all := append([]Scenario{Historical}, Scenarios...)
	err = t.Execute(&buf, struct {
		Options
		Floods       []FloodLayer
		Heat, Surges []Scenario
		Lakes        int
	}{opt, FloodLayers(), all, all, lakeCount})
	return buf.Bytes(), err
}

// stampFile records which generator options produced a materialized folder.
const stampFile = ".indus-dataset.json"

// generatorVersion changes whenever the generator's output changes, so that stale folders are rebuilt.
const generatorVersion = 6

// Materialize writes the real sources, the generated layers and catalog.yaml into dir and returns
// the catalog's path. A folder already made with the same options and generator version is reused.
func Materialize(ctx context.Context, dir string, opt Options, w Writer) (string, error) {
	catPath := filepath.Join(dir, "catalog.yaml")
	stamp, _ := json.Marshal(struct {
		Version int
		Options
	}{generatorVersion, opt})
	if old, err := os.ReadFile(filepath.Join(dir, stampFile)); err == nil && bytes.Equal(old, stamp) {
		return catPath, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	os.Remove(filepath.Join(dir, stampFile))
	src, err := LoadSources()
	if err != nil {
		return "", err
	}
	out, err := Generate(src, opt)
	if err != nil {
		return "", err
	}
	files, _ := fs.Glob(sourceFS, "sources/*.geojson")
	for _, f := range files {
		b, _ := sourceFS.ReadFile(f)
		if err := writeFile(filepath.Join(dir, filepath.Base(f)), b); err != nil {
			return "", err
		}
	}
	for name, b := range out.Vectors {
		if err := writeFile(filepath.Join(dir, name), b); err != nil {
			return "", err
		}
	}
	for name, g := range out.Grids {
		if err := w.WriteGeoTIFF(ctx, filepath.Join(dir, name), g); err != nil {
			return "", fmt.Errorf("writing %s: %w", name, err)
		}
	}
	if out.Buildings != nil {
		if err := w.WriteFlatGeobuf(ctx, filepath.Join(dir, "buildings.fgb"), buildingFields, out.Buildings); err != nil {
			return "", fmt.Errorf("writing buildings.fgb: %w", err)
		}
	}
	cat, err := Catalog(opt)
	if err != nil {
		return "", err
	}
	if err := writeFile(catPath, cat); err != nil {
		return "", err
	}
	return catPath, writeFile(filepath.Join(dir, stampFile), stamp)
}

// writeFile writes through a temporary file and a rename, so readers never see a partial file.
func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
