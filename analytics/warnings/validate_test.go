package warnings

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cpec-digital/indus/data/testenv"
)

// needTool skips a test under -short, and when a checker is not installed (make test installs
// it); under CI it fails.
func needTool(t *testing.T, missing bool, what string) {
	t.Helper()
	testenv.External(t, what)
	if missing {
		testenv.Missing(t, what)
	}
}

// renderAll writes the CAP message of every version into dir and returns the files, in order.
func renderAll(t *testing.T, s *Service, dir string) ([]string, []*Warning) {
	t.Helper()
	var files []string
	vs := allVersions(s)
	for _, w := range vs {
		b, err := s.CAPAt(w, "https://flood.example.pk")
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, w.Identifier+".cap")
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files, vs
}

// xmllint runs xmllint --noout with args over files and returns its output and whether it passed.
func xmllint(args []string, files ...string) (string, bool) {
	out, err := exec.Command("xmllint", append(append([]string{"--noout"}, args...), files...)...).CombinedOutput()
	return string(out), err == nil
}

// Every message (Alert, Update, Cancel; with and without references; English and Urdu) is valid
// against a CAP 1.2 schema written from the standard (testdata/cap-1.2.xsd), which refuses
// messages that break it; the Atom feed is well-formed XML.
func TestCAPSchema(t *testing.T) {
	_, err := exec.LookPath("xmllint")
	needTool(t, err != nil, "xmllint (Debian libxml2-utils)")
	schema := []string{"--schema", filepath.Join("testdata", "cap-1.2.xsd")}
	dir := t.TempDir()
	files, _ := renderAll(t, scenario(t), dir)
	other, _ := renderAll(t, scenario(t, func(c *Config) {
		c.Sender, c.SenderName, c.Web, c.Contact = "ffd-lahore@ffd.gov.pk", "", "https://ffd.gov.pk/alerts?cap={id}&lang=en", "FFD Lahore <+92 42 99200208> & PMD"
	}), t.TempDir())
	out, ok := xmllint(schema, append(files, other...)...)
	if !ok || strings.Count(out, " validates") != len(files)+len(other) {
		t.Fatalf("xmllint:\n%s", out)
	}
	good, _ := os.ReadFile(files[1]) // an Update, with references
	_, poly, _ := strings.Cut(string(good), "<polygon>")
	poly, _, _ = strings.Cut(poly, "</polygon>")
	for _, tt := range []struct{ name, from, to string }{
		{"UTC as +00:00", "<sent>2022-08-27T06:00:00-00:00", "<sent>2022-08-27T06:00:00+00:00"},
		{"UTC as Z", "<sent>2022-08-27T06:00:00-00:00", "<sent>2022-08-27T06:00:00Z"},
		{"fractional seconds", "<onset>2022-08-25T07:00:00-00:00", "<onset>2022-08-25T07:00:00.5-00:00"},
		{"a reference at +00:00", "PK-INDUS-SKR-1.1,2022-08-27T06:00:00-00:00", "PK-INDUS-SKR-1.1,2022-08-27T06:00:00+00:00"},
		{"a sender with a space", "<sender>warnings@indus.invalid", "<sender>FFD Lahore"},
		{"an unknown msgType", "<msgType>Update", "<msgType>Warning"},
		{"an unknown severity", "<severity>Moderate", "<severity>High"},
		{"scope before msgType", "<msgType>Update</msgType>\n  <scope>Public</scope>", "<scope>Public</scope>\n  <msgType>Update</msgType>"},
		{"no event", "<event>Riverine flood</event>", ""},
		{"a polygon of 3 points", poly, "25.5,68.3 25.5,68.9 25.5,68.3"},
		{"another namespace", "urn:oasis:names:tc:emergency:cap:1.2", "urn:oasis:names:tc:emergency:cap:1.1"},
	} {
		bad := strings.Replace(string(good), tt.from, tt.to, 1)
		if bad == string(good) {
			t.Fatalf("%s: the mutation did not apply", tt.name)
		}
		f := filepath.Join(t.TempDir(), "bad.cap")
		os.WriteFile(f, []byte(bad), 0o644)
		if out, ok := xmllint(schema, f); ok {
			t.Errorf("the schema accepted %s:\n%s", tt.name, out)
		}
	}
	feed := filepath.Join(dir, "warnings.atom")
	os.WriteFile(feed, must(scenario(t).Atom("http://localhost:8080")), 0o644)
	if out, ok := xmllint(nil, feed); !ok {
		t.Fatalf("xmllint of the Atom feed:\n%s", out)
	}
}

// capts is what styles/web/test/capcheck.mjs reads from a message with @dec112/cap-ts.
type capts struct {
	File, Error, Identifier, Sender, Sent, MsgType, References string
	Info                                                       []struct {
		Language, Event, Headline, SenderName string
		Areas                                 []struct {
			AreaDesc string
			Polygons []string
			Geocodes map[string]string
		}
	}
}

// An independent CAP implementation (npm @dec112/cap-ts) parses and validates every message and
// reads back what Indus meant to write.
func TestCAPWithCapTS(t *testing.T) {
	_, errNode := exec.LookPath("node")
	needTool(t, errNode != nil, "node")
	_, errPkg := os.Stat("../../styles/web/node_modules/@dec112/cap-ts")
	needTool(t, errPkg != nil, "the npm packages of styles/web (@dec112/cap-ts)")
	s := scenario(t, func(c *Config) { c.Sender, c.SenderName = "ffd-lahore@ffd.gov.pk", "Flood Forecasting Division" })
	files, vs := renderAll(t, s, t.TempDir())
	out, err := exec.Command("node", append([]string{"../../styles/web/test/capcheck.mjs"}, files...)...).Output()
	var got []capts
	if jerr := json.Unmarshal(out, &got); err != nil || jerr != nil || len(got) != len(vs) {
		t.Fatalf("capcheck.mjs: %v %v\n%s", err, jerr, out)
	}
	for i, w := range vs {
		texts, _ := s.texts.Render(w)
		if m := got[i]; m.Identifier != w.Identifier || m.Sender != "ffd-lahore@ffd.gov.pk" || m.MsgType != w.MsgType ||
			m.Sent != capTime(w.Sent) || m.References != strings.Join(w.References, " ") || len(m.Info) != 2 {
			t.Errorf("%s read as %+v", w.Identifier, m)
			continue
		}
		for k, lang := range []string{"en-US", "ur-PK"} {
			in := got[i].Info[k]
			headline := texts[k].Headline
			if k == 0 {
				headline = w.Headline
			}
			if in.Language != lang || in.Headline != headline || in.Event != texts[k].Event || in.SenderName != "Flood Forecasting Division" ||
				len(in.Areas) != 1 || len(in.Areas[0].Polygons) != 1 || in.Areas[0].Polygons[0] != capPolygon(w) ||
				in.Areas[0].AreaDesc != texts[k].AreaDesc || in.Areas[0].Geocodes["ISO3166-2"] != w.Province {
				t.Errorf("%s info %d read as %+v", w.Identifier, k, in)
			}
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.cap")
	b, _ := os.ReadFile(files[0])
	os.WriteFile(bad, []byte(strings.Replace(string(b), "<urgency>Expected", "<urgency>Soon", 1)), 0o644)
	if out, err := exec.Command("node", "../../styles/web/test/capcheck.mjs", bad).Output(); err == nil || !strings.Contains(string(out), "Soon") {
		t.Errorf("cap-ts accepted an unknown urgency: %v\n%s", err, out)
	}
}

// capPolygon is the CAP polygon of a warning area, "lat,lon" pairs, written independently of cap.go.
func capPolygon(w *Warning) string {
	var pairs []string
	for _, p := range w.Area {
		pairs = append(pairs, fmt.Sprintf("%.5f,%.5f", p.Lat(), p.Lon()))
	}
	return strings.Join(pairs, " ")
}
