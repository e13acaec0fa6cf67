package warnings

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cpec-digital/indus/indexes"
)

func TestCAPTime(t *testing.T) {
	pkt := time.FixedZone("PKT", 5*3600)
	for _, tt := range []struct {
		in   time.Time
		want string
	}{
		{t0, "2022-08-25T06:00:00-00:00"},
		{t0.Add(1500 * time.Millisecond), "2022-08-25T06:00:01-00:00"},
		{time.Date(2022, 8, 25, 11, 0, 0, 0, pkt), "2022-08-25T06:00:00-00:00"},
	} {
		if got := capTime(tt.in); got != tt.want {
			t.Errorf("capTime(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// A snapshot written before the "-00:00" fix holds references with "+00:00"; after a restart it
// gives the same references and CAP messages as a fresh replay of the readings.
func TestOldSnapshotReferences(t *testing.T) {
	s, _, _ := newService(t, filepath.Join(t.TempDir(), "j"))
	for i, q := range []float64{580000, 700000, 100, 450000} {
		if _, err := s.Submit([]Reading{reading("SKR", i, q)}); err != nil {
			t.Fatal(err)
		}
	}
	s.mu.Lock()
	snap := s.snapshotLocked()
	s.mu.Unlock()
	old := 0
	for i := range snap.Warnings {
		var refs []string // a copy: the snapshot shares the live warnings' slices
		for _, r := range snap.Warnings[i].References {
			refs = append(refs, strings.Replace(r, "-00:00", "+00:00", 1))
			old++
		}
		snap.Warnings[i].References = refs
	}
	if old != 2 {
		t.Fatalf("%d references in the snapshot, want 2", old)
	}
	path := filepath.Join(t.TempDir(), "old")
	if err := compact(path, snap, 1<<30); err != nil {
		t.Fatal(err)
	}
	restored, err := newWithClock(DefaultConfig(path), indexes.NewServed(fixture()), nil, s.now)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	for _, id := range s.order {
		for k, v := range s.versions[id] {
			r := restored.versions[id][k]
			want, _ := s.CAP(v)
			got, _ := restored.CAP(r)
			if string(got) != string(want) || strings.Join(r.References, " ") != strings.Join(v.References, " ") {
				t.Errorf("%s after restoring an old snapshot:\n%s\nwant\n%s", v.Identifier, got, want)
			}
		}
	}
}
