package main

import (
	"bufio"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

const testKey = "test-key-123"

func postReading(base, key, body string) (int, []byte, error) {
	req, _ := http.NewRequest("POST", base+"/warnings/readings", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b, nil
}

type sseEvent struct{ id, event, data string }

// subscribe opens an event stream and sends its events on a channel until ctx ends.
func subscribe(ctx context.Context, t *testing.T, url string) <-chan sseEvent {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	ch := make(chan sseEvent, 100)
	go func() {
		defer res.Body.Close()
		defer close(ch)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.event != "" {
					ch <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
	}()
	return ch
}

func etag(t *testing.T, url string) (string, int) {
	r := fetch(t, url, nil)
	return r.header.Get("ETag"), r.status
}

// TestWarningsEndToEnd: readings that cross thresholds give a warning in /warnings, valid CAP XML,
// an SSE event at a subscriber whose area meets it and none at one whose area does not, a changed
// ETag on the tile it touches and an unchanged one elsewhere, an impact equal to /risk/area's
// answer on the warning's polygon, and the same state (JSON and CAP, impact included) after a
// restart that replays the journal.
func TestWarningsEndToEnd(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	state := filepath.Join(t.TempDir(), "state")
	env := []string{"INDUS_API_KEY=" + testKey, "INDUS_STATE_DIR=" + state, "INDUS_CAP_SENDER=warnings@ffd.gov.pk"}
	base, cmd := startProcess(t, bin, env, "--cap-sender-name", "Flood Forecasting Division")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	near := subscribe(ctx, t, base+"/warnings/stream?bbox=68,25,69.5,28")
	farArea := `{"type":"Polygon","coordinates":[[[74,35],[75.5,35],[75.5,36.5],[74,36.5],[74,35]]]}`
	far := subscribe(ctx, t, base+"/warnings/stream?area="+strings.ReplaceAll(farArea, " ", ""))

	hit := maptile.At(orb.Point{68.6, 26.5}, 6)
	miss := maptile.At(orb.Point{74.5, 35.5}, 6)
	tileURL := func(tl maptile.Tile) string {
		return fmt.Sprintf("%s/tiles/provinces,warnings/%d/%d/%d.mvt", base, tl.Z, tl.X, tl.Y)
	}
	hitBefore, _ := etag(t, tileURL(hit))
	missBefore, _ := etag(t, tileURL(miss))

	now := time.Now().UTC().Truncate(time.Second)
	if code, body, _ := postReading(base, "", `{"station":"SKR","observed":"`+now.Format(time.RFC3339)+`","discharge_cusecs":580000}`); code != 401 {
		t.Fatalf("without a key: %d %s", code, body)
	}
	if code, body, _ := postReading(base, "wrong", `{"station":"SKR","observed":"`+now.Format(time.RFC3339)+`","discharge_cusecs":580000}`); code != 401 {
		t.Fatalf("wrong key: %d %s", code, body)
	}
	batch := fmt.Sprintf(`[{"station":"SKR","observed":"%s","discharge_cusecs":250000},{"station":"SKR","observed":"%s","discharge_cusecs":580000}]`,
		now.Add(-time.Hour).Format(time.RFC3339), now.Format(time.RFC3339))
	if code, body, _ := postReading(base, testKey, batch); code != 200 {
		t.Fatalf("post: %d %s", code, body)
	}
	for _, bad := range []struct {
		body string
		code int
	}{
		{`{"station":"XXX","observed":"` + now.Format(time.RFC3339) + `","discharge_cusecs":1}`, 404},
		{`{"station":"SKR","observed":"` + now.Add(48*time.Hour).Format(time.RFC3339) + `","discharge_cusecs":1}`, 400},
		{`{"station":"SKR","observed":"` + now.Format(time.RFC3339) + `","discharge_cusecs":-1}`, 400},
		{`{"station":"SKR","observed":"` + now.Format(time.RFC3339) + `","discharge_cusecs":1}`, 409},
		{`{"station":"SKR","observed":"` + now.Format(time.RFC3339) + `","discharge_cusecs":580000}`, 200}, // identical: idempotent
		{`{"station":"SKR","when":"now"}`, 400},
	} {
		if code, body, _ := postReading(base, testKey, bad.body); code != bad.code {
			t.Errorf("%s: %d %s, want %d", bad.body, code, body, bad.code)
		}
	}

	select {
	case ev := <-near:
		if ev.event != "enter" || !strings.Contains(ev.data, `"category":"High"`) || !strings.Contains(ev.data, `"exposed_population":`) {
			t.Fatalf("near subscriber got %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event at the subscriber whose area meets the warning")
	}
	select {
	case ev := <-far:
		t.Fatalf("far subscriber got %+v", ev)
	case <-time.After(500 * time.Millisecond):
	}

	var list struct {
		Warnings []struct {
			ID, Identifier, Category, Status string
			MsgType                          string `json:"msg_type"`
			Cap                              string `json:"cap"`
		} `json:"warnings"`
	}
	getJSON(t, base+"/warnings?status=active", &list)
	if len(list.Warnings) != 1 || list.Warnings[0].Category != "High" || list.Warnings[0].MsgType != "Alert" {
		t.Fatalf("warnings %+v", list.Warnings)
	}
	r := fetch(t, list.Warnings[0].Cap, nil)
	var alert struct {
		XMLName    xml.Name
		Identifier string   `xml:"identifier"`
		Sender     string   `xml:"sender"`
		MsgType    string   `xml:"msgType"`
		Info       struct { // the last of the info blocks: Urdu
			Language   string `xml:"language"`
			SenderName string `xml:"senderName"`
			Headline   string `xml:"headline"`
			Severity   string `xml:"severity"`
			Area       struct {
				Polygon string `xml:"polygon"`
				Geocode struct {
					Value string `xml:"value"`
				} `xml:"geocode"`
			} `xml:"area"`
		} `xml:"info"`
	}
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/cap+xml") || xml.Unmarshal(r.body, &alert) != nil {
		t.Fatalf("CAP: %d %s", r.status, r.body)
	}
	pairs := strings.Fields(alert.Info.Area.Polygon)
	if alert.XMLName.Space != "urn:oasis:names:tc:emergency:cap:1.2" || alert.MsgType != "Alert" || alert.Info.Severity != "Severe" ||
		len(pairs) < 4 || pairs[0] != pairs[len(pairs)-1] || alert.Info.Area.Geocode.Value != "PK-SD" ||
		alert.Sender != "warnings@ffd.gov.pk" || alert.Info.Language != "ur-PK" || alert.Info.SenderName != "Flood Forecasting Division" ||
		!strings.HasPrefix(alert.Info.Headline, "دریائے سندھ میں سکھر کے مقام پر اونچے درجے کا سیلاب") {
		t.Errorf("CAP content %+v", alert)
	}
	feed := fetch(t, base+"/warnings.atom", nil)
	if feed.status != 200 || !strings.Contains(string(feed.body), `href="`+list.Warnings[0].Cap+`"`) || feed.header.Get("ETag") == "" {
		t.Errorf("Atom feed: %d %v\n%s", feed.status, feed.header, feed.body)
	}
	var items struct {
		NumberMatched int `json:"numberMatched"`
	}
	getJSON(t, base+"/collections/warnings/items", &items)
	if items.NumberMatched != 1 {
		t.Errorf("/collections/warnings/items: %d features", items.NumberMatched)
	}
	impact := impactMatchesRisk(t, base, list.Warnings[0].ID)
	if msg := itemHasImpact(warningItem(t, base, list.Warnings[0].ID), impact); msg != "" {
		t.Errorf("/collections/warnings/items: %s", msg)
	}
	docs := warningDocs(t, base, list.Warnings[0].Identifier)
	hitAfter, code := etag(t, tileURL(hit))
	missAfter, _ := etag(t, tileURL(miss))
	if code != 200 || hitAfter == hitBefore {
		t.Errorf("the tile under the warning did not change: %q -> %q (%d)", hitBefore, hitAfter, code)
	}
	if missAfter != missBefore || missAfter == "" {
		t.Errorf("a tile far from the warning changed: %q -> %q", missBefore, missAfter)
	}

	// Restart on the same journal: the same state.
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	base2, _ := startProcess(t, bin, env, "--cap-sender-name", "Flood Forecasting Division") // the same configuration
	var again struct {
		Warnings []struct{ Identifier, Category string } `json:"warnings"`
	}
	getJSON(t, base2+"/warnings?status=active", &again)
	if len(again.Warnings) != 1 || again.Warnings[0].Identifier != list.Warnings[0].Identifier || again.Warnings[0].Category != "High" {
		t.Fatalf("after restart: %+v", again.Warnings)
	}
	if after := warningDocs(t, base2, list.Warnings[0].Identifier); after != docs {
		t.Errorf("JSON and CAP differ after the replay:\n%s\nwas\n%s", after, docs)
	}
}

// TestKill9LosesNoAcknowledgedReading posts a burst of readings from several goroutines, kills
// the server with SIGKILL in the middle, restarts it, and finds every acknowledged reading.
func TestKill9LosesNoAcknowledgedReading(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	state := filepath.Join(t.TempDir(), "state")
	env := []string{"INDUS_API_KEY=" + testKey, "INDUS_STATE_DIR=" + state}
	base, cmd := startProcess(t, bin, env)
	stations := []string{"TRB", "KLB", "CHS", "TNS", "GDU", "SKR", "KTR", "NSR"}
	start := time.Now().UTC().Add(-300 * 24 * time.Hour).Truncate(time.Second)
	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 400; i++ {
				obs := start.Add(time.Duration(i*8+w) * time.Minute).Format(time.RFC3339)
				body := fmt.Sprintf(`{"station":%q,"observed":%q,"discharge_cusecs":%d}`, stations[w], obs, 100000+(i*7919)%900000)
				code, _, err := postReading(base, testKey, body)
				if err != nil {
					return // the server is gone
				}
				if code == 200 {
					mu.Lock()
					acked[stations[w]+"@"+obs] = true
					mu.Unlock()
				}
			}
		}()
	}
	for {
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 300 {
			break
		}
	}
	cmd.Process.Kill() // SIGKILL mid-burst
	wg.Wait()
	cmd.Wait()
	mu.Lock()
	defer mu.Unlock()
	base2, _ := startProcess(t, bin, env)
	found := listedReadings(t, base2, stations)
	lost := 0
	for k := range acked {
		if !found[k] {
			lost++
		}
	}
	t.Logf("%d readings acknowledged before SIGKILL, %d found after restart", len(acked), len(found))
	if lost > 0 {
		t.Fatalf("%d acknowledged readings lost", lost)
	}
}

// listedReadings is the set of readings (station@observed) a server lists for the stations.
func listedReadings(t *testing.T, base string, stations []string) map[string]bool {
	t.Helper()
	found := map[string]bool{}
	for _, st := range stations {
		var out struct {
			Readings []struct {
				Station  string    `json:"station"`
				Observed time.Time `json:"observed"`
			} `json:"readings"`
		}
		getJSON(t, base+"/warnings/readings?station="+st+"&limit=10000", &out)
		for _, r := range out.Readings {
			found[r.Station+"@"+r.Observed.UTC().Format(time.RFC3339)] = true
		}
	}
	return found
}
