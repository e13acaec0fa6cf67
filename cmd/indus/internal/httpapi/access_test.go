package httpapi

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/indexes"
	"github.com/cpec-digital/indus/indexes/features"
	"github.com/cpec-digital/indus/tiles"
)

// fakeKeys maps tokens to principals. Its tokens are known at once (as if remembered); any other
// token needs a key check, which admit is asked for first: a token "<id>:<secret>" names the key
// id, and is good when a principal of that id has "<id>:<secret>" among the tokens.
type fakeKeys map[string]*access.Principal

func (k fakeKeys) Authenticate(token string, admit func(key string) error) (*access.Principal, error) {
	if p, ok := k[token]; ok && !strings.Contains(token, ":") {
		return p, nil
	}
	id, _, _ := strings.Cut(token, ":")
	if _, ok := k[id]; !ok {
		id = ""
	}
	if err := admit(id); err != nil {
		return nil, err
	}
	if p, ok := k[token]; ok {
		return p, nil
	}
	return nil, errors.New("unknown key")
}

// fakeAudit keeps the events; while fail is set, it fails to write them.
type fakeAudit struct {
	mu     sync.Mutex
	events []Event
	fail   error
	failed int // events it failed to write
}

func (a *fakeAudit) Audit(e Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail != nil {
		a.failed++
		return a.fail
	}
	a.events = append(a.events, e)
	return nil
}

func (a *fakeAudit) Writable() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.fail
}

func (a *fakeAudit) setFail(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fail = err
}

// snapshot is a copy of the events kept.
func (a *fakeAudit) snapshot() []Event {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Event(nil), a.events...)
}

// fakeLimiter allows n requests per key.
type fakeLimiter struct {
	mu   sync.Mutex
	n    int
	seen map[string]int
}

func (l *fakeLimiter) Allow(key string, _ time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen[key]++
	return l.seen[key] <= l.n, 1500 * time.Millisecond
}

// restrictedSet is testSet plus "towers", readable by the group telecom.
func restrictedSet() *indexes.Set {
	base := testSet()
	cat := *base.Dataset.Catalog
	tower := data.LayerSpec{ID: "towers", Theme: data.ThemeInfrastructure, MaxZoom: 14, Access: access.Rule{Groups: []string{"telecom"}},
		Fields: []data.Field{{Name: "operator", Type: data.FieldString}}, Metadata: data.Metadata{Title: "Towers"}}
	cat.Layers = append(append([]data.LayerSpec{}, cat.Layers...), tower)
	var feats []data.Feature
	for i := range 10 {
		feats = append(feats, data.Feature{ID: uint64(i + 1), Geometry: orb.Point{60 + float64(i)*0.5, 30},
			Properties: map[string]any{"operator": "jazz"}})
	}
	layers := append(append([]*data.Layer{}, base.Dataset.Layers...), data.NewLayer(&cat.Layers[1], feats))
	return indexes.Build(&data.Dataset{Catalog: &cat, Layers: layers, Version: "v1"})
}

func accessServer(t *testing.T, lim Limiter) (string, *fakeAudit) {
	t.Helper()
	return accessServerWith(t, func(svc *Services) { svc.Limiter = lim }, slog.New(slog.DiscardHandler))
}

// accessServerWith is accessServer with its services changed by edit, logging to log.
func accessServerWith(t *testing.T, edit func(*Services), log *slog.Logger) (string, *fakeAudit) {
	t.Helper()
	set := restrictedSet()
	current := func() *indexes.Set { return set }
	ts, err := tiles.New(tiles.Config{}, current, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.Close)
	audit := &fakeAudit{}
	keys := fakeKeys{"tel": {ID: "tel", Groups: []string{"telecom"}}, "ndma": {ID: "ndma", Groups: []string{"ndma"}},
		"boss": {ID: "boss", Rights: []access.Right{access.Admin}}, "writer": {ID: "writer", Rights: []access.Right{access.WriteWarnings}}}
	svc := Services{Features: features.New(current), Tiles: ts, Risk: analytics.NewEngine(analytics.DefaultConfig(), current),
		Keys: keys, Audit: audit}
	edit(&svc)
	s := New(Config{}, svc, log)
	return start(t, s), audit
}

func fetch(t *testing.T, method, url, token string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

// TestCachedTileNeverLeaks: a restricted tile made for a member and kept in the cache is refused
// to everyone else, exactly as a layer that does not exist; the member's answers are private.
func TestCachedTileNeverLeaks(t *testing.T) {
	base, audit := accessServer(t, nil)
	tile := base + "/tiles/villages,towers/4/10/6.mvt"
	code, hdr, _ := fetch(t, "GET", tile, "tel")
	if code != 200 || !strings.HasPrefix(hdr.Get("Cache-Control"), "private") {
		t.Fatalf("member: %d, Cache-Control %q", code, hdr.Get("Cache-Control"))
	}
	if c, _, _ := fetch(t, "GET", tile, "tel"); c != 200 {
		t.Fatalf("member again (cached): %d", c)
	}
	_, _, unknown := fetch(t, "GET", base+"/tiles/villages,towerz/4/10/6.mvt", "")
	for _, token := range []string{"", "ndma"} {
		code, hdr, body := fetch(t, "GET", tile, token)
		if code != 404 || body != strings.Replace(unknown, "towerz", "towers", 1) || hdr.Get("ETag") != "" {
			t.Errorf("%q: %d %s (unknown layer: %s)", token, code, body, unknown)
		}
	}
	if code, _, _ := fetch(t, "GET", tile, "nope"); code != 401 {
		t.Errorf("wrong key: %d", code)
	}
	_, pub, _ := fetch(t, "GET", base+"/tiles/villages/4/10/6.mvt", "")
	if !strings.HasPrefix(pub.Get("Cache-Control"), "public") {
		t.Errorf("anonymous public tile: Cache-Control %q", pub.Get("Cache-Control"))
	}
	audit.mu.Lock()
	defer audit.mu.Unlock()
	if len(audit.events) != 2 || audit.events[0].Who.ID != "tel" || strings.Join(audit.events[0].Layers, ",") != "towers" ||
		audit.events[0].Tile != "4/10/6" || audit.events[0].Status != 200 {
		t.Errorf("audit events: %+v", audit.events)
	}
}

// TestRights: writes need a key with the right (401 without one, 403 with one that lacks it).
func TestRights(t *testing.T) {
	base, _ := accessServer(t, nil)
	if code, hdr, _ := fetch(t, "POST", base+"/warnings/readings", ""); code != 401 || hdr.Get("WWW-Authenticate") == "" {
		t.Errorf("no key: %d", code)
	}
	if code, _, body := fetch(t, "POST", base+"/warnings/readings", "tel"); code != 403 || !strings.Contains(body, "warnings:write") {
		t.Errorf("key without the right: %d %s", code, body)
	}
	if code, _, _ := fetch(t, "GET", base+"/catalog", "Basic abc"); code != 401 {
		t.Errorf("wrong key on a read: %d", code)
	}
}

// TestRateLimit: expensive routes answer 429 with Retry-After past the limit, per key or address;
// admin keys are not limited; cheap routes never are.
func TestRateLimit(t *testing.T) {
	base, _ := accessServer(t, &fakeLimiter{n: 2, seen: map[string]int{}})
	url := base + "/risk/point?lon=61&lat=30"
	for i := range 3 {
		code, hdr, body := fetch(t, "GET", url, "")
		if want := []int{200, 200, 429}[i]; code != want {
			t.Fatalf("request %d: %d %s", i+1, code, body)
		}
		if i == 2 && hdr.Get("Retry-After") != "2" {
			t.Errorf("Retry-After %q, want 2 (1.5 s rounded up)", hdr.Get("Retry-After"))
		}
	}
	if code, _, _ := fetch(t, "GET", url, "tel"); code != 200 {
		t.Errorf("a key has its own budget: %d", code)
	}
	for range 5 {
		if code, _, _ := fetch(t, "GET", url, "boss"); code != 200 {
			t.Fatalf("admin limited: %d", code)
		}
	}
	if code, _, _ := fetch(t, "GET", base+"/catalog", ""); code != 200 {
		t.Errorf("catalog limited: %d", code)
	}
}
