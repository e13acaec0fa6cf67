package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// askFrom sends method url from the local address from, each of auth as its own Authorization
// header, and returns the status, headers and body.
func askFrom(t *testing.T, from, method, url, body string, auth ...string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if len(auth) > 0 {
		req.Header["Authorization"] = auth
	}
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, b}
}

// errorOf is the error message of a JSON error answer ("" if it is not one).
func errorOf(a answer) string {
	var e struct{ Error string }
	if !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") || json.Unmarshal(a.body, &e) != nil {
		return ""
	}
	return e.Error
}

// TestAuthSafety runs on the restricted server: the audit log fails closed (chattr +i) and
// recovers; refused writes are recorded; failed logins are throttled per address; the Bearer
// scheme is case-insensitive, two Authorization headers are refused, unknown methods get JSON.
func TestAuthSafety(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	base, callers, audit, _, _ := restrictedServer(t, bin)
	group := callers[1].token
	tile := "/tiles/" + hidden + "/6/44/27.mvt"
	t.Run("audit fails closed", func(t *testing.T) { auditFailsClosed(t, bin, base, audit, group, tile) })
	t.Run("headers and methods", func(t *testing.T) {
		if a := askFrom(t, "127.0.0.1", "GET", base+tile, "", "bearer "+group); a.status != 200 {
			t.Errorf("lowercase bearer: %d %s", a.status, a.body)
		}
		a := askFrom(t, "127.0.0.1", "GET", base+tile, "", "Bearer "+group, "Bearer "+group)
		if a.status != 400 || !strings.Contains(errorOf(a), "Authorization") {
			t.Errorf("two Authorization headers: %d %s", a.status, a.body)
		}
		if a := askFrom(t, "127.0.0.1", "FOO", base+"/catalog", ""); a.status != 501 || errorOf(a) == "" {
			t.Errorf("FOO: %d %q %s", a.status, a.header.Get("Content-Type"), a.body)
		}
		if a := askFrom(t, "127.0.0.1", "PUT", base+"/catalog", ""); a.status != 405 || a.header.Get("Allow") != "GET, HEAD" || errorOf(a) == "" {
			t.Errorf("PUT /catalog: %d Allow %q %s", a.status, a.header.Get("Allow"), a.body)
		}
	})
	t.Run("failed logins throttled", func(t *testing.T) { loginsThrottled(t, base, group, tile) })
}

// auditFailsClosed: with the audit log immutable, a group's read of the restricted layer and a
// write are refused (503 JSON) while public reads are served; once mutable again both are served,
// the chain verifies, and the log holds a record of the outage and of a refused write attempt.
func auditFailsClosed(t *testing.T, bin, base, audit, group, tile string) {
	if out, err := exec.Command("chattr", "+i", audit).CombinedOutput(); err != nil {
		t.Skipf("chattr +i: %v %s (root on ext4 is needed)", err, out)
	}
	mutable := func() { exec.Command("chattr", "-i", audit).Run() }
	t.Cleanup(mutable)
	reading := `{"station":"SKR","observed":"` + time.Now().UTC().Add(-2*time.Hour).Format(time.RFC3339) + `","discharge_cusecs":240000}`
	for _, a := range []answer{askFrom(t, "127.0.0.1", "GET", base+tile, "", "Bearer "+group),
		askFrom(t, "127.0.0.1", "POST", base+"/warnings/readings", reading, "Bearer "+testKey)} {
		if a.status != 503 || errorOf(a) != "the audit log cannot be written" || secret.Match(a.body) {
			t.Errorf("while the log is immutable: %d %s", a.status, a.body)
		}
	}
	for _, token := range []string{"", group} {
		if a := ask(t, base, probe{method: "GET", path: "/tiles/villages/6/44/27.mvt"}, token); a.status != 200 {
			t.Errorf("public tile (key %v) while the log is immutable: %d", token != "", a.status)
		}
	}
	mutable()
	if a := askFrom(t, "127.0.0.1", "GET", base+tile, "", "Bearer "+group); a.status != 200 {
		t.Errorf("once mutable: %d %s", a.status, a.body)
	}
	if code, body, _ := postReading(base, testKey, reading); code != 200 {
		t.Errorf("write once mutable: %d %s", code, body)
	}
	if code, body, _ := postReading(base, "", reading); code != 401 {
		t.Errorf("write without key: %d %s", code, body)
	}
	if out, err := exec.Command(bin, "audit", "verify", audit).CombinedOutput(); err != nil {
		t.Fatalf("audit verify: %v %s", err, out)
	}
	log := readFile(t, audit)
	for _, want := range []string{`"key":"operator","action":"audit","status":503,"detail":"records could not be written from `,
		`: 2 not written (2 of actions refused for it, 0 of events that went ahead)"`, `"key":"anonymous","action":"write","method":"POST","route":"/warnings/readings","status":401,"detail":"missing or wrong key"`} {
		if !strings.Contains(log, want) {
			t.Errorf("the audit log has no %s:\n%s", want, log)
		}
	}
}

// loginsThrottled: an address that sends bad tokens gets 429 with Retry-After once it has had
// 10 checked (plus the one every 2 s it earns meanwhile), and 3 more naming the id of a key (that
// id's own budget, plus one every 10 s), while a good key still works from it (known already) and
// from another address (new there).
func loginsThrottled(t *testing.T, base, group, tile string) {
	bad := group[:len(group)-6]
	start := time.Now()
	refused := 0
	var a answer
	for a = askFrom(t, "127.0.0.3", "GET", base+tile, "", "Bearer "+bad+"100000"); a.status == 401 && refused < 100; refused++ {
		a = askFrom(t, "127.0.0.3", "GET", base+tile, "", "Bearer "+bad+strconv.Itoa(100001+refused))
	}
	earned := int(time.Since(start).Seconds()*(loginRate+keyCheckRate)) + 2
	if ra, _ := strconv.Atoi(a.header.Get("Retry-After")); a.status != 429 || ra < 1 || ra > 2 || errorOf(a) == "" {
		t.Fatalf("after %d bad tokens: %d Retry-After %q %s", refused, a.status, a.header.Get("Retry-After"), a.body)
	}
	if least := loginBurst + keyCheckBurst; refused < least || refused > least+earned {
		t.Errorf("%d bad tokens checked before the 429, want %d to %d", refused, least, least+earned)
	}
	if a := askFrom(t, "127.0.0.3", "GET", base+tile, "", "Bearer "+group); a.status != 200 {
		t.Errorf("a known key from the throttled address: %d %s", a.status, a.body)
	}
	if a := askFrom(t, "127.0.0.4", "GET", base+tile, "", "Bearer "+bad+"300000"); a.status != 401 {
		t.Errorf("a bad token from another address: %d %s", a.status, a.body)
	}
	if a := askFrom(t, "127.0.0.4", "GET", base+tile, "", "Bearer "+group); a.status != 200 {
		t.Errorf("a good key from another address: %d %s", a.status, a.body)
	}
}

// TestKeysFIFO: a keys file that is a FIFO is refused at start (exit 1, naming it) and at a reload
// (the old keys stay, /ready is 200 again), instead of blocking the server.
func TestKeysFIFO(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--keys", fifo)
	cmd.Env = append(os.Environ(), "INDUS_DATA_DIR="+sharedDataDir(t), "INDUS_STATE_DIR="+filepath.Join(dir, "state"))
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "is not a regular file (a FIFO)") {
		t.Fatalf("start with a FIFO: exit %d (%v), want 1 naming it:\n%s", code, err, out)
	}
	keys := filepath.Join(dir, "keys.json")
	token := addKey(t, bin, keys, "ops", "", "")
	base, lines, srv := startWatched(t, bin, "--keys", keys)
	waitLog(t, lines, "msg=serving")
	os.Remove(keys)
	if err := syscall.Mkfifo(keys, 0o600); err != nil {
		t.Fatal(err)
	}
	srv.Process.Signal(syscall.SIGHUP)
	waitLog(t, lines, "keys not reloaded")
	waitLog(t, lines, "msg=reloaded")
	if code, reason := readyOf(t, base); code != 200 {
		t.Errorf("/ready after the reload: %d %q", code, reason)
	}
	if a := ask(t, base, probe{method: "GET", path: "/catalog"}, token); a.status != 200 {
		t.Errorf("the old key after the failed reload: %d %s", a.status, a.body)
	}
}
