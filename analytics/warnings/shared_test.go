package warnings

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
)

// memLog is a Log in memory, as the PostgreSQL one behaves: one write lock, entries visible at
// commit, a unique key per station and time (but for replacements, each of a different seq), a notification per commit to every follower.
type memLog struct {
	write   sync.Mutex
	mu      sync.Mutex
	entries []Entry
	keys    map[string]bool
	subs    []chan struct{}
	down    bool
}

func newMemLog() *memLog { return &memLog{keys: map[string]bool{}} }

func (m *memLog) Since(_ context.Context, seq uint64, limit int) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return nil, errors.New("connection refused")
	}
	var out []Entry
	for _, e := range m.entries {
		if e.Reading.Seq > seq && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

type memTx struct {
	m       *memLog
	pending []Entry
}

func (t *memTx) Since(ctx context.Context, seq uint64, limit int) ([]Entry, error) {
	return t.m.Since(ctx, seq, limit)
}

func (t *memTx) Append(_ context.Context, entries []Entry) error {
	t.pending = append(t.pending, entries...)
	return nil
}

func (m *memLog) Commit(ctx context.Context, write func(Tx) error) error {
	m.write.Lock()
	defer m.write.Unlock()
	tx := &memTx{m: m}
	if err := write(tx); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errors.New("connection refused")
	}
	for _, e := range tx.pending {
		k := e.Reading.key() // unique among the first readings of a time; a replacement names the seq it replaces, once
		if e.Reading.Supersedes != 0 {
			k = fmt.Sprint("supersedes ", e.Reading.Supersedes)
		}
		if m.keys[k] || (len(m.entries) > 0 && e.Reading.Seq <= m.entries[len(m.entries)-1].Reading.Seq) {
			return fmt.Errorf("unique violation at %d", e.Reading.Seq)
		}
		m.keys[k] = true
		m.entries = append(m.entries, e)
	}
	for _, c := range m.subs {
		select {
		case c <- struct{}{}:
		default:
		}
	}
	return nil
}

func (m *memLog) Changed() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := make(chan struct{}, 1)
	m.subs = append(m.subs, c)
	return c
}

func (m *memLog) Close() {}

func sharedService(t *testing.T, log Log, clock func() time.Time) (*Service, *indexes.Served) {
	t.Helper()
	cur := indexes.NewServed(fixture())
	cfg := DefaultConfig("")
	cfg.Log, cfg.Poll = log, time.Hour // notifications only: the test waits for them
	s, err := newWithClock(cfg, cur, nil, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, cur
}

// waitSeq waits until s has applied the log up to seq.
func waitSeq(t *testing.T, s *Service, seq uint64) {
	t.Helper()
	for range 500 {
		s.mu.Lock()
		n := s.seq
		s.mu.Unlock()
		if n >= seq {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("the service did not apply the log up to %d", seq)
}

// TestSharedLogOneState: two servers over one log serve the same warnings, CAP messages and
// event ids whichever accepted the readings, apply the duplicate and conflict rules across each
// other, and a third started later replays the same state and the events for Last-Event-ID.
func TestSharedLogOneState(t *testing.T) {
	log := newMemLog()
	a, _ := sharedService(t, log, func() time.Time { return t0.Add(48 * time.Hour) })
	b, servedB := sharedService(t, log, func() time.Time { return t0.Add(50 * time.Hour) }) // a clock 2 h ahead
	area := Area{Bound: orb.Bound{Min: orb.Point{68, 25}, Max: orb.Point{69.5, 28}}}
	subB, _ := b.Subscribe(area, nil)

	ra, err := a.Submit([]Reading{reading("SKR", 1, 580000), reading("NSR", 1, 100)})
	if err != nil || ra[0].Seq != 1 || ra[1].Seq != 2 {
		t.Fatalf("submit on a: %v %+v", err, ra)
	}
	rb, err := b.Submit([]Reading{reading("SKR", 2, 700000)}) // b catches up under the write lock first
	if err != nil || rb[0].Seq != 3 {
		t.Fatalf("submit on b: %v %+v", err, rb)
	}
	if r, err := b.Submit([]Reading{reading("SKR", 1, 580000)}); err != nil || !r[0].Duplicate || r[0].Seq != 1 {
		t.Errorf("a reading accepted by a, sent again to b: %v %+v", err, r)
	}
	if _, err := b.Submit([]Reading{reading("SKR", 1, 1)}); data.KindOf(err) != data.KindConflict {
		t.Errorf("a conflicting reading on b: %v", err)
	}
	waitSeq(t, a, 3)
	for i, ev := range []struct {
		id  uint64
		typ string
	}{{1, "enter"}, {3, "update"}} {
		select {
		case got := <-subB.C:
			if got.ID != ev.id || got.Type != ev.typ {
				t.Errorf("event %d at b: %d %s, want %d %s", i, got.ID, got.Type, ev.id, ev.typ)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("event %d did not arrive at b", i)
		}
	}
	want := sameState(t, a, b)
	if want[0].Sent != t0.Add(50*time.Hour) || want[0].Identifier != "PK-INDUS-SKR-1.2" {
		t.Errorf("the Update: sent %s identifier %s; want b's clock and the seq of the Alert", want[0].Sent, want[0].Identifier)
	}
	if l, _ := servedB.Load().Layer(LayerID); l.Len() != 1 {
		t.Errorf("b's warnings layer has %d features", l.Len())
	}

	c, _ := sharedService(t, log, time.Now) // started later: replays the log
	sameState(t, a, c)
	last := uint64(1)
	_, backlog := c.Subscribe(area, &last)
	if len(backlog) != 1 || backlog[0].ID != 3 || backlog[0].Type != "update" {
		t.Errorf("resume at a server started later: %+v", backlog)
	}
	ahead := uint64(3) // read from another server; this one has not applied 3 yet is fine too
	sub, backlog := c.Subscribe(area, &ahead)
	if len(backlog) != 0 || sub.after != 3 {
		t.Errorf("resume at the head: %+v after %d", backlog, sub.after)
	}
}

// sameState checks that two servers list the same warnings with the same CAP bytes.
func sameState(t *testing.T, a, b *Service) []*Warning {
	t.Helper()
	wa, wb := a.List("", nil), b.List("", nil)
	if len(wa) != len(wb) || len(wa) == 0 {
		t.Fatalf("%d and %d warnings", len(wa), len(wb))
	}
	for i := range wa {
		ca, _ := a.CAP(wa[i])
		cb, _ := b.CAP(wb[i])
		if wa[i].Identifier != wb[i].Identifier || !wa[i].Sent.Equal(wb[i].Sent) || string(ca) != string(cb) {
			t.Errorf("warning %d: %s sent %s vs %s sent %s", i, wa[i].Identifier, wa[i].Sent, wb[i].Identifier, wb[i].Sent)
		}
	}
	return wa
}

// TestSharedLogDown: when the log cannot be reached, a submission fails as unavailable (503)
// and changes nothing; bad input is still refused as bad input.
func TestSharedLogDown(t *testing.T) {
	log := newMemLog()
	s, _ := sharedService(t, log, func() time.Time { return t0.Add(48 * time.Hour) })
	log.mu.Lock()
	log.down = true
	log.mu.Unlock()
	if _, err := s.Submit([]Reading{reading("SKR", 1, 580000)}); data.KindOf(err) != data.KindUnavailable {
		t.Fatalf("log down: %v", err)
	}
	if _, err := s.Submit([]Reading{reading("XXX", 1, 580000)}); data.KindOf(err) != data.KindNotFound {
		t.Fatalf("unknown station, log down: %v", err)
	}
	log.mu.Lock()
	log.down = false
	log.mu.Unlock()
	if r, err := s.Submit([]Reading{reading("SKR", 1, 580000)}); err != nil || r[0].Seq != 1 || len(s.List("active", nil)) != 1 {
		t.Fatalf("log back: %v %+v", err, r)
	}
}

// TestJournalReplayKeepsHistory: after a restart on the journal, a subscriber resuming with a
// Last-Event-ID from before it gets the events it missed.
func TestJournalReplayKeepsHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	s, _, _ := newService(t, path)
	s.Submit([]Reading{reading("SKR", 1, 580000)})
	s.Submit([]Reading{reading("SKR", 2, 700000)})
	s.Close()
	s2, _, _ := newService(t, path)
	last := uint64(1)
	_, backlog := s2.Subscribe(Area{Bound: orb.Bound{Min: orb.Point{68, 25}, Max: orb.Point{69.5, 28}}}, &last)
	if len(backlog) != 1 || backlog[0].ID != 2 || backlog[0].Type != "update" {
		t.Fatalf("backlog after a restart: %+v", backlog)
	}
}
