package warnings

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cpec-digital/indus/data"
)

// The shared mode: with Config.Log set, the state follows a log that several servers append to.
//
// A server accepting a batch takes the log's write lock, applies what other servers committed
// before (so its state is the head of the log), checks the batch against that state exactly as
// the journal mode does (duplicates, 409 conflicts), numbers the new readings after the head,
// computes the warning version each of them issues, and appends readings and versions in one
// transaction. Every server — the writer right after the commit, the others when the log
// notifies them or at the next poll — applies the entries in their order, installing the stored
// versions rather than computing them again, so all of them serve the same warnings, CAP
// identifiers, sent times and impacts, and number their events with the same reading seqs.

// Status is what /health says of the warnings: where the state is kept and the seq of the newest
// reading applied (equal on every replica that has caught up).
type Status struct {
	Store string `json:"store"` // "journal", or "shared log" (--state-db)
	Seq   uint64 `json:"seq"`
}

// Status reports the store and the newest reading applied.
func (s *Service) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Status{Store: "journal", Seq: s.seq}
	if s.cfg.Log != nil {
		st.Store = "shared log"
	}
	return st
}

// followBatch is how many entries one read of the log returns.
const followBatch = 1000

// openLog replays the shared log into the empty state (filling the event history, so that a
// subscriber resuming here with a Last-Event-ID from another server misses nothing) and starts
// following it.
func (s *Service) openLog() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := s.catchUp(ctx, s.cfg.Log.Since); err != nil {
		return fmt.Errorf("warnings: reading the shared log: %w", err)
	}
	s.stop, s.followed = make(chan struct{}), make(chan struct{})
	go s.followLog()
	return nil
}

// followLog applies what other servers commit, when the log notifies and at every poll (which
// covers notifications lost while the connection was down).
func (s *Service) followLog() {
	defer close(s.followed)
	tick := time.NewTicker(s.cfg.Poll)
	defer tick.Stop()
	changed := s.cfg.Log.Changed()
	failing := false
	for {
		select {
		case <-s.stop:
			return
		case _, ok := <-changed:
			if !ok {
				changed = nil
			}
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.LogTimeout)
		err := s.catchUp(ctx, s.cfg.Log.Since)
		cancel()
		switch {
		case err != nil && !failing:
			s.log.Error("warnings: cannot read the shared log; serving the state as it was", "err", err)
		case err == nil && failing:
			s.log.Info("warnings: shared log reachable again")
		}
		failing = err != nil
	}
}

type sinceFunc func(ctx context.Context, seq uint64, limit int) ([]Entry, error)

// catchUp applies every entry after the last one applied.
func (s *Service) catchUp(ctx context.Context, since sinceFunc) error {
	s.follow.Lock()
	defer s.follow.Unlock()
	return s.catchUpLocked(ctx, since)
}

// catchUpLocked is catchUp for a caller holding s.follow.
func (s *Service) catchUpLocked(ctx context.Context, since sinceFunc) error {
	for {
		s.mu.Lock()
		from := s.seq
		s.mu.Unlock()
		entries, err := since(ctx, from, followBatch)
		if err != nil {
			return err
		}
		if err := s.applyEntries(entries); err != nil {
			return err
		}
		if len(entries) < followBatch {
			return nil
		}
	}
}

// applyEntries applies entries of the log in order and publishes the changes they make: the
// warnings layer, tile invalidation, events. The caller holds s.follow.
func (s *Service) applyEntries(entries []Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var changed []change
	var err error
	for _, e := range entries {
		var w *Warning
		if e.Warning != nil {
			if w, err = decodeVersion(e.Warning); err != nil {
				err = fmt.Errorf("warnings: log entry %d: %w", e.Reading.Seq, err)
				break
			}
		}
		s.record(e.Reading)
		s.seq = max(s.seq, e.Reading.Seq)
		if w != nil {
			changed = append(changed, s.install(w))
		}
	}
	s.hub.advance(s.seq)
	if len(changed) > 0 {
		s.publishLocked(changed)
	}
	return err
}

// submitShared is Submit in the shared mode.
func (s *Service) submitShared(ctx context.Context, batch []Reading) ([]Result, error) {
	now := s.now().UTC()
	for i := range batch { // bad input is refused without asking the database
		r := batch[i]
		r.Observed = r.Observed.UTC()
		if err := s.validate(&r, now); err != nil {
			return nil, fmt.Errorf("reading %d: %w", i+1, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.LogTimeout)
	defer cancel()
	s.follow.Lock() // before the write lock: the local follower waits, and we apply our entries
	defer s.follow.Unlock()
	var results []Result
	var entries []Entry
	err := s.cfg.Log.Commit(ctx, func(tx Tx) error {
		if err := s.catchUpLocked(ctx, tx.Since); err != nil {
			return err
		}
		var err error
		if results, entries, err = s.prepare(batch, now); err != nil || len(entries) == 0 {
			return err
		}
		return tx.Append(ctx, entries)
	})
	if err != nil {
		return nil, unavailable(err)
	}
	if err := s.applyEntries(entries); err != nil {
		s.log.Error("warnings: applying our own entries", "err", err)
	}
	return results, nil
}

// prepare checks and numbers a batch on the state at the head of the log and makes its entries.
func (s *Service) prepare(batch []Reading, now time.Time) ([]Result, []Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	results, fresh, err := s.accept(batch, now)
	if err != nil || len(fresh) == 0 {
		return results, nil, err
	}
	entries, err := s.plan(fresh)
	return results, entries, err
}

// plan returns the entries of fresh readings: each with the warning version it issues on the
// current state followed by the readings before it, the state itself unchanged (it changes when
// the committed entries are applied). The caller holds s.mu.
func (s *Service) plan(fresh []Reading) ([]Entry, error) {
	latest := map[string]clock{}
	active := map[string]*Warning{}
	entries := make([]Entry, len(fresh))
	for i, r := range fresh {
		entries[i].Reading = r
		st := s.stations[r.Station]
		last, ok := latest[r.Station]
		if !ok {
			last, ok = s.latest[r.Station]
		}
		if ok && !governs(r, last) {
			continue // a late reading: kept, no change
		}
		latest[r.Station] = clockOf(r)
		cur, ok := active[r.Station]
		if !ok {
			cur = s.active[r.Station]
		}
		w := s.next(st, r, cur)
		if w == nil {
			continue
		}
		active[r.Station] = nil
		if w.Status == "active" {
			active[r.Station] = w
		}
		v, err := encodeVersion(w)
		if err != nil {
			return nil, err
		}
		entries[i].Warning = v
	}
	return entries, nil
}

// unavailable passes on the service's own errors (bad input, conflicts) and turns any failure of
// the log (unreachable, timed out) into a 503.
func unavailable(err error) error {
	var de *data.Error
	if errors.As(err, &de) {
		return err
	}
	return &data.Error{Kind: data.KindUnavailable, Msg: "state database unavailable",
		Detail: "the reading was not stored; send it again later", Err: err}
}
