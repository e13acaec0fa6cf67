package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cpec-digital/indus/styles/glyphs"
)

// notoFonts are the fonts Indus serves, as Debian's fonts-noto-core installs them.
func notoFonts() []string {
	var out []string
	for _, f := range []string{"NotoSans-Regular", "NotoSans-Bold", "NotoNaskhArabic-Regular", "NotoNaskhArabic-Bold"} {
		out = append(out, "/usr/share/fonts/truetype/noto/"+f+".ttf")
	}
	return out
}

// fontsCmd is `indus fonts`: the glyph range files of font files (default: the Noto fonts the
// server embeds), one directory per font, named as the file.
func fontsCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fonts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "styles/glyphs/fonts", "directory to write <font file name>/<start>-<end>.pbf into")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: indus fonts [--out DIR] [FONT.ttf ...]  (default: Debian's fonts-noto-core Noto Sans and Noto Naskh Arabic)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	files := fs.Args()
	if len(files) == 0 {
		files = notoFonts()
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("%w (Debian: apt-get install fonts-noto-core)", err)
		}
		f, err := glyphs.Parse(b)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		dir := filepath.Join(*out, strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)))
		w, err := glyphs.WriteFont(dir, f, glyphs.Ranges())
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		fmt.Fprintf(stdout, "%s: %q, %d ranges, %d glyphs, %d KB\n", w.Dir, f.Name, w.Ranges, w.Glyphs, w.Bytes>>10)
	}
	return nil
}
