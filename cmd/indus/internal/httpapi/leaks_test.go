package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cpec-digital/indus/data/access"
)

// Plan options out of their ranges are a 400 naming the field, not a 500 (+Inf in the JSON).
func TestPlanOptionRanges(t *testing.T) {
	base := planServer(t)
	for _, tt := range []struct{ body, want string }{
		{`{"target": 60, "weights": {"flood": 1e308}}`, "weights.flood: must be a number from 0 to 1000"},
		{`{"target": 60, "route_factor": 1e308}`, "route_factor: must be a number from 1 to 10"},
		{`{"target": 60, "phase_size": 1000000000}`, "phase_size: must be from 1 to 1000000"},
		{`{"target": 60, "weights": {"flood": 1e400}}`, "invalid plan request"},
	} {
		code, _, b := postPlan(t, base+"/plan/fibre", tt.body)
		var e errorBody
		if code != 400 || json.Unmarshal(b, &e) != nil || !strings.Contains(e.Error, tt.want) {
			t.Errorf("%s: %d %s, want 400 %q", tt.body, code, b, tt.want)
		}
	}
	if code, _, b := postPlan(t, base+"/plan/fibre", `{"target": 60, "weights": {"flood": 1000}, "route_factor": 10}`); code != 200 {
		t.Errorf("the largest options: %d %.300s", code, b)
	}
}

// Only a style that is served is audited, and only with the restricted layers it shows: a 404
// (a style named after a layer, restricted or not) and a style without restricted layers are not.
func TestStyleAudit(t *testing.T) {
	base, audit := accessServer(t, nil)
	for _, p := range []string{"/styles/towers.json", "/styles/nope.json", "/styles/towers", "/styles/socioeconomic.json"} {
		if code, _, body := fetch(t, "GET", base+p, "tel"); code != map[bool]int{true: 200, false: 404}[strings.Contains(p, "socio")] {
			t.Errorf("%s: %d %s", p, code, body)
		}
	}
	audit.mu.Lock()
	if len(audit.events) != 0 {
		t.Errorf("audited: %+v", audit.events)
	}
	audit.mu.Unlock()
	for _, p := range []string{"/styles/infrastructure.json", "/styles/indus.json", "/styles/legend.json"} {
		if code, _, body := fetch(t, "GET", base+p, "tel"); code != 200 || !strings.Contains(body, "towers") {
			t.Errorf("%s: %d %.200s", p, code, body)
		}
	}
	audit.mu.Lock()
	defer audit.mu.Unlock()
	if len(audit.events) != 3 {
		t.Fatalf("audited: %+v", audit.events)
	}
	for _, e := range audit.events {
		if e.Status != 200 || strings.Join(e.Layers, ",") != "towers" {
			t.Errorf("event %+v", e)
		}
	}
}

// With Config.OperatorFigures, /metrics and the tile cache figures of /health are for keys with
// the admin right: 401 without a key, 403 with another; /health keeps its other figures.
func TestOperatorFigures(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("indus_tiles_computed_total 1\n")) })
	s := newArchiveServer(t, Config{Metrics: metrics, OperatorFigures: true}, nil)
	s.keys = fakeKeys{"tel": {ID: "tel", Groups: []string{"telecom"}}, "boss": {ID: "boss", Rights: []access.Right{access.Admin}}}
	base := start(t, s)
	for token, want := range map[string]int{"": 401, "tel": 403, "boss": 200} {
		code, hdr, body := fetch(t, "GET", base+"/metrics", token)
		if code != want || (want == 200) != strings.Contains(body, "indus_tiles_computed_total") || (want == 401) != (hdr.Get("WWW-Authenticate") != "") {
			t.Errorf("%q /metrics: %d %s, want %d", token, code, body, want)
		}
		var h struct {
			Status    string         `json:"status"`
			TileCache map[string]any `json:"tile_cache"`
		}
		code, _, body = fetch(t, "GET", base+"/health", token)
		if code != 200 || json.Unmarshal([]byte(body), &h) != nil || h.Status != "ok" || h.TileCache["enabled"] != true ||
			(len(h.TileCache) > 1) != (token == "boss") {
			t.Errorf("%q /health: %d %s", token, code, body)
		}
	}
}
