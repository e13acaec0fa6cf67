package warnings

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/cpec-digital/indus/data/pakistan"
	"github.com/cpec-digital/indus/indexes"
)

// The built-in Urdu texts are in Arabic script: every station and river of the default dataset,
// every category and message type has a glossary entry, so no English word is left in them.
func TestUrduTexts(t *testing.T) {
	texts, err := LoadTexts("")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(texts.Languages(), " "); got != "en-US ur-PK" {
		t.Fatalf("languages %s", got)
	}
	ur := texts.langs[1]
	for _, g := range pakistan.Gauges {
		for _, d := range sampleData() {
			d.Station, d.River = g.Name, g.River
			txt, err := ur.render(d)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{txt.Event, txt.Headline, txt.Description, txt.Instruction, txt.AreaDesc} {
				if i := strings.IndexFunc(s, func(r rune) bool { return r < 128 && unicode.IsLetter(r) }); i >= 0 {
					t.Errorf("%s %s: Latin letters in %q", g.Name, d.Category, s)
				}
			}
		}
	}
	d := sampleData()[High]
	txt, _ := ur.render(d)
	if want := "دریائے سندھ میں سکھر کے مقام پر اونچے درجے کا سیلاب: 580,000 کیوسک"; txt.Headline != want {
		t.Errorf("Urdu headline %q, want %q", txt.Headline, want)
	}
}

func writeTemplates(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A translator's folder replaces the built-in templates: a broken one is refused with its file and
// line, and a new language file adds an info block.
func TestTemplateFolder(t *testing.T) {
	builtin, err := builtinTemplates.ReadFile("templates/en-US.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	en := string(builtin)
	sd := `{{define "event"}}درياهي ٻوڏ{{end}}{{define "headline"}}{{.Station}}: {{.Discharge}}{{end}}
{{define "description"}}{{.MsgType}}{{end}}{{define "instruction"}}{{.Level}}{{end}}{{define "area"}}{{.River}}{{end}}`
	for _, tt := range []struct {
		files map[string]string
		want  string
	}{
		{map[string]string{"ur-PK.tmpl": sd}, "no en-US.tmpl"},
		{map[string]string{"en-US.tmpl": en, "ur-PK.tmpl": strings.Replace(sd, `{{define "instruction"}}{{.Level}}{{end}}`, "", 1)},
			`ur-PK.tmpl: no {{define "instruction"}}`},
		{map[string]string{"en-US.tmpl": en, "ur-PK.tmpl": "\n\n" + `{{define "event"}}{{if .Level}}x{{end}}`}, "ur-PK.tmpl:3:"},
		{map[string]string{"en-US.tmpl": en, "ur-PK.tmpl": strings.Replace(sd, "{{.MsgType}}", "\n{{.Nope}}", 1)},
			`ur-PK.tmpl:3:2: executing "description" at <.Nope>`},
		{map[string]string{"en-US.tmpl": en, "ur-PK.tmpl": strings.Replace(sd, "{{.River}}", "{{if .Level}}x{{end}}", 1)},
			`"area" is empty for a Cancel`},
		{map[string]string{"en-US.tmpl": en, "ur PK.tmpl": sd}, "is not a language tag"},
	} {
		dir := writeTemplates(t, tt.files)
		_, err := LoadTexts(dir)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), dir) {
			t.Errorf("%v: error %v, want one naming %s and %q", keys(tt.files), err, dir, tt.want)
		}
	}
	if _, err := LoadTexts(filepath.Join(t.TempDir(), "nope")); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Errorf("a missing folder: %v", err)
	}

	dir := writeTemplates(t, map[string]string{"en-US.tmpl": en, "sd-PK.tmpl": sd, "README.txt": "not a template"})
	cfg := DefaultConfig(filepath.Join(t.TempDir(), "j"))
	cfg.Templates = dir
	s, err := newWithClock(cfg, indexes.NewServed(fixture()), nil, func() time.Time { return t0.Add(48 * time.Hour) })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Submit([]Reading{reading("SKR", 1, 580000)})
	b, err := s.CAP(s.List("", nil)[0])
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Info []struct {
			Language string `xml:"language"`
			Headline string `xml:"headline"`
		} `xml:"info"`
	}
	if err := xml.Unmarshal(b, &a); err != nil || len(a.Info) != 2 || a.Info[1].Language != "sd-PK" || a.Info[1].Headline != "SKR barrage: 580,000" {
		t.Fatalf("CAP with an sd-PK template: %v %+v", err, a)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestCheckSender(t *testing.T) {
	for _, ok := range []string{"warnings@indus.invalid", "ffd.gov.pk", "urn:oid:2.49.0.0.586.1"} {
		if err := CheckSender(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "flood warnings", "a,b", "a<b", "a&b", "tab\there", "nl\n"} {
		if err := CheckSender(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	cfg := DefaultConfig(filepath.Join(t.TempDir(), "j"))
	cfg.Sender = "FFD Lahore"
	if _, err := New(cfg, indexes.NewServed(fixture()), nil, nil); err == nil || !strings.Contains(err.Error(), "FFD Lahore") {
		t.Errorf("a sender with a space: %v", err)
	}
}
