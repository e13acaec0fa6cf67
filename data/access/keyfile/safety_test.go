package keyfile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cpec-digital/indus/data/fault"
)

// TestCheckAdmits: admit is asked before each derivation and only then; when it refuses, its error
// comes back and nothing is derived.
func TestCheckAdmits(t *testing.T) {
	a, token := cheapKey(t, "ops", nil, nil)
	k, err := New([]Key{a}, WithLegacyKey("legacy"))
	if err != nil {
		t.Fatal(err)
	}
	k.dummy.params = params{memory: 64, time: 1, threads: 1}
	derived := counting(k)
	var asked int
	var named []string
	deny := errors.New("no more")
	admit := func(id string) error { asked++; named = append(named, id); return nil }
	no := func(id string) error { asked++; named = append(named, id); return deny }
	unknown := "indus_nobody_" + token[len(token)-43:]
	if _, err := k.Check(unknown, no); err != deny || asked != 1 || derived.Load() != 0 {
		t.Errorf("refused admission: %v, asked %d, derived %d", err, asked, derived.Load())
	}
	if p, err := k.Check(token, admit); err != nil || p.ID != "ops" || asked != 2 || derived.Load() != 1 {
		t.Errorf("first use: %v %v, asked %d, derived %d", p, err, asked, derived.Load())
	}
	for _, tok := range []string{token, "legacy", "malformed", "indus_ops_short"} {
		k.Check(tok, no) // remembered, legacy, malformed: no derivation, nothing asked
	}
	k.Check(unknown, admit)
	k.Check(unknown, no) // refused now remembered
	if asked != 3 || derived.Load() != 2 {
		t.Errorf("asked %d, derived %d; want 3 and 2", asked, derived.Load())
	}
	if strings.Join(named, ",") != ",ops," { // the id of a key, "" for an id no key has
		t.Errorf("admit was told %q", named)
	}
}

// TestDerivationsBounded: at most n derivations run at once; a token that waits longer than the
// wait is refused with ErrBusy (a fault.KindUnavailable error) and not remembered as refused.
func TestDerivationsBounded(t *testing.T) {
	a, token := cheapKey(t, "ops", nil, nil)
	k, err := New([]Key{a}, WithDerivations(1, 50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if def, _ := New(nil); cap(def.slots) != max(1, runtime.GOMAXPROCS(0)/2) || def.wait != DefaultWait {
		t.Errorf("default slots %d", cap(def.slots))
	}
	release := make(chan struct{})
	var running, most atomic.Int64
	derive := k.derive
	k.derive = func(tok string, h phc) []byte {
		n := running.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		<-release
		defer running.Add(-1)
		return derive(tok, h)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); k.Authenticate(token) }()
	for running.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	other := "indus_nobody_" + token[len(token)-43:]
	p, err := k.Authenticate(other)
	if p != nil || !errors.Is(err, ErrBusy) || fault.KindOf(err) != fault.KindUnavailable || time.Since(start) < 50*time.Millisecond {
		t.Errorf("while the slot is taken: %v %v after %v", p, err, time.Since(start))
	}
	close(release)
	wg.Wait()
	if p, err := k.Authenticate(token); err != nil || p.ID != "ops" {
		t.Errorf("after: %v %v", p, err)
	}
	if _, err := k.Authenticate(other); !errors.Is(err, ErrUnauthorized) || most.Load() != 1 {
		t.Errorf("a busy token was remembered: %v; %d derivations at once", err, most.Load())
	}
}

// TestLoadRefusesNonRegular: a FIFO (which would block the read until a writer comes), a directory
// and a device are refused at once, naming what they are.
func TestLoadRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "keys.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, what := range map[string]string{fifo: "a FIFO", dir: "a directory", "/dev/zero": "a device"} {
		done := make(chan error, 1)
		go func() { _, err := Load(path); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "not a regular file ("+what+")") {
				t.Errorf("%s: %v", path, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("loading %s blocks", path)
		}
	}
	if _, err := Add(fifo, "ops", nil, nil); err == nil || !strings.Contains(err.Error(), "a FIFO") {
		t.Errorf("add to a FIFO: %v", err)
	}
}

// TestInherit: a reloaded Keyring remembers the verified tokens of the keys left as they were (no
// derivation, no admission asked) and not those of keys changed (new groups, new secret) or
// removed, which are checked again and refused or given their new principal.
func TestInherit(t *testing.T) {
	same, sameTok := cheapKey(t, "same", []string{"ndma"}, nil)
	moved, movedTok := cheapKey(t, "moved", []string{"ndma"}, nil)
	gone, goneTok := cheapKey(t, "gone", nil, nil)
	rekeyed, rekeyedTok := cheapKey(t, "rekeyed", nil, nil)
	old, err := New([]Key{same, moved, gone, rekeyed})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{sameTok, movedTok, goneTok, rekeyedTok} {
		if _, err := old.Authenticate(tok); err != nil {
			t.Fatal(err)
		}
	}
	moved.Groups = []string{"telecom"}
	rekeyed, _ = cheapKey(t, "rekeyed", nil, nil)
	same.Created = same.Created.Add(time.Hour) // not part of what a key allows
	next, err := New([]Key{same, moved, rekeyed})
	if err != nil {
		t.Fatal(err)
	}
	next.Inherit(old)
	derived := counting(next)
	asked := 0
	admit := func(string) error { asked++; return nil }
	if p, err := next.Check(sameTok, admit); err != nil || p.ID != "same" || p != next.byID["same"].principal || asked != 0 {
		t.Errorf("unchanged key: %v %v, asked %d", p, err, asked)
	}
	if p, err := next.Check(movedTok, admit); err != nil || !p.Member("telecom") || p.Member("ndma") || asked != 1 {
		t.Errorf("key with new groups: %+v %v, asked %d", p, err, asked)
	}
	for _, tok := range []string{goneTok, rekeyedTok} {
		p, err := next.Check(tok, admit)
		refused(t, tok[:12], p, err)
	}
	if asked != 3 || derived.Load() != 3 {
		t.Errorf("asked %d, derived %d; want 3 and 3", asked, derived.Load())
	}
	next.Inherit(nil) // nothing to inherit: no change
}

// TestMode: a Keyring says the permission bits of its file (0600 as Add writes it, 0644 once
// chmodded), and 0 when it is not from a file.
func TestMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	if _, err := Add(path, "ops", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o600, 0o644} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if k, err := Load(path); err != nil || k.Mode() != mode {
			t.Errorf("mode %o: got %o, %v", mode, k.Mode(), err)
		}
	}
	if k, _ := New(nil); k.Mode() != 0 {
		t.Errorf("New: mode %o", k.Mode())
	}
}
