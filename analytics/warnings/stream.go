package warnings

import (
	"sync"

	"github.com/cpec-digital/indus/data/geo"
	"github.com/paulmach/orb"
)

// change is one warning transition: old is the previous active version (nil for an Alert), new
// the current version (cancelled for a Cancel).
type change struct {
	seq      uint64
	old, new *Warning
}

// Event is what a subscriber receives: enter (a warning now meets its area), update (a warning in
// its area changed), exit (a warning left its area or was cancelled), or reset (its Last-Event-ID
// is too old: the events that follow are the current state).
type Event struct {
	ID      uint64
	Type    string
	Warning *Warning
	enc     *encoded // shared by every subscriber of the same change
}

type encoded struct {
	once sync.Once
	b    []byte
}

// Encode returns render(ev.Warning), computed once per change however many subscribers receive it.
func (ev *Event) Encode(render func(*Warning) []byte) []byte {
	if ev.enc == nil {
		return render(ev.Warning)
	}
	ev.enc.once.Do(func() { ev.enc.b = render(ev.Warning) })
	return ev.enc.b
}

// Area is a subscriber's area: a bbox, or a polygon.
type Area struct {
	Bound   orb.Bound
	Polygon orb.MultiPolygon // nil: the bbox itself
}

// meets reports whether a warning polygon meets the area.
func (a *Area) meets(r orb.Ring) bool {
	shape := a.Polygon
	if shape == nil {
		shape = orb.MultiPolygon{a.Bound.ToPolygon()}
	}
	return geo.Meets(shape, r)
}

// classify turns a change into the event a subscriber of area a sees, or "".
func classify(c change, a *Area) string {
	inOld := c.old != nil && a.meets(c.old.Area)
	inNew := c.new.Status == "active" && a.meets(c.new.Area)
	switch {
	case !inOld && inNew:
		return "enter"
	case inOld && inNew:
		return "update"
	case inOld && !inNew:
		return "exit"
	}
	return ""
}

// Subscriber receives events on C until it is dropped (Done closes): because it fell more than the
// buffer behind, or the hub closed.
type Subscriber struct {
	C     chan Event
	Done  chan struct{}
	area  Area
	after uint64 // its Last-Event-ID: changes up to it were delivered (perhaps by another server)
	once  sync.Once
}

func (s *Subscriber) drop() { s.once.Do(func() { close(s.Done) }) }

// Hub fans warning changes out to subscribers. A slow subscriber never blocks the others: when its
// buffer is full it is dropped, and it can resume from its Last-Event-ID. The last History changes
// are kept for that.
type Hub struct {
	mu      sync.Mutex
	subs    map[*Subscriber]struct{}
	history []change
	dropped uint64 // seq of the newest change no longer in history
	limit   int
	buffer  int
	last    uint64 // seq of the newest reading applied, the id of snapshot events
	lost    uint64 // events not delivered: their subscriber's buffer was full
	closed  bool
}

func newHub(buffer, history int) *Hub {
	return &Hub{subs: map[*Subscriber]struct{}{}, limit: history, buffer: buffer}
}

func (h *Hub) publish(c change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.history = append(h.history, c)
	if n := len(h.history) - h.limit; n > 0 {
		h.dropped = h.history[n-1].seq
		h.history = h.history[n:]
	}
	h.last = max(h.last, c.seq)
	enc := &encoded{}
	for s := range h.subs {
		if c.seq <= s.after {
			continue // it had this event from another server before it reconnected here
		}
		t := classify(c, &s.area)
		if t == "" {
			continue
		}
		select { // an exit carries the new version: cancelled, or still active elsewhere
		case s.C <- Event{ID: c.seq, Type: t, Warning: c.new, enc: enc}:
		default:
			h.lost++
			delete(h.subs, s)
			s.drop()
		}
	}
}

// advance records that the readings up to seq are applied (snapshot events carry it as their id).
func (h *Hub) advance(seq uint64) {
	h.mu.Lock()
	h.last = max(h.last, seq)
	h.mu.Unlock()
}

// Subscribe registers a subscriber for area. With lastID (from Last-Event-ID) it first receives
// the events after lastID still in history; if some are gone, a reset and the current state; if
// lastID is ahead of this server (it was read from another replica), the events up to it are not
// sent again. A new subscriber first receives the active warnings in its area as enter events.
func (h *Hub) Subscribe(area Area, lastID *uint64, active []*Warning) (*Subscriber, []Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := &Subscriber{C: make(chan Event, h.buffer), Done: make(chan struct{}), area: area}
	if h.closed {
		s.drop()
		return s, nil
	}
	var backlog []Event
	snapshot := func() {
		for _, w := range active {
			if area.meets(w.Area) {
				backlog = append(backlog, Event{ID: h.last, Type: "enter", Warning: w})
			}
		}
	}
	switch {
	case lastID == nil:
		snapshot()
	case *lastID < h.dropped:
		backlog = append(backlog, Event{ID: h.last, Type: "reset"})
		snapshot()
	default:
		s.after = *lastID
		for _, c := range h.history {
			if c.seq <= *lastID {
				continue
			}
			if t := classify(c, &area); t != "" {
				backlog = append(backlog, Event{ID: c.seq, Type: t, Warning: c.new})
			}
		}
	}
	h.subs[s] = struct{}{}
	return s, backlog
}

// Unsubscribe removes a subscriber.
func (h *Hub) Unsubscribe(s *Subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
	s.drop()
}

// Close ends every subscription and refuses new ones.
func (h *Hub) Close() { h.close() }

func (h *Hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		s.drop()
	}
	h.subs = map[*Subscriber]struct{}{}
}

func (s *Service) activeLocked() []*Warning {
	var out []*Warning
	for _, w := range s.active {
		out = append(out, w)
	}
	return out
}

// Subscribe registers a subscriber for area (see Hub.Subscribe). The snapshot of active warnings
// and the registration happen under the service's lock, which every change also holds, so no
// change can fall between them.
func (s *Service) Subscribe(area Area, lastID *uint64) (*Subscriber, []Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hub.Subscribe(area, lastID, s.activeLocked())
}
