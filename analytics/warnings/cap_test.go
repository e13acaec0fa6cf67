package warnings

import (
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/cpec-digital/indus/indexes"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/cap-en from the current CAP output")

// scenario issues warnings of every message type and category: at SKR an Alert (Low), Updates
// through every category, a Cancel and a new forecast Alert; at NSR a forecast Alert. Alerts and
// Updates carry an impact from areaAssessor. tweaks change the default configuration.
func scenario(t *testing.T, tweaks ...func(*Config)) *Service {
	t.Helper()
	cfg := DefaultConfig(filepath.Join(t.TempDir(), "j"))
	cfg.Assessor = &areaAssessor{}
	for _, tweak := range tweaks {
		tweak(&cfg)
	}
	s, err := newWithClock(cfg, indexes.NewServed(fixture()), nil, func() time.Time { return t0.Add(48 * time.Hour) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	likely, possible := 0.8, 0.3
	steps := []Reading{reading("SKR", 0, 310000), reading("SKR", 1, 450000), reading("SKR", 2, 580000),
		reading("SKR", 3, 700000), reading("SKR", 4, 900000), reading("SKR", 5, 1000), reading("SKR", 6, 520000),
		reading("NSR", 6, 900000)}
	steps[6].ForecastProbability, steps[7].ForecastProbability = &likely, &possible
	for _, r := range steps {
		if _, err := s.Submit([]Reading{r}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// allVersions returns every version of every warning, in order of issue.
func allVersions(s *Service) []*Warning {
	var out []*Warning
	for _, id := range s.order {
		out = append(out, s.versions[id]...)
	}
	return out
}

// otherInfo matches an info block in a language other than en-US.
var otherInfo = regexp.MustCompile(`(?s)\n  <info>\n    <language>[^<]*</language>.*?\n  </info>`)

// englishOnly removes the info blocks of other languages from a CAP message.
func englishOnly(b []byte) []byte {
	return otherInfo.ReplaceAllFunc(b, func(m []byte) []byte {
		if regexp.MustCompile(`<language>en-US</language>`).Match(m) {
			return m
		}
		return nil
	})
}

// The English part of every message is byte for byte what Indus sent before the texts moved to
// templates (testdata/cap-en, written with -update before that change), plus the impact sentence
// and <parameter>s of Alerts and Updates, and <web> and <contact> (regenerated with -update when
// they were added).
func TestCAPEnglishGolden(t *testing.T) {
	s := scenario(t)
	dir := filepath.Join("testdata", "cap-en")
	vs := allVersions(s)
	if len(vs) != 8 {
		t.Fatalf("%d versions, want 8", len(vs))
	}
	for _, w := range vs {
		b, err := s.CAPAt(w, "https://flood.example.pk")
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, w.Identifier+".cap")
		if *updateGolden {
			os.MkdirAll(dir, 0o755)
			if err := os.WriteFile(file, englishOnly(b), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if got := englishOnly(b); string(got) != string(want) {
			t.Errorf("%s: English CAP changed:\n%s\nwant\n%s", w.Identifier, got, want)
		}
	}
}

// Google Public Alerts' CAP profile: every <info> has a <web> (the warning's page: by default the
// server's own, under its public URL; or Config.Web with {id}) and a <contact> (by default the
// sender). A bad web template is refused at start.
func TestCAPWebAndContact(t *testing.T) {
	infos := func(b []byte) []struct{ Web, Contact string } {
		var a struct {
			Info []struct {
				Web     string `xml:"web"`
				Contact string `xml:"contact"`
			} `xml:"info"`
		}
		if err := xml.Unmarshal(b, &a); err != nil || len(a.Info) < 2 {
			t.Fatalf("%v: %d info blocks", err, len(a.Info))
		}
		out := []struct{ Web, Contact string }{}
		for _, i := range a.Info {
			out = append(out, struct{ Web, Contact string }{i.Web, i.Contact})
		}
		return out
	}
	s := scenario(t)
	w := allVersions(s)[1]
	b, _ := s.CAPAt(w, "https://flood.example.pk")
	for _, i := range infos(b) {
		if i.Web != "https://flood.example.pk/warnings/"+w.Identifier+".json" || i.Contact != "warnings@indus.invalid" {
			t.Errorf("defaults: %+v", i)
		}
	}
	s = scenario(t, func(c *Config) { c.Web, c.Contact = "https://ffd.gov.pk/alerts/{id}", "FFD Lahore, +92 42 99200208" })
	b, _ = s.CAPAt(w, "https://flood.example.pk")
	for _, i := range infos(b) {
		if i.Web != "https://ffd.gov.pk/alerts/"+w.Identifier || i.Contact != "FFD Lahore, +92 42 99200208" {
			t.Errorf("configured: %+v", i)
		}
	}
	for _, bad := range []string{"ffd.gov.pk/alerts/{id}", "ftp://ffd.gov.pk/{id}", "https:///{id}", "https://ffd.gov.pk/%zz"} {
		if CheckWeb(bad) == nil {
			t.Errorf("CheckWeb(%q) accepted it", bad)
		}
	}
	if CheckWeb("") != nil || CheckWeb("http://x.pk/w?id={id}") != nil {
		t.Error("CheckWeb refused a good template")
	}
}
