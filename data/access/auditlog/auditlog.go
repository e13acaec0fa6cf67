// Package auditlog is the tamper-evident audit log adapter of the access model: an append-only
// file of JSON lines, each holding the SHA-256 of the line before it.
//
// Each line is one Record. Its prev is the hex SHA-256 of the previous line's exact bytes (without
// the newline); the first record's prev is the hex SHA-256 of Genesis. seq counts 1, 2, 3… across
// restarts. So a record that is altered breaks the next record's prev, a record that is removed
// leaves a seq gap (and breaks a prev), records that are swapped come out of seq order: Verify
// names the first such line. What the file alone cannot show is the removal of its last records
// (or the rewriting of every record after a change, by someone able to recompute the hashes):
// keep Head (the last record's seq and hash) somewhere else from time to time, and check that it
// is still in the log with VerifyHead.
//
// Appends are cheap: one write(2) on an O_APPEND file, no fsync. A record is in the kernel's page
// cache when Append returns, so it survives the process being killed; it survives a power loss
// only once Sync (or Close) has run — call Sync every few seconds.
package auditlog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/cpec-digital/indus/data/access"
)

// Genesis is the string whose SHA-256 is the first record's prev.
const Genesis = "indus audit log v1"

// MaxLine is the longest line, in bytes, that Append writes and Verify reads.
const MaxLine = 1 << 20

// Record is one line of the audit log. Append fills Seq, Time (when zero), Key (when empty:
// "anonymous") and Prev.
type Record struct {
	Seq    uint64      `json:"seq"`
	Time   time.Time   `json:"time"`             // RFC 3339 with nanoseconds, UTC
	Key    string      `json:"key"`              // the principal's id, or "anonymous"
	Action string      `json:"action"`           // what was done, e.g. "tiles.read", "warnings.write", "denied"
	Method string      `json:"method,omitempty"` // the HTTP method
	Route  string      `json:"route,omitempty"`  // the route or path asked for
	Layers []string    `json:"layers,omitempty"` // the layers read or written
	BBox   *[4]float64 `json:"bbox,omitempty"`   // west, south, east, north, when the request had one
	Tile   string      `json:"tile,omitempty"`   // "z/x/y", for a tile
	Status int         `json:"status,omitempty"` // the HTTP status answered
	Detail string      `json:"detail,omitempty"`
	Prev   string      `json:"prev"` // hex SHA-256 of the previous line
}

// Head is the last record of a log: its seq and the hex SHA-256 of its line. An empty log's head
// is seq 0 and the hash of Genesis.
type Head struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// GenesisHash is the prev of the first record: hex SHA-256 of Genesis.
func GenesisHash() string {
	sum := sha256.Sum256([]byte(Genesis))
	return hex.EncodeToString(sum[:])
}

// Log appends records to an audit log file. Safe for concurrent use. While a Log is open, no
// other Log (in this process or another) can open the same file.
type Log struct {
	mu   sync.Mutex
	f    *os.File
	head Head
	size int64
	buf  bytes.Buffer
	enc  *json.Encoder
	err  error   // set when a failed write could not be undone: appending would break the chain
	down *outage // set while records cannot be written
}

// outage is a time records could not be written: since when, why, and how many were not — those
// of actions refused for it (Require, Writable) and those of events that went ahead (Append).
type outage struct {
	since         time.Time
	err           error
	refused, done int
}

// count adds one record not written to the outage.
func (d *outage) count(refused bool) {
	if refused {
		d.refused++
	} else {
		d.done++
	}
}

// ProbeBytes is the room Writable asks the file system for: more than a record usually takes.
const ProbeBytes = 4096

// Open opens the audit log at path for appending, creating it (mode 0600) if missing. It verifies
// the whole chain first and refuses a log that is not intact, naming the first bad line, so that
// nothing is ever chained after a damaged record.
func Open(path string) (*Log, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("audit log %s is in use by another writer: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	rep, err := Verify(io.NewSectionReader(f, 0, fi.Size()))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("audit log %s: %w (not appending to a broken chain; see indus audit verify)", path, err)
	}
	l := &Log{f: f, head: rep.Head, size: fi.Size()}
	l.enc = json.NewEncoder(&l.buf)
	return l, nil
}

// Append writes r as the next record, filling its Seq, Time (when zero), Key (when empty) and Prev.
// Fields longer than MaxField bytes are cut (see Record), so that no request can make a record
// too long to write.
//
// When a record cannot be written (a full disk, an immutable file), Append returns the error and
// the log is down: each later Append first writes a record of the outage (action "audit": since
// when, why, how many records were not written) and fails again if it cannot, so that once the
// file can be written again the gap is in the log itself. Append is for the record of an event
// that goes ahead whether or not it is recorded (a write already done): the outage record counts
// it among those. For an action that must not go ahead unrecorded, use Require.
func (l *Log) Append(r Record) error { return l.append(r, false) }

// Require is Append for the record of an action that may go ahead only once it is recorded (a
// reload, a read of restricted data): when it fails, the caller refuses the action, and the
// outage record counts it among the refused.
func (l *Log) Require(r Record) error { return l.append(r, true) }

func (l *Log) append(r Record, refused bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.down != nil {
		if err := l.recover(); err != nil {
			l.down.count(refused)
			return err
		}
	}
	if err := l.write(r); err != nil {
		if !errors.Is(err, errRecord) { // a record that cannot be encoded says nothing of the file
			l.fail(err, refused)
		}
		return err
	}
	return nil
}

// Writable reports whether the next record can be written: an error while the log is down (it
// tries to recover first), or when the file system refuses the room for one more record (asked
// with fallocate, which changes nothing in the file; where it is not supported, nil). The caller
// refuses what it asked for when it fails: the outage record counts it among the refused.
func (l *Log) Writable() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	if l.down != nil {
		err := l.recover()
		if err != nil {
			l.down.count(true)
		}
		return err
	}
	if err := reserve(l.f, l.size, ProbeBytes); err != nil {
		err = fmt.Errorf("audit log: %w", err)
		l.fail(err, true)
		return err
	}
	return nil
}

// fail marks the log down from now, unless it is already, counting the record not written.
func (l *Log) fail(err error, refused bool) {
	if l.down == nil {
		l.down = &outage{since: time.Now(), err: err}
	}
	l.down.count(refused)
}

// recover writes the record of the outage (l.down); once written, the log is up again.
func (l *Log) recover() error {
	if err := reserve(l.f, l.size, ProbeBytes); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	d := l.down
	now := time.Now()
	err := l.write(Record{Time: now, Key: access.Operator().ID, Action: "audit", Status: 503,
		Detail: fmt.Sprintf("records could not be written from %s to %s (%s): %d not written (%d of actions refused for it, %d of events that went ahead)",
			d.since.UTC().Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339Nano), d.err, d.refused+d.done, d.refused, d.done)})
	if err == nil {
		l.down = nil
	}
	return err
}

// write appends r, under l.mu.
func (l *Log) write(r Record) error {
	if l.err != nil {
		return l.err
	}
	r.Seq, r.Prev = l.head.Seq+1, l.head.Hash
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	r.Time = r.Time.UTC()
	if r.Key == "" {
		r.Key = "anonymous"
	}
	bound(&r)
	l.buf.Reset()
	if err := l.enc.Encode(r); err != nil { // the line and its newline
		return fmt.Errorf("%w: %w", errRecord, err)
	}
	line := l.buf.Bytes()
	if len(line) > MaxLine { // not with bounded fields; kept as a guard
		return fmt.Errorf("%w: %d bytes, more than %d", errRecord, len(line), MaxLine)
	}
	n, err := l.f.Write(line)
	if err != nil {
		l.undo(n)
		return fmt.Errorf("audit log: %w", err)
	}
	sum := sha256.Sum256(line[:len(line)-1])
	l.head = Head{Seq: r.Seq, Hash: hex.EncodeToString(sum[:])}
	l.size += int64(n)
	return nil
}

// undo cuts off the n bytes of a failed write; if it cannot, the log refuses further appends.
func (l *Log) undo(n int) {
	if n == 0 {
		return
	}
	if err := l.f.Truncate(l.size); err != nil {
		l.err = fmt.Errorf("audit log: a failed write left a partial record that could not be removed: %w", err)
	}
}

// Head returns the last record's seq and hash (seq 0 and GenesisHash for an empty log). Keep it
// elsewhere to detect, later, the removal of records after it (VerifyHead).
func (l *Log) Head() Head {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.head
}

// Sync flushes the appended records to stable storage.
func (l *Log) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return l.err
	}
	return l.f.Sync()
}

// Close syncs and closes the log.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return errors.New("audit log already closed")
	}
	err := l.f.Sync()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f, l.err = nil, errors.New("audit log closed")
	return err
}
