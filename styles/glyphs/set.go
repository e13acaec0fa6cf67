package glyphs

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/cpec-digital/indus/data/fault"
)

// Ranges are the ranges the served fonts are rendered for (indus fonts): those the labels of the
// default data need — Basic Latin and Latin-1, Latin Extended-A/B, Arabic, General Punctuation —
// and the two that MapLibre's RTL text plugin (ICU's Arabic shaping) turns Arabic and Urdu letters
// into: FB00–FBFF (Presentation Forms-A: the forms of پ چ ژ ک گ ں ھ ہ ی ے …) and FE00–FEFF
// (Presentation Forms-B: the forms of the basic letters and the lam-alef ligatures). The other
// ligatures of Forms-A (FC00–FDFF) are not shaped into, so they are left out.
func Ranges() []rune { return []rune{0, 256, 1536, 8192, 64256, 65024} }

// Set serves fontstacks from the range files of its fonts.
type Set struct {
	fonts   map[string]map[rune][]Glyph // font name → range start → glyphs in code point order
	version string                      // hash of every range file, for validators
}

// Load reads the range files of fsys: one directory per font, each holding "<start>-<end>.pbf"
// files as Render and Encode make them (the font's name is the one inside the files).
func Load(fsys fs.FS) (*Set, error) {
	files, err := fs.Glob(fsys, "*/*.pbf")
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	s := &Set{fonts: map[string]map[rune][]Glyph{}}
	dirFont := map[string]string{}
	h := sha256.New()
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		h.Write(b)
		if err := s.add(f, b, dirFont); err != nil {
			return nil, err
		}
	}
	s.version = hex.EncodeToString(h.Sum(nil)[:8])
	return s, nil
}

// add takes in one range file.
func (s *Set) add(file string, b []byte, dirFont map[string]string) error {
	stacks, err := Decode(b)
	if err != nil {
		return fault.Errorf(fault.KindInvalid, "%s: %v", file, err)
	}
	start, err := ParseRange(strings.TrimSuffix(path.Base(file), ".pbf"))
	if err != nil || len(stacks) != 1 || stacks[0].Range != rangeName(start) || stacks[0].Name == "" {
		return fault.Errorf(fault.KindInvalid, "%s: not one fontstack of a font of the range its name says", file)
	}
	name, dir := stacks[0].Name, path.Dir(file)
	if prev, ok := dirFont[dir]; ok && prev != name {
		return fault.Errorf(fault.KindInvalid, "%s: font %q among files of %q", file, name, prev)
	}
	dirFont[dir] = name
	if s.fonts[name] == nil {
		s.fonts[name] = map[rune][]Glyph{}
	}
	if _, dup := s.fonts[name][start]; dup {
		return fault.Errorf(fault.KindInvalid, "%s: a second range %s of %q", file, rangeName(start), name)
	}
	s.fonts[name][start] = stacks[0].Glyphs
	return nil
}

// Names are the fonts of the set, sorted.
func (s *Set) Names() []string {
	var out []string
	for n := range s.fonts {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// ParseRange reads a range name "start-end" (as MapLibre asks for them: 0-255, 256-511, …,
// 65280-65535) and returns its start; anything else is invalid.
func ParseRange(r string) (rune, error) {
	a, b, ok := strings.Cut(r, "-")
	start, err1 := strconv.Atoi(a)
	end, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || strconv.Itoa(start) != a || strconv.Itoa(end) != b ||
		start < 0 || start%RangeSize != 0 || end != start+RangeSize-1 || end > 0xffff {
		return 0, fault.Errorf(fault.KindInvalid, "bad glyph range %q (want start-end of 256 code points: 0-255, 256-511, … 65280-65535)", r)
	}
	return rune(start), nil
}

// Range answers the glyphs PBF of a fontstack (a comma list of font names) over a range
// ("0-255"): each code point from the first font of the list that has it. etag names its bytes.
// An unknown font or a range none of the fonts has glyphs in is not found; a bad range invalid.
func (s *Set) Range(fontstack, rng string) (pbf []byte, etag string, err error) {
	start, err := ParseRange(rng)
	if err != nil {
		return nil, "", err
	}
	names, err := s.stack(fontstack)
	if err != nil {
		return nil, "", err
	}
	out := Stack{Name: strings.Join(names, ","), Range: rangeName(start)}
	seen := map[rune]bool{}
	for _, n := range names {
		for _, g := range s.fonts[n][start] {
			if !seen[g.ID] {
				seen[g.ID] = true
				out.Glyphs = append(out.Glyphs, g)
			}
		}
	}
	if len(out.Glyphs) == 0 {
		return nil, "", fault.Errorf(fault.KindNotFound, "no glyphs of %q in range %s", out.Name, out.Range)
	}
	slices.SortFunc(out.Glyphs, func(a, b Glyph) int { return int(a.ID - b.ID) })
	sum := sha256.Sum256([]byte(s.version + "\x00" + out.Name + "\x00" + out.Range))
	return Encode(out), `"` + hex.EncodeToString(sum[:12]) + `"`, nil
}

// stack splits a fontstack into known font names, in order, each once.
func (s *Set) stack(fontstack string) ([]string, error) {
	var names []string
	for n := range strings.SplitSeq(fontstack, ",") {
		n = strings.TrimSpace(n)
		if _, ok := s.fonts[n]; !ok {
			return nil, fault.Errorf(fault.KindNotFound, "no font %q (fonts: %s)", n, strings.Join(s.Names(), ", "))
		}
		if !slices.Contains(names, n) {
			names = append(names, strings.Clone(n))
		}
	}
	return names, nil
}
