package main

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/cpec-digital/indus/"

type pkgInfo struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	CgoFiles   []string
	Imports    []string
	// TestImports and XTestImports are the imports of the package's tests.
	TestImports, XTestImports []string
}

func packages(t *testing.T) map[string]pkgInfo {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkgInfo{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkgInfo
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs[strings.TrimPrefix(p.ImportPath, module)] = p
	}
	return pkgs
}

// TestLayout holds the house rules of the code's shape: dependencies point one way, geometry has
// one home, cgo stays in the GDAL adapter, Fiber in the HTTP package, pgx in the PostgreSQL
// adapters (wired by cmd/indus alone), and no function in the domain packages is longer than a
// screen.
func TestLayout(t *testing.T) {
	t.Parallel()
	pkgs := packages(t)
	imports := func(p, dep string) bool { return slices.Contains(pkgs[p].Imports, module+dep) }
	rules := []struct {
		ok   bool
		rule string
	}{
		{!imports("analytics/warnings", "analytics"), "analytics/warnings does not import analytics"},
		{!imports("cmd/indus/internal/httpapi", "indexes"), "httpapi does not import indexes"},
		{imports("analytics", "data/geo") && imports("analytics/warnings", "data/geo") && imports("tiles", "data/geo"),
			"the geometry package is imported by analytics, warnings and tiles"},
		{!imports("data", "indexes") && !imports("indexes", "tiles") && !imports("indexes", "analytics"), "indexes and data import nothing above them"},
		{imports("analytics/warnings/postgres", "analytics/warnings") && !imports("analytics/warnings", "analytics/warnings/postgres"),
			"the PostgreSQL warnings log implements the interface of analytics/warnings, which does not know it"},
	}
	for name, p := range pkgs {
		wraps := strings.HasSuffix(name, "/postgres") || name == "data/postgres" || name == "benchmarks"
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "github.com/jackc/pgx") && !wraps {
				t.Errorf("%s imports pgx; only the PostgreSQL adapters (…/postgres) may", name)
			}
		}
	}
	for _, adapter := range []string{"analytics/warnings/postgres", "analytics/impact"} {
		for name, p := range pkgs {
			if slices.Contains(p.Imports, module+adapter) && name != "cmd/indus" {
				t.Errorf("%s imports %s; only cmd/indus wires concrete adapters", name, adapter)
			}
		}
	}
	seams(t, pkgs)
	for _, r := range rules {
		if !r.ok {
			t.Errorf("rule broken: %s", r.rule)
		}
	}
	for name, p := range pkgs {
		if len(p.CgoFiles) > 0 && name != "data/gdal" {
			t.Errorf("%s uses cgo; only data/gdal may", name)
		}
		if slices.Contains(p.Imports, "github.com/gofiber/fiber/v2") && name != "cmd/indus/internal/httpapi" && name != "benchmarks" {
			t.Errorf("%s imports Fiber; only the HTTP package (and the benchmarks' peers) may", name)
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "github.com/prometheus/") && name != "cmd/indus/internal/metrics" {
				t.Errorf("%s imports %s; only the metrics adapter may (the services keep Stats and hooks)", name, imp)
			}
		}
	}
	for name, p := range pkgs {
		if !domain(name) {
			continue
		}
		for _, f := range append(p.GoFiles, p.CgoFiles...) {
			for fn, n := range funcLengths(t, filepath.Join(p.Dir, f)) {
				if n > 80 {
					t.Errorf("%s/%s: %s is %d lines (at most 80)", name, f, fn, n)
				}
			}
		}
	}
}

// seams holds the seams a second implementation would plug into: the tile cache behind an
// interface, with ristretto in one file of tiles; the error kinds in a leaf that imports nothing of
// Indus; go-pmtiles (the tests' independent PMTiles reader) in a module of its own, not in Indus's.
func seams(t *testing.T, pkgs map[string]pkgInfo) {
	const ristretto = "github.com/dgraph-io/ristretto/v2"
	for name, p := range pkgs {
		if name == "data/fault" {
			for _, imp := range p.Imports {
				if strings.HasPrefix(imp, module) {
					t.Errorf("data/fault imports %s; the error kinds are a leaf", imp)
				}
			}
		}
		for _, imp := range slices.Concat(p.Imports, p.TestImports, p.XTestImports) {
			if strings.HasPrefix(imp, "github.com/protomaps/go-pmtiles") {
				t.Errorf("%s imports %s; only the oracle module (tiles/pmtiles/oracle) may", name, imp)
			}
		}
		if !slices.Contains(p.Imports, ristretto) {
			continue
		}
		for _, f := range p.GoFiles {
			if fileImports(t, filepath.Join(p.Dir, f), ristretto) && (name != "tiles" || f != "cache_ristretto.go") {
				t.Errorf("%s/%s imports ristretto; only the cache adapter (tiles/cache_ristretto.go) may", name, f)
			}
		}
	}
	mod, err := os.ReadFile("../../go.mod")
	if err != nil || strings.Contains(string(mod), "go-pmtiles") || !strings.Contains(string(mod), ristretto) {
		t.Errorf("go.mod requires go-pmtiles, or cannot be read (%v)", err)
	}
}

// fileImports reports whether the Go file at path imports pkg.
func fileImports(t *testing.T, path, pkg string) bool {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(f.Imports, func(s *ast.ImportSpec) bool { return strings.Trim(s.Path.Value, `"`) == pkg })
}

// domain says whether a package is held to the function length rule.
func domain(name string) bool {
	for _, d := range []string{"analytics", "tiles", "data", "indexes", "styles", "cmd/indus/internal/httpapi"} {
		if name == d || strings.HasPrefix(name, d+"/") {
			return true
		}
	}
	return false
}

func funcLengths(t *testing.T, path string) map[string]int {
	fs := token.NewFileSet()
	f, err := parser.ParseFile(fs, path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
			out[fd.Name.Name] = fs.Position(fd.End()).Line - fs.Position(fd.Pos()).Line + 1
		}
	}
	return out
}
