package warnings

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestJournalReplayAndTornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, err := OpenJournal(path, slog.New(slog.DiscardHandler), func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := j.Append([]byte(fmt.Sprintf("record-%03d", i))); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	j.Close()
	// a torn write: half a header and a payload cut short
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte{20, 0, 0, 0, 1, 2, 3, 4, 'x', 'y'})
	f.Close()
	before, _ := os.Stat(path)

	var got []string
	j, err = OpenJournal(path, slog.New(slog.DiscardHandler), func(b []byte) error { got = append(got, string(b)); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 100 {
		t.Fatalf("replayed %d records, want 100", len(got))
	}
	after, _ := os.Stat(path)
	if after.Size() != before.Size()-10 {
		t.Fatalf("torn tail not cut: %d -> %d bytes", before.Size(), after.Size())
	}
	if err := j.Append([]byte("next")); err != nil {
		t.Fatal(err)
	}
	j.Close()
	got = nil
	j, _ = OpenJournal(path, slog.New(slog.DiscardHandler), func(b []byte) error { got = append(got, string(b)); return nil })
	j.Close()
	if len(got) != 101 || got[100] != "next" {
		t.Fatalf("after a torn tail, new records must follow the last good one: %d records, last %q", len(got), got[len(got)-1])
	}
}

func TestJournalCorruptChecksum(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, _ := OpenJournal(path, slog.New(slog.DiscardHandler), func([]byte) error { return nil })
	j.Append([]byte("one"))
	j.Append([]byte("two"))
	j.Close()
	b, _ := os.ReadFile(path)
	b[len(b)-1] ^= 0xff // flip a bit in the last payload
	os.WriteFile(path, b, 0o644)
	var got []string
	j, _ = OpenJournal(path, slog.New(slog.DiscardHandler), func(b []byte) error { got = append(got, string(b)); return nil })
	j.Close()
	if len(got) != 1 || got[0] != "one" {
		t.Fatalf("got %v, want only the intact record", got)
	}
}

func BenchmarkJournalAppend(b *testing.B) {
	j, _ := OpenJournal(filepath.Join(b.TempDir(), "j"), slog.New(slog.DiscardHandler), func([]byte) error { return nil })
	defer j.Close()
	payload := []byte(`{"station":"SKR","observed":"2026-08-25T06:00:00Z","discharge_cusecs":580000}`)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := j.Append(payload); err != nil {
				b.Fatal(err)
			}
		}
	})
}
