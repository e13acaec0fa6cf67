package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// flood sends GET path with random well-formed tokens naming ids from the local address from,
// until ctx ends, on n connections at once.
func flood(ctx context.Context, base, from, path string, n int, ids ...string) *sync.WaitGroup {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			for j := 0; ctx.Err() == nil; j++ {
				req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
				req.Header.Set("Authorization", "Bearer "+randomToken(ids[(i+j)%len(ids)]))
				if res, err := client.Do(req); err == nil {
					io.Copy(io.Discard, res.Body) // read whole, so that the connection is used again
					res.Body.Close()
				}
			}
		})
	}
	return &wg
}

// randomToken is a well-formed token naming id, with a random secret.
func randomToken(id string) string {
	secret := make([]byte, 32)
	rand.Read(secret)
	return "indus_" + id + "_" + base64.RawURLEncoding.EncodeToString(secret)
}

// TestReloadKeepsGoodKeys: keys used from an address keep working there through a SIGHUP while
// four connections from the same address send bad tokens (naming a real key id and an unknown
// one) as fast as they can. The reload used to forget every verified token, making each key new
// again: the flood took every key check the address earned, and 0 of 48 tries of each key
// succeeded in the 15 s after the reload (429 too many failed logins).
func TestReloadKeepsGoodKeys(t *testing.T) {
	bin := binary(t)
	base, callers, audit, _, cmd := restrictedServer(t, bin)
	const from = "127.0.0.7"
	keys := map[string]string{"ndma-ops": callers[1].token, "telecom-ops": callers[2].token, "api-key": testKey}
	for name, token := range keys {
		if a := askFrom(t, from, "GET", base+"/collections", "", "Bearer "+token); a.status != 200 {
			t.Fatalf("%s before the flood: %d %s", name, a.status, a.body)
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	wg := flood(ctx, base, from, "/collections", 4, "ndma-ops", "writer")
	defer func() { stop(); wg.Wait() }()
	until(t, func() bool {
		return askFrom(t, from, "GET", base+"/collections", "", "Bearer "+randomToken("writer")).status == 429
	})
	cmd.Process.Signal(syscall.SIGHUP)
	until(t, func() bool {
		return strings.Contains(readFile(t, audit), `"action":"data","route":"reload","status":200`)
	})
	failed := map[string]int{}
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		for name, token := range keys {
			if a := askFrom(t, from, "GET", base+"/collections", "", "Bearer "+token); a.status != 200 {
				failed[name]++
				if failed[name] == 1 {
					t.Errorf("%s after the reload: %d %s", name, a.status, a.body)
				}
			}
		}
	}
	if len(failed) > 0 {
		t.Errorf("tries refused after the reload, by key: %v", failed)
	}
}

// TestReloadRefusedWhileAuditDown: while the audit log cannot be written (chattr +i), a SIGHUP that
// revokes a key and adds another changes nothing (keys and data reloads are refused, logged,
// /ready stays 200); once the log can be written, the next SIGHUP applies the change, after a
// record of the outage that counts the two refused reloads (not as refused requests), and the
// record of the key change. Before, the change applied unrecorded. A keys file that others may
// read is warned about at start.
func TestReloadRefusedWhileAuditDown(t *testing.T) {
	bin := binary(t)
	_, callers, audit, keys, first := restrictedServer(t, bin)
	first.Process.Kill()
	first.Wait()
	if err := os.Chmod(keys, 0o644); err != nil {
		t.Fatal(err)
	}
	catalog := filepath.Join(sharedDataDir(t), "pakistan", "catalog-restricted.yaml")
	base, lines, srv := startWatched(t, bin, "--catalog", catalog, "--keys", keys, "--audit-log", audit)
	waitLog(t, lines, "may be read by group or others")
	waitLog(t, lines, "msg=serving")
	group, tile, public := callers[1].token, "/tiles/"+hidden+"/6/44/27.mvt", "/tiles/villages/6/44/27.mvt"
	if a := askFrom(t, "127.0.0.1", "GET", base+tile, "", "Bearer "+group); a.status != 200 {
		t.Fatalf("group tile: %d %s", a.status, a.body)
	}
	if out, err := exec.Command("chattr", "+i", audit).CombinedOutput(); err != nil {
		t.Skipf("chattr +i: %v %s (root on ext4 is needed)", err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", audit).Run() })
	if out, err := exec.Command(bin, "keys", "revoke", "--file", keys, "--id", "ndma-ops").CombinedOutput(); err != nil {
		t.Fatalf("revoke: %v %s", err, out)
	}
	sneaky := addKey(t, bin, keys, "sneaky", hiddenGroup, "")
	srv.Process.Signal(syscall.SIGHUP)
	waitLog(t, lines, "keys not reloaded: the audit log cannot record the change")
	waitLog(t, lines, "reload refused: the audit log cannot record it")
	if code, reason := readyOf(t, base); code != 200 {
		t.Errorf("/ready after the refused reload: %d %q", code, reason)
	}
	for token, want := range map[string]int{group: 200, sneaky: 401} {
		if a := askFrom(t, "127.0.0.1", "GET", base+public, "", "Bearer "+token); a.status != want {
			t.Errorf("after the refused reload, %s: %d %s, want %d", token[:12], a.status, a.body, want)
		}
	}
	if out, err := exec.Command("chattr", "-i", audit).CombinedOutput(); err != nil {
		t.Fatalf("chattr -i: %v %s", err, out)
	}
	srv.Process.Signal(syscall.SIGHUP)
	waitLog(t, lines, "msg=\"keys reloaded\"")
	waitLog(t, lines, "msg=reloaded")
	for token, want := range map[string]int{group: 401, sneaky: 200} {
		if a := askFrom(t, "127.0.0.1", "GET", base+tile, "", "Bearer "+token); a.status != want {
			t.Errorf("after the reload, %s: %d %s, want %d", token[:12], a.status, a.body, want)
		}
	}
	if out, err := exec.Command(bin, "audit", "verify", audit).CombinedOutput(); err != nil {
		t.Fatalf("audit verify: %v %s", err, out)
	}
	log := readFile(t, audit)
	gap := strings.Index(log, `: 2 not written (2 of actions refused for it, 0 of events that went ahead)"`)
	change := strings.Index(log, `"key":"operator","action":"keys","route":"reload","status":200,"detail":"added [sneaky] removed [ndma-ops] changed []"`)
	if gap < 0 || change < gap || strings.Contains(log, "their requests were refused") {
		t.Errorf("the audit log lacks the outage (at %d) or the key change after it (at %d):\n%s", gap, change, log)
	}
}
