package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// --pmtiles is repeatable and replaces INDUS_PMTILES, which replaces the file's list; names are
// checked at start.
func TestPMTilesConfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "indus.yaml")
	os.WriteFile(file, []byte("pmtiles:\n  - a=/data/a.pmtiles\n"), 0o644)
	load := func(args ...string) ([]string, error) {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg, err := loadConfig(fs, append([]string{"--config", file}, args...))
		return cfg.PMTiles, err
	}
	if got, err := load(); err != nil || !slices.Equal(got, []string{"a=/data/a.pmtiles"}) {
		t.Errorf("file: %v %v", got, err)
	}
	t.Setenv("INDUS_PMTILES", "b=/data/b.pmtiles, c=https://cdn.example.org/c.pmtiles")
	if got, err := load(); err != nil || !slices.Equal(got, []string{"b=/data/b.pmtiles", "c=https://cdn.example.org/c.pmtiles"}) {
		t.Errorf("env: %v %v", got, err)
	}
	if got, err := load("--pmtiles", "d=/d.pmtiles", "--addr", ":1", "--pmtiles", "e=/e.pmtiles"); err != nil || !slices.Equal(got, []string{"d=/d.pmtiles", "e=/e.pmtiles"}) {
		t.Errorf("flags: %v %v", got, err)
	}
	for _, bad := range []string{"noequals", "bad name=/x", "d=/x,d=/y"} {
		t.Setenv("INDUS_PMTILES", bad)
		if _, err := load(); err == nil {
			t.Errorf("INDUS_PMTILES=%q accepted", bad)
		}
	}
}
