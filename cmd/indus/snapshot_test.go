package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// `indus build` writes a snapshot that `indus serve --snapshot` serves; a corrupt snapshot is
// refused at start (naming the file and section) and, put in place of the served one, leaves the
// old data serving on SIGHUP; a good new snapshot is then served on the next SIGHUP.
func TestBuildAndServeSnapshot(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	dir := t.TempDir()
	catalog := generate(t, bin, dir)
	snap := filepath.Join(dir, "served.snapshot")
	buildTo(t, bin, catalog, snap)

	corrupt := filepath.Join(dir, "corrupt.snapshot")
	raw, _ := os.ReadFile(snap)
	raw[len(raw)/2] ^= 0xFF
	os.WriteFile(corrupt, raw, 0o644)
	msg, err := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--snapshot", corrupt).CombinedOutput()
	if err == nil || !strings.Contains(string(msg), corrupt) || !strings.Contains(string(msg), "checksum mismatch") {
		t.Fatalf("a corrupt snapshot: err %v, output %s", err, msg)
	}

	base, cmd := startProcess(t, bin, nil, "--snapshot", snap)
	before := dataVersion(t, base)
	os.Rename(corrupt, snap) // replaced as a deployment would: a new file renamed into place
	cmd.Process.Signal(syscall.SIGHUP)
	until(t, func() bool { return reloadsFailed(t, base) == 1 })
	if v := dataVersion(t, base); v != before {
		t.Fatalf("a corrupt snapshot replaced the served data: %s → %s", before, v)
	}
	if res, err := http.Get(base + "/tiles/provinces/5/22/13.mvt"); err != nil || res.StatusCode != 200 {
		t.Fatalf("tiles after a refused reload: %v %v", res, err)
	}

	cat, _ := os.ReadFile(catalog)
	os.WriteFile(catalog, []byte(strings.Replace(string(cat), "title: Rivers and canals (GSHHG/WDBII)", "title: Rivers (rebuilt)", 1)), 0o644)
	next := filepath.Join(dir, "next.snapshot")
	buildTo(t, bin, catalog, next)
	os.Rename(next, snap)
	cmd.Process.Signal(syscall.SIGHUP)
	deadline := time.Now().Add(3 * time.Minute)
	for dataVersion(t, base) == before {
		if time.Now().After(deadline) {
			t.Fatal("the rebuilt snapshot was not served")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if title := layerTitle(t, base, "rivers"); title != "Rivers (rebuilt)" {
		t.Errorf("rivers title %q after the reload", title)
	}
}

// A catalog whose source is missing fails the build with an error naming it, and leaves no file.
func TestBuildRefusesMissingSource(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	dir := t.TempDir()
	catalog := generate(t, bin, dir)
	os.Remove(filepath.Join(filepath.Dir(catalog), "villages.geojson"))
	snap := filepath.Join(dir, "s.snapshot")
	msg, err := exec.Command(bin, "build", "--catalog", catalog, "--out", snap).CombinedOutput()
	if err == nil || !strings.Contains(string(msg), "villages") {
		t.Fatalf("err %v, output %s", err, msg)
	}
	if _, err := os.Stat(snap); err == nil {
		t.Error("a failed build left a snapshot")
	}
}

func buildTo(t *testing.T, bin, catalog, out string) {
	t.Helper()
	if msg, err := exec.Command(bin, "build", "--catalog", catalog, "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("indus build: %v\n%s", err, msg)
	}
}

func dataVersion(t *testing.T, base string) string {
	t.Helper()
	var h struct {
		DataVersion string `json:"data_version"`
	}
	getJSON(t, base+"/health", &h)
	return h.DataVersion
}
