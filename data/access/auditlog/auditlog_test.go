package auditlog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// writeLog writes n records to a new log and returns its path and head.
func writeLog(t testing.TB, n int) (string, Head) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		r := Record{Key: "telecom-ops", Action: "tiles.read", Method: "GET", Route: "/tiles/:layers/:z/:x/:y.mvt",
			Layers: []string{"fibre", "villages"}, Tile: fmt.Sprintf("10/%d/400", i), Status: 200, Detail: fmt.Sprintf("record %03d", i)}
		if i%2 == 0 {
			r.BBox = &[4]float64{66.5, 24.1, 71.25, 30}
		}
		if err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	head := l.Head()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return path, head
}

// readLines returns the lines of path without their newlines.
func readLines(t *testing.T, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(b, []byte{'\n'}), []byte{'\n'})
}

func hashOf(line []byte) string {
	sum := sha256.Sum256(line)
	return hex.EncodeToString(sum[:])
}

// verifyLines runs Verify over lines joined with newlines.
func verifyLines(lines [][]byte) (Report, error) {
	return Verify(bytes.NewReader(append(bytes.Join(lines, []byte{'\n'}), '\n')))
}

// problem fails t unless err is a *Problem at line with seq and check.
func problem(t *testing.T, err error, line int, seq uint64, check Check) {
	t.Helper()
	var p *Problem
	if !errors.As(err, &p) || p.Line != line || p.Seq != seq || p.Check != check {
		t.Fatalf("got %v; want line %d (seq %d) failing the %s check", err, line, seq, check)
	}
}

// An intact log verifies, and its chain checks out by an independent reading of the lines.
func TestIntact(t *testing.T) {
	path, head := writeLog(t, 100)
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode())
	}
	lines := readLines(t, path)
	prev := GenesisHash()
	if prev != hashOf([]byte("indus audit log v1")) {
		t.Fatalf("genesis hash %s", prev)
	}
	for i, line := range lines {
		var r map[string]any
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		if r["seq"] != float64(i+1) || r["prev"] != prev || r["key"] != "telecom-ops" || r["detail"] != fmt.Sprintf("record %03d", i+1) {
			t.Fatalf("line %d: %s (want prev %s)", i+1, line, prev)
		}
		if ts, _ := r["time"].(string); !strings.HasSuffix(ts, "Z") {
			t.Fatalf("line %d: time %q is not UTC", i+1, ts)
		}
		prev = hashOf(line)
	}
	rep, err := verifyLines(lines)
	if err != nil || rep.Records != 100 || rep.Head != (Head{Seq: 100, Hash: prev}) || head != rep.Head {
		t.Fatalf("verify: %+v %v; log head %+v; want 100 records, head 100 %s", rep, err, head, prev)
	}
	if _, err := VerifyHead(bytes.NewReader(append(bytes.Join(lines, []byte{'\n'}), '\n')), hashOf(lines[49])); err != nil {
		t.Errorf("a head in the middle: %v", err)
	}
}

// A byte changed in record k: if the line is still a record, the next line's prev check fails;
// if not, line k fails the JSON check. A change to the last record shows only against a kept head.
func TestAlteredRecord(t *testing.T) {
	path, head := writeLog(t, 100)
	const k = 40
	alter := func(i int, from, to string) [][]byte {
		lines := readLines(t, path)
		lines[i-1] = bytes.Replace(lines[i-1], []byte(from), []byte(to), 1)
		return lines
	}
	rep, err := verifyLines(alter(k, `"record 040"`, `"record 940"`))
	problem(t, err, k+1, k+1, CheckPrev)
	if rep.Records != k || rep.Head.Seq != k {
		t.Errorf("report %+v, want %d intact records", rep, k)
	}
	_, err = verifyLines(alter(k, `{"seq"`, `["seq"`))
	problem(t, err, k, 0, CheckJSON)
	_, err = verifyLines(alter(k, `"status":200`, `"status":200,"extra":1`)) // still a record: the next line tells
	problem(t, err, k+1, k+1, CheckPrev)
	_, err = verifyLines(alter(k, `"seq":40`, `"seq":"40"`))
	problem(t, err, k, 0, CheckJSON)
	_, err = verifyLines(alter(k, `"seq":40`, `"seq":49`)) // seq 49, then the missing 41 appears: reordered
	problem(t, err, k, 49, CheckOrder)
	last := alter(100, `"record 100"`, `"record 999"`)
	if _, err := verifyLines(last); err != nil {
		t.Fatalf("the file alone cannot show a change to its last record, yet: %v", err)
	}
	_, err = VerifyHead(bytes.NewReader(append(bytes.Join(last, []byte{'\n'}), '\n')), head.Hash)
	problem(t, err, 0, 0, CheckHead)
}

// A removed record leaves a gap at its place; removed last records show only against a kept head.
func TestRemovedRecord(t *testing.T) {
	path, head := writeLog(t, 100)
	lines := readLines(t, path)
	without := func(i int) [][]byte {
		return append(append([][]byte{}, lines[:i-1]...), lines[i:]...)
	}
	_, err := verifyLines(without(40))
	problem(t, err, 40, 41, CheckGap)
	if !strings.Contains(err.Error(), "record 40 was removed") {
		t.Errorf("message %q", err)
	}
	_, err = verifyLines(without(1))
	problem(t, err, 1, 2, CheckGap)
	gap := append(append([][]byte{}, lines[:39]...), lines[45:]...)
	_, err = verifyLines(gap)
	problem(t, err, 40, 46, CheckGap)
	if !strings.Contains(err.Error(), "records 40 to 45 were removed") {
		t.Errorf("message %q", err)
	}
	cut := lines[:98]
	rep, err := verifyLines(cut)
	if err != nil || rep.Records != 98 {
		t.Fatalf("a cut log is intact as far as it goes: %+v %v", rep, err)
	}
	_, err = VerifyHead(bytes.NewReader(append(bytes.Join(cut, []byte{'\n'}), '\n')), head.Hash)
	problem(t, err, 0, 0, CheckHead)
}

// Swapped records k and k+1 fail the order check at line k.
func TestSwappedRecords(t *testing.T) {
	path, _ := writeLog(t, 100)
	lines := readLines(t, path)
	lines[39], lines[40] = lines[40], lines[39]
	_, err := verifyLines(lines)
	problem(t, err, 40, 41, CheckOrder)
	lines = readLines(t, path)
	lines = append(lines[:51], lines[50:]...) // record 51 twice
	_, err = verifyLines(lines)
	problem(t, err, 52, 51, CheckOrder)
}

// A reopened log continues the chain; a broken one is refused, naming the line; one writer at a time.
func TestReopen(t *testing.T) {
	path, head := writeLog(t, 50)
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if l.Head() != head {
		t.Fatalf("reopened head %+v, want %+v", l.Head(), head)
	}
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "in use by another writer") {
		t.Errorf("a second writer: %v", err)
	}
	for range 50 {
		if err := l.Append(Record{Action: "features.read"}); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	lines := readLines(t, path)
	rep, err := verifyLines(lines)
	if err != nil || rep.Records != 100 || rep.Head.Seq != 100 {
		t.Fatalf("%+v %v", rep, err)
	}
	if !bytes.Contains(lines[99], []byte(`"key":"anonymous"`)) {
		t.Errorf("an empty key is not anonymous: %s", lines[99])
	}
	lines[19] = bytes.Replace(lines[19], []byte(`"status":200`), []byte(`"status":403`), 1)
	os.WriteFile(path, append(bytes.Join(lines, []byte{'\n'}), '\n'), 0o600)
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "line 21 (seq 21): prev check failed") {
		t.Errorf("opening a tampered log: %v", err)
	}
}

// A last line without a newline is a torn write: Verify says so and Open refuses to append.
func TestTornLine(t *testing.T) {
	path, _ := writeLog(t, 10)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"seq":11,"ti`)
	f.Close()
	b, _ := os.ReadFile(path)
	rep, err := Verify(bytes.NewReader(b))
	problem(t, err, 11, 0, CheckTorn)
	if rep.Records != 10 {
		t.Errorf("report %+v", rep)
	}
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "line 11 (seq 0): torn check failed") {
		t.Errorf("open: %v", err)
	}
}

// Appends from many goroutines make one valid chain.
func TestConcurrentAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				if err := l.Append(Record{Key: fmt.Sprintf("k%d", g), Action: "tiles.read", Detail: fmt.Sprint(i)}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	l.Close()
	b, _ := os.ReadFile(path)
	rep, err := Verify(bytes.NewReader(b))
	if err != nil || rep.Records != 400 || rep.Head.Seq != 400 {
		t.Fatalf("%+v %v", rep, err)
	}
}

// Tail returns the last n lines, across read chunks; Follow passes on complete appended lines.
func TestTailFollow(t *testing.T) {
	path, _ := writeLog(t, 1000) // ~250 KB: several chunks
	lines := readLines(t, path)
	f, _ := os.Open(path)
	defer f.Close()
	fi, _ := f.Stat()
	for _, n := range []int{1, 3, 900, 1000, 5000} {
		got, err := Tail(f, fi.Size(), n)
		want := lines[max(len(lines)-n, 0):]
		if err != nil || len(got) != len(want) || !bytes.Equal(got[0], want[0]) || !bytes.Equal(got[len(got)-1], want[len(want)-1]) {
			t.Fatalf("tail %d: %d lines, %v", n, len(got), err)
		}
	}
	f.Seek(0, 2)
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- Follow(ctx, f, &out, time.Millisecond) }()
	w, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	w.WriteString(`{"a":1}` + "\n" + `{"b":`)
	time.Sleep(20 * time.Millisecond)
	w.WriteString("2}\n")
	w.Close()
	for deadline := time.Now().Add(10 * time.Second); out.String() != "{\"a\":1}\n{\"b\":2}\n"; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("followed %q", out.String())
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
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

func FuzzVerify(f *testing.F) {
	path, _ := writeLog(f, 3)
	b, _ := os.ReadFile(path)
	f.Add(b)
	f.Add(b[:len(b)-1])
	f.Add([]byte("\n"))
	f.Add([]byte(`{"seq":1,"prev":"` + GenesisHash() + `"}` + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := Verify(bytes.NewReader(b))
		if err != nil {
			return
		}
		if lines := bytes.Count(b, []byte{'\n'}); rep.Records != lines || rep.Head.Seq != uint64(lines) {
			t.Fatalf("intact log of %d lines reported as %+v", lines, rep)
		}
		if _, err := VerifyHead(bytes.NewReader(b), rep.Head.Hash); err != nil {
			t.Fatalf("an intact log's own head is not in it: %v", err)
		}
	})
}

func BenchmarkAppend(b *testing.B) {
	l, err := Open(filepath.Join(b.TempDir(), "audit.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	r := Record{Key: "telecom-ops", Action: "tiles.read", Method: "GET", Route: "/tiles/:layers/:z/:x/:y.mvt",
		Layers: []string{"fibre", "villages"}, Tile: "10/700/400", Status: 200}
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Append(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures the check Open makes of a whole log (10,000 records a loop).
func BenchmarkVerify(b *testing.B) {
	path, _ := writeLog(b, 10000)
	raw, _ := os.ReadFile(path)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if rep, err := Verify(bytes.NewReader(raw)); err != nil || rep.Records != 10000 {
			b.Fatal(rep, err)
		}
	}
}

// FuzzLink: wherever the fast reading of seq and prev answers, json.Unmarshal agrees.
func FuzzLink(f *testing.F) {
	path, _ := writeLog(f, 2)
	b, _ := os.ReadFile(path)
	for line := range bytes.SplitSeq(bytes.TrimSpace(b), []byte{'\n'}) {
		f.Add(line)
	}
	f.Add([]byte(`{"seq":1,"prev":"` + GenesisHash() + `"}`))
	f.Add([]byte(`{"seq":1,"x":{"seq":2},"prev":"` + GenesisHash() + `"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		fast, ok := fastLink(raw)
		if !ok {
			return
		}
		var slow link
		if err := json.Unmarshal(raw, &slow); err != nil || slow != fast {
			t.Fatalf("fast %+v, json %+v (%v)", fast, slow, err)
		}
	})
}
