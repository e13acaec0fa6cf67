package main

import (
	"bytes"
	"fmt"
	"io"
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

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/cpec-digital/indus/tiles/mvtcheck"
)

// The access matrix runs on the default data with one layer restricted: wetlands, readable by the
// group ndma only.
const (
	hidden      = "wetlands"
	hiddenGroup = "ndma"
)

// secret matches what a restricted layer would leak: its id, its field, its identifier and title.
var secret = regexp.MustCompile(`(?i)wetland|indus:pk:wetlands|riparian`)

// caller is one column of the matrix.
type caller struct {
	name  string
	token string // "" for none
	sees  bool   // may read the restricted layer
	wrong bool   // a key that is not valid
}

// probe is one row: a route with, when it names the restricted layer, the same request naming
// a layer that does not exist.
type probe struct {
	method, path, body string
	named              bool // the request names the restricted layer
}

// restrictedServer starts the real binary on the default data with wetlands restricted, keys for
// the group and another group, an audit log and the legacy key; it returns the base URL, the
// callers, the audit log's path, the keys file and the process.
func restrictedServer(t *testing.T, bin string, extra ...string) (string, []caller, string, string, *exec.Cmd) {
	t.Helper()
	dir := filepath.Join(sharedDataDir(t), "pakistan")
	cat, err := os.ReadFile(filepath.Join(dir, "catalog.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	restricted := strings.Replace(string(cat), "  - id: "+hidden+"\n", "  - id: "+hidden+"\n    access: {groups: ["+hiddenGroup+"]}\n", 1)
	if restricted == string(cat) {
		t.Fatal("no wetlands layer in the default catalog")
	}
	// The catalog's own description is public text: an operator restricting a layer does not name it there.
	restricted = strings.Replace(restricted, " and wetlands derived", " derived", 1)
	catPath := filepath.Join(dir, "catalog-restricted.yaml")
	writeShared(t, catPath, restricted)
	keys, audit := filepath.Join(t.TempDir(), "keys.json"), filepath.Join(t.TempDir(), "audit.log")
	group := addKey(t, bin, keys, "ndma-ops", hiddenGroup, "")
	other := addKey(t, bin, keys, "telecom-ops", "telecom", "")
	args := append([]string{"--catalog", catPath, "--keys", keys, "--audit-log", audit}, extra...)
	base, cmd := startProcess(t, bin, []string{"INDUS_API_KEY=" + testKey}, args...)
	callers := []caller{{name: "none"}, {name: "group", token: group, sees: true}, {name: "other group", token: other},
		{name: "wrong key", token: group[:len(group)-4] + "AAAA", wrong: true}}
	return base, callers, audit, keys, cmd
}

// addKey runs `indus keys add` and returns the secret it prints.
func addKey(t *testing.T, bin, file, id, groups, rights string) string {
	t.Helper()
	args := []string{"keys", "add", "--file", file, "--id", id}
	if groups != "" {
		args = append(args, "--groups", groups)
	}
	if rights != "" {
		args = append(args, "--rights", rights)
	}
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("indus %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}

// probes are every route of the server, with the restricted layer named where a route takes one.
func probes() []probe {
	tile := maptile.At(orb.Point{68.0, 25.5}, 6) // lower Indus: wetlands, villages
	zxy := fmt.Sprintf("%d/%d/%d", tile.Z, tile.X, tile.Y)
	area := `{"bbox": [67.0, 24.0, 69.0, 26.5]}`
	return []probe{
		{method: "GET", path: "/"}, {method: "GET", path: "/health"}, {method: "GET", path: "/catalog"},
		{method: "GET", path: "/collections"}, {method: "GET", path: "/collections/villages/items?limit=2"},
		{method: "GET", path: "/collections/" + hidden, named: true},
		{method: "GET", path: "/collections/" + hidden + "/items?limit=3", named: true},
		{method: "GET", path: "/collections/" + hidden + "/items?limit=3&wetland_type=delta", named: true},
		{method: "GET", path: "/collections/villages/items/7"}, {method: "GET", path: "/collections/" + hidden + "/items/1", named: true},
		{method: "GET", path: "/collections/villages/queryables"}, {method: "GET", path: "/collections/" + hidden + "/queryables", named: true},
		{method: "GET", path: "/collections/" + hidden + "/items?limit=3&filter=wetland_type%20%3D%20%27delta%27", named: true},
		{method: "GET", path: "/conformance"}, {method: "GET", path: "/api"},
		{method: "GET", path: "/tiles/villages/" + zxy + ".mvt"},
		{method: "GET", path: "/tiles/" + hidden + "/" + zxy + ".mvt", named: true},
		{method: "GET", path: "/tiles/villages," + hidden + "/" + zxy + ".mvt", named: true},
		{method: "GET", path: "/tiles/villages," + hidden + "/" + zxy + ".mvt?fields=wetland_type", named: true},
		{method: "GET", path: "/tiles/villages.json"}, {method: "GET", path: "/tiles/" + hidden + ".json", named: true},
		{method: "GET", path: "/tiles/villages," + hidden + ".json", named: true},
		{method: "GET", path: "/styles"}, {method: "GET", path: "/styles/indus.json"}, {method: "GET", path: "/styles/ecology.json"},
		{method: "GET", path: "/styles/legend.json"},
		{method: "POST", path: "/risk/area", body: area}, {method: "POST", path: "/risk/area?format=csv", body: area},
		{method: "POST", path: "/risk/area?format=geojson", body: area},
		{method: "POST", path: "/risk/area", body: `{"bbox": [67.0, 24.0, 69.0, 26.5], "exposure": ["villages", "` + hidden + `"]}`, named: true},
		{method: "GET", path: "/risk/point?lon=68.0&lat=25.5"}, {method: "GET", path: "/risk/rank"},
		{method: "POST", path: "/plan/fibre", body: `{"target": 23000}`},
		{method: "GET", path: "/warnings"}, {method: "GET", path: "/warnings.atom"}, {method: "GET", path: "/warnings/readings?station=SKR"},
		{method: "GET", path: "/tiles/" + hidden + "/" + zxy + ".mvt?filter-lang=cql2-text&filter=wetland_type%3D%27riparian%27", named: true},
		{method: "GET", path: "/ready"}, {method: "GET", path: "/metrics"},
		{method: "GET", path: "/fonts/Noto%20Sans%20Regular,Noto%20Naskh%20Arabic%20Regular/0-255.pbf"},
		{method: "GET", path: "/map/"},
	}
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func ask(t *testing.T, base string, p probe, token string) answer {
	t.Helper()
	req, _ := http.NewRequest(p.method, base+p.path, strings.NewReader(p.body))
	if p.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, body}
}

// TestAccessMatrix asks every route as every caller: those who may not read the restricted layer
// find no trace of it (bytes searched, tiles decoded; a request naming it is answered exactly as
// one naming a layer that does not exist), those who may get it, and a wrong key gets 401.
func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	base, callers, _, _, _ := restrictedServer(t, bin)
	for _, c := range callers {
		for _, p := range probes() {
			got := ask(t, base, p, c.token)
			switch {
			case p.path == "/metrics" && !c.wrong: // operators' figures: a key with the admin right (TestMetricsHideRestrictedWork)
				if want := map[bool]int{true: 401, false: 403}[c.token == ""]; got.status != want || secret.Match(got.body) {
					t.Errorf("%s GET /metrics: %d %s, want %d", c.name, got.status, got.body, want)
				}
			case c.wrong:
				if got.status != 401 || secret.Match(got.body) {
					t.Errorf("%s %s %s: %d %s", c.name, p.method, p.path, got.status, got.body)
				}
			case c.sees:
				checkSees(t, c, p, got)
			default:
				checkBlind(t, base, c, p, got)
			}
		}
	}
}

// checkBlind: no trace of the restricted layer in what a caller who may not read it receives.
func checkBlind(t *testing.T, base string, c caller, p probe, got answer) {
	t.Helper()
	name := c.name + " " + p.method + " " + p.path
	if p.named {
		q := probe{method: p.method, path: strings.ReplaceAll(p.path, hidden, "wetlandz"), body: strings.ReplaceAll(p.body, hidden, "wetlandz")}
		unknown := ask(t, base, q, c.token)
		same := bytes.ReplaceAll(unknown.body, []byte("wetlandz"), []byte(hidden))
		if got.status != unknown.status || got.status < 400 || !bytes.Equal(got.body, same) {
			t.Errorf("%s: %d %s; a layer that does not exist: %d %s", name, got.status, got.body, unknown.status, unknown.body)
		}
		return
	}
	if got.status >= 400 {
		t.Errorf("%s: %d %s", name, got.status, got.body)
	}
	if secret.Match(got.body) {
		t.Errorf("%s: the body shows the restricted layer: %s", name, secret.Find(got.body))
	}
	for k, vs := range got.header {
		if secret.MatchString(k + strings.Join(vs, " ")) {
			t.Errorf("%s: header %s: %v", name, k, vs)
		}
	}
	if strings.HasSuffix(p.path, ".mvt") && got.status == 200 {
		for _, l := range decodeTile(t, got.body) {
			if l == hidden {
				t.Errorf("%s: the tile holds the restricted layer", name)
			}
		}
	}
	if p.path == "/risk/area" && !bytes.Contains(got.body, []byte(`"withheld":true`)) {
		t.Errorf("%s: the answer does not say that layers were withheld", name)
	}
}

// checkSees: a caller of the group gets the restricted layer where it belongs, privately.
func checkSees(t *testing.T, c caller, p probe, got answer) {
	t.Helper()
	name := c.name + " " + p.method + " " + p.path
	if got.status >= 400 {
		t.Errorf("%s: %d %s", name, got.status, got.body)
		return
	}
	if cc := got.header.Get("Cache-Control"); !strings.Contains(cc, "private") && !strings.Contains(cc, "no-store") {
		t.Errorf("%s: Cache-Control %q lets shared caches keep a keyed answer", name, cc)
	}
	shows := p.named || p.path == "/catalog" || p.path == "/collections" || p.path == "/styles/indus.json" ||
		p.path == "/styles/ecology.json" || p.path == "/styles/legend.json" || (strings.HasPrefix(p.path, "/risk/area") && !strings.Contains(p.path, "geojson")) // the export's features are points
	if shows && !bytes.Contains(got.body, []byte(hidden)) && !strings.HasSuffix(p.path, ".mvt") {
		t.Errorf("%s: the restricted layer is missing: %.300s", name, got.body)
	}
	if strings.HasSuffix(p.path, ".mvt") && p.named {
		layers := decodeTile(t, got.body)
		if !strings.Contains(strings.Join(layers, ","), hidden) {
			t.Errorf("%s: tile layers %v", name, layers)
		}
	}
	if p.path == "/risk/area" && bytes.Contains(got.body, []byte(`"withheld"`)) {
		t.Errorf("%s: nothing is withheld from the group", name)
	}
}

// decodeTile lists the layer names of an MVT (the client has inflated it), read by mvtcheck's own
// protobuf reader.
func decodeTile(t *testing.T, b []byte) []string {
	t.Helper()
	rep := mvtcheck.Check(b, 64)
	if len(rep.Violations) > 0 {
		t.Fatalf("tile: %v", rep.Violations)
	}
	var names []string
	for _, l := range rep.Layers {
		names = append(names, l.Name)
	}
	return names
}

// TestKeysReloadAndAudit: a group's reads of the restricted layer and a write are in the audit log;
// a key revoked and reloaded with SIGHUP stops working; the log's chain verifies, with a record of
// the key change and of the reload.
func TestKeysReloadAndAudit(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	base, callers, audit, keys, cmd := restrictedServer(t, bin)
	group := callers[1].token
	var tile probe
	for _, p := range probes() {
		if strings.HasPrefix(p.path, "/tiles/"+hidden+"/") {
			tile = p
		}
	}
	if got := ask(t, base, tile, group); got.status != 200 {
		t.Fatalf("group tile: %d %s", got.status, got.body)
	}
	reading := `{"station":"SKR","observed":"` + time.Now().UTC().Add(-time.Hour).Format(time.RFC3339) + `","discharge_cusecs":250000}`
	if code, body, _ := postReading(base, testKey, reading); code != 200 {
		t.Fatalf("reading: %d %s", code, body)
	}
	if out, err := exec.Command(bin, "keys", "revoke", "--file", keys, "--id", "ndma-ops").CombinedOutput(); err != nil {
		t.Fatalf("revoke: %v %s", err, out)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	deadline := time.Now().Add(3 * time.Minute)
	for ask(t, base, tile, group).status != 401 {
		if time.Now().After(deadline) {
			t.Fatal("the revoked key still works after SIGHUP")
		}
		time.Sleep(100 * time.Millisecond)
	}
	until(t, func() bool { return strings.Contains(readFile(t, audit), `"action":"data"`) })
	out, err := exec.Command(bin, "audit", "verify", audit).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "ok: ") {
		t.Fatalf("audit verify: %v %s", err, out)
	}
	log := readFile(t, audit)
	for _, want := range []string{
		`"key":"ndma-ops","action":"read","method":"GET","route":"` + strings.SplitN(tile.path, "?", 2)[0] + `","layers":["wetlands"],"tile":"`,
		`"key":"api-key","action":"write","method":"POST","route":"/warnings/readings"`,
		`"action":"keys","route":"reload","status":200,"detail":"added [] removed [ndma-ops] changed []"`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the audit log has no %s:\n%s", want, log)
		}
	}
	if strings.Contains(log, `"key":"telecom-ops"`) || strings.Contains(log, `"key":"anonymous"`) {
		t.Errorf("reads of public data were audited:\n%s", log)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func until(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Minute); !ok(); time.Sleep(100 * time.Millisecond) { // generous: a reload of the 29 layers on a loaded 2-core machine
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}

// TestRateLimitFlag: with --rate-limit 6 (a minute) and --rate-burst 2, the third risk query in a
// row from one address is refused with 429 and a Retry-After of about ten seconds; tiles are not
// limited; an admin key is not limited.
func TestRateLimitFlag(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	keys := filepath.Join(t.TempDir(), "keys.json")
	admin := addKey(t, bin, keys, "ops", "", "admin")
	base := startServer(t, bin, "--rate-limit", "6", "--rate-burst", "2", "--keys", keys)
	point := probe{method: "GET", path: "/risk/point?lon=68.0&lat=25.5"}
	for i, want := range []int{200, 200, 429} {
		got := ask(t, base, point, "")
		if got.status != want {
			t.Fatalf("request %d: %d %s", i+1, got.status, got.body)
		}
		if want == 429 {
			if ra, _ := strconv.Atoi(got.header.Get("Retry-After")); ra < 5 || ra > 10 {
				t.Errorf("Retry-After %q, want 5–10 s", got.header.Get("Retry-After"))
			}
		}
	}
	for range 4 {
		if got := ask(t, base, point, admin); got.status != 200 {
			t.Fatalf("admin: %d %s", got.status, got.body)
		}
		if got := ask(t, base, probe{method: "GET", path: "/tiles/villages/6/44/27.mvt"}, ""); got.status >= 400 {
			t.Fatalf("tile: %d", got.status)
		}
	}
}
