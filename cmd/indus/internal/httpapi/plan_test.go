package httpapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/analytics/planning"
	"github.com/cpec-digital/indus/indexes"
	"github.com/cpec-digital/indus/indexes/features"
	"github.com/cpec-digital/indus/tiles"
)

// planServer serves testSet with a planner and a small body limit.
func planServer(t *testing.T) string {
	t.Helper()
	set := testSet()
	current := func() *indexes.Set { return set }
	ts, err := tiles.New(tiles.Config{}, current, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.Close)
	return start(t, New(Config{BodyLimit: 4096}, Services{Features: features.New(current), Tiles: ts,
		Risk: analytics.NewEngine(analytics.DefaultConfig(), current), Planner: planning.New(planning.DefaultConfig(), current)},
		slog.New(slog.DiscardHandler)))
}

func postPlan(t *testing.T, url, body string) (int, http.Header, []byte) {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

// POST /plan/fibre: JSON, CSV and GeoJSON; bad input is a 4xx JSON error naming the field.
func TestPlanFibre(t *testing.T) {
	base := planServer(t)
	code, hdr, b := postPlan(t, base+"/plan/fibre", `{"target": 100, "weights": {"flood": 1}}`)
	var plan struct {
		Villages int                `json:"villages"`
		Summary  map[string]float64 `json:"summary"`
		Steps    []map[string]any   `json:"steps"`
	}
	if code != 200 || hdr.Get("Content-Type") != "application/json" || json.Unmarshal(b, &plan) != nil ||
		plan.Villages != 100 || len(plan.Steps) != 50 || plan.Summary["connected_before"] != 50 || plan.Summary["connected_after"] != 100 {
		t.Fatalf("plan: %d %s %.300s", code, hdr.Get("Content-Type"), b)
	}
	code, hdr, b = postPlan(t, base+"/plan/fibre?format=csv", `{"target": 60}`)
	if code != 200 || hdr.Get("Content-Type") != "text/csv; charset=utf-8" || strings.Count(string(b), "\n") != 11 ||
		!strings.HasPrefix(string(b), "order,phase,village_id,") {
		t.Errorf("CSV: %d %s %q", code, hdr.Get("Content-Type"), b)
	}
	code, hdr, b = postPlan(t, base+"/plan/fibre?format=geojson", `{"target": 60}`)
	if code != 200 || hdr.Get("Content-Type") != "application/geo+json" || strings.Count(string(b), `"type":"Feature"`) != 20 {
		t.Errorf("GeoJSON: %d %s %.300s", code, hdr.Get("Content-Type"), b)
	}
	for _, tt := range []struct {
		path, body string
		code       int
		want       string
	}{
		{"/plan/fibre", `{"target": 100, "weights": {"wind": 1}}`, 400, `weights: unknown weight "wind"`},
		{"/plan/fibre", `{"target": -5}`, 400, "target: must be ≥ 0"},
		{"/plan/fibre", `{"target": 10}`, 400, "target: below the villages already connected"},
		{"/plan/fibre", `{"target": 60, "admin": {"layer": "provinces", "id": "PK-SD"}}`, 404, `admin.layer: no layer "provinces"`},
		{"/plan/fibre", `{"target": 60, "weights": {"backbone": 1}}`, 404, "weights.backbone: no backbone layer"},
		{"/plan/fibre", `{"target": 60, "budget": 5}`, 400, "invalid plan request"},
		{"/plan/fibre?format=kml", `{"target": 60}`, 400, "bad format"},
		{"/plan/fibre", `{"target": 60, "weights": {"flood": 1}, "pad": "` + strings.Repeat("x", 5000) + `"}`, 413, "request entity too large"},
	} {
		code, hdr, b := postPlan(t, base+tt.path, tt.body)
		var e errorBody
		if code != tt.code || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") || json.Unmarshal(b, &e) != nil ||
			!strings.Contains(e.Error+" "+e.Detail, tt.want) {
			t.Errorf("%s %.80s: %d %s, want %d %q", tt.path, tt.body, code, b, tt.code, tt.want)
		}
	}
}
