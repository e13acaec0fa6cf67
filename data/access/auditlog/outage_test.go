package auditlog

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// breaker makes writes to a log's file fail (brk) and work again (mend).
type breaker struct {
	brk, mend func()
}

// checkOutage runs the outage scenario on l: once broken, Append fails (at once, or once the room
// Writable reserved is used up), then Writable and Append fail; once mended, the next Append
// writes a record of the outage first, and the chain verifies.
func checkOutage(t *testing.T, path string, l *Log, b breaker) {
	t.Helper()
	if err := l.Append(Record{Key: "ops", Action: "read", Route: "/a", Status: 200}); err != nil {
		t.Fatal(err)
	}
	if err := l.Writable(); err != nil {
		t.Fatalf("writable before the failure: %v", err)
	}
	b.brk()
	written := 0
	for l.Append(Record{Key: "ops", Action: "read", Route: "/b", Status: 200}) == nil {
		if written++; written > 2*ProbeBytes/50 { // two pages of records at most
			t.Fatal("Append: nil on a broken log")
		}
	}
	if err := l.Writable(); err == nil {
		t.Fatal("Writable: nil on a broken log")
	}
	if err := l.Append(Record{Key: "ops", Action: "read", Route: "/b", Status: 200}); err == nil {
		t.Fatal("Append: nil on a broken log (down)")
	}
	b.mend()
	if err := l.Append(Record{Key: "ops", Action: "read", Route: "/c", Status: 200}); err != nil {
		t.Fatalf("Append once mended: %v", err)
	}
	if err := l.Writable(); err != nil {
		t.Fatalf("Writable once mended: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, path)
	if rep, err := verifyLines(lines); err != nil || rep.Records != 3+written {
		t.Fatalf("verify: %v %+v, want %d records", err, rep, 3+written)
	}
	var gap Record
	if err := json.Unmarshal(lines[1+written], &gap); err != nil {
		t.Fatal(err)
	}
	if gap.Seq != uint64(2+written) || gap.Action != "audit" || gap.Key != "operator" || gap.Status != 503 ||
		!strings.Contains(gap.Detail, ": 3 not written") || !strings.Contains(gap.Detail, "records could not be written from ") {
		t.Errorf("outage record: %+v", gap)
	}
	if !strings.Contains(string(lines[2+written]), `"route":"/c"`) {
		t.Errorf("last record: %s", lines[2+written])
	}
	t.Logf("%d records written after the failure (room reserved before it); outage: %s", written, gap.Detail)
}

// injected opens a new log and returns it with a breaker that swaps its file handle for a
// read-only one (writes fail) and back.
func injected(t *testing.T) (string, *Log, breaker) {
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ro, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	rw := l.f
	return path, l, breaker{brk: func() { l.mu.Lock(); l.f = ro; l.mu.Unlock() }, mend: func() { l.mu.Lock(); l.f = rw; l.mu.Unlock() }}
}

// TestOutageInjected: writes fail (the file handle swapped for a read-only one), then succeed.
func TestOutageInjected(t *testing.T) {
	path, l, b := injected(t)
	checkOutage(t, path, l, b)
}

// TestOutageImmutable: the file made immutable (chattr +i, as root on a file system that has it),
// then mutable again.
func TestOutageImmutable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		l.Close()
		t.Skipf("chattr +i: %v %s", err, out)
	}
	exec.Command("chattr", "-i", path).Run()
	chattr := func(flag string) func() {
		return func() {
			if out, err := exec.Command("chattr", flag, path).CombinedOutput(); err != nil {
				t.Fatalf("chattr %s: %v %s", flag, err, out)
			}
		}
	}
	t.Cleanup(chattr("-i"))
	checkOutage(t, path, l, breaker{brk: chattr("+i"), mend: chattr("-i")})
}

// TestOutageFullDisk: the log on a 64 KiB tmpfs (mounted as root; skipped otherwise) that a filler
// file fills up, then removed.
func TestOutageFullDisk(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	path, filler := filepath.Join(dir, "audit.log"), filepath.Join(dir, "filler")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	fill := func() {
		f, err := os.Create(filler)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, err = f.Write(make([]byte, 4096)); err == nil; _, err = f.Write(make([]byte, 4096)) {
		}
		if !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("filling: %v", err)
		}
	}
	checkOutage(t, path, l, breaker{brk: fill, mend: func() { os.Remove(filler) }})
}
