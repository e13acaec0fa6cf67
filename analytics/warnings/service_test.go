package warnings

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// fixture: two stations (SKR at 68.85E 27.68N warning down to Kotri; NSR far north), a 25-year
// and a 100-year flood layer with a zone along the Sukkur reach, and a province.
func fixture() *indexes.Set {
	gauge := func(id int, sid string, p, down orb.Point) data.Feature {
		return data.Feature{ID: uint64(id), Geometry: p, Properties: map[string]any{"station_id": sid, "name": sid + " barrage", "river": "Indus",
			"low_cusecs": int64(300000), "medium_cusecs": int64(400000), "high_cusecs": int64(500000),
			"very_high_cusecs": int64(650000), "exceptional_cusecs": int64(800000), "downstream_lon": down[0], "downstream_lat": down[1]}}
	}
	zone := orb.Polygon{{{68.3, 25.5}, {68.9, 25.5}, {68.9, 27.6}, {68.3, 27.6}, {68.3, 25.5}}}
	flood := func(rp int) *data.Layer {
		return data.NewLayer(&data.LayerSpec{ID: fmt.Sprintf("flood_rp%d", rp), Theme: data.ThemeHazards, MaxZoom: 14,
			Fields: []data.Field{{Name: "depth_class", Type: data.FieldString}},
			Hazard: &data.Hazard{Kind: "flood", Frequency: &data.Frequency{ReturnPeriod: float64(rp)}, ClassField: "depth_class"}},
			[]data.Feature{{ID: 1, Geometry: zone, Properties: map[string]any{"depth_class": "high"}}})
	}
	var gaugeFields []data.Field
	for _, n := range []string{"station_id", "name", "river"} {
		gaugeFields = append(gaugeFields, data.Field{Name: n, Type: data.FieldString})
	}
	for _, n := range []string{"low_cusecs", "medium_cusecs", "high_cusecs", "very_high_cusecs", "exceptional_cusecs"} {
		gaugeFields = append(gaugeFields, data.Field{Name: n, Type: data.FieldInteger})
	}
	gaugeFields = append(gaugeFields, data.Field{Name: "downstream_lon", Type: data.FieldNumber}, data.Field{Name: "downstream_lat", Type: data.FieldNumber})
	prov := orb.Polygon{{{66, 23}, {72, 23}, {72, 29}, {66, 29}, {66, 23}}}
	layers := []*data.Layer{
		data.NewLayer(&data.LayerSpec{ID: "gauges", Theme: data.ThemeHydrology, MaxZoom: 14, Fields: gaugeFields}, []data.Feature{
			gauge(1, "SKR", orb.Point{68.85, 27.68}, orb.Point{68.37, 25.37}), gauge(2, "NSR", orb.Point{71.98, 34.01}, orb.Point{72.23, 33.91})}),
		flood(25), flood(100), flood(10),
		data.NewLayer(&data.LayerSpec{ID: "provinces", Theme: data.ThemeAdmin, MaxZoom: 14, KeyField: "code",
			Fields: []data.Field{{Name: "code", Type: data.FieldString}}},
			[]data.Feature{{ID: 1, Geometry: prov, Properties: map[string]any{"code": "PK-SD"}}}),
	}
	return indexes.Build(&data.Dataset{Catalog: &data.Catalog{}, Layers: layers, Version: "w"})
}

type fakeInvalidator struct {
	mu     sync.Mutex
	bounds []orb.Bound
}

func (f *fakeInvalidator) Invalidate(layer string, b orb.Bound) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if layer == LayerID {
		f.bounds = append(f.bounds, b)
	}
	return 1
}

var t0 = time.Date(2022, 8, 25, 6, 0, 0, 0, time.UTC)

func newService(t *testing.T, journal string, tweaks ...func(*Config)) (*Service, *indexes.Served, *fakeInvalidator) {
	t.Helper()
	cur := indexes.NewServed(fixture())
	inv := &fakeInvalidator{}
	cfg := DefaultConfig(journal)
	for _, tweak := range tweaks {
		tweak(&cfg)
	}
	s, err := newWithClock(cfg, cur, inv, func() time.Time { return t0.Add(48 * time.Hour) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, cur, inv
}

func newWithClock(cfg Config, cur *indexes.Served, inv Invalidator, now func() time.Time) (*Service, error) {
	s, err := New(cfg, cur, inv, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	s.now = now
	return s, nil
}

func reading(st string, h int, cusecs float64) Reading {
	return Reading{Station: st, Observed: t0.Add(time.Duration(h) * time.Hour), DischargeCusecs: cusecs}
}

func TestCategories(t *testing.T) {
	st := &Station{Thresholds: [5]float64{300000, 400000, 500000, 650000, 800000}}
	for _, tt := range []struct {
		q    float64
		want Category
	}{{0, Normal}, {299999, Normal}, {300000, Low}, {450000, Medium}, {580000, High}, {650000, VeryHigh}, {1e6, Exceptional}} {
		if got := st.Category(tt.q); got != tt.want {
			t.Errorf("%v cusecs: %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestAlertUpdateCancel(t *testing.T) {
	s, cur, inv := newService(t, filepath.Join(t.TempDir(), "j"))
	sub, backlog := s.Subscribe(Area{Bound: orb.Bound{Min: orb.Point{68, 25}, Max: orb.Point{69.5, 28}}}, nil)
	far, _ := s.Subscribe(Area{Bound: orb.Bound{Min: orb.Point{71, 33}, Max: orb.Point{73, 35}}}, nil)
	if len(backlog) != 0 {
		t.Fatalf("backlog %v", backlog)
	}
	steps := []struct {
		cusecs          float64
		msgType, status string
		event           string
	}{
		{250000, "", "", ""},                    // normal: nothing
		{580000, "Alert", "active", "enter"},    // High
		{600000, "", "", ""},                    // still High: no new message
		{700000, "Update", "active", "update"},  // Very High
		{100000, "Cancel", "cancelled", "exit"}, // back to normal
		{310000, "Alert", "active", "enter"},    // a new episode, Low
	}
	var ids []string
	for i, st := range steps {
		if _, err := s.Submit([]Reading{reading("SKR", i, st.cusecs)}); err != nil {
			t.Fatal(err)
		}
		if st.msgType == "" {
			select {
			case ev := <-sub.C:
				t.Fatalf("step %d: unexpected event %v", i, ev.Type)
			default:
			}
			continue
		}
		ev := <-sub.C
		if ev.Type != st.event || ev.Warning.MsgType != st.msgType || ev.Warning.Status != st.status {
			t.Fatalf("step %d: event %s %s %s, want %s %s %s", i, ev.Type, ev.Warning.MsgType, ev.Warning.Status, st.event, st.msgType, st.status)
		}
		ids = append(ids, ev.Warning.ID)
	}
	select {
	case ev := <-far.C:
		t.Fatalf("a subscriber far away got %s", ev.Type)
	default:
	}
	if ids[0] != ids[1] || ids[1] != ids[2] || ids[3] == ids[0] {
		t.Errorf("episode ids %v: want one episode for alert-update-cancel and a new one after", ids)
	}
	w, _ := s.Get(ids[0])
	if w.MsgType != "Cancel" || w.Version != 3 || len(w.References) != 1 || !strings.Contains(w.References[0], ids[0]+".2,") {
		t.Errorf("cancel %+v", w)
	}
	if got := len(s.List("active", nil)); got != 1 {
		t.Errorf("%d active warnings, want 1", got)
	}
	l, ok := cur.Load().Layer(LayerID)
	if !ok || l.Len() != 1 || l.Properties(0)["category"] != "Low" {
		t.Fatalf("warnings layer: %v %+v", ok, l)
	}
	if len(inv.bounds) != 4 || !inv.bounds[0].Intersects(orb.Bound{Min: orb.Point{68.5, 26}, Max: orb.Point{68.6, 26.1}}) {
		t.Errorf("invalidations %v", inv.bounds)
	}
	// The High warning is drawn from the 25-year zones along the reach: it covers the zone's
	// vertices within 20 km of Sukkur-Kotri and the station.
	alert := s.versions[ids[0]][0]
	if alert.ReturnPeriod != 25 || !geo.Contains(orb.Polygon{alert.Area}, orb.Point{68.6, 26.5}) || alert.Province != "PK-SD" {
		t.Errorf("alert area rp %d province %s area %v", alert.ReturnPeriod, alert.Province, alert.Area)
	}
}

func TestBadReadingsAndDuplicates(t *testing.T) {
	var syncs atomic.Int64
	s, _, _ := newService(t, filepath.Join(t.TempDir(), "j"), func(c *Config) {
		c.ObserveSync = func(d time.Duration) {
			if d > 0 {
				syncs.Add(1)
			}
		}
	})
	neg := reading("SKR", 1, -5)
	future := reading("SKR", 24*5, 1)
	old := Reading{Station: "SKR", Observed: t0.Add(-400 * 24 * time.Hour), DischargeCusecs: 1}
	p := 1.5
	prob := reading("SKR", 1, 1)
	prob.ForecastProbability = &p
	for _, tt := range []struct {
		r    Reading
		kind data.Kind
		want string
	}{
		{reading("XXX", 1, 1), data.KindNotFound, "unknown station"},
		{neg, data.KindInvalid, "discharge"},
		{future, data.KindInvalid, "future"},
		{old, data.KindInvalid, "too old"},
		{Reading{Station: "SKR", DischargeCusecs: 1}, data.KindInvalid, "observed"},
		{prob, data.KindInvalid, "probability"},
	} {
		_, err := s.Submit([]Reading{reading("SKR", 0, 1), tt.r})
		if data.KindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "reading 2") {
			t.Errorf("%+v: %v", tt.r, err)
		}
	}
	if rs, _ := s.Readings("SKR", 10); len(rs) != 0 {
		t.Fatalf("a rejected batch left %d readings", len(rs))
	}
	r1, err := s.Submit([]Reading{reading("SKR", 1, 350000)})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := s.Submit([]Reading{reading("SKR", 1, 350000)})
	if err != nil || !r2[0].Duplicate || r2[0].Seq != r1[0].Seq {
		t.Fatalf("identical reading: %v %+v", err, r2)
	}
	if _, err := s.Submit([]Reading{reading("SKR", 1, 999)}); data.KindOf(err) != data.KindConflict {
		t.Fatalf("conflicting reading: %v", err)
	}
	if _, err := s.Submit(nil); data.KindOf(err) != data.KindInvalid {
		t.Fatalf("empty batch: %v", err)
	}
	// a late reading is kept but does not move the state
	s.Submit([]Reading{reading("SKR", 5, 100)})
	s.Submit([]Reading{reading("SKR", 3, 900000)})
	if n := len(s.List("active", nil)); n != 0 {
		t.Errorf("a late reading raised a warning")
	}
	if rs, _ := s.Readings("SKR", 10); len(rs) != 3 {
		t.Errorf("%d readings kept", len(rs))
	}
	// Refused batches count all their readings (two each), by kind; three batches were fsync'd.
	st := s.Stats()
	want := map[data.Kind]uint64{data.KindNotFound: 2, data.KindInvalid: 10, data.KindConflict: 1}
	if st.Accepted != 3 || st.Duplicates != 1 || !maps.Equal(st.Refused, want) || syncs.Load() != 3 {
		t.Errorf("stats %+v, %d fsyncs; want 3 accepted, 1 duplicate, refused %v, 3 fsyncs", st, syncs.Load(), want)
	}
}

func TestReplayRebuildsState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	s, _, _ := newService(t, path)
	s.Submit([]Reading{reading("SKR", 1, 580000), reading("NSR", 1, 350000)})
	s.Submit([]Reading{reading("SKR", 2, 700000)})
	want := s.List("", nil)
	capBefore, _ := s.CAP(want[0])
	s.Close()
	s2, cur, _ := newService(t, path)
	got := s2.List("", nil)
	if len(got) != len(want) {
		t.Fatalf("%d warnings after replay, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Identifier != want[i].Identifier || got[i].CategoryName != want[i].CategoryName || !got[i].Sent.Equal(want[i].Sent) {
			t.Errorf("warning %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	capAfter, _ := s2.CAP(got[0])
	if string(capAfter) != string(capBefore) {
		t.Error("CAP differs after replay")
	}
	if l, _ := cur.Load().Layer(LayerID); l.Len() != 2 {
		t.Errorf("warnings layer after replay has %d features", l.Len())
	}
	if r, err := s2.Submit([]Reading{reading("SKR", 2, 700000)}); err != nil || !r[0].Duplicate {
		t.Errorf("duplicate detection after replay: %v %v", err, r)
	}
}

// CAP 1.2 structure: required elements, enumerations, polygon closed with at least 4 points.
func checkCAP(t *testing.T, b []byte) {
	t.Helper()
	type kv struct {
		ValueName string `xml:"valueName"`
		Value     string `xml:"value"`
	}
	var a struct {
		XMLName    xml.Name
		Identifier string `xml:"identifier"`
		Sender     string `xml:"sender"`
		Sent       string `xml:"sent"`
		Status     string `xml:"status"`
		MsgType    string `xml:"msgType"`
		Scope      string `xml:"scope"`
		References string `xml:"references"`
		Info       []struct {
			Language     string `xml:"language"`
			Category     string `xml:"category"`
			Event        string `xml:"event"`
			ResponseType string `xml:"responseType"`
			Urgency      string `xml:"urgency"`
			Severity     string `xml:"severity"`
			Certainty    string `xml:"certainty"`
			Onset        string `xml:"onset"`
			Expires      string `xml:"expires"`
			Headline     string `xml:"headline"`
			Description  string `xml:"description"`
			Instruction  string `xml:"instruction"`
			Parameter    []kv   `xml:"parameter"`
			Area         []struct {
				AreaDesc string   `xml:"areaDesc"`
				Polygon  []string `xml:"polygon"`
				Geocode  []kv     `xml:"geocode"`
			} `xml:"area"`
		} `xml:"info"`
	}
	if err := xml.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	in := func(v string, allowed ...string) bool { return slices.Contains(allowed, v) }
	// CAP 1.2 §3.3.2: no "Z", no fractional seconds, and UTC MUST be written "-00:00"
	capTimeRE := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$`)
	isCAPTime := func(v string) bool { return capTimeRE.MatchString(v) && !strings.HasSuffix(v, "+00:00") }
	switch {
	case a.XMLName.Space != "urn:oasis:names:tc:emergency:cap:1.2" || a.XMLName.Local != "alert":
		t.Errorf("root %v", a.XMLName)
	case a.Identifier == "" || strings.ContainsAny(a.Identifier, " ,<&") || a.Sender == "" || strings.ContainsAny(a.Sender, " ,<&"):
		t.Errorf("identifier/sender %q %q", a.Identifier, a.Sender)
	case !isCAPTime(a.Sent):
		t.Errorf("sent %q", a.Sent)
	case !in(a.Status, "Actual", "Exercise", "System", "Test", "Draft"), !in(a.MsgType, "Alert", "Update", "Cancel", "Ack", "Error"),
		!in(a.Scope, "Public", "Restricted", "Private"):
		t.Errorf("status/msgType/scope %q %q %q", a.Status, a.MsgType, a.Scope)
	case a.MsgType != "Alert" && a.References == "":
		t.Errorf("%s without references", a.MsgType)
	case len(a.Info) != 2 || a.Info[0].Language != "en-US" || a.Info[1].Language != "ur-PK":
		t.Fatalf("%d info blocks, want en-US and ur-PK", len(a.Info))
	}
	for _, ref := range strings.Fields(a.References) {
		if parts := strings.Split(ref, ","); len(parts) != 3 || !isCAPTime(parts[2]) {
			t.Errorf("reference %q is not sender,identifier,sent", ref)
		}
	}
	for _, i := range a.Info {
		if !in(i.Category, "Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other") ||
			!in(i.ResponseType, "Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None") ||
			!in(i.Urgency, "Immediate", "Expected", "Future", "Past", "Unknown") ||
			!in(i.Severity, "Extreme", "Severe", "Moderate", "Minor", "Unknown") ||
			!in(i.Certainty, "Observed", "Likely", "Possible", "Unlikely", "Unknown") ||
			i.Event == "" || !isCAPTime(i.Onset) || !isCAPTime(i.Expires) || i.Headline == "" || i.Description == "" || i.Instruction == "" {
			t.Errorf("info %+v", i)
		}
		params := map[string]bool{}
		for _, p := range i.Parameter {
			params[p.ValueName] = p.Value != ""
		}
		for _, k := range []string{"river", "station", "category", "discharge_cusecs"} {
			if !params[k] {
				t.Errorf("parameter %s missing", k)
			}
		}
		if len(i.Area) != 1 || i.Area[0].AreaDesc == "" || len(i.Area[0].Polygon) != 1 || len(i.Area[0].Geocode) != 1 {
			t.Fatalf("area %+v", i.Area)
		}
		pairs := strings.Fields(i.Area[0].Polygon[0])
		if len(pairs) < 4 || pairs[0] != pairs[len(pairs)-1] {
			t.Errorf("polygon not closed or under 4 points: %v", pairs)
		}
		for _, p := range pairs {
			ll := strings.Split(p, ",")
			lat, e1 := strconv.ParseFloat(ll[0], 64)
			lon, e2 := strconv.ParseFloat(ll[len(ll)-1], 64)
			if len(ll) != 2 || e1 != nil || e2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 || lat > lon {
				t.Errorf("polygon point %q is not lat,lon", p)
			}
		}
	}
}

func TestCAP(t *testing.T) {
	s, _, _ := newService(t, filepath.Join(t.TempDir(), "j"))
	s.Submit([]Reading{reading("SKR", 1, 580000)})
	s.Submit([]Reading{reading("SKR", 2, 900000)})
	s.Submit([]Reading{reading("SKR", 3, 1000)})
	vs := s.versions[s.order[0]]
	if len(vs) != 3 {
		t.Fatalf("%d versions", len(vs))
	}
	for _, w := range vs {
		b, err := s.CAP(w)
		if err != nil {
			t.Fatal(err)
		}
		checkCAP(t, b)
	}
	b, _ := s.CAP(vs[1])
	if !strings.Contains(string(b), "<severity>Extreme</severity>") || !strings.Contains(string(b), "<responseType>Evacuate</responseType>") {
		t.Errorf("Exceptionally High should be Extreme/Evacuate:\n%s", b)
	}
}

func TestSlowSubscriberAndResume(t *testing.T) {
	s, _, _ := newService(t, filepath.Join(t.TempDir(), "j"))
	s.cfg.Buffer = 2
	s.hub.buffer = 2
	area := Area{Bound: orb.Bound{Min: orb.Point{68, 25}, Max: orb.Point{69.5, 28}}}
	slow, _ := s.Hub().Subscribe(area, nil, nil)
	fast, _ := s.Hub().Subscribe(area, nil, nil)
	var got []Event
	done := make(chan struct{})
	go func() {
		defer close(done)
		for len(got) < 6 {
			got = append(got, <-fast.C)
		}
	}()
	for i, q := range []float64{580000, 700000, 850000, 580000, 100000, 580000} {
		if _, err := s.Submit([]Reading{reading("SKR", i, q)}); err != nil {
			t.Fatal(err)
		}
	}
	<-done
	select {
	case <-slow.Done:
	default:
		t.Fatal("a subscriber that never read was not dropped")
	}
	// resume from the second event: the four after it come back, in order
	_, backlog := s.Hub().Subscribe(area, &got[1].ID, nil)
	if len(backlog) != 4 || backlog[0].ID != got[2].ID || backlog[3].ID != got[5].ID {
		t.Fatalf("resume backlog %+v", backlog)
	}
	// a new subscriber gets the active warning as enter
	_, snap := s.Subscribe(area, nil)
	if len(snap) != 1 || snap[0].Type != "enter" {
		t.Fatalf("snapshot %+v", snap)
	}
	if st := s.Stats(); st.Subscribers != 3 || st.EventsDropped != 1 {
		t.Errorf("%d subscribers, %d events dropped; want 3 (fast, resumed, new) and 1 (the slow one's)", st.Subscribers, st.EventsDropped)
	}
}

func BenchmarkFanOut1000(b *testing.B) {
	cur := indexes.NewServed(fixture())
	s, err := newWithClock(DefaultConfig(filepath.Join(b.TempDir(), "j")), cur, nil, func() time.Time { return t0.Add(48 * time.Hour) })
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	area := Area{Bound: orb.Bound{Min: orb.Point{68, 25}, Max: orb.Point{69.5, 28}}}
	var wg sync.WaitGroup
	for range 1000 {
		sub, _ := s.Hub().Subscribe(area, nil, nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-sub.C:
				case <-sub.Done:
					return
				}
			}
		}()
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		q := 580000.0
		if i%2 == 1 {
			q = 100
		}
		r := Reading{Station: "SKR", Observed: t0.Add(time.Duration(i) * time.Second), DischargeCusecs: q}
		if _, err := s.Submit([]Reading{r}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	s.Hub().Close()
	wg.Wait()
}

func FuzzSubmit(f *testing.F) {
	f.Add(`[{"station":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":580000}]`)
	f.Add(`[{"station":"NSR","observed":"2022-08-26T06:00:00Z","discharge_cusecs":-1,"forecast_probability":2}]`)
	dir := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, body string) {
		var batch []Reading
		if json.Unmarshal([]byte(body), &batch) != nil {
			return
		}
		n++
		cur := indexes.NewServed(fixture())
		s, err := newWithClock(DefaultConfig(filepath.Join(dir, fmt.Sprintf("j%d", n))), cur, nil, func() time.Time { return t0.Add(48 * time.Hour) })
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Submit(batch); err != nil && data.KindOf(err) == data.KindInternal {
			t.Fatalf("internal error for %q: %v", body, err)
		}
		for _, w := range s.List("", nil) {
			if _, err := s.CAP(w); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// Concurrent batches are applied in journal order, so a replay rebuilds exactly the warning
// history that was served live, whatever the interleaving.
func TestConcurrentSubmitsReplayIdentically(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	s, _, _ := newService(t, path)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				q := []float64{100, 350000, 450000, 580000, 700000, 900000}[(g*7+i*3)%6]
				r := Reading{Station: "SKR", Observed: t0.Add(time.Duration(i*8+g) * time.Minute), DischargeCusecs: q}
				if _, err := s.Submit([]Reading{r}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	history := func(s *Service) []string {
		var out []string
		for _, id := range s.order {
			for _, v := range s.versions[id] {
				out = append(out, fmt.Sprintf("%s %s %s %d", v.Identifier, v.MsgType, v.CategoryName, v.Reading.Seq))
			}
		}
		return out
	}
	live := history(s)
	if len(live) < 5 {
		t.Fatalf("only %d warning versions: the test needs transitions", len(live))
	}
	s.Close()
	again, _, _ := newService(t, path)
	if replayed := history(again); fmt.Sprint(replayed) != fmt.Sprint(live) {
		t.Fatalf("replay differs from what was served:\nlive     %v\nreplayed %v", live, replayed)
	}
}

// A journal over CompactBytes is replaced at start by one snapshot record; the state, the
// warnings' history and their CAP messages survive it, and new readings append after it.
func TestCompaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	open := func() *Service {
		cfg := DefaultConfig(path)
		cfg.CompactBytes = 2048
		cfg.KeepReadings = 5
		s, err := newWithClock(cfg, indexes.NewServed(fixture()), nil, func() time.Time { return t0.Add(48 * time.Hour) })
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	for i, q := range []float64{100, 580000, 700000, 100, 350000, 900000, 100, 450000} {
		for k := range 40 { // padding readings of another station, to grow the journal
			s.Submit([]Reading{{Station: "NSR", Observed: t0.Add(time.Duration(i*50+k) * time.Minute), DischargeCusecs: 10}})
		}
		if _, err := s.Submit([]Reading{reading("SKR", i, q)}); err != nil {
			t.Fatal(err)
		}
	}
	type view struct{ history, caps, readings string }
	look := func(s *Service) view {
		var h, c []string
		for _, id := range s.order {
			for _, v := range s.versions[id] {
				h = append(h, fmt.Sprintf("%s %s %s %s", v.Identifier, v.MsgType, v.CategoryName, v.Status))
				b, err := s.CAP(v)
				if err != nil {
					t.Fatal(err)
				}
				c = append(c, string(b))
			}
		}
		rs, _ := s.Readings("SKR", 100)
		ns, _ := s.Readings("NSR", 100)
		return view{fmt.Sprint(h), fmt.Sprint(c), fmt.Sprint(len(rs), len(ns), rs[0].Seq)}
	}
	before := look(s)
	s.Close()
	big, _ := os.Stat(path)
	s = open() // compacts
	small, _ := os.Stat(path)
	if small.Size() >= big.Size() {
		t.Fatalf("journal %d bytes after compaction, %d before", small.Size(), big.Size())
	}
	if after := look(s); after != before {
		t.Fatalf("state changed by compaction:\nbefore %+v\nafter  %+v", before, after)
	}
	if r, err := s.Submit([]Reading{reading("SKR", 3, 100)}); err != nil || !r[0].Duplicate {
		t.Fatalf("duplicate after compaction: %v %v", r, err)
	}
	s.Submit([]Reading{reading("SKR", 20, 700000)})
	want := look(s)
	s.Close()
	s = open()
	defer s.Close()
	if got := look(s); got != want {
		t.Fatalf("replay after compaction differs:\nwant %+v\ngot  %+v", want, got)
	}
	if len(s.List("active", nil)) != 1 {
		t.Fatal("the active warning was lost")
	}
}
