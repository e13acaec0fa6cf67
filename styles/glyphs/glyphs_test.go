package glyphs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/cpec-digital/indus/data/fault"
	"github.com/cpec-digital/indus/data/testenv"
)

const notoDir = "/usr/share/fonts/truetype/noto/"

// debianFont reads a font of Debian's fonts-noto-core, which make test installs: a test that needs
// it fails in CI without it and is skipped elsewhere, and under -short.
func debianFont(t testing.TB, file string) []byte {
	t.Helper()
	testenv.Files(t, "fonts-noto-core", notoDir+file)
	b, err := os.ReadFile(notoDir + file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func servedSet(t testing.TB) *Set {
	t.Helper()
	s, err := Load(Embedded())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestEmbeddedAreTheFonts renders every embedded range again from Debian's font files: the
// committed glyphs are exactly what indus fonts makes of them (else: make fonts).
func TestEmbeddedAreTheFonts(t *testing.T) {
	dirs, _ := fs.ReadDir(Embedded(), ".")
	n := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		f, err := Parse(debianFont(t, d.Name()+".ttf"))
		if err != nil {
			t.Fatal(err)
		}
		files, _ := fs.Glob(Embedded(), d.Name()+"/*.pbf")
		var want []string
		for _, start := range Ranges() {
			if f.Count(start) > 0 {
				want = append(want, d.Name()+"/"+rangeName(start)+".pbf")
			}
		}
		slices.Sort(want)
		if strings.Join(files, " ") != strings.Join(want, " ") {
			t.Errorf("%s: ranges %v, the font has glyphs in %v (make fonts)", d.Name(), files, want)
		}
		for _, file := range files {
			start, _ := ParseRange(strings.TrimSuffix(filepath.Base(file), ".pbf"))
			s, err := f.Render(start)
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := fs.ReadFile(Embedded(), file); !bytes.Equal(b, Encode(s)) {
				t.Errorf("%s differs from what %s renders (make fonts)", file, f.Name)
			}
			n++
		}
	}
	if n < 20 {
		t.Errorf("only %d ranges embedded", n)
	}
}

// nodeGlyph is a glyph as the independent decoder (styles/web/test/glyphs.mjs) reports it.
type nodeGlyph struct {
	Width, Height, Left, Top, Advance int
	Bitmap, Centre, Corner            int
}

// nodeDecode decodes a PBF with npm's pbf, as MapLibre GL does, and returns the glyphs asked for.
func nodeDecode(t *testing.T, pbf []byte, ids []rune) (name, rng string, glyphs map[rune]nodeGlyph) {
	t.Helper()
	testenv.Files(t, "the npm packages of styles/web (make web-deps runs npm ci)", "../web/node_modules/pbf")
	file := filepath.Join(t.TempDir(), "range.pbf")
	os.WriteFile(file, pbf, 0o644)
	var list []string
	for _, id := range ids {
		list = append(list, fmt.Sprint(id))
	}
	script, _ := filepath.Abs("../web/test/glyphs.mjs")
	out, err := exec.Command("node", script, file, strings.Join(list, ",")).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var doc struct {
		Stacks []struct{ Name, Range string }
		Glyphs map[string]nodeGlyph
	}
	if err := json.Unmarshal(out, &doc); err != nil || len(doc.Stacks) != 1 {
		t.Fatalf("decoder said %s (%v)", out, err)
	}
	glyphs = map[rune]nodeGlyph{}
	for k, g := range doc.Glyphs {
		var id rune
		fmt.Sscan(k, &id)
		glyphs[id] = g
	}
	return doc.Stacks[0].Name, doc.Stacks[0].Range, glyphs
}

// fontMetrics are a glyph's metrics as the font file gives them: its bounds and advance at 24 px,
// rounded, the top less the ascender rounded up.
func fontMetrics(t *testing.T, b []byte, r rune) nodeGlyph {
	t.Helper()
	sf, err := sfnt.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	idx, _ := sf.GlyphIndex(&buf, r)
	bounds, adv, err := sf.GlyphBounds(&buf, idx, fixed.I(24), font.HintingNone)
	if err != nil || idx == 0 {
		t.Fatalf("U+%04X: %v (index %d)", r, err, idx)
	}
	m, _ := sf.Metrics(&buf, fixed.I(24), font.HintingNone)
	px := func(v fixed.Int26_6) int { return int(math.Round(float64(v) / 64)) }
	left, right, top, bottom := px(bounds.Min.X), px(bounds.Max.X), -px(bounds.Min.Y), -px(bounds.Max.Y)
	return nodeGlyph{Width: right - left, Height: top - bottom, Left: left, Top: top - int(math.Ceil(float64(m.Ascent)/64)),
		Advance: int(adv) >> 6}
}

// TestServedGlyphsAsMapLibreReadsThem decodes served ranges of the label fontstack with an
// independent decoder: each glyph's metrics are the font's, its bitmap (width+6)×(height+6), the
// inside of a stem above the outline's 191 and a corner far outside at 0 (and the counter of an
// o outside), for Latin letters and for Urdu letters in the forms the RTL plugin shapes them to.
func TestServedGlyphsAsMapLibreReadsThem(t *testing.T) {
	s := servedSet(t)
	const stack = "Noto Sans Regular,Noto Naskh Arabic Regular"
	fonts := map[string][]byte{"latin": debianFont(t, "NotoSans-Regular.ttf"), "arabic": debianFont(t, "NotoNaskhArabic-Regular.ttf")}
	cases := []struct {
		rng, font string
		ids       []rune
	}{
		{"0-255", "latin", []rune{'A', 'I', 'W', 'g', 'o', ' '}},
		{"256-511", "latin", []rune{'ā', 'ū'}},
		{"1536-1791", "arabic", []rune{'ب', 'ے', 'ہ'}},
		{"64256-64511", "arabic", []rune{0xFBAF, 0xFBA9, 0xFB8F}}, // ے final, ہ medial, ک final
		{"65024-65279", "arabic", []rune{0xFE91, 0xFE8E, 0xFEFB}}, // ب initial, ا final, لا
	}
	for _, c := range cases {
		pbf, _, err := s.Range(stack, c.rng)
		if err != nil {
			t.Fatal(err)
		}
		name, rng, got := nodeDecode(t, pbf, c.ids)
		if name != stack || rng != c.rng {
			t.Errorf("stack %q range %q", name, rng)
		}
		for _, id := range c.ids {
			g, ok := got[id]
			want := fontMetrics(t, fonts[c.font], id)
			want.Bitmap, want.Centre, want.Corner = (want.Width+6)*(want.Height+6), g.Centre, g.Corner
			if want.Width == 0 { // a space: an advance, no bitmap
				want.Top, want.Bitmap = 0, 0
			}
			if !ok || g != want {
				t.Errorf("U+%04X %c: decoded %+v, the font says %+v", id, id, g, want)
			}
			if far := id == 'A' || id == 'o'; g.Corner >= 191 || (far && g.Corner != 0) {
				t.Errorf("U+%04X %c: corner %d (outside: < 191; 0 more than 6 px away)", id, id, g.Corner)
			}
		}
		if c.rng == "0-255" && (got['I'].Centre <= 191 || got['o'].Centre >= 191) {
			t.Errorf("SDF: centre of I %d (inside: > 191), of o %d (its counter: < 191)", got['I'].Centre, got['o'].Centre)
		}
	}
}

// TestFieldOfASquare checks the distance values on a 10×10 pixel square: 255 − (32·d + 64)
// with d the signed distance (negative inside) to the outline, clamped.
func TestFieldOfASquare(t *testing.T) {
	sq := [][]point{{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}}
	bx, _ := bounds(sq)
	f := field(sq, bx)
	w := 10 + 2*Border
	at := func(x, y int) byte { return f[(w-1-y)*w+x] } // y up, from the bitmap's bottom row
	for _, c := range []struct {
		x, y int
		want byte
	}{
		{Border + 5, Border + 5, 255},      // 5.5 px inside: 255 − (−176 + 64), clamped
		{Border, Border + 5, 255 - 48},     // 0.5 px inside
		{Border - 1, Border + 5, 255 - 80}, // 0.5 px outside
		{0, Border + 5, 255 - 144},         // 2.5 px outside
		{0, 0, 255 - int2byte(int(math.Hypot(2.5, 2.5)*32+64))},
	} {
		if got := at(c.x, c.y); got != c.want {
			t.Errorf("pixel %d,%d: %d, want %d", c.x, c.y, got, c.want)
		}
	}
	// a hole (opposite winding) is outside; the same ring twice is still inside (non-zero)
	holed := [][]point{sq[0], {{3, 3}, {3, 7}, {7, 7}, {7, 3}, {3, 3}}}
	if v := field(holed, bx)[(w-1-(Border+5))*w+Border+5]; v >= 191 {
		t.Errorf("centre of the hole: %d", v)
	}
	if v := field([][]point{sq[0], sq[0]}, bx)[(w-1-(Border+5))*w+Border+5]; v != 255 {
		t.Errorf("centre of a doubled square: %d", v)
	}
}

func int2byte(v int) byte { return byte(min(max(v, 0), 255)) }

func TestEncodeDecode(t *testing.T) {
	s := Stack{Name: "A,B", Range: "0-255", Glyphs: []Glyph{
		{ID: ' ', Advance: 6},
		{ID: 'x', Width: 1, Height: 2, Left: -1, Top: -20, Advance: 12, Bitmap: bytes.Repeat([]byte{7}, 7*8)},
	}}
	got, err := Decode(Encode(s))
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], s) {
		t.Fatalf("%+v %v", got, err)
	}
	for name, b := range map[string][]byte{
		"truncated":         Encode(s)[:20],
		"bitmap size":       Encode(Stack{Name: "A", Range: "0-255", Glyphs: []Glyph{{ID: 'x', Width: 2, Height: 2, Bitmap: []byte{1}}}}),
		"stack not bytes":   {0x08, 0x01},
		"huge glyph":        Encode(Stack{Name: "A", Range: "0-255", Glyphs: []Glyph{{ID: 'x', Width: 5000, Height: 2}}}),
		"id beyond unicode": Encode(Stack{Name: "A", Range: "0-255", Glyphs: []Glyph{{ID: 0x110000}}}),
	} {
		if _, err := Decode(b); fault.KindOf(err) != fault.KindInvalid {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestParseRange(t *testing.T) {
	for rng, want := range map[string]rune{"0-255": 0, "256-511": 256, "65280-65535": 65280} {
		if got, err := ParseRange(rng); err != nil || got != want {
			t.Errorf("%s: %d %v", rng, got, err)
		}
	}
	for _, rng := range []string{"", "0", "0-254", "1-256", "00-255", "+0-255", "-256--1", "65536-65791", "0-255 ", "256-511-"} {
		if _, err := ParseRange(rng); fault.KindOf(err) != fault.KindInvalid {
			t.Errorf("%q: %v", rng, err)
		}
	}
}

// TestLoadChecks: range files must be one fontstack of the range their name says, one font a
// directory.
func TestLoadChecks(t *testing.T) {
	file := func(name, rng string) *fstest.MapFile {
		return &fstest.MapFile{Data: Encode(Stack{Name: name, Range: rng, Glyphs: []Glyph{{ID: 'a', Advance: 9}}})}
	}
	good := fstest.MapFS{"a/0-255.pbf": file("A", "0-255"), "a/256-511.pbf": file("A", "256-511"), "b/0-255.pbf": file("B", "0-255")}
	s, err := Load(good)
	if err != nil || strings.Join(s.Names(), ",") != "A,B" {
		t.Fatalf("%v %v", s, err)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"range mismatch": {"a/0-255.pbf": file("A", "256-511")},
		"two fonts":      {"a/0-255.pbf": file("A", "0-255"), "a/256-511.pbf": file("B", "256-511")},
		"same range":     {"a/0-255.pbf": file("A", "0-255"), "b/0-255.pbf": file("A", "0-255")},
		"bad name":       {"a/latin.pbf": file("A", "0-255")},
		"not a pbf":      {"a/0-255.pbf": &fstest.MapFile{Data: []byte("nope")}},
	} {
		if _, err := Load(fsys); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

func TestRangeOfStacks(t *testing.T) {
	s := servedSet(t)
	a, etagA, err := s.Range("Noto Sans Regular", "0-255")
	b, etagB, _ := s.Range("Noto Sans Regular , Noto Sans Regular", "0-255")
	if err != nil || !bytes.Equal(a, b) || etagA != etagB {
		t.Errorf("a name twice is the name once: %v", err)
	}
	_, etagC, _ := s.Range("Noto Sans Bold", "0-255")
	if etagC == etagA || !strings.HasPrefix(etagA, `"`) {
		t.Errorf("etags %s %s", etagA, etagC)
	}
	stacks, _ := Decode(a)
	if g := stacks[0].Glyphs; len(g) != 193 || g[0].ID != 0 || g[len(g)-1].ID != 'ÿ' {
		t.Errorf("%d glyphs from U+%04X to U+%04X", len(g), g[0].ID, g[len(g)-1].ID)
	}
	if _, _, err := s.Range("Noto Sans Regular,", "0-255"); fault.KindOf(err) != fault.KindNotFound {
		t.Errorf("an empty name: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, file := range []string{"NotoSans-Regular/0-255.pbf", "NotoNaskhArabic-Bold/65024-65279.pbf"} {
		b, _ := fs.ReadFile(Embedded(), file)
		f.Add(b[:min(len(b), 4096)])
	}
	f.Add(Encode(Stack{Name: "A", Range: "0-255", Glyphs: []Glyph{{ID: 'x', Width: 1, Height: 1, Bitmap: make([]byte, 49)}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		stacks, err := Decode(b)
		if err != nil {
			return
		}
		for _, s := range stacks { // what decodes encodes to a PBF that decodes the same
			again, err := Decode(Encode(s))
			if err != nil || len(again) != 1 || !reflect.DeepEqual(normal(again[0]), normal(s)) {
				t.Fatalf("%+v → %+v %v", s, again, err)
			}
		}
	})
}

// normal drops the difference between a nil and an empty bitmap.
func normal(s Stack) Stack {
	for i := range s.Glyphs {
		if len(s.Glyphs[i].Bitmap) == 0 {
			s.Glyphs[i].Bitmap = nil
		}
	}
	return s
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"0-255", "256-511", "65280-65535", "1-256", "-0-255"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start, err := ParseRange(s)
		if err == nil && rangeName(start) != s {
			t.Fatalf("%q read as %d", s, start)
		}
	})
}

func BenchmarkRange(b *testing.B) {
	s := servedSet(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.Range("Noto Sans Regular,Noto Naskh Arabic Regular", "65024-65279"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	f, err := Parse(debianFont(b, "NotoSans-Regular.ttf"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Render(0); err != nil {
			b.Fatal(err)
		}
	}
}
