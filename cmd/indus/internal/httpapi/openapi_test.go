package httpapi

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cpec-digital/indus/analytics/warnings"
	"github.com/cpec-digital/indus/indexes"
)

// The query parameters OGC API – Features defines are described as it does: bbox and datetime
// are style form, not exploded (one comma list, not repeated names).
func TestOpenAPIParametersAsOGC(t *testing.T) {
	s := newServer(t, Config{}, testSet())
	var params map[string]struct {
		In, Style string
		Explode   *bool
	}
	var comps struct{ Parameters json.RawMessage }
	if json.Unmarshal(s.apiDoc["components"], &comps) != nil || json.Unmarshal(comps.Parameters, &params) != nil {
		t.Fatal("no components.parameters")
	}
	for _, name := range []string{"bbox", "datetime"} {
		p := params[name]
		if p.In != "query" || p.Style != "form" || p.Explode == nil || *p.Explode {
			t.Errorf("parameter %s: in %q, style %q, explode %v; want query, form, false", name, p.In, p.Style, p.Explode)
		}
	}
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// concrete fills the parameters of a path of the definition.
func concrete(path string) string {
	values := map[string]string{"{collectionId}": "villages", "{featureId}": "1", "{layers}": "villages", "{z}": "0", "{x}": "0",
		"{y}": "0", "{format}": "mvt", "{styleId}": "indus", "{range}": "0-255"}
	return pathParam.ReplaceAllStringFunc(path, func(p string) string {
		if v, ok := values[p]; ok {
			return v
		}
		return "x"
	})
}

// Every operation reads the Authorization header: a key that is not valid is a 401 on each, and
// the definition lists it for each.
func TestOpenAPIBadKeyEverywhere(t *testing.T) {
	base, _ := accessServer(t, nil)
	s := newServer(t, Config{}, testSet())
	var paths map[string]map[string]json.RawMessage
	if json.Unmarshal(s.apiDoc["paths"], &paths) != nil {
		t.Fatal("no paths")
	}
	client := &http.Client{Timeout: 5 * time.Second}
	n := 0
	for path, ops := range paths {
		for method := range ops {
			req, _ := http.NewRequest(strings.ToUpper(method), base+concrete(path), strings.NewReader("{}"))
			req.Header.Set("Authorization", "Bearer not-a-key")
			req.Header.Set("Content-Type", "application/json")
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			op := strings.ToUpper(method) + " " + path
			if _, ok := docResponses(t, s, op)[fmt.Sprint(res.StatusCode)]; res.StatusCode != 401 || !ok {
				t.Errorf("%s with a bad key: %d (the definition lists %v)", op, res.StatusCode, keysOf(docResponses(t, s, op)))
			}
			n++
		}
	}
	if n < 30 {
		t.Errorf("only %d operations", n)
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// schemaProperties are the properties of a schema of the definition's components.
func schemaProperties(t *testing.T, s *Server, name string) map[string]json.RawMessage {
	t.Helper()
	var comps struct {
		Schemas map[string]struct{ Properties map[string]json.RawMessage }
	}
	if err := json.Unmarshal(s.apiDoc["components"], &comps); err != nil || comps.Schemas[name].Properties == nil {
		t.Fatalf("no schema %s (%v)", name, err)
	}
	return comps.Schemas[name].Properties
}

// warningServer is a server of gaugeSet with flood warnings (none issued yet).
func warningServer(t *testing.T) (*Server, *warnings.Service) {
	t.Helper()
	served := indexes.NewServed(gaugeSet())
	w, err := warnings.New(warnings.DefaultConfig(filepath.Join(t.TempDir(), "j")), served, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return newServerOn(t, Config{}, served.Load, w), w
}

// A warning's JSON (an Update, which has references) holds only members its schema describes.
func TestWarningJSONMatchesSchema(t *testing.T) {
	srv, w := warningServer(t)
	base := start(t, srv)
	for k, q := range []float64{580000, 700000} {
		if _, err := w.Submit([]warnings.Reading{{Station: "SKR", Observed: time.Now().Add(time.Duration(k-2) * time.Hour), DischargeCusecs: q}}); err != nil {
			t.Fatal(err)
		}
	}
	var doc map[string]json.RawMessage
	if code, _ := get(t, base+"/warnings/PK-INDUS-SKR-1.json", &doc); code != 200 || doc["references"] == nil {
		t.Fatalf("GET the update: %d %v", code, keysOf(doc))
	}
	props := schemaProperties(t, srv, "Warning")
	for k := range doc {
		if props[k] == nil {
			t.Errorf("the warning JSON has %q, which the Warning schema does not describe", k)
		}
	}
}
