package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestViewerInBrowser drives the web map in Debian's chromium with Playwright (styles/web/test/
// browser.mjs): tiles of several themes render, a theme toggle hides its layers, a drawn polygon's
// report equals /risk/area, and a posted warning appears on the map. The screenshot is kept in
// styles/web/test/out/viewer.png.
func TestViewerInBrowser(t *testing.T) {
	script, _ := filepath.Abs("../../styles/web/test/browser.mjs")
	_, errChromium := os.Stat("/usr/bin/chromium")
	_, errModules := os.Stat("../../styles/web/node_modules/playwright-core")
	if errChromium != nil || errModules != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium or the npm packages of styles/web are missing (make test installs them)")
		}
		t.Skip("chromium or the npm packages of styles/web are missing (make test installs them)")
	}
	base, _ := startProcess(t, binary(t), []string{"INDUS_API_KEY=" + testKey})
	out, _ := filepath.Abs("../../styles/web/test/out")
	cmd := exec.Command("node", script, base, out, testKey)
	b, err := cmd.CombinedOutput()
	t.Logf("browser: %s", b)
	if err != nil {
		t.Fatalf("browser test failed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "viewer.png")); err != nil {
		t.Fatal("no screenshot")
	}
}
