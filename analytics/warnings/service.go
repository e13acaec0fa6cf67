package warnings

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"os"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
	"github.com/cpec-digital/indus/indexes"
)

// Config configures the warning service.
type Config struct {
	JournalPath   string        // file of accepted readings (required without Log)
	Log           Log           // shared log of readings and versions (PostgreSQL) used instead of the journal; nil: the journal
	Poll          time.Duration // with Log: read it this often even without a notification [1s]
	LogTimeout    time.Duration // with Log: a write or a read of the log fails after this (503) [5s]
	Sender        string        // CAP sender: no spaces, commas, < or & [warnings@indus.invalid]
	SenderName    string        // CAP senderName; empty: none [Indus flood warnings (Digital CPEC Platform)]
	Templates     string        // folder of the CAP text templates, one <language>.tmpl each; empty: the built-in ones
	Web           string        // CAP <web>: URL of a warning's page, {id} its CAP identifier; empty: <public URL>/warnings/{id}.json
	Contact       string        // CAP <contact>; empty: the sender
	GaugeLayer    string        // layer of stations [gauges]
	StationField  string        // station id field [station_id]
	NameField     string        // [name]
	RiverField    string        // [river]
	Thresholds    [5]string     // fields of the five thresholds [low_cusecs … exceptional_cusecs]
	DownLonField  string        // [downstream_lon]
	DownLatField  string        // [downstream_lat]
	AdminLayer    string        // province of a station [provinces]
	HazardType    string        // hazard kind whose historical layers the warning area comes from [flood]
	ReachBufferKm float64       // half-width of the reach corridor [20]
	ExpiresAfter  time.Duration // CAP expires = sent + this [24h]
	MaxFuture     time.Duration // readings observed later than now + this (clock skew) are refused [2 min]
	MaxAge        time.Duration // readings observed earlier than now − this are refused [366 days]
	MaxBatch      int           // readings in one request [1000]
	KeepReadings  int           // readings kept in memory per station for listing [10,000]
	Buffer        int           // events buffered per subscriber before it is dropped [256]
	History       int           // events kept for Last-Event-ID resume [10,000]
	CompactBytes  int64         // at start, a journal larger than this is compacted into a snapshot [64 MiB]
	FeedMax       int           // entries of the Atom feed [100]
	FeedCancelled time.Duration // a cancelled warning stays in the Atom feed this long after its Cancel [24h]
	Assessor      Assessor      // measures the exposure of each Alert and Update area; nil: warnings without impact
	VillageLayer  string        // villages listed by Villages [villages]
	FibreField    string        // boolean field of VillageLayer: on the fibre network [fibre]
	PopField      string        // people of a village, summed by Villages [population]
	// ObserveSync, when set, is told how long each fsync of the journal took (one per group
	// commit). It must be safe for concurrent use.
	ObserveSync func(time.Duration)
}

// DefaultConfig fits the Pakistan catalog.
func DefaultConfig(journal string) Config {
	return Config{JournalPath: journal, Sender: "warnings@indus.invalid", SenderName: "Indus flood warnings (Digital CPEC Platform)",
		GaugeLayer: "gauges", StationField: "station_id",
		NameField: "name", RiverField: "river",
		Thresholds:   [5]string{"low_cusecs", "medium_cusecs", "high_cusecs", "very_high_cusecs", "exceptional_cusecs"},
		DownLonField: "downstream_lon", DownLatField: "downstream_lat", AdminLayer: "provinces", HazardType: "flood",
		ReachBufferKm: 20, ExpiresAfter: 24 * time.Hour, MaxFuture: 2 * time.Minute, MaxAge: 366 * 24 * time.Hour,
		MaxBatch: 1000, KeepReadings: 10000, Buffer: 256, History: 10000, CompactBytes: 64 << 20,
		FeedMax: 100, FeedCancelled: 24 * time.Hour, VillageLayer: "villages", FibreField: "fibre", PopField: "population",
		Poll: time.Second, LogTimeout: 5 * time.Second}
}

// Invalidator drops cached tiles of a layer in an area (the tile service implements it).
type Invalidator interface {
	Invalidate(layer string, bound orb.Bound) int
}

// LayerID is the id of the live warnings layer.
const LayerID = "warnings"

// maxReachBufferKm caps the half-width of a warning's reach corridor.
const maxReachBufferKm = 50

// Service holds the warning state.
type Service struct {
	cfg     Config
	log     *slog.Logger
	served  *indexes.Served
	inval   Invalidator
	now     func() time.Time
	journal *Journal
	hub     *Hub
	texts   *Texts // CAP text templates
	tally   tally  // readings accepted, duplicated, refused

	follow   sync.Mutex    // with Log: one applier of log entries at a time (taken before mu)
	stop     chan struct{} // with Log: ends the follower
	followed chan struct{} // with Log: closed when the follower has ended

	mu       sync.Mutex
	enqueue  sync.Mutex // orders journal enqueues like acceptances (taken while holding mu)
	stations map[string]*Station
	readings map[string][]Reading // per station, in order of acceptance
	seen     map[string]Reading   // key → reading, for duplicates
	pending  map[string]Reading   // accepted but not yet journaled
	latest   map[string]clock     // state clock of the reading that set each station's state
	active   map[string]*Warning  // station → active warning
	all      map[string]*Warning  // episode id → latest version
	versions map[string][]*Warning
	order    []string
	seq      uint64
	changes  uint64
	layer    *indexes.Layer // the live warnings layer
	areas    map[areaKey]areaVal
}

// New builds the service over the served layers, replays the journal and publishes the warnings
// layer as a live layer of served. inval may be nil.
func New(cfg Config, served *indexes.Served, inval Invalidator, log *slog.Logger) (*Service, error) {
	s := &Service{cfg: cfg, log: log, served: served, inval: inval, now: time.Now, hub: newHub(cfg.Buffer, cfg.History),
		readings: map[string][]Reading{}, seen: map[string]Reading{}, pending: map[string]Reading{},
		latest: map[string]clock{}, active: map[string]*Warning{}, all: map[string]*Warning{}, versions: map[string][]*Warning{},
		areas: map[areaKey]areaVal{}}
	if err := s.initCAP(); err != nil {
		return nil, err
	}
	if err := s.loadStations(served.Load()); err != nil {
		return nil, err
	}
	if cfg.Log != nil {
		if err := s.openLog(); err != nil {
			return nil, err
		}
	} else if err := s.openJournal(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.publishLocked(nil)
	s.mu.Unlock()
	log.Info("warnings ready", "journal", cfg.JournalPath, "shared", cfg.Log != nil, "last_seq", s.seq, "active", len(s.active))
	return s, nil
}

// openJournal replays the journal (compacting it first when it is over CompactBytes) and keeps
// it open for appends.
func (s *Service) openJournal() error {
	cfg, log := s.cfg, s.log
	replayed := 0
	replay := func(b []byte) error {
		if len(b) > 0 && b[0] == '{' { // a snapshot left by a compaction
			var snap snapshot
			if err := json.Unmarshal(b, &snap); err != nil {
				return err
			}
			s.restore(snap)
			replayed += len(snap.Readings)
			return nil
		}
		var batch []Reading
		if err := json.Unmarshal(b, &batch); err != nil {
			return err
		}
		for _, r := range batch {
			if c := s.apply(r); c != nil {
				s.hub.publish(*c) // no subscribers yet: fills the history for Last-Event-ID
			}
			replayed++
		}
		return nil
	}
	j, err := OpenJournal(cfg.JournalPath, log, replay)
	if err != nil {
		return fmt.Errorf("warnings journal %s: %w", cfg.JournalPath, err)
	}
	if st, err := os.Stat(cfg.JournalPath); err == nil && cfg.CompactBytes > 0 && st.Size() > cfg.CompactBytes {
		j.Close()
		if err := compact(cfg.JournalPath, s.snapshotLocked(), st.Size()); err != nil {
			return fmt.Errorf("compacting the warnings journal: %w", err)
		}
		after, _ := os.Stat(cfg.JournalPath)
		log.Info("warnings journal compacted", "from_bytes", st.Size(), "to_bytes", after.Size())
		if j, err = OpenJournal(cfg.JournalPath, log, func([]byte) error { return nil }); err != nil {
			return err
		}
	}
	j.ObserveSync(cfg.ObserveSync)
	s.journal = j
	s.hub.advance(s.seq)
	log.Debug("warnings journal replayed", "readings", replayed)
	return nil
}

// Close stops the journal (or stops following the shared log, which its owner closes) and ends
// every subscription.
func (s *Service) Close() {
	s.hub.close()
	if s.journal != nil {
		s.journal.Close()
	}
	if s.stop != nil {
		close(s.stop)
		<-s.followed
	}
}

// Hub returns the subscription hub.
func (s *Service) Hub() *Hub { return s.hub }

func (s *Service) loadStations(set *indexes.Set) error {
	l, ok := set.Layer(s.cfg.GaugeLayer)
	if !ok {
		return fmt.Errorf("warnings: no gauge layer %q", s.cfg.GaugeLayer)
	}
	s.stations = map[string]*Station{}
	for i := range l.Len() {
		p, ok := l.Point(i)
		if !ok {
			continue
		}
		st, err := s.station(set, l, i, p)
		if err != nil {
			return err
		}
		if st.ID != "" {
			s.stations[st.ID] = st
		}
	}
	return nil
}

// station reads gauge i: its names, thresholds, downstream end and province.
func (s *Service) station(set *indexes.Set, l *indexes.Layer, i int, p orb.Point) (*Station, error) {
	str := func(name string) string {
		if k := l.Spec.FieldIndex(name); k >= 0 {
			return l.Value(i, k).Str
		}
		return ""
	}
	num := func(name string) (float64, bool) {
		k := l.Spec.FieldIndex(name)
		if k < 0 {
			return 0, false
		}
		v := l.Value(i, k)
		if v.Type != data.FieldInteger && v.Type != data.FieldNumber {
			return 0, false
		}
		return v.Float()
	}
	st := &Station{Point: p, Downstream: p, ID: str(s.cfg.StationField), Name: str(s.cfg.NameField), River: str(s.cfg.RiverField)}
	for k, name := range s.cfg.Thresholds {
		v, ok := num(name)
		if !ok {
			return nil, fmt.Errorf("warnings: station %q has no %s threshold", st.ID, name)
		}
		st.Thresholds[k] = v
	}
	if !slices.IsSorted(st.Thresholds[:]) {
		return nil, fmt.Errorf("warnings: station %q thresholds are not increasing", st.ID)
	}
	if lon, ok := num(s.cfg.DownLonField); ok {
		if lat, ok := num(s.cfg.DownLatField); ok {
			st.Downstream = orb.Point{lon, lat}
		}
	}
	if al, ok := set.Layer(s.cfg.AdminLayer); ok && al.Spec.KeyField != "" {
		key := al.Spec.FieldIndex(al.Spec.KeyField)
		al.Search(orb.Bound{Min: p, Max: p}, func(j int) bool {
			if geo.Contains(al.Geometry(j), p) {
				st.Province = al.Value(j, key).String()
				return false
			}
			return true
		})
	}
	return st, nil
}

// Result reports what happened to one submitted reading.
type Result struct {
	Seq        uint64 `json:"seq"`
	Duplicate  bool   `json:"duplicate,omitempty"`
	Supersedes uint64 `json:"supersedes,omitempty"` // the seq of the reading of the same station and time it replaced
	Category   string `json:"category"`
}

func (s *Service) validate(r *Reading, now time.Time) error {
	if _, ok := s.stations[r.Station]; !ok {
		return data.Errorf(data.KindNotFound, "unknown station %q", r.Station)
	}
	switch {
	case r.Observed.IsZero():
		return data.Invalid("reading without observed time", "station "+r.Station)
	case r.Observed.After(now.Add(s.cfg.MaxFuture)):
		return data.Invalid("reading observed in the future", fmt.Sprintf("%s is more than %s ahead of the server clock", r.Observed.Format(time.RFC3339), s.cfg.MaxFuture))
	case r.Observed.Before(now.Add(-s.cfg.MaxAge)):
		return data.Invalid("reading too old", fmt.Sprintf("%s is more than %s in the past", r.Observed.Format(time.RFC3339), s.cfg.MaxAge))
	case math.IsNaN(r.DischargeCusecs) || math.IsInf(r.DischargeCusecs, 0) || r.DischargeCusecs < 0:
		return data.Invalid("bad discharge", "discharge_cusecs must be a non-negative number")
	case r.DischargeCusecs > 1e8:
		return data.Invalid("bad discharge", "discharge_cusecs above 100,000,000 is not a river")
	case r.WaterLevelM != nil && (math.IsNaN(*r.WaterLevelM) || math.Abs(*r.WaterLevelM) > 10000):
		return data.Invalid("bad water level", "water_level_m must be a number of metres")
	case r.ForecastProbability != nil && !(*r.ForecastProbability >= 0 && *r.ForecastProbability <= 1):
		return data.Invalid("bad forecast probability", "forecast_probability must be from 0 to 1")
	}
	return nil
}

// Submit is SubmitContext without a deadline of the caller's.
func (s *Service) Submit(batch []Reading) ([]Result, error) {
	return s.SubmitContext(context.Background(), batch)
}

// SubmitContext validates, stores durably (the journal's fsync, or a commit to the shared log)
// and applies a batch of readings, atomically: if any reading is invalid, none is accepted. A
// reading identical to one already accepted is reported as a duplicate and not stored again; a
// different reading for the same station and time is a conflict. With a shared log, a log that
// cannot be reached before ctx ends or LogTimeout passes is a KindUnavailable error.
func (s *Service) SubmitContext(ctx context.Context, batch []Reading) (results []Result, err error) {
	defer func() { s.tally.count(len(batch), results, err) }()
	if len(batch) == 0 {
		return nil, data.Invalid("no readings", "send one reading or an array of them")
	}
	if len(batch) > s.cfg.MaxBatch {
		return nil, &data.Error{Kind: data.KindTooLarge, Msg: "too many readings", Detail: fmt.Sprintf("at most %d in one request", s.cfg.MaxBatch)}
	}
	if s.cfg.Log != nil {
		return s.submitShared(ctx, batch)
	}
	s.mu.Lock()
	results, fresh, err := s.accept(batch, s.now().UTC())
	if err != nil || len(fresh) == 0 {
		s.mu.Unlock()
		return results, err
	}
	for _, r := range fresh {
		s.pending[r.key()] = r
	}
	s.seq = fresh[len(fresh)-1].Seq
	if err := s.journalAndApply(fresh); err != nil {
		return nil, err
	}
	return results, nil
}

// accept checks a batch and numbers its new readings from s.seq+1 (the caller records them as
// pending or commits them); the caller holds s.mu. A reading of a station and time already
// accepted is a duplicate when identical, replaces the accepted one when replaces says so, and is
// a conflict otherwise; two readings of one batch for the same station and time must be identical.
func (s *Service) accept(batch []Reading, now time.Time) ([]Result, []Reading, error) {
	results := make([]Result, len(batch))
	first := map[string]int{} // key → the batch's first reading of it
	var fresh []Reading
	seq := s.seq
	for i := range batch {
		r := &batch[i]
		r.Observed = r.Observed.UTC()
		if err := s.validate(r, now); err != nil {
			return nil, nil, fmt.Errorf("reading %d: %w", i+1, err)
		}
		k := r.key()
		if j, ok := first[k]; ok { // a repeat within the batch: the seq its first was given
			if !batch[j].same(r) {
				return nil, nil, &data.Error{Kind: data.KindConflict, Msg: fmt.Sprintf("reading %d conflicts with reading %d of the batch", i+1, j+1),
					Detail: fmt.Sprintf("two different readings of station %s at %s", r.Station, r.Observed.Format(time.RFC3339Nano))}
			}
			results[i] = Result{Seq: results[j].Seq, Duplicate: true, Category: results[j].Category}
			continue
		}
		first[k] = i
		old, dup := s.seen[k]
		if !dup {
			old, dup = s.pending[k]
		}
		cat := s.stations[r.Station].Category
		switch replace := dup && replaces(r, &old, now, s.cfg.MaxFuture); {
		case dup && !replace && old.same(r):
			results[i] = Result{Seq: old.Seq, Duplicate: true, Category: cat(old.DischargeCusecs).String()}
			continue
		case dup && !replace:
			return nil, nil, &data.Error{Kind: data.KindConflict, Msg: fmt.Sprintf("reading %d conflicts with an accepted one", i+1),
				Detail: fmt.Sprintf("station %s at %s already has %.0f cusecs; only a more severe reading replaces it", r.Station, r.Observed.Format(time.RFC3339Nano), old.DischargeCusecs)}
		}
		seq++
		f := *r
		f.Seq, f.Received, f.Supersedes = seq, now, 0
		if dup {
			f.Supersedes = old.Seq
		}
		fresh = append(fresh, f)
		results[i] = Result{Seq: f.Seq, Supersedes: f.Supersedes, Category: cat(f.DischargeCusecs).String()}
	}
	return results, fresh, nil
}

// journalAndApply queues the batch before letting go of s.mu (held by the caller), so that
// journal order is acceptance order; the journal writer applies it right after its fsync, in
// journal order, which is the order a replay will apply it in. (The enqueue lock keeps the order
// without holding s.mu while the queue is full; the writer takes s.mu to apply.)
func (s *Service) journalAndApply(fresh []Reading) error {
	s.enqueue.Lock()
	s.mu.Unlock()
	payload, _ := json.Marshal(fresh)
	wait, err := s.journal.Enqueue(payload, func() { s.applyBatch(fresh) })
	s.enqueue.Unlock()
	if err == nil {
		err = wait()
	}
	if err != nil {
		s.mu.Lock()
		s.unpend(fresh)
		s.mu.Unlock()
		return &data.Error{Kind: data.KindInternal, Msg: "journal write failed", Err: err}
	}
	return nil
}

// applyBatch applies journaled readings and publishes the changes they make.
func (s *Service) applyBatch(fresh []Reading) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unpend(fresh)
	var changed []change
	for _, r := range fresh {
		if c := s.apply(r); c != nil {
			changed = append(changed, *c)
		}
	}
	if len(changed) > 0 {
		s.publishLocked(changed)
	}
}

// unpend forgets readings as pending, unless a later reading of the same station and time (one
// replacing it, accepted meanwhile) is pending in its place; the caller holds s.mu.
func (s *Service) unpend(rs []Reading) {
	for _, r := range rs {
		if p, ok := s.pending[r.key()]; ok && p.Seq == r.Seq {
			delete(s.pending, r.key())
		}
	}
}

// apply records a reading and moves the station's warning state; it returns the change, if any.
// The caller holds s.mu (or is the single-threaded replay).
func (s *Service) apply(r Reading) *change {
	st := s.stations[r.Station]
	if st == nil || !s.record(r) {
		return nil // a station removed from the catalog since the reading was journaled, or not newer
	}
	w := s.next(st, r, s.active[r.Station])
	if w == nil {
		return nil
	}
	c := s.install(w)
	return &c
}

// next is the version a station's newest reading issues when its active warning is cur, or nil
// when the reading leaves the category as it is.
func (s *Service) next(st *Station, r Reading, cur *Warning) *Warning {
	cat := st.Category(r.DischargeCusecs)
	curCat := Normal
	if cur != nil {
		curCat = cur.Category
	}
	if cat == curCat {
		return nil
	}
	return s.version(st, r, cat, cur)
}

// record keeps a reading (the newest KeepReadings of its station) and reports whether it governs
// the station's state (see governs), which alone moves the warning state.
func (s *Service) record(r Reading) bool {
	if r.Seq > s.seq {
		s.seq = r.Seq
	}
	k := r.key()
	if old, dup := s.seen[k]; dup && (r.Supersedes == 0 || old.Seq >= r.Seq) {
		return false // applied already
	}
	s.seen[k] = r // a reading replacing another takes its place
	rs := append(s.readings[r.Station], r)
	if len(rs) > s.cfg.KeepReadings {
		rs = rs[len(rs)-s.cfg.KeepReadings:]
	}
	s.readings[r.Station] = rs
	last, ok := s.latest[r.Station]
	if ok && !governs(r, last) {
		return false // a late reading: kept, but the state follows the newest observation
	}
	s.latest[r.Station] = clockOf(r)
	return true
}

// version makes the next version of a station's warning for a new category: an Alert when none
// is active, a Cancel when the river is back to Normal, an Update otherwise.
func (s *Service) version(st *Station, r Reading, cat Category, cur *Warning) *Warning {
	w := &Warning{Station: st.ID, StationName: st.Name, River: st.River, Province: st.Province, Category: cat,
		CategoryName: cat.String(), Severity: cat.Severity(), Certainty: certainty(&r), Reading: r,
		Sent: r.Received.UTC().Truncate(time.Second)}
	w.Expires = w.Sent.Add(s.cfg.ExpiresAfter)
	switch {
	case cur == nil:
		w.ID = fmt.Sprintf("PK-INDUS-%s-%d", st.ID, r.Seq)
		w.Version, w.MsgType, w.Status = 1, "Alert", "active"
	case cat == Normal:
		w.ID, w.Version, w.MsgType, w.Status = cur.ID, cur.Version+1, "Cancel", "cancelled"
		w.Severity, w.Certainty = "Minor", "Observed"
	default:
		w.ID, w.Version, w.MsgType, w.Status = cur.ID, cur.Version+1, "Update", "active"
	}
	if cur != nil {
		w.References = []string{reference(s.cfg.Sender, cur)}
		w.previous = cur
	}
	w.Identifier = fmt.Sprintf("%s.%d", w.ID, w.Version)
	if cat == Normal {
		w.ReturnPeriod, w.Area, w.AreaDesc = cur.ReturnPeriod, cur.Area, cur.AreaDesc
	} else {
		w.ReturnPeriod = cat.ReturnPeriod()
		w.Area, w.AreaDesc = s.areaOf(st, w.ReturnPeriod)
		w.Impact = s.impact(st.ID, w.Area) // at apply time, so that a replay computes the same
	}
	w.Headline = s.texts.headline(w)
	return w
}

// publishLocked installs the warnings layer, invalidates the tiles the changes touch and notifies
// subscribers.
func (s *Service) publishLocked(changed []change) {
	spec := layerSpec()
	var ids []string
	for id := range s.active {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var feats []data.Feature
	for _, id := range ids {
		w := s.active[id]
		feats = append(feats, data.Feature{ID: w.Reading.Seq, Geometry: w.polygon(), Properties: w.properties()})
	}
	s.layer = indexes.NewLayer(data.NewLayer(spec, feats))
	s.served.SetLive(s.layer)
	for _, c := range changed {
		if s.inval != nil {
			b := c.new.Area.Bound()
			if c.old != nil {
				b = b.Union(c.old.Area.Bound())
			}
			s.inval.Invalidate(LayerID, b)
		}
		s.hub.publish(c)
	}
}

func (w *Warning) properties() map[string]any {
	p := map[string]any{"warning_id": w.ID, "identifier": w.Identifier, "station_id": w.Station, "station": w.StationName,
		"river": w.River, "category": w.CategoryName, "severity": w.Severity, "msg_type": w.MsgType, "status": w.Status,
		"sent": capTime(w.Sent), "discharge_cusecs": w.Reading.DischargeCusecs, "return_period": int64(w.ReturnPeriod),
		"province": w.Province, "headline": w.Headline}
	w.Impact.properties(p)
	return p
}

// areaOf is area, computed once per station, return period and data version (the caller holds
// s.mu).
func (s *Service) areaOf(st *Station, rp int) (orb.Ring, string) {
	k := areaKey{st.ID, rp, s.served.Load().Dataset.Version}
	for old := range s.areas {
		if old.data != k.data {
			clear(s.areas) // a reload: the areas of the old data are not needed again
		}
		break
	}
	a, ok := s.areas[k]
	if !ok {
		a.ring, a.desc = s.area(st, rp)
		s.areas[k] = a
	}
	return a.ring, a.desc
}

type areaKey struct {
	station string
	rp      int
	data    string
}

type areaVal struct {
	ring orb.Ring
	desc string
}

// area draws the warning area: the flood zones of the return period the category matches (of a
// public layer: one restricted to some groups is ignored, as if absent), within ReachBufferKm of
// the reach from the station to its downstream end, as their convex hull with the station; when
// no zone lies in the reach, the reach corridor's hull.
func (s *Service) area(st *Station, rp int) (orb.Ring, string) {
	set := s.served.Load()
	reach := orb.LineString{st.Point, st.Downstream}
	if st.Point == st.Downstream {
		reach = orb.LineString{st.Point, {st.Point[0] + 0.01, st.Point[1]}}
	}
	// The corridor follows the straight reach; rivers meander, so it widens with the reach's
	// length (a quarter of it, at least ReachBufferKm) to take in the river's bends.
	width := math.Max(s.cfg.ReachBufferKm, 0.25*geo.LengthKm(reach))
	width = math.Min(width, maxReachBufferKm)
	corridor, err := geo.Buffer(reach, width*1000)
	if err != nil || len(corridor) == 0 {
		c := st.Point
		d := s.cfg.ReachBufferKm / 111
		return orb.Ring{{c[0] - d, c[1] - d}, {c[0] + d, c[1] - d}, {c[0] + d, c[1] + d}, {c[0] - d, c[1] + d}, {c[0] - d, c[1] - d}}, st.Name
	}
	pts := []orb.Point{st.Point}
	var hazard *indexes.Layer
	for _, l := range set.Visible(nil) { // warnings are public: a restricted layer never feeds them
		if h := l.Spec.Hazard; h != nil && h.Kind == s.cfg.HazardType && h.Historical() && h.ReturnPeriod() == float64(rp) {
			hazard = l
		}
	}
	if hazard != nil {
		cb := corridor.Bound()
		hazard.Search(cb, func(i int) bool {
			if in, err := geo.Intersection(hazard.Geometry(i), corridor); err == nil {
				geo.EachPoint(in, func(p orb.Point) bool { pts = append(pts, p); return true })
			}
			return true
		})
	}
	if len(pts) < 3 {
		for _, p := range corridor {
			pts = append(pts, p[0]...)
		}
	}
	desc := fmt.Sprintf("%s river from %s, %.0f km either side of the reach, %d-year flood zones", st.River, st.Name, width, rp)
	return geo.Hull(pts), desc
}

// Readings returns the newest readings of a station (up to limit), newest first.
func (s *Service) Readings(station string, limit int) ([]Reading, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.stations[station]; !ok {
		return nil, data.Errorf(data.KindNotFound, "unknown station %q", station)
	}
	rs := s.readings[station]
	out := make([]Reading, 0, min(limit, len(rs)))
	for i := len(rs) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, rs[i])
	}
	return out, nil
}

// List returns warnings (latest versions) with the given status ("active", "cancelled" or "" for
// all) whose area meets bound (nil: anywhere), newest first.
func (s *Service) List(status string, bound *orb.Bound) []*Warning {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Warning
	for i := len(s.order) - 1; i >= 0; i-- {
		w := s.all[s.order[i]]
		if status != "" && w.Status != status {
			continue
		}
		if bound != nil && !w.Area.Bound().Intersects(*bound) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// Get returns the latest version of a warning by episode id or by a version's CAP identifier.
func (s *Service) Get(id string) (*Warning, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w, ok := s.all[id]; ok {
		return w, true
	}
	for _, vs := range s.versions {
		for _, v := range vs {
			if v.Identifier == id {
				return v, true
			}
		}
	}
	return nil, false
}

// layerSpec is the catalog entry of the live warnings layer, with its 18 metadata elements.
func layerSpec() *data.LayerSpec {
	return &data.LayerSpec{ID: LayerID, Theme: data.ThemeHydrology, MinZoom: 0, MaxZoom: 14, KeyField: "warning_id",
		Fields: append([]data.Field{
			{Name: "warning_id", Type: data.FieldString, Description: "Warning episode id"},
			{Name: "identifier", Type: data.FieldString, Description: "CAP identifier of the current message"},
			{Name: "station_id", Type: data.FieldString, Description: "Gauge station"},
			{Name: "station", Type: data.FieldString, Description: "Station name"},
			{Name: "river", Type: data.FieldString, Description: "River"},
			{Name: "category", Type: data.FieldString, Description: "FFD flood category: Low, Medium, High, Very High, Exceptionally High"},
			{Name: "severity", Type: data.FieldString, Description: "CAP severity"},
			{Name: "msg_type", Type: data.FieldString, Description: "CAP message type of the current version"},
			{Name: "status", Type: data.FieldString, Description: "active"},
			{Name: "sent", Type: data.FieldString, Description: "When the current message was sent"},
			{Name: "discharge_cusecs", Type: data.FieldNumber, Description: "Discharge that set the category"},
			{Name: "return_period", Type: data.FieldInteger, Description: "Flood layer the area is drawn from"},
			{Name: "province", Type: data.FieldString, Description: "ISO 3166-2 code of the station's province"},
			{Name: "headline", Type: data.FieldString, Description: "Headline"},
		}, impactFields()...),
		Metadata: data.Metadata{Identifier: "indus:pk:warnings", Title: "Active flood warnings",
			Abstract: "Flood warnings issued from river gauge readings: one polygon per active warning, updated in real time.",
			Theme:    data.ThemeHydrology, Keywords: []string{"flood warning", "early warning", "CAP", "gauge"},
			TopicCategory: "inlandWaters", RiskRole: data.RoleHazard,
			Measure:       "FFD flood category (Low, Medium, High, Very High, Exceptionally High) from discharge in cusecs",
			SpatialExtent: []float64{60.8, 23.6, 77.2, 37.1}, TemporalExtent: "live", ReferenceDate: time.Now().UTC().Format("2006-01-02"),
			CRS: "EPSG:4326", Resolution: "warning areas: convex hull of the matching flood zones along the reach",
			Lineage: "Readings posted to /warnings/readings, journaled, graded by the station thresholds of the gauges layer; area = convex hull of the flood zones of the matching return period (Low/Medium 10-year, High 25-year, Very High/Exceptionally High 100-year) within a corridor around the reach from the station to its downstream end (half-width a quarter of the reach length, 20-50 km).",
			Quality: "As good as the readings and the illustrative thresholds.", License: "CC0-1.0",
			Contact: "Indus maintainers (Digital CPEC Platform)", UpdateFrequency: "continual"}}
}
