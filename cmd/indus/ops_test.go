package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads /metrics with Prometheus's own text parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %d %s", res.StatusCode, ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

// value is the value of the sample of a family whose labels include labels (name, value pairs):
// a counter's or gauge's value, a histogram's sample count; -1 when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.Label {
				found = found || (l.GetName() == labels[i] && l.GetValue() == labels[i+1])
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

func statusOf(t *testing.T, method, url, body string, hdr ...string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// /metrics after a few requests, read with Prometheus's parser: the tile cache, the request
// counters by route pattern, readings accepted and refused, risk query and fsync histograms, the
// data version and load, the event streams.
func TestMetrics(t *testing.T) {
	t.Parallel()
	base, _ := startProcess(t, binary(t), []string{"INDUS_API_KEY=k"})
	tile := base + "/tiles/villages/6/44/26.mvt"
	for range 3 {
		if code := statusOf(t, "GET", tile, ""); code != 200 {
			t.Fatalf("tile: %d", code)
		}
	}
	now := time.Now().UTC().Format(time.RFC3339)
	good := `{"station":"SKR","observed":"` + now + `","discharge_cusecs":100000}`
	bad := `{"station":"SKR","observed":"` + now + `","discharge_cusecs":-1}`
	if a, b := statusOf(t, "POST", base+"/warnings/readings", good, "Authorization", "Bearer k"),
		statusOf(t, "POST", base+"/warnings/readings", bad, "Authorization", "Bearer k"); a != 200 || b != 400 {
		t.Fatalf("readings: %d %d", a, b)
	}
	statusOf(t, "GET", base+"/risk/point?lon=68.86&lat=27.70", "")
	statusOf(t, "GET", base+"/no/such/page", "")
	stream, err := http.Get(base + "/warnings/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	bufio.NewReader(stream.Body).ReadString('\n') // subscribed
	var health struct {
		DataVersion string `json:"data_version"`
	}
	getJSON(t, base+"/health", &health)
	m := scrape(t, base)
	route := "/tiles/:layers/:z/:x/:y.:ext"
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"indus_tile_cache_misses_total", nil, 1},
		{"indus_tile_cache_hits_total", nil, 2},
		{"indus_tiles_computed_total", []string{"zoom", "6"}, 1},
		{"indus_http_requests_total", []string{"route", route, "method", "GET", "status", "200"}, 3},
		{"indus_http_request_duration_seconds", []string{"route", route}, 3},
		{"indus_http_requests_total", []string{"route", "/warnings/readings", "method", "POST", "status", "400"}, 1},
		{"indus_http_requests_total", []string{"route", "unmatched", "status", "404"}, 1},
		{"indus_readings_accepted_total", nil, 1},
		{"indus_readings_refused_total", []string{"reason", "invalid"}, 1},
		{"indus_journal_fsync_duration_seconds", nil, 1},
		{"indus_risk_query_duration_seconds", []string{"kind", "point"}, 1},
		{"indus_data_info", []string{"version", health.DataVersion}, 1},
		{"indus_data_loads_total", []string{"result", "ok"}, 1},
		{"indus_sse_subscribers", nil, 1},
		{"indus_sse_events_dropped_total", nil, 0},
	} {
		if got := value(m, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if v := value(m, "indus_tiles_computed_bytes_total", "zoom", "6"); v < 100 {
		t.Errorf("bytes of the tile computed at zoom 6: %v", v)
	}
	if v := value(m, "indus_data_load_timestamp_seconds"); v < float64(time.Now().Add(-10*time.Minute).Unix()) {
		t.Errorf("load timestamp %v", v)
	}
	for _, s := range m["indus_http_requests_total"].Metric {
		for _, l := range s.Label {
			if l.GetName() == "route" && strings.Contains(l.GetValue(), "/44/") {
				t.Errorf("a raw path as a route label: %s", l.GetValue())
			}
		}
	}
}

var listeningRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startWatched runs `indus serve` and returns its base URL as soon as it listens, with a channel
// of its log lines (closed when it exits) and the process.
func startWatched(t *testing.T, bin string, args ...string) (string, chan string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "INDUS_DATA_DIR="+sharedDataDir(t), "INDUS_STATE_DIR="+filepath.Join(t.TempDir(), "state"))
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for l := range lines {
		if m := listeningRE.FindStringSubmatch(l); m != nil {
			return "http://" + m[1], lines, cmd
		}
	}
	t.Fatal("the server exited before listening")
	return "", nil, nil
}

// waitLog waits for a log line containing s.
func waitLog(t *testing.T, lines chan string, s string) {
	t.Helper()
	for l := range lines {
		if strings.Contains(l, s) {
			return
		}
	}
	t.Fatalf("the server exited before logging %q", s)
}

// ready returns /ready's status and reason.
func readyOf(t *testing.T, base string) (int, string) {
	t.Helper()
	res, err := http.Get(base + "/ready")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Ready  bool
		Reason string
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || body.Ready != (res.StatusCode == 200) {
		t.Fatalf("/ready: %d %+v %v", res.StatusCode, body, err)
	}
	return res.StatusCode, body.Reason
}

// /ready is 503 "loading" while the data load (the address answers from the start), 200 once
// serving, 503 "reloading" during a SIGHUP reload, and 200 again after it.
func TestReadyWhileLoadingAndReloading(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	catalog := generate(t, bin, t.TempDir()) // a catalog of its own: the first load builds its snapshot
	base, lines, cmd := startWatched(t, bin, "--catalog", catalog)
	if code, reason := readyOf(t, base); code != 503 || reason != "loading" {
		t.Fatalf("while loading: %d %q", code, reason)
	}
	if code := statusOf(t, "GET", base+"/catalog", ""); code != 503 {
		t.Errorf("/catalog while loading: %d", code)
	}
	waitLog(t, lines, "msg=serving")
	if code, reason := readyOf(t, base); code != 200 {
		t.Fatalf("serving: %d %q", code, reason)
	}
	raw, _ := os.ReadFile(catalog)
	os.WriteFile(catalog, bytes.Replace(raw, []byte("title: Rivers and canals (GSHHG/WDBII)"), []byte("title: Rivers (reloaded)"), 1), 0o644)
	cmd.Process.Signal(syscall.SIGHUP) // the changed catalog is built into a new snapshot: about a second
	waitLog(t, lines, "msg=reloading")
	if code, reason := readyOf(t, base); code != 503 || reason != "reloading" {
		t.Fatalf("while reloading: %d %q", code, reason)
	}
	waitLog(t, lines, "msg=reloaded")
	if code, _ := readyOf(t, base); code != 200 || layerTitle(t, base, "rivers") != "Rivers (reloaded)" {
		t.Fatalf("after the reload: %d", code)
	}
}

// SIGTERM: /ready answers 503 "shutting down" for --shutdown-delay, then the listener closes, a
// request in flight (its body still arriving) completes, an event stream ends with a last
// "shutdown" event, and the process exits 0.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	base, lines, cmd := startWatched(t, binary(t), "--shutdown-delay", "2s")
	waitLog(t, lines, "msg=serving")
	addr := strings.TrimPrefix(base, "http://")
	stream, err := http.Get(base + "/warnings/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	events := bufio.NewScanner(stream.Body)
	for events.Scan() && events.Text() != ": subscribed" {
	}
	body := `{"bbox":[68.5,27.5,69,28],"hazards":["flood_rp100"]}`
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	io.WriteString(slow, "POST /risk/area HTTP/1.1\r\nHost: indus\r\nContent-Type: application/json\r\nContent-Length: "+
		strconv.Itoa(len(body))+"\r\n\r\n"+body[:10])
	cmd.Process.Signal(syscall.SIGTERM)
	waitLog(t, lines, "msg=\"shutting down\"")
	if code, reason := readyOf(t, base); code != 503 || reason != "shutting down" {
		t.Fatalf("/ready during the shutdown delay: %d %q", code, reason)
	}
	for { // the listener closes after the delay
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
	io.WriteString(slow, body[10:])
	res, err := http.ReadResponse(bufio.NewReader(slow), nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	answer, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !bytes.Contains(answer, []byte(`"flood_rp100"`)) {
		t.Fatalf("the request in flight: %d %.300s", res.StatusCode, answer)
	}
	var last, data string
	for events.Scan() {
		if v, ok := strings.CutPrefix(events.Text(), "event: "); ok {
			last = v
		}
		if v, ok := strings.CutPrefix(events.Text(), "data: "); ok {
			data = v
		}
	}
	if last != "shutdown" || !json.Valid([]byte(data)) {
		t.Errorf("the stream ended with %q %q, want a shutdown event", last, data)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit: %v", err)
	}
}

// The handoff serves one socket with one server, then another: closing the first's view leaves
// the socket open for the second, closing the last closes it.
func TestHandoff(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := newHandoff(ln)
	defer h.close()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	say := func(word string) *http.Server {
		return &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, word) })}
	}
	answer := func() string {
		res, err := client.Get("http://" + ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	first, second := say("first"), say("second")
	go first.Serve(h.view(false))
	if got := answer(); got != "first" {
		t.Fatalf("before the handoff: %q", got)
	}
	first.Shutdown(t.Context())
	go second.Serve(h.view(true))
	for range 3 {
		if got := answer(); got != "second" {
			t.Fatalf("after the handoff: %q", got)
		}
	}
	second.Shutdown(t.Context())
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Fatal("the socket is still open after the last view closed")
	}
}
