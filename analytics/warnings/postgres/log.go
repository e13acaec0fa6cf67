// Package postgres keeps the flood warnings' shared log in PostgreSQL (warnings.Log): the
// accepted readings and the warning versions they issued, numbered in commit order, with
// LISTEN/NOTIFY telling every server of new entries. Several Indus servers over one database
// serve one warning state.
//
// Tables (created at Open when missing):
//
//	indus_readings          seq bigint PK, station, observed timestamptz, received, reading jsonb,
//	                        supersedes bigint UNIQUE → indus_readings (the reading of the same station
//	                        and time it replaced); UNIQUE (station, observed) among readings replacing none
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
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cpec-digital/indus/analytics/warnings"
	"github.com/cpec-digital/indus/data/fault"
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
	reading  jsonb NOT NULL
);
-- a reading may replace an accepted one of the same station and time (warnings.replaces): the
-- first reading of a time is unique, each replacement names the reading it replaces, once
ALTER TABLE indus_readings ADD COLUMN IF NOT EXISTS supersedes bigint UNIQUE REFERENCES indus_readings (seq);
ALTER TABLE indus_readings DROP CONSTRAINT IF EXISTS indus_readings_station_observed_key;
CREATE UNIQUE INDEX IF NOT EXISTS indus_readings_first ON indus_readings (station, observed) WHERE supersedes IS NULL;
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

// Commit runs write in one transaction holding the write lock, in two round trips: BEGIN, the
// lock and write's first read of the log go together, and the rows it appends go with COMMIT.
func (l *Log) Commit(ctx context.Context, write func(warnings.Tx) error) error {
	conn, err := l.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release() // a connection left in a transaction is closed by the pool, not reused
	t := &txn{conn: conn.Conn()}
	if err = write(t); err == nil {
		err = t.commit(ctx)
	}
	if err != nil && t.begun {
		rctx, cancel := context.WithTimeout(context.Background(), time.Second)
		t.conn.Exec(rctx, "ROLLBACK")
		cancel()
	}
	return err
}

const sinceSQL = `SELECT r.seq, r.reading, v.warning_id, v.identifier, v.version
	FROM indus_readings r LEFT JOIN indus_warning_versions v ON v.seq = r.seq
	WHERE r.seq > $1 ORDER BY r.seq LIMIT $2`

func since(ctx context.Context, pool *pgxpool.Pool, seq uint64, limit int) ([]warnings.Entry, error) {
	rows, err := pool.Query(ctx, sinceSQL, int64(seq), limit)
	if err != nil {
		return nil, err
	}
	return scan(rows)
}

func scan(rows pgx.Rows) ([]warnings.Entry, error) {
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

// txn is a transaction begun with its first read and committed with its appended rows.
type txn struct {
	conn  *pgx.Conn
	begun bool
	batch pgx.Batch // appended rows and the notification, sent with COMMIT
}

// begin queues BEGIN and the write lock unless the transaction has begun.
func (t *txn) begin(b *pgx.Batch) {
	if !t.begun {
		b.Queue("BEGIN")
		b.Queue("SELECT pg_advisory_xact_lock($1)", writeLock)
		t.begun = true
	}
}

// Since reads the log inside the transaction (the first read begins it and takes the lock).
func (t *txn) Since(ctx context.Context, seq uint64, limit int) ([]warnings.Entry, error) {
	var b pgx.Batch
	t.begin(&b)
	var out []warnings.Entry
	b.Queue(sinceSQL, int64(seq), limit).Query(func(rows pgx.Rows) error {
		var err error
		out, err = scan(rows)
		return err
	})
	err := t.conn.SendBatch(ctx, &b).Close()
	return out, err
}

// Append queues entries and a notification of the other servers (delivered at commit).
func (t *txn) Append(ctx context.Context, entries []warnings.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	for _, e := range entries {
		r := e.Reading
		doc, err := json.Marshal(r)
		if err != nil {
			return err
		}
		var supersedes *int64
		if r.Supersedes != 0 {
			n := int64(r.Supersedes)
			supersedes = &n
		}
		t.batch.Queue(`INSERT INTO indus_readings (seq, station, observed, received, reading, supersedes) VALUES ($1, $2, $3, $4, $5, $6)`,
			int64(r.Seq), r.Station, r.Observed, r.Received, doc, supersedes)
		if v := e.Warning; v != nil {
			t.batch.Queue(`INSERT INTO indus_warning_versions (seq, warning_id, identifier, version) VALUES ($1, $2, $3, $4)`,
				int64(r.Seq), v.ID, v.Identifier, v.Doc)
		}
	}
	t.batch.Queue(`SELECT pg_notify($1, $2)`, Channel, fmt.Sprint(entries[len(entries)-1].Reading.Seq))
	return nil
}

// commit sends the appended rows and COMMIT.
func (t *txn) commit(ctx context.Context) error {
	if !t.begun && t.batch.Len() == 0 {
		return nil
	}
	var b pgx.Batch
	t.begin(&b)
	b.QueuedQueries = append(b.QueuedQueries, t.batch.QueuedQueries...)
	b.Queue("COMMIT")
	return conflict(t.conn.SendBatch(ctx, &b).Close())
}

// conflict reports a unique violation (a first reading of the same station and time to the
// microsecond, which the service's own check lets through only for times that differ by less, or
// a second replacement of one reading) as a conflict.
func conflict(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return &fault.Error{Kind: fault.KindConflict, Msg: "reading conflicts with an accepted one",
			Detail: "a reading of that station at that time (to the microsecond) is already stored"}
	}
	return err
}
