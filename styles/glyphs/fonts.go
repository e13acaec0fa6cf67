package glyphs

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The glyphs Indus serves, rendered from Debian's fonts-noto-core by `indus fonts` (go generate,
// or make fonts): Noto Sans and Noto Naskh Arabic, regular and bold, over Ranges. Noto is under
// the SIL Open Font License 1.1 (fonts/OFL.txt).
//
//go:generate go run ../../cmd/indus fonts --out fonts
//go:embed fonts
var embedded embed.FS

// Embedded is the range files of the fonts Indus serves (for Load).
func Embedded() fs.FS {
	sub, _ := fs.Sub(embedded, "fonts")
	return sub
}

// Written is what WriteFont wrote.
type Written struct {
	Dir    string
	Ranges int
	Glyphs int
	Bytes  int
}

// WriteFont renders the ranges of f that it has glyphs in into dir (which it empties of range
// files first), one "<start>-<end>.pbf" file each.
func WriteFont(dir string, f *Font, ranges []rune) (Written, error) {
	w := Written{Dir: dir}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return w, err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.pbf"))
	for _, o := range old {
		if err := os.Remove(o); err != nil {
			return w, err
		}
	}
	for _, start := range ranges {
		if f.Count(start) == 0 {
			continue
		}
		s, err := f.Render(start)
		if err != nil {
			return w, err
		}
		b := Encode(s)
		if err := os.WriteFile(filepath.Join(dir, s.Range+".pbf"), b, 0o644); err != nil {
			return w, fmt.Errorf("writing %s: %w", s.Range, err)
		}
		w.Ranges, w.Glyphs, w.Bytes = w.Ranges+1, w.Glyphs+len(s.Glyphs), w.Bytes+len(b)
	}
	return w, nil
}
