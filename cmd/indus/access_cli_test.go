package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/data/access/auditlog"
	"github.com/cpec-digital/indus/data/access/keyfile"
)

// indus runs the command line in process and returns its exit code, stdout and stderr.
func indus(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

var tokenRE = regexp.MustCompile(`^indus_telecom-ops_[A-Za-z0-9_-]{43}\n$`)

// keys add prints a token once that the keys file package accepts for the right principal; list
// shows ids, groups, rights and creation but no hash; revoke removes; FILE defaults to INDUS_KEYS.
func TestKeysCommands(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys.json")
	code, out, errOut := indus("keys", "add", "--file", file, "--id", "telecom-ops", "--groups", "telecom, ndma", "--rights", "warnings:write")
	if code != 0 || !tokenRE.MatchString(out) || !strings.Contains(errOut, "cannot be shown again") {
		t.Fatalf("add: %d %q %q", code, out, errOut)
	}
	token := strings.TrimSpace(out)
	k, err := keyfile.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := k.Authenticate(token)
	if err != nil || p.ID != "telecom-ops" || !slices.Equal(p.Groups, []string{"ndma", "telecom"}) || !p.Can(access.WriteWarnings) {
		t.Fatalf("the printed token: %+v %v", p, err)
	}
	t.Setenv("INDUS_KEYS", file)
	if code, out, errOut := indus("keys", "add", "--id", "viewer"); code != 0 || out == "" {
		t.Fatalf("add with INDUS_KEYS: %d %q %q", code, out, errOut)
	}
	for _, bad := range [][]string{
		{"keys", "add", "--id", "telecom-ops"},
		{"keys", "add", "--id", "x", "--rights", "warnings:read"},
		{"keys", "add", "--id", "x", "--groups", "Bad"},
		{"keys", "add"},
		{"keys", "rotate", "--id", "x"},
	} {
		if code, out, errOut := indus(bad...); code != 1 || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", bad, code, out, errOut)
		}
	}
	code, out, _ = indus("keys", "list")
	if code != 0 || strings.Contains(out, "argon2") || strings.Contains(out, token[len(token)-43:]) ||
		!regexp.MustCompile(`(?m)^telecom-ops +ndma,telecom +warnings:write +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^viewer +- +- +\d{4}-`).MatchString(out) {
		t.Fatalf("list: %d\n%s", code, out)
	}
	if code, _, errOut := indus("keys", "revoke", "--id", "telecom-ops"); code != 0 || !strings.Contains(errOut, "revoked") {
		t.Fatalf("revoke: %d %s", code, errOut)
	}
	if code, _, errOut := indus("keys", "revoke", "--id", "telecom-ops"); code != 1 || !strings.Contains(errOut, `key "telecom-ops" is not in`) {
		t.Fatalf("revoke again: %d %s", code, errOut)
	}
	if _, out, _ := indus("keys", "list"); strings.Contains(out, "telecom-ops") || !strings.Contains(out, "viewer") {
		t.Fatalf("list after revoke:\n%s", out)
	}
	if k, _ := keyfile.Load(file); k != nil {
		if _, err := k.Authenticate(token); err == nil {
			t.Error("a revoked token is accepted after a reload")
		}
	}
}

// writeAudit appends n records to a new audit log and returns its path and head.
func writeAudit(t *testing.T, n int) (string, auditlog.Head) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := auditlog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := range n {
		if err := l.Append(auditlog.Record{Key: "telecom-ops", Action: "tiles.read", Status: 200, Detail: fmt.Sprintf("r%d", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	return path, l.Head()
}

// audit verify says ok with the count and head, checks a kept head, and names a tampered line.
func TestAuditVerify(t *testing.T) {
	path, head := writeAudit(t, 20)
	code, out, errOut := indus("audit", "verify", path)
	if want := fmt.Sprintf("ok: 20 records, head 20 %s\n", head.Hash); code != 0 || out != want {
		t.Fatalf("verify: %d %q %q; want %q", code, out, errOut, want)
	}
	if code, out, _ := indus("audit", "verify", path, "--head", head.Hash); code != 0 || !strings.HasPrefix(out, "ok: 20 records") {
		t.Fatalf("verify --head: %d %q", code, out)
	}
	code, _, errOut = indus("audit", "verify", "--head", strings.Repeat("0", 64), path)
	if code != 1 || !strings.Contains(errOut, "head check failed") {
		t.Fatalf("verify with an unknown head: %d %q", code, errOut)
	}
	raw, _ := os.ReadFile(path)
	os.WriteFile(path, bytes.Replace(raw, []byte(`"detail":"r5"`), []byte(`"detail":"r6"`), 1), 0o600)
	code, out, errOut = indus("audit", "verify", path)
	if code != 1 || out != "" || !strings.Contains(errOut, "line 6 (seq 6): prev check failed") || !strings.Contains(errOut, "(5 intact records before it)") {
		t.Fatalf("tampered: %d %q %q", code, out, errOut)
	}
	if code, _, _ := indus("audit", "verify"); code != 1 {
		t.Errorf("verify without a file: exit %d", code)
	}
}

// audit tail prints the last N lines as they are in the file, and -f the ones appended after.
func TestAuditTail(t *testing.T) {
	path, _ := writeAudit(t, 20)
	raw, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(raw), "\n")
	code, out, errOut := indus("audit", "tail", path, "-n", "3")
	if want := strings.Join(lines[17:20], ""); code != 0 || out != want {
		t.Fatalf("tail -n 3: %d %q %q; want %q", code, out, errOut, want)
	}
	var buf lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- auditTail(ctx, []string{"-f", "-n", "1", path}, &buf, &buf) }()
	waitLines := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); strings.Count(buf.String(), "\n") < n; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("tail -f printed %q", buf.String())
			}
		}
	}
	waitLines(1) // the tail is printed: what comes now is followed
	l, err := auditlog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	l.Append(auditlog.Record{Action: "features.read", Detail: "followed"})
	l.Close()
	waitLines(2)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := strings.SplitAfter(buf.String(), "\n")
	if got[0] != lines[19] || !strings.Contains(got[1], `"seq":21`) || !strings.Contains(got[1], `"detail":"followed"`) {
		t.Fatalf("tail -f: %q", buf.String())
	}
}

// lockedBuffer is a bytes.Buffer for one writing and one reading goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
