package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cpec-digital/indus/data/testenv"
	"github.com/cpec-digital/indus/styles/glyphs"
)

// TestFontsCommand: indus fonts renders a Debian font into the range files the server embeds,
// and refuses a file that is not a font.
func TestFontsCommand(t *testing.T) {
	font := notoFonts()[0]
	testenv.Files(t, "fonts-noto-core", font)
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"fonts", "--out", dir, font}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"Noto Sans Regular", 5 ranges, 660 glyphs`) {
		t.Errorf("summary: %s", stdout.String())
	}
	want, _ := fs.Glob(glyphs.Embedded(), "NotoSans-Regular/*.pbf")
	got, _ := filepath.Glob(filepath.Join(dir, "NotoSans-Regular", "*.pbf"))
	if len(got) != len(want) || len(want) != 5 {
		t.Fatalf("wrote %v, embedded %v", got, want)
	}
	for _, w := range want {
		a, _ := fs.ReadFile(glyphs.Embedded(), w)
		b, _ := os.ReadFile(filepath.Join(dir, w))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from the embedded file", w)
		}
	}
	notFont := filepath.Join(dir, "x.ttf")
	os.WriteFile(notFont, []byte("not a font"), 0o644)
	stderr.Reset()
	if code := run([]string{"fonts", "--out", dir, notFont}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "x.ttf: font:") {
		t.Errorf("a bad font: exit %d, %s", code, stderr.String())
	}
}
