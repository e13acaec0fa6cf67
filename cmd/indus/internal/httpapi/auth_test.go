package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/data/access/ratelimit"
)

// request sends method url with the given Authorization headers (each its own header line) from
// the local address from ("" for any), and returns the status, headers and body.
func request(t *testing.T, from, method, url string, auth ...string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	if len(auth) > 0 {
		req.Header["Authorization"] = auth
	}
	client := http.DefaultClient
	if from != "" {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
		client = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		}}}
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

// jsonError decodes an error body; it fails the test unless the body is one.
func jsonError(t *testing.T, hdr http.Header, body string) errorBody {
	t.Helper()
	var e errorBody
	if !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") || json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
		t.Errorf("not a JSON error: %q %s", hdr.Get("Content-Type"), body)
	}
	return e
}

// TestBearerScheme: the auth scheme is case-insensitive (RFC 7235); other schemes and an empty
// token are refused; two Authorization headers are a bad request, whatever they hold.
func TestBearerScheme(t *testing.T) {
	base, _ := accessServer(t, nil)
	url := base + "/tiles/towers/4/10/6.mvt"
	for _, h := range []string{"Bearer tel", "bearer tel", "BEARER tel", "bEaReR   tel"} {
		if code, _, body := request(t, "", "GET", url, h); code != 200 {
			t.Errorf("%q: %d %s", h, code, body)
		}
	}
	for _, h := range []string{"Basic tel", "Bearer", "Bearer ", "bearertel", "Bearer tel x", "Token tel"} {
		if code, hdr, body := request(t, "", "GET", url, h); code != 401 || hdr.Get("WWW-Authenticate") == "" {
			t.Errorf("%q: %d %s", h, code, body)
		}
	}
	for _, hs := range [][]string{{"Bearer tel", "Bearer tel"}, {"Bearer tel", "Bearer ndma"}, {"Bearer nope", ""}} {
		code, hdr, body := request(t, "", "GET", url, hs...)
		if code != 400 || !strings.Contains(jsonError(t, hdr, body).Error, "Authorization") {
			t.Errorf("%q: %d %s", hs, code, body)
		}
	}
}

// TestMethods: a method the server does not know is 501, a known one a route does not take 405
// with Allow, and an unknown path 404: all JSON.
func TestMethods(t *testing.T) {
	base, _ := accessServer(t, nil)
	for _, c := range []struct {
		method, path string
		code         int
		allow        string
	}{
		{"FOO", "/catalog", 501, ""}, {"BREW", "/", 501, ""},
		{"PUT", "/catalog", 405, "GET, HEAD"}, {"DELETE", "/warnings/readings", 405, "GET, HEAD, POST"},
		{"PATCH", "/tiles/towers/4/10/6.mvt", 405, "GET, HEAD"}, {"POST", "/catalog", 405, "GET, HEAD"},
		{"PUT", "/nope", 404, ""}, {"GET", "/nope", 404, ""},
	} {
		code, hdr, body := request(t, "", c.method, base+c.path)
		jsonError(t, hdr, body)
		if code != c.code || hdr.Get("Allow") != c.allow {
			t.Errorf("%s %s: %d Allow %q %s, want %d Allow %q", c.method, c.path, code, hdr.Get("Allow"), body, c.code, c.allow)
		}
	}
}

// TestAuditFailsClosed: while the audit log cannot be written, reads of restricted data and writes
// are refused (503, nothing of the answer sent) and public reads are served; once it can be written
// again, they are served and recorded.
func TestAuditFailsClosed(t *testing.T) {
	var logged syncBuffer
	base, audit := accessServerWith(t, func(*Services) {}, slog.New(slog.NewTextHandler(&logged, nil)))
	restricted, public := base+"/tiles/villages,towers/4/10/6.mvt", base+"/tiles/villages/4/10/6.mvt"
	audit.setFail(errors.New("audit log: write audit.log: operation not permitted"))
	for _, c := range []struct{ method, url, token string }{
		{"GET", restricted, "tel"}, {"GET", base + "/catalog", "tel"}, {"POST", base + "/warnings/readings", "writer"},
	} {
		code, hdr, body := request(t, "", c.method, c.url, "Bearer "+c.token)
		e := jsonError(t, hdr, body)
		if code != 503 || !strings.Contains(e.Error, "audit log") || hdr.Get("ETag") != "" || hdr.Get("Cache-Control") != "no-store" ||
			hdr.Get("Access-Control-Allow-Origin") != "*" || strings.Contains(body, "towers") {
			t.Errorf("%s %s while the log fails: %d %v %s", c.method, c.url, code, hdr, body)
		}
	}
	for _, token := range []string{"", "tel"} {
		if code, _, body := fetch(t, "GET", public, token); code != 200 {
			t.Errorf("public tile (%q) while the log fails: %d %s", token, code, body)
		}
	}
	if code, _, _ := fetch(t, "GET", base+"/catalog", ""); code != 200 {
		t.Errorf("anonymous catalog while the log fails: %d", code)
	}
	if evs := audit.snapshot(); len(evs) != 0 {
		t.Errorf("events kept while failing: %+v", evs)
	}
	audit.setFail(nil)
	if code, _, body := fetch(t, "GET", restricted, "tel"); code != 200 {
		t.Fatalf("restricted tile once the log works: %d %s", code, body)
	}
	if code, _, body := fetch(t, "POST", base+"/warnings/readings", "writer"); code != 404 || !strings.Contains(body, "not enabled") {
		t.Errorf("write once the log works: %d %s", code, body)
	}
	evs := audit.snapshot()
	if len(evs) != 2 || evs[0].Who.ID != "tel" || evs[1].Who.ID != "writer" || !evs[1].Write || evs[1].Status != 404 {
		t.Errorf("events after recovery: %+v", evs)
	}
	log := logged.String()
	if strings.Count(log, "level=ERROR msg=\"audit log cannot be written: refusing writes and reads of restricted data until it can\" err=\"audit log: write audit.log: operation not permitted\"") != 1 ||
		strings.Count(log, "level=INFO msg=\"audit log writable again") != 1 {
		t.Errorf("log, want one error when the audit log fails and one line when it works again:\n%s", log)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRefusedWritesAudited: write attempts refused for want of a key, a valid key or a right are
// recorded, with their status and why.
func TestRefusedWritesAudited(t *testing.T) {
	base, audit := accessServer(t, nil)
	url := base + "/warnings/readings"
	for _, c := range []struct {
		auth []string
		code int
	}{{nil, 401}, {[]string{"Bearer nope"}, 401}, {[]string{"Bearer tel"}, 403}, {[]string{"Basic x"}, 401}} {
		if code, _, body := request(t, "", "POST", url, c.auth...); code != c.code {
			t.Errorf("%q: %d %s", c.auth, code, body)
		}
	}
	evs := audit.snapshot()
	if len(evs) != 4 {
		t.Fatalf("events: %+v", evs)
	}
	for i, want := range []struct {
		who    string
		status int
	}{{"anonymous", 401}, {"anonymous", 401}, {"tel", 403}, {"anonymous", 401}} {
		ev := evs[i]
		if ev.Who.Name() != want.who || ev.Status != want.status || !ev.Write || ev.Method != "POST" || ev.Route != "/warnings/readings" || ev.Detail == "" {
			t.Errorf("event %d: %+v, want %s %d", i, ev, want.who, want.status)
		}
	}
	if code, _, _ := fetch(t, "GET", base+"/catalog", "nope"); code != 401 || len(audit.snapshot()) != 4 {
		t.Errorf("a refused read was recorded: %d %+v", code, audit.snapshot())
	}
}

// countingKeys counts the key checks (derivations) of fakeKeys.
type countingKeys struct {
	fakeKeys
	checks atomic.Int64
}

func (k *countingKeys) Authenticate(token string, admit func(key string) error) (*access.Principal, error) {
	return k.fakeKeys.Authenticate(token, func(key string) error {
		if err := admit(key); err != nil {
			return err
		}
		k.checks.Add(1)
		return nil
	})
}

// TestFailedLoginsThrottled: an address may have 3 tokens checked (the burst); the 4th bad token
// gets 429 with Retry-After and costs no key check, as do writes without a valid key (each would
// be an audit record); a malformed header on a read, which costs nothing, stays 401; a key known
// already still works from that address, and a new bad token from another address is checked.
func TestFailedLoginsThrottled(t *testing.T) {
	logins, err := ratelimit.New(ratelimit.Config{Rate: 0.01, Burst: 3, MaxKeys: 100})
	if err != nil {
		t.Fatal(err)
	}
	keys := &countingKeys{}
	base, audit := accessServerWith(t, func(svc *Services) {
		keys.fakeKeys = svc.Keys.(fakeKeys)
		svc.Keys, svc.Logins = keys, logins
	}, slog.New(slog.DiscardHandler))
	url := base + "/tiles/towers/4/10/6.mvt"
	for i := range 3 {
		if code, _, body := request(t, "127.0.0.1", "GET", url, "Bearer bad"+strconv.Itoa(i)); code != 401 {
			t.Fatalf("bad token %d: %d %s", i+1, code, body)
		}
	}
	for _, auth := range [][]string{{"Bearer bad3"}, {"Bearer bad0"}} {
		code, hdr, body := request(t, "127.0.0.1", "GET", url, auth...)
		if ra, _ := strconv.Atoi(hdr.Get("Retry-After")); code != 429 || ra < 90 || ra > 101 || jsonError(t, hdr, body).Error == "" {
			t.Errorf("%q past the burst: %d Retry-After %q %s", auth, code, hdr.Get("Retry-After"), body)
		}
	}
	if code, _, body := request(t, "127.0.0.1", "GET", url, "Basic x"); code != 401 {
		t.Errorf("a malformed header on a read (no key check) past the burst: %d %s", code, body)
	}
	for _, auth := range [][]string{nil, {"Basic x"}} {
		if code, _, body := request(t, "127.0.0.1", "POST", base+"/warnings/readings", auth...); code != 429 {
			t.Errorf("a write with %q past the burst: %d %s", auth, code, body)
		}
	}
	if n := keys.checks.Load(); n != 3 {
		t.Errorf("%d key checks, want 3 (none past the burst)", n)
	}
	if code, _, body := request(t, "127.0.0.1", "GET", url, "Bearer tel"); code != 200 {
		t.Errorf("a known key from the throttled address: %d %s", code, body)
	}
	if code, _, body := request(t, "127.0.0.2", "GET", url, "Bearer bad9"); code != 401 || keys.checks.Load() != 4 {
		t.Errorf("another address: %d %s (%d checks)", code, body, keys.checks.Load())
	}
	if code, _, body := request(t, "127.0.0.2", "GET", url, "Bearer tel"); code != 200 {
		t.Errorf("a good key from another address: %d %s", code, body)
	}
	for _, ev := range audit.snapshot() {
		if ev.Status == 429 {
			t.Errorf("a throttled attempt was recorded: %+v", ev)
		}
	}
}

// FuzzBearer: a token comes out only of a Bearer value (any case), has no white space, is found
// in the value, and reads back the same from the canonical spelling.
func FuzzBearer(f *testing.F) {
	for _, h := range []string{"Bearer abc", "bearer   abc ", "BEARER indus_a_b", "Basic abc", "Bearer", "Bearer ", "Bearer a b",
		"Bearer\tabc", "bearerabc", "", " Bearer abc", "Bearer \t"} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		token, ok := bearer(h)
		if !ok {
			if token != "" {
				t.Fatalf("%q: refused with token %q", h, token)
			}
			return
		}
		if token == "" || strings.ContainsAny(token, " \t") || !strings.Contains(h, token) || len(h) < 7 || !strings.EqualFold(h[:7], "Bearer ") {
			t.Fatalf("%q: token %q", h, token)
		}
		if again, ok := bearer("Bearer " + token); !ok || again != token {
			t.Fatalf("%q: token %q reads back as %q %v", h, token, again, ok)
		}
	})
}

// TestKeyChecksPastAddressBudget: once an address has spent its budget on bad tokens, a token
// naming a key id is still checked against that id's own budget (ids no key has share one): a
// good new token gets in, bad ones for that id get 401 until the id's budget is spent, then 429.
// A good token's check is given back to the budget it was taken from, so many good keys from one
// address are never throttled; and writes refused 403 (each an audit record) count as failures.
func TestKeyChecksPastAddressBudget(t *testing.T) {
	logins, err := ratelimit.New(ratelimit.Config{Rate: 0.01, Burst: 3, MaxKeys: 100})
	if err != nil {
		t.Fatal(err)
	}
	checks, err := ratelimit.New(ratelimit.Config{Rate: 0.01, Burst: 2, MaxKeys: 100})
	if err != nil {
		t.Fatal(err)
	}
	base, audit := accessServerWith(t, func(svc *Services) {
		keys := svc.Keys.(fakeKeys)
		keys["tel:new"], keys["writer:new"] = keys["tel"], keys["writer"]
		svc.Logins, svc.KeyChecks = logins, checks
	}, slog.New(slog.DiscardHandler))
	url := base + "/tiles/towers/4/10/6.mvt"
	want := func(from, token string, code int) {
		t.Helper()
		if got, hdr, body := request(t, from, "GET", url, "Bearer "+token); got != code || (code == 429) != (hdr.Get("Retry-After") != "") {
			t.Errorf("%s from %s: %d (Retry-After %q) %s, want %d", token, from, got, hdr.Get("Retry-After"), body, code)
		}
	}
	for i := range 3 {
		want("127.0.0.1", "bad"+strconv.Itoa(i), 401)
	}
	want("127.0.0.1", "bad3", 401) // ids no key has: their shared budget
	want("127.0.0.1", "bad4", 401)
	want("127.0.0.1", "bad5", 429)
	for range 3 {
		want("127.0.0.1", "tel:new", 200) // checked each time (fakeKeys remembers nothing), given back each time
	}
	want("127.0.0.1", "tel:bad1", 401)
	want("127.0.0.1", "tel:bad2", 401)
	want("127.0.0.1", "tel:new", 429) // the id's budget spent too
	url = base + "/conformance"
	want("127.0.0.1", "writer:new", 200)
	for range 5 {
		want("127.0.0.2", "tel:new", 200) // never throttled: each check given back to the address
	}
	for i, code := range []int{403, 403, 403, 429} {
		if got, _, body := request(t, "127.0.0.3", "POST", base+"/warnings/readings", "Bearer tel"); got != code {
			t.Errorf("write %d without the right: %d %s, want %d", i+1, got, body, code)
		}
	}
	writes := 0
	for _, ev := range audit.snapshot() {
		if ev.Write {
			writes++
		}
	}
	if writes != 3 {
		t.Errorf("%d writes audited, want the 3 refused 403", writes)
	}
}
