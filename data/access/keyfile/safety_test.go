package keyfile

import (
	"errors"
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
	deny := errors.New("no more")
	admit := func() error { asked++; return nil }
	no := func() error { asked++; return deny }
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
