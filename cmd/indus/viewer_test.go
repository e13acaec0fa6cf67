package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/cpec-digital/indus/data/testenv"
)

// TestViewerInBrowser drives the web map in Debian's chromium with Playwright (styles/web/test/
// browser.mjs): tiles of several themes render, a theme toggle hides its layers, a drawn polygon's
// report equals /risk/area, a posted warning appears on the map, and an exported PMTiles archive on
// a Range-honouring server renders through the pmtiles:// protocol. The screenshots are kept in
// styles/web/test/out/viewer.png and pmtiles.png.
func TestViewerInBrowser(t *testing.T) {
	t.Parallel()
	script, _ := filepath.Abs("../../styles/web/test/browser.mjs")
	testenv.Files(t, "chromium and the npm packages of styles/web", "/usr/bin/chromium", "../../styles/web/node_modules/playwright-core")
	bin := binary(t)
	base, _ := startProcess(t, bin, []string{"INDUS_API_KEY=" + testKey})
	archiveURL, ranges := serveArchive(t, exportArchive(t, bin, 9))
	out, _ := filepath.Abs("../../styles/web/test/out")
	cmd := exec.Command("node", script, base, out, testKey, archiveURL)
	b, err := cmd.CombinedOutput()
	t.Logf("browser: %s", b)
	if err != nil {
		t.Fatalf("browser test failed: %v", err)
	}
	for _, png := range []string{"viewer.png", "pmtiles.png"} {
		if _, err := os.Stat(filepath.Join(out, png)); err != nil {
			t.Fatal("no screenshot " + png)
		}
	}
	if ranges.Load() == 0 {
		t.Error("the browser read no byte range of the archive")
	}
}
