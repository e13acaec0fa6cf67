// Package postgres keeps the flood warnings' shared log in PostgreSQL (warnings.Log): the
// accepted readings and the warning versions they issued, numbered in commit order, with
// LISTEN/NOTIFY telling every server of new entries. Several Indus servers over one database
// serve one warning state.
//
// Tables (created at Open when missing):
//
//	indus_readings          seq bigint PK, station, observed timestamptz, received, reading jsonb; UNIQUE (station, observed)
//	indus_warning_versions  seq bigint PK → indus_readings, warning_id, identifier UNIQUE, version jsonb
//
// Writers serialize on one transaction-scoped advisory lock, so seqs are committed in order and
// without gaps; each commit sends NOTIFY indus_warnings with its last seq.
package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cpec-digital/indus/analytics/warnings"
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/postgres"
)

// Channel is the NOTIFY channel of new entries.
const Channel = "indus_warnings"

// writeLock is the advisory lock key of the log's writers.
const writeLock int64 = 0x696e647573_01 // "indus" 1

const schema = `
CREATE TABLE IF NOT EXISTS indus_readings (
	seq      bigint PRIMARY KEY CHECK (seq > 0),
	station  text NOT NULL,
	observed timestamptz NOT NULL,
	received timestamptz NOT NULL,
	reading  jsonb NOT NULL,
	UNIQUE (station, observed)
);
CREATE TABLE IF NOT EXISTS indus_warning_versions (
	seq        bigint PRIMARY KEY REFERENCES indus_readings (seq),
	warning_id text NOT NULL,
	identifier text NOT NULL UNIQUE,
	version    jsonb NOT NULL
);`

// Log is warnings.Log over a PostgreSQL database.
type Log struct {
	pool   *pgxpool.Pool
	listen *postgres.Listener
}

// Open connects to the database at url (postgres://… or key=value), creates the tables when
// missing and starts listening for new entries. It fails when the database cannot be reached
// before ctx ends.
func Open(ctx context.Context, url string, log *slog.Logger) (*Log, error) {
	pool, err := postgres.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := postgres.Migrate(ctx, pool, schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("state database %s: creating the warnings tables: %w", postgres.Redact(url), err)
	}
	return &Log{pool: pool, listen: postgres.Listen(pool, Channel, log)}, nil
}

// Close stops listening and closes the connections.
func (l *Log) Close() {
	l.listen.Close()
	l.pool.Close()
}

// Changed receives a value after any server commits entries (and after each reconnection of
// the listener, since notifications sent meanwhile are lost).
func (l *Log) Changed() <-chan struct{} { return l.listen.Changed() }

// Since returns up to limit entries after seq, in order.
func (l *Log) Since(ctx context.Context, seq uint64, limit int) ([]warnings.Entry, error) {
	return since(ctx, l.pool, seq, limit)
}

// Commit runs write in a transaction holding the write lock.
func (l *Log) Commit(ctx context.Context, write func(warnings.Tx) error) error {
	return pgx.BeginFunc(ctx, l.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", writeLock); err != nil {
			return err
		}
		return write(txn{tx})
	})
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func since(ctx context.Context, q querier, seq uint64, limit int) ([]warnings.Entry, error) {
	rows, err := q.Query(ctx, `SELECT r.seq, r.reading, v.warning_id, v.identifier, v.version
		FROM indus_readings r LEFT JOIN indus_warning_versions v ON v.seq = r.seq
		WHERE r.seq > $1 ORDER BY r.seq LIMIT $2`, int64(seq), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []warnings.Entry
	for rows.Next() {
		var n int64
		var reading, version []byte
		var id, identifier *string
		if err := rows.Scan(&n, &reading, &id, &identifier, &version); err != nil {
			return nil, err
		}
		var e warnings.Entry
		if err := json.Unmarshal(reading, &e.Reading); err != nil {
			return nil, fmt.Errorf("reading %d: %w", n, err)
		}
		e.Reading.Seq = uint64(n)
		if id != nil {
			e.Warning = &warnings.Version{ID: *id, Identifier: *identifier, Doc: version}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

type txn struct{ tx pgx.Tx }

func (t txn) Since(ctx context.Context, seq uint64, limit int) ([]warnings.Entry, error) {
	return since(ctx, t.tx, seq, limit)
}

// Append inserts entries and notifies the other servers (delivered at commit).
func (t txn) Append(ctx context.Context, entries []warnings.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, e := range entries {
		r := e.Reading
		doc, err := json.Marshal(r)
		if err != nil {
			return err
		}
		b.Queue(`INSERT INTO indus_readings (seq, station, observed, received, reading) VALUES ($1, $2, $3, $4, $5)`,
			int64(r.Seq), r.Station, r.Observed, r.Received, doc)
		if v := e.Warning; v != nil {
			b.Queue(`INSERT INTO indus_warning_versions (seq, warning_id, identifier, version) VALUES ($1, $2, $3, $4)`,
				int64(r.Seq), v.ID, v.Identifier, v.Doc)
		}
	}
	b.Queue(`SELECT pg_notify($1, $2)`, Channel, fmt.Sprint(entries[len(entries)-1].Reading.Seq))
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		return conflict(err)
	}
	return nil
}

// conflict reports a unique violation (the same station and time to the microsecond, which the
// service's own check lets through only for times that differ by less) as a conflict.
func conflict(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return &data.Error{Kind: data.KindConflict, Msg: "reading conflicts with an accepted one",
			Detail: "a reading of that station at that time (to the microsecond) is already stored"}
	}
	return err
}
