package postgres

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cpec-digital/indus/analytics/warnings"
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/fault"
	"github.com/cpec-digital/indus/data/postgres"
	"github.com/cpec-digital/indus/data/postgres/pgtest"
)

var t0 = time.Date(2022, 8, 25, 6, 0, 0, 0, time.UTC)

func entry(seq uint64, station string, h int, version string) warnings.Entry {
	e := warnings.Entry{Reading: warnings.Reading{Station: station, Observed: t0.Add(time.Duration(h) * time.Hour),
		DischargeCusecs: 580000.5, Received: t0.Add(48 * time.Hour), Seq: seq}}
	if version != "" {
		e.Warning = &warnings.Version{ID: "PK-INDUS-" + station + "-1", Identifier: version, Doc: []byte(`{"id":"` + version + `","ring":[[68.1,25.25]]}`)}
	}
	return e
}

// head appends entries after the head of the log, as the service does: read under the lock,
// then append.
func head(ctx context.Context, l *Log, make func(last uint64) []warnings.Entry) error {
	return l.Commit(ctx, func(tx warnings.Tx) error {
		var last uint64
		for {
			es, err := tx.Since(ctx, last, 100)
			if err != nil {
				return err
			}
			if len(es) == 0 {
				break
			}
			last = es[len(es)-1].Reading.Seq
		}
		return tx.Append(ctx, make(last))
	})
}

func TestLog(t *testing.T) {
	pg := pgtest.Require(t)
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	a, err := Open(ctx, pg.URL(), log)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, pg.URL(), log) // a second server; the tables exist already
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	drain(b.Changed())

	if err := head(ctx, a, func(uint64) []warnings.Entry {
		return []warnings.Entry{entry(1, "SKR", 1, "PK-INDUS-SKR-1.1"), entry(2, "NSR", 1, "")}
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.Changed():
	case <-time.After(5 * time.Second):
		t.Fatal("no notification at the other server")
	}
	got, err := b.Since(ctx, 0, 10)
	if err != nil || len(got) != 2 {
		t.Fatalf("since 0: %v %+v", err, got)
	}
	want := entry(1, "SKR", 1, "PK-INDUS-SKR-1.1")
	r := got[0].Reading
	if r.Seq != 1 || !r.Observed.Equal(want.Reading.Observed) || r.DischargeCusecs != 580000.5 || !r.Received.Equal(want.Reading.Received) ||
		got[0].Warning == nil || got[0].Warning.Identifier != "PK-INDUS-SKR-1.1" || !strings.Contains(string(got[0].Warning.Doc), "68.1") ||
		got[1].Warning != nil || got[1].Reading.Station != "NSR" {
		t.Errorf("entries read back: %+v %+v", got[0], got[1])
	}

	// the same station and time again: a conflict, and nothing of the transaction is stored
	err = head(ctx, a, func(uint64) []warnings.Entry {
		return []warnings.Entry{entry(3, "KTR", 1, ""), entry(4, "SKR", 1, "")}
	})
	if fault.KindOf(err) != fault.KindConflict {
		t.Fatalf("a second reading of SKR at the same time: %v", err)
	}
	if es, _ := a.Since(ctx, 2, 10); len(es) != 0 {
		t.Errorf("a failed commit left %+v", es)
	}
	// a reading replacing one of the same station and time names it, and replaces it once; the
	// replacement reads back with the seq it replaces
	replace := func(seq, of uint64) warnings.Entry {
		e := entry(seq, "SKR", 1, "")
		e.Reading.Supersedes, e.Reading.DischargeCusecs = of, 900000
		return e
	}
	if err := head(ctx, a, func(uint64) []warnings.Entry { return []warnings.Entry{replace(3, 1)} }); err != nil {
		t.Fatalf("a replacement: %v", err)
	}
	if es, err := b.Since(ctx, 2, 10); err != nil || len(es) != 1 || es[0].Reading.Supersedes != 1 || es[0].Reading.DischargeCusecs != 900000 {
		t.Fatalf("the replacement read back: %v %+v", err, es)
	}
	for _, e := range []warnings.Entry{replace(4, 1), entry(4, "SKR", 1, "")} {
		if err := head(ctx, a, func(uint64) []warnings.Entry { return []warnings.Entry{e} }); data.KindOf(err) != data.KindConflict {
			t.Errorf("%+v after the replacement: %v", e.Reading, err)
		}
	}
	if es, _ := a.Since(ctx, 3, 10); len(es) != 0 {
		t.Errorf("a failed commit left %+v", es)
	}
	// an error of the writer aborts the transaction
	boom := errors.New("boom")
	if err := a.Commit(ctx, func(tx warnings.Tx) error {
		tx.Append(ctx, []warnings.Entry{entry(4, "KTR", 1, "")})
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("writer error: %v", err)
	}
	if es, _ := a.Since(ctx, 3, 10); len(es) != 0 {
		t.Errorf("an aborted commit left %+v", es)
	}
}

// TestLogWritersInOrder: servers committing at once each append after the head they read; the
// write lock makes every commit succeed and the seqs contiguous.
func TestLogWritersInOrder(t *testing.T) {
	pg := pgtest.Require(t)
	ctx := context.Background()
	var logs []*Log
	for range 3 {
		l, err := Open(ctx, pg.URL(), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		logs = append(logs, l)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				errs <- head(ctx, logs[w%3], func(last uint64) []warnings.Entry {
					return []warnings.Entry{entry(last+1, "S"+string(rune('A'+w)), i, "")}
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	es, err := logs[0].Since(ctx, 0, 1000)
	if err != nil || len(es) != 60 {
		t.Fatalf("%d entries, %v", len(es), err)
	}
	for i, e := range es {
		if e.Reading.Seq != uint64(i+1) {
			t.Fatalf("entry %d has seq %d", i, e.Reading.Seq)
		}
	}
}

// TestOpenUnreachable: a database that does not answer is a clear error at start, without the
// password.
func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := Open(ctx, "postgres://indus:s3cret@127.0.0.1:1/indus?sslmode=disable", slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "unreachable") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error: %v", err)
	}
}

func drain(c <-chan struct{}) {
	for {
		select {
		case <-c:
		case <-time.After(200 * time.Millisecond):
			return
		}
	}
}

// TestLogMigratesOldTables: tables created by a version before replacements (a plain UNIQUE
// (station, observed)) are migrated at Open, their rows kept: a replacement can then be stored.
func TestLogMigratesOldTables(t *testing.T) {
	pg := pgtest.Require(t)
	ctx := context.Background()
	pool, err := postgres.Connect(ctx, pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `CREATE TABLE indus_readings (seq bigint PRIMARY KEY CHECK (seq > 0), station text NOT NULL,
		observed timestamptz NOT NULL, received timestamptz NOT NULL, reading jsonb NOT NULL, UNIQUE (station, observed));
		INSERT INTO indus_readings VALUES (1, 'SKR', '2022-08-25T07:00:00Z', '2022-08-27T06:00:00Z', '{"station":"SKR","observed":"2022-08-25T07:00:00Z","discharge_cusecs":1}')`); err != nil {
		t.Fatal(err)
	}
	l, err := Open(ctx, pg.URL(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	e := entry(2, "SKR", 1, "")
	e.Reading.Supersedes = 1
	if err := head(ctx, l, func(uint64) []warnings.Entry { return []warnings.Entry{e} }); err != nil {
		t.Fatalf("a replacement after the migration: %v", err)
	}
	if err := head(ctx, l, func(uint64) []warnings.Entry { return []warnings.Entry{entry(3, "SKR", 1, "")} }); data.KindOf(err) != data.KindConflict {
		t.Fatalf("a second first reading after the migration: %v", err)
	}
	if es, err := l.Since(ctx, 0, 10); err != nil || len(es) != 2 || es[1].Reading.Supersedes != 1 {
		t.Fatalf("entries: %v %+v", err, es)
	}
}
