package warnings

import (
	"maps"
	"sync"
	"time"

	"github.com/cpec-digital/indus/data"
)

// Stats are the service's counters since it started; readings replayed at start are not counted.
type Stats struct {
	Accepted   uint64               // readings stored
	Duplicates uint64               // readings resent identically: answered, not stored again
	Refused    map[data.Kind]uint64 // readings of refused batches (a batch is refused whole), by the kind of the refusal
	// Subscribers is the number of event streams open; EventsDropped counts the events not
	// delivered because a subscriber's buffer was full (that subscriber is dropped and resumes
	// with Last-Event-ID).
	Subscribers   int
	EventsDropped uint64
}

// tally counts submitted readings.
type tally struct {
	mu         sync.Mutex
	accepted   uint64
	duplicates uint64
	refused    map[data.Kind]uint64
}

// count records the outcome of submitting a batch of n readings.
func (t *tally) count(n int, results []Result, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		if t.refused == nil {
			t.refused = map[data.Kind]uint64{}
		}
		t.refused[data.KindOf(err)] += uint64(n)
		return
	}
	for _, r := range results {
		if r.Duplicate {
			t.duplicates++
		} else {
			t.accepted++
		}
	}
}

// Stats returns the counters of readings and event streams.
func (s *Service) Stats() Stats {
	s.tally.mu.Lock()
	st := Stats{Accepted: s.tally.accepted, Duplicates: s.tally.duplicates, Refused: maps.Clone(s.tally.refused)}
	s.tally.mu.Unlock()
	if st.Refused == nil {
		st.Refused = map[data.Kind]uint64{}
	}
	st.Subscribers, st.EventsDropped = s.hub.stats()
	return st
}

// stats returns the open subscriptions and the events dropped so far.
func (h *Hub) stats() (subscribers int, dropped uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs), h.lost
}

// observeSync times fn for the journal's ObserveSync hook, if any.
func observeSync(observe func(time.Duration), fn func() error) error {
	if observe == nil {
		return fn()
	}
	start := time.Now()
	err := fn()
	observe(time.Since(start))
	return err
}
