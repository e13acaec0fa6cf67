package warnings

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"
)

// builtinTemplates are the text templates shipped with Indus, one file per language.
//
//go:embed templates/*.tmpl
var builtinTemplates embed.FS

// primaryLanguage is the language of the first info block and of the warnings' headlines.
const primaryLanguage = "en-US"

// textNames are the templates every language defines.
func textNames() []string { return []string{"event", "headline", "description", "instruction", "area"} }

// TextData is what the text templates of every language are rendered with.
type TextData struct {
	MsgType      string // Alert, Update or Cancel
	Category     string // Low … Exceptionally High; Normal in a Cancel
	Level        int    // the category as a number: 0 Normal … 5 Exceptionally High
	Station      string // station name
	River        string // river name
	Discharge    string // cusecs with thousands separators: 580,000
	Observed     string // observation time as CAP writes it (UTC, "-00:00")
	ObservedPKT  string // observation time in Pakistan Standard Time (UTC+5): 2022-08-25 11:00
	ReturnPeriod int    // years of the flood layer the area is drawn from
	AreaDesc     string // the English description of the warning area

	// Impact is what the area holds (Alert, Update); nil in a Cancel or without an assessor.
	Impact *TextImpact
}

// textData is the template data of a warning version.
func textData(w *Warning) TextData {
	pkt := time.FixedZone("PKT", 5*3600)
	return TextData{MsgType: w.MsgType, Category: w.CategoryName, Level: int(w.Category), Station: w.StationName,
		River: w.River, Discharge: thousands(w.Reading.DischargeCusecs), Observed: capTime(w.Reading.Observed),
		ObservedPKT: w.Reading.Observed.In(pkt).Format("2006-01-02 15:04"), ReturnPeriod: w.ReturnPeriod, AreaDesc: w.AreaDesc,
		Impact: w.Impact.text()}
}

// Text is the rendered texts of one language.
type Text struct {
	Language                                            string
	Event, Headline, Description, Instruction, AreaDesc string
}

// Texts renders the human-readable texts of CAP messages in every language, from text/template
// files that a translator edits without touching Go: one file per language, named by its tag.
type Texts struct {
	langs []*language // the primary language first, then by tag
}

type language struct {
	tag, file string
	tmpl      *template.Template
}

// LoadTexts reads the *.tmpl files of dir, or the built-in ones when dir is empty. It fails, naming
// the file (and line, for a template error), unless en-US is among them, every file defines every
// text, and every text renders to something for every message type and category.
func LoadTexts(dir string) (*Texts, error) {
	var fsys fs.FS
	shown := func(name string) string { return path.Join("templates", name) + " (built in)" }
	if dir == "" {
		sub, err := fs.Sub(builtinTemplates, "templates")
		if err != nil {
			return nil, err
		}
		fsys = sub
	} else {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("cap templates %s: not a folder", dir)
		}
		fsys = os.DirFS(dir)
		shown = func(name string) string { return strings.TrimRight(dir, "/") + "/" + name }
	}
	names, err := fs.Glob(fsys, "*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("cap templates %s: %w", dir, err)
	}
	t := &Texts{}
	for _, name := range names {
		l, err := parseLanguage(fsys, name, shown(name))
		if err != nil {
			return nil, err
		}
		t.langs = append(t.langs, l)
	}
	slices.SortFunc(t.langs, func(a, b *language) int {
		switch {
		case a.tag == primaryLanguage:
			return -1
		case b.tag == primaryLanguage:
			return 1
		}
		return strings.Compare(a.tag, b.tag)
	})
	if len(t.langs) == 0 || t.langs[0].tag != primaryLanguage {
		return nil, fmt.Errorf("cap templates %s: no %s.tmpl (English is the first info block and the headline)", shown(""), primaryLanguage)
	}
	return t, nil
}

// parseLanguage parses and checks the file of one language.
func parseLanguage(fsys fs.FS, name, shown string) (*language, error) {
	src, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("cap templates: %w", err)
	}
	l := &language{tag: strings.TrimSuffix(name, ".tmpl"), file: shown}
	if !regexp.MustCompile(`^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`).MatchString(l.tag) {
		return nil, fmt.Errorf("cap templates %s: %q is not a language tag (want e.g. ur-PK.tmpl)", shown, l.tag)
	}
	tmpl := template.New(name).Funcs(template.FuncMap{"tr": l.translate})
	if _, err := tmpl.Parse(string(src)); err != nil {
		return nil, fmt.Errorf("cap templates %s: %w", shown, err)
	}
	l.tmpl = tmpl
	for _, n := range textNames() {
		if tmpl.Lookup(n) == nil {
			return nil, fmt.Errorf("cap templates %s: no {{define %q}} (every language defines %s)", shown, n, strings.Join(textNames(), ", "))
		}
	}
	for _, d := range sampleData() {
		if _, err := l.render(d); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// sampleData covers every message type and category (the first six, indexed by category), then
// every category again with an impact and with one lacking its optional figures, to check
// templates at load.
func sampleData() []TextData {
	var out []TextData
	for c := Normal; c <= Exceptional; c++ {
		msg := []string{"Cancel", "Alert", "Update", "Update", "Update", "Update"}[c]
		out = append(out, TextData{MsgType: msg, Category: c.String(), Level: int(c), Station: "Sukkur", River: "Indus",
			Discharge: "580,000", Observed: "2022-08-25T06:00:00-00:00", ObservedPKT: "2022-08-25 11:00",
			ReturnPeriod: c.ReturnPeriod(), AreaDesc: "Indus river from Sukkur, 58 km either side of the reach, 25-year flood zones"})
	}
	full := &TextImpact{People: "412,350", Villages: "517", WithFibre: "371", WithoutFibre: "146", Health: "9",
		Shelters: "12", ShelterCapacity: "18,000", RouteKm: "84.2", Buildings: "96,410"}
	partial := &TextImpact{People: "412,350", Villages: "517", WithFibre: "371", WithoutFibre: "146", Health: "9",
		Shelters: "0", RouteKm: "0.0"}
	for _, imp := range []*TextImpact{full, partial} {
		for _, d := range out[1 : Exceptional+1] {
			d.Impact = imp
			out = append(out, d)
		}
	}
	return out
}

// translate looks a word up in the language's glossary (templates named "tr:" + word).
func (l *language) translate(word string) (string, error) {
	t := l.tmpl.Lookup("tr:" + word)
	if t == nil {
		return word, nil
	}
	var b strings.Builder
	if err := t.Execute(&b, nil); err != nil {
		return "", err
	}
	return strings.Join(strings.Fields(b.String()), " "), nil
}

// render renders every text of the language.
func (l *language) render(d TextData) (Text, error) {
	out := Text{Language: l.tag}
	for i, p := range []*string{&out.Event, &out.Headline, &out.Description, &out.Instruction, &out.AreaDesc} {
		var b strings.Builder
		if err := l.tmpl.ExecuteTemplate(&b, textNames()[i], d); err != nil {
			return out, fmt.Errorf("cap templates %s: %w", l.file, err)
		}
		if *p = strings.Join(strings.Fields(b.String()), " "); *p == "" {
			return out, fmt.Errorf("cap templates %s: %q is empty for a %s (%s)", l.file, textNames()[i], d.MsgType, d.Category)
		}
	}
	return out, nil
}

// Languages returns the language tags, the primary one first.
func (t *Texts) Languages() []string {
	var out []string
	for _, l := range t.langs {
		out = append(out, l.tag)
	}
	return out
}

// Render renders the texts of a warning version in every language, the primary one first.
func (t *Texts) Render(w *Warning) ([]Text, error) {
	d := textData(w)
	out := make([]Text, 0, len(t.langs))
	for _, l := range t.langs {
		txt, err := l.render(d)
		if err != nil {
			return nil, err
		}
		out = append(out, txt)
	}
	return out, nil
}

// headline is the primary language's headline of a warning version. Templates are checked when
// loaded, so it fails only if a template's own logic does; then it says what it can in English.
func (t *Texts) headline(w *Warning) string {
	txt, err := t.langs[0].render(textData(w))
	if err != nil {
		return fmt.Sprintf("%s flood warning at %s (%s)", w.CategoryName, w.StationName, w.River)
	}
	return txt.Headline
}
