package httpapi

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cpec-digital/indus/analytics/warnings"
	"github.com/cpec-digital/indus/indexes"
)

// GET /warnings/{id}/villages: JSON, CSV and GeoJSON; 404 for an unknown warning, 400 for a bad
// fibre or format parameter.
func TestWarningVillages(t *testing.T) {
	served := indexes.NewServed(gaugeSet())
	w, err := warnings.New(warnings.DefaultConfig(filepath.Join(t.TempDir(), "j")), served, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	base := start(t, newServerOn(t, Config{}, served.Load, w))
	if _, err := w.Submit([]warnings.Reading{{Station: "SKR", Observed: time.Now().Add(-time.Hour), DischargeCusecs: 580000}}); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Warning, Identifier string
		Fibre               *bool
		Count               int
		Villages            []map[string]any
	}
	if code, hdr := get(t, base+"/warnings/PK-INDUS-SKR-1/villages?fibre=false", &list); code != 200 ||
		!strings.HasPrefix(hdr.Get("Content-Type"), "application/json") || list.Warning != "PK-INDUS-SKR-1" ||
		list.Identifier != "PK-INDUS-SKR-1.1" || list.Fibre == nil || *list.Fibre || list.Villages == nil {
		t.Fatalf("JSON: %d %+v", code, list)
	}
	res, body := fetchFeed(t, base+"/warnings/PK-INDUS-SKR-1.1/villages?format=csv", "")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(string(body), "population,fibre,lon,lat\n") || !strings.Contains(res.Header.Get("Content-Disposition"), "PK-INDUS-SKR-1-villages.csv") {
		t.Errorf("CSV: %d %v %q", res.StatusCode, res.Header, body)
	}
	res, body = fetchFeed(t, base+"/warnings/PK-INDUS-SKR-1/villages?format=geojson&fibre=true", "")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/geo+json" || !strings.Contains(string(body), `"type":"FeatureCollection"`) {
		t.Errorf("GeoJSON: %d %v %s", res.StatusCode, res.Header, body)
	}
	for _, tt := range []struct {
		path string
		code int
		want string
	}{
		{"/warnings/PK-INDUS-XXX-9/villages", 404, `no warning "PK-INDUS-XXX-9"`},
		{"/warnings/PK-INDUS-SKR-1/villages?fibre=no", 400, "bad fibre"},
		{"/warnings/PK-INDUS-SKR-1/villages?format=kml", 400, "bad format"},
	} {
		var e errorBody
		if code, _ := get(t, base+tt.path, &e); code != tt.code || !strings.Contains(e.Error, tt.want) {
			t.Errorf("%s: %d %+v, want %d %q", tt.path, code, e, tt.code, tt.want)
		}
	}
	off := start(t, newServer(t, Config{}, testSet()))
	if code, _ := get(t, off+"/warnings/PK-INDUS-SKR-1/villages", nil); code != 404 {
		t.Errorf("without warnings: %d", code)
	}
}
