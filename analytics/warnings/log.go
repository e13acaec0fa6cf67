package warnings

import (
	"context"
	"encoding/json"

	"github.com/paulmach/orb"
)

// Log is the shared record of accepted readings, kept outside the process (PostgreSQL, in
// analytics/warnings/postgres) so that several servers serve one state. It replaces the local
// journal when Config.Log is set.
//
// Entries are numbered by the Seq of their reading, in commit order, without gaps: Commit holds
// the log's one write lock from before it reads the head until its transaction is committed, so
// an entry becomes visible only after every entry numbered before it. A server that has applied
// the entries up to n and asks Since(n) therefore never skips one.
type Log interface {
	// Since returns up to limit entries after seq, in order.
	Since(ctx context.Context, seq uint64, limit int) ([]Entry, error)
	// Commit runs write in one transaction that holds the write lock; write's error aborts it.
	Commit(ctx context.Context, write func(Tx) error) error
	// Changed receives a value whenever entries may have been committed, by any server (a hint:
	// Since is the truth). Nil when the log cannot notify; the service then polls.
	Changed() <-chan struct{}
	Close()
}

// Tx is a Log transaction holding the write lock.
type Tx interface {
	Since(ctx context.Context, seq uint64, limit int) ([]Entry, error)
	Append(ctx context.Context, entries []Entry) error
}

// Entry is one accepted reading and, when it changed a station's warning, the version it issued
// (encoded by the service; the log stores it as it is).
type Entry struct {
	Reading Reading
	Warning *Version
}

// Version is a warning version as the log stores it.
type Version struct {
	ID, Identifier string
	Doc            []byte // JSON
}

// encodeVersion turns a warning version into its stored form: the served JSON plus the category
// level and the area ring.
func encodeVersion(w *Warning) (*Version, error) {
	rec := warningRecord{Warning: *w, Cat: w.Category}
	rec.previous = nil
	for _, p := range w.Area {
		rec.Ring = append(rec.Ring, [2]float64{p[0], p[1]})
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	return &Version{ID: w.ID, Identifier: w.Identifier, Doc: b}, nil
}

func decodeVersion(v *Version) (*Warning, error) {
	var rec warningRecord
	if err := json.Unmarshal(v.Doc, &rec); err != nil {
		return nil, err
	}
	w := rec.Warning
	w.Category = rec.Cat
	w.Area = nil
	for _, p := range rec.Ring {
		w.Area = append(w.Area, orb.Point{p[0], p[1]})
	}
	return &w, nil
}
