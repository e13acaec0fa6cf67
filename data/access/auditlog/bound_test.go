package auditlog

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestLongFieldsCut: a record with a 4 MB detail (an unknown station name of megabytes copied
// into it), a 2 MB route and 200 layers is written with each field cut to MaxField bytes and a
// marker of what was cut; the log stays up (Writable), the next record is written, the chain
// verifies, and the caller's layers are unchanged.
func TestLongFieldsCut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	layers := make([]string, 200)
	for i := range layers {
		layers[i] = "layer"
	}
	layers[3] = strings.Repeat("l", 5000)
	detail := "unknown station " + strings.Repeat("é", 2<<20) // two bytes a character: the cut must not split one
	if err := l.Append(Record{Action: "write", Route: "/" + strings.Repeat("r", 2<<20), Detail: detail, Layers: layers, Status: 400}); err != nil {
		t.Fatalf("Append of a long record: %v", err)
	}
	if len(layers) != 200 || len(layers[3]) != 5000 {
		t.Error("Append changed the caller's layers")
	}
	if err := l.Writable(); err != nil {
		t.Fatalf("Writable after a long record: %v", err)
	}
	if err := l.Append(Record{Action: "read", Route: "/next"}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	lines := readLines(t, path)
	if _, err := verifyLines(lines); err != nil || len(lines) != 2 {
		t.Fatalf("verify: %v, %d lines", err, len(lines))
	}
	var r Record
	if err := json.Unmarshal(lines[0], &r); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]string{"detail": r.Detail, "route": r.Route, "layer 3": r.Layers[3]} {
		if len(f) > MaxField || !utf8.ValidString(f) || !strings.Contains(f, "…[cut ") {
			t.Errorf("%s: %d bytes, valid UTF-8 %v, ends %q", name, len(f), utf8.ValidString(f), f[max(0, len(f)-40):])
		}
	}
	if want := "…[cut " + itoa(len(detail)-strings.Index(r.Detail, "…[cut ")) + " bytes]"; !strings.HasSuffix(r.Detail, want) {
		t.Errorf("detail ends %q, want %q", r.Detail[len(r.Detail)-40:], want)
	}
	if len(r.Layers) != MaxLayers+1 || r.Layers[MaxLayers] != "…[cut 136 layers]" || r.Layers[0] != "layer" {
		t.Errorf("layers: %d, last %q", len(r.Layers), r.Layers[len(r.Layers)-1])
	}
	if len(lines[0]) > 16*MaxField+MaxLayers*MaxField {
		t.Errorf("record of %d bytes", len(lines[0]))
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestOutageCounts: the record of an outage tells the records of refused actions (Require,
// Writable) from those of events that went ahead (Append).
func TestOutageCounts(t *testing.T) {
	path, l, b := injected(t)
	b.brk()
	if l.Require(Record{Action: "keys", Route: "reload"}) == nil || l.Writable() == nil || l.Append(Record{Action: "write"}) == nil ||
		l.Require(Record{Action: "data", Route: "reload"}) == nil {
		t.Fatal("a record was written to a read-only file")
	}
	b.mend()
	if err := l.Append(Record{Action: "read"}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	var gap Record
	if err := json.Unmarshal(readLines(t, path)[0], &gap); err != nil {
		t.Fatal(err)
	}
	if want := ": 4 not written (3 of actions refused for it, 1 of events that went ahead)"; !strings.HasSuffix(gap.Detail, want) {
		t.Errorf("outage record %q, want it to end %q", gap.Detail, want)
	}
}
