package httpapi

import (
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/analytics/warnings"
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
)

// gaugeSet is testSet's villages with one gauge station (SKR).
func gaugeSet() *indexes.Set {
	var fields []data.Field
	for _, n := range []string{"station_id", "name", "river"} {
		fields = append(fields, data.Field{Name: n, Type: data.FieldString})
	}
	for _, n := range []string{"low_cusecs", "medium_cusecs", "high_cusecs", "very_high_cusecs", "exceptional_cusecs"} {
		fields = append(fields, data.Field{Name: n, Type: data.FieldInteger})
	}
	fields = append(fields, data.Field{Name: "downstream_lon", Type: data.FieldNumber}, data.Field{Name: "downstream_lat", Type: data.FieldNumber})
	ds := testSet().Dataset
	cat := *ds.Catalog
	cat.Layers = append(append([]data.LayerSpec(nil), cat.Layers...), data.LayerSpec{ID: "gauges", Theme: data.ThemeHydrology, MaxZoom: 14, Fields: fields})
	l := data.NewLayer(&cat.Layers[len(cat.Layers)-1], []data.Feature{{ID: 1, Geometry: orb.Point{68.85, 27.68},
		Properties: map[string]any{"station_id": "SKR", "name": "Sukkur", "river": "Indus", "low_cusecs": int64(300000),
			"medium_cusecs": int64(400000), "high_cusecs": int64(500000), "very_high_cusecs": int64(650000),
			"exceptional_cusecs": int64(800000), "downstream_lon": 68.37, "downstream_lat": 25.37}}})
	return indexes.Build(&data.Dataset{Catalog: &cat, Layers: append(append([]*data.Layer(nil), ds.Layers...), l), Version: ds.Version})
}

func fetchFeed(t *testing.T, url, ifNoneMatch string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if ifNoneMatch != "" {
		req.Header.Set("If-None-Match", ifNoneMatch)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// GET /warnings.atom: an Atom feed with an ETag that changes with the warnings and revalidates to 304.
func TestAtomFeed(t *testing.T) {
	off := start(t, newServer(t, Config{}, testSet()))
	if res, _ := fetchFeed(t, off+"/warnings.atom", ""); res.StatusCode != 404 {
		t.Errorf("without warnings: %d", res.StatusCode)
	}
	served := indexes.NewServed(gaugeSet())
	w, err := warnings.New(warnings.DefaultConfig(filepath.Join(t.TempDir(), "j")), served, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	srv := newServerOn(t, Config{PublicURL: "https://warn.example.pk"}, served.Load, w)
	base := start(t, srv)
	res, empty := fetchFeed(t, base+"/warnings.atom", "")
	etag := res.Header.Get("ETag")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" || len(etag) < 10 ||
		!strings.Contains(string(empty), "<updated>1970-01-01T00:00:00Z</updated>") {
		t.Fatalf("empty feed: %d %v\n%s", res.StatusCode, res.Header, empty)
	}
	if res, b := fetchFeed(t, base+"/warnings.atom", etag); res.StatusCode != 304 || len(b) != 0 {
		t.Fatalf("If-None-Match: %d %q", res.StatusCode, b)
	}
	if _, err := w.Submit([]warnings.Reading{{Station: "SKR", Observed: time.Now().Add(-time.Hour), DischargeCusecs: 580000}}); err != nil {
		t.Fatal(err)
	}
	res, b := fetchFeed(t, base+"/warnings.atom", etag)
	var f struct {
		Entries []struct {
			Title string `xml:"title"`
			Link  []struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if res.StatusCode != 200 || res.Header.Get("ETag") == etag || xml.Unmarshal(b, &f) != nil || len(f.Entries) != 1 ||
		f.Entries[0].Title != "High flood at Sukkur (Indus): 580,000 cusecs" ||
		f.Entries[0].Link[0].Href != "https://warn.example.pk/warnings/PK-INDUS-SKR-1.1.cap" {
		t.Fatalf("after an alert: %d %s\n%s", res.StatusCode, res.Header.Get("ETag"), b)
	}
	if res, _ := fetchFeed(t, base+"/warnings/PK-INDUS-SKR-1.1.cap", ""); res.StatusCode != 200 {
		t.Errorf("the CAP the feed links to: %d", res.StatusCode)
	}
}

// The served CAP links each <info> to the warning's page under the public URL (Google Public
// Alerts' profile requires a <web>), and that page answers.
func TestServedCAPLinksItsPage(t *testing.T) {
	srv, w := warningServer(t)
	base := start(t, srv)
	if _, err := w.Submit([]warnings.Reading{{Station: "SKR", Observed: time.Now().Add(-time.Hour), DischargeCusecs: 580000}}); err != nil {
		t.Fatal(err)
	}
	_, b := fetchFeed(t, base+"/warnings/PK-INDUS-SKR-1.1.cap", "")
	var a struct {
		Info []struct {
			Web     string `xml:"web"`
			Contact string `xml:"contact"`
		} `xml:"info"`
	}
	if err := xml.Unmarshal(b, &a); err != nil || len(a.Info) != 2 {
		t.Fatalf("%v: %s", err, b)
	}
	for _, i := range a.Info {
		if i.Web != base+"/warnings/PK-INDUS-SKR-1.1.json" || i.Contact != "warnings@indus.invalid" {
			t.Errorf("info web %q contact %q", i.Web, i.Contact)
		}
	}
	if res, _ := fetchFeed(t, a.Info[0].Web, ""); res.StatusCode != 200 {
		t.Errorf("the page the CAP links to: %d", res.StatusCode)
	}
}
