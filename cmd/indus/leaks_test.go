package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// The leak probes run on the default data with two layers restricted to the group ndma: wetlands
// (as in the access matrix) and the admin layer country.
const hiddenAdmin = "country"

// leakyServer is restrictedServer with country restricted too; it returns the base URL, the
// callers (none, group, other group, wrong key), the audit log, the keys file and the process.
func leakyServer(t *testing.T, bin string) (string, []caller, string, string, func(syscall.Signal)) {
	t.Helper()
	path := filepath.Join(sharedDataDir(t), "pakistan", "catalog-leaks.yaml")
	out := readFile(t, filepath.Join(filepath.Dir(path), "catalog.yaml"))
	for _, id := range []string{hidden, hiddenAdmin} {
		out = strings.Replace(out, "  - id: "+id+"\n", "  - id: "+id+"\n    access: {groups: ["+hiddenGroup+"]}\n", 1)
	}
	if strings.Count(out, "access: {groups:") != 2 {
		t.Fatal("the default catalog has no wetlands or country layer")
	}
	writeShared(t, path, out)
	base, callers, audit, keys, cmd := restrictedServer(t, bin, "--catalog", path) // the last --catalog wins
	return base, callers, audit, keys, func(s syscall.Signal) { cmd.Process.Signal(s) }
}

// adminProbes name a restricted layer as an admin unit or a layer id; each is asked with the
// restricted name and, for comparison, with a name that does not exist (the name + "z").
func adminProbes() []probe {
	area := func(layer, id string) string { return `{"admin": {"layer": "` + layer + `", "id": "` + id + `"}}` }
	plan := func(layer, id string) string {
		return `{"target": 30000, "admin": {"layer": "` + layer + `", "id": "` + id + `"}}`
	}
	var out []probe
	for _, id := range []string{"PAK", "IND", "1"} {
		for _, q := range []string{"", "?format=csv", "?format=geojson"} {
			out = append(out, probe{method: "POST", path: "/risk/area" + q, body: area(hiddenAdmin, id)},
				probe{method: "POST", path: "/plan/fibre" + q, body: plan(hiddenAdmin, id)})
		}
	}
	return append(out,
		probe{method: "POST", path: "/risk/area", body: area(hidden, "1")},
		probe{method: "POST", path: "/plan/fibre", body: plan(hidden, "x")},
		probe{method: "POST", path: "/plan/fibre", body: plan(hidden, "1")},
		probe{method: "POST", path: "/risk/area", body: `{"bbox": [67.0, 24.0, 69.0, 26.5], "hazards": ["` + hiddenAdmin + `"]}`},
		probe{method: "POST", path: "/risk/area", body: `{"bbox": [67.0, 24.0, 69.0, 26.5], "exposure": ["` + hiddenAdmin + `"]}`},
		probe{method: "GET", path: "/risk/rank?admin=" + hiddenAdmin},
		probe{method: "GET", path: "/risk/rank?admin=" + hiddenAdmin + "&metric=population"},
		probe{method: "GET", path: "/risk/rank?admin=" + hidden},
		probe{method: "GET", path: "/styles/" + hidden + ".json"},
		probe{method: "GET", path: "/styles/" + hiddenAdmin + ".json"},
	)
}

// unknownTwin is p naming a layer that does not exist instead of the restricted one.
func unknownTwin(p probe) (probe, string) {
	name := hiddenAdmin
	if strings.Contains(p.path+p.body, hidden) {
		name = hidden
	}
	z := name + "z"
	return probe{method: p.method, path: strings.ReplaceAll(p.path, name, z), body: strings.ReplaceAll(p.body, name, z)}, name
}

// TestRestrictedAdminUnits: a request naming a restricted layer as an admin unit or a layer —
// risk area (and its exports), rank, fibre plan, style — is answered to the anonymous caller and
// to another group byte for byte as one naming a layer that does not exist, and leaves no audit
// record; the group gets the answer, and an audit record of a restricted read of that layer.
func TestRestrictedAdminUnits(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	base, callers, audit, _, _ := leakyServer(t, bin)
	for _, c := range []caller{callers[0], callers[2]} {
		for _, p := range adminProbes() {
			got := ask(t, base, p, c.token)
			twin, name := unknownTwin(p)
			unknown := ask(t, base, twin, c.token)
			same := bytes.ReplaceAll(unknown.body, []byte(name+"z"), []byte(name))
			if got.status != unknown.status || got.status < 400 || !bytes.Equal(got.body, same) {
				t.Errorf("%s %s %s %s: %d %.200s; a layer that does not exist: %d %s", c.name, p.method, p.path, p.body,
					got.status, got.body, unknown.status, unknown.body)
			}
		}
	}
	group := callers[1].token
	var res struct {
		Query struct {
			Kind    string  `json:"type"`
			AreaKm2 float64 `json:"area_km2"`
		} `json:"query"`
		InArea map[string]map[string]float64 `json:"in_area"`
	}
	area := probe{method: "POST", path: "/risk/area", body: `{"admin": {"layer": "` + hiddenAdmin + `", "id": "PAK"}}`}
	until(t, func() bool { return ask(t, base, area, group).status == 200 }) // once the admin units are prepared
	// the group's errors are not audited (ranking every wetland is slow: not asked)
	for _, p := range adminProbes() {
		if !strings.HasPrefix(p.path, "/risk/rank") {
			ask(t, base, p, group)
		}
	}
	if got := ask(t, base, area, group); got.status != 200 || json.Unmarshal(got.body, &res) != nil || res.Query.Kind != "admin" ||
		res.Query.AreaKm2 < 8e5 || res.InArea["villages"]["count"] != 30000 {
		t.Fatalf("group: %d %.300s", got.status, got.body)
	}
	plan := probe{method: "POST", path: "/plan/fibre", body: `{"target": 30000, "admin": {"layer": "` + hiddenAdmin + `", "id": "PAK"}}`}
	if got := ask(t, base, plan, group); got.status != 200 || !bytes.Contains(got.body, []byte(`"villages":30000`)) {
		t.Fatalf("group plan: %d %.300s", got.status, got.body)
	}
	if got := ask(t, base, probe{method: "GET", path: "/risk/rank?admin=" + hiddenAdmin}, group); got.status != 200 ||
		!bytes.Contains(got.body, []byte(`"key":"PAK"`)) {
		t.Fatalf("group rank: %d %.300s", got.status, got.body)
	}
	want := []string{
		`"key":"ndma-ops","action":"read","method":"POST","route":"/risk/area","layers":["` + hiddenAdmin + `"]`,
		`"key":"ndma-ops","action":"read","method":"POST","route":"/plan/fibre","layers":["` + hiddenAdmin + `"]`,
		`"key":"ndma-ops","action":"read","method":"GET","route":"/risk/rank","layers":["` + hiddenAdmin + `"]`,
	}
	until(t, func() bool {
		log := readFile(t, audit)
		for _, w := range want {
			if !strings.Contains(log, w) {
				return false
			}
		}
		return true
	})
	log := readFile(t, audit)
	if strings.Contains(log, `"key":"telecom-ops"`) || strings.Contains(log, `"key":"anonymous"`) || strings.Contains(log, `"status":404`) {
		t.Errorf("the audit log records reads that did not read restricted data:\n%s", log)
	}
}

// TestMetricsHideRestrictedWork: tiles of restricted layers drawn for the group change nothing the
// anonymous caller or another group can read in /metrics and /health; a key with the admin right
// reads the full figures.
func TestMetricsHideRestrictedWork(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	base, callers, _, keys, signal := leakyServer(t, bin)
	group, other := callers[1].token, callers[2].token
	admin := addKey(t, bin, keys, "ops", "", "admin")
	signal(syscall.SIGHUP)
	until(t, func() bool { return ask(t, base, probe{method: "GET", path: "/metrics"}, admin).status == 200 })

	// every figure of /health but the uptime, and the whole /metrics answer
	figures := func(token string) string {
		var h map[string]any
		got := ask(t, base, probe{method: "GET", path: "/health"}, token)
		if got.status != 200 || json.Unmarshal(got.body, &h) != nil {
			t.Fatalf("/health: %d %s", got.status, got.body)
		}
		delete(h, "uptime_s")
		b, _ := json.Marshal(h)
		m := ask(t, base, probe{method: "GET", path: "/metrics"}, token)
		return fmt.Sprintf("%s\n%d %s", b, m.status, m.body)
	}
	ask(t, base, probe{method: "GET", path: "/tiles/villages/6/44/27.mvt"}, "") // public work before
	before := map[string]string{"none": figures(""), "other": figures(other)}
	adminBefore := figures(admin)
	for z := 4; z <= 9; z++ {
		tile := maptile.At(orb.Point{68.0, 25.5}, maptile.Zoom(z))
		for _, layers := range []string{hidden, hiddenAdmin, "villages," + hidden, hiddenAdmin + ",provinces"} {
			p := probe{method: "GET", path: fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layers, tile.Z, tile.X, tile.Y)}
			for range 2 { // drawn, then from the cache
				if got := ask(t, base, p, group); got.status != 200 && got.status != 204 {
					t.Fatalf("group %s: %d %s", p.path, got.status, got.body)
				}
			}
		}
	}
	after := map[string]string{"none": figures(""), "other": figures(other)}
	for who := range before {
		if before[who] != after[who] {
			t.Errorf("%s: the figures changed after restricted tiles were drawn:\nbefore %.2000s\nafter  %.2000s", who, before[who], after[who])
		}
	}
	if got := ask(t, base, probe{method: "GET", path: "/metrics"}, ""); got.status != 401 || got.header.Get("WWW-Authenticate") == "" {
		t.Errorf("anonymous /metrics: %d %s", got.status, got.body)
	}
	if got := ask(t, base, probe{method: "GET", path: "/metrics"}, group); got.status != 403 {
		t.Errorf("group /metrics: %d %s", got.status, got.body)
	}
	adminAfter := figures(admin)
	if adminAfter == adminBefore || !strings.Contains(adminAfter, `indus_tiles_computed_total{zoom="9"}`) ||
		!strings.Contains(adminAfter, `"tile_cache":{"bytes":`) {
		t.Errorf("the operator does not see the tiles drawn:\n%.3000s", adminAfter)
	}
}
