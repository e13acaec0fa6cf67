package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// Under -short everything external is skipped; otherwise a present tool is found (also by a
// path outside PATH) and a missing one skips, or fails under CI.
func TestTool(t *testing.T) {
	t.Setenv("CI", "")
	var found, byPath string
	present := t.Run("present", func(t *testing.T) { found = Tool(t, "go") })
	dir := t.TempDir()
	sbin := filepath.Join(dir, "sbin-tool")
	os.WriteFile(sbin, []byte("#!/bin/sh\n"), 0o755)
	t.Run("by path", func(t *testing.T) { byPath = Tool(t, "no-such-tool-indus", filepath.Join(dir, "nothing"), sbin) })
	var missing, files bool
	t.Run("missing", func(t *testing.T) {
		defer func() { missing = t.Skipped() }()
		Tool(t, "no-such-tool-indus", filepath.Join(dir, "nothing"))
	})
	t.Run("files", func(t *testing.T) {
		defer func() { files = t.Skipped() }()
		Files(t, "a folder and a missing file", dir, filepath.Join(dir, "nothing"))
	})
	if !missing || !files {
		t.Errorf("a missing tool or file did not skip: %v %v", missing, files)
	}
	if testing.Short() {
		if found != "" || byPath != "" {
			t.Errorf("under -short a tool was found: %q %q", found, byPath)
		}
		return
	}
	if !present || filepath.Base(found) != "go" || byPath != sbin {
		t.Errorf("found %q and %q, want go and %s", found, byPath, sbin)
	}
}
