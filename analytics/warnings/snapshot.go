package warnings

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/paulmach/orb"
)

// snapshot is the whole warning state as one journal record: compaction replaces a long journal
// with it. It keeps the newest KeepReadings readings of each station (duplicates of older ones are
// no longer detected) and every version of every warning, so that identifiers, references and
// CAP messages survive unchanged.
type snapshot struct {
	Snapshot int                  `json:"snapshot"` // format version
	Seq      uint64               `json:"seq"`
	Readings []Reading            `json:"readings"`
	Latest   map[string]time.Time `json:"latest"`              // observation time of the reading that set each station's state
	LatestAt map[string]time.Time `json:"latest_at,omitempty"` // its clock (observed, or received when earlier); absent: Latest
	Warnings []warningRecord      `json:"warnings"`            // every version, in order of issue
}

type warningRecord struct {
	Warning
	Cat  Category     `json:"category_level"`
	Ring [][2]float64 `json:"ring"`
}

func (s *Service) snapshotLocked() snapshot {
	snap := snapshot{Snapshot: 1, Seq: s.seq, Latest: map[string]time.Time{}, LatestAt: map[string]time.Time{}}
	for st, c := range s.latest {
		snap.Latest[st], snap.LatestAt[st] = c.observed, c.at
	}
	var stations []string
	for st := range s.readings {
		stations = append(stations, st)
	}
	sort.Strings(stations)
	for _, st := range stations {
		snap.Readings = append(snap.Readings, s.readings[st]...)
	}
	sort.Slice(snap.Readings, func(i, j int) bool { return snap.Readings[i].Seq < snap.Readings[j].Seq })
	for _, id := range s.order {
		for _, v := range s.versions[id] {
			rec := warningRecord{Warning: *v, Cat: v.Category}
			rec.previous = nil
			for _, p := range v.Area {
				rec.Ring = append(rec.Ring, [2]float64{p[0], p[1]})
			}
			snap.Warnings = append(snap.Warnings, rec)
		}
	}
	return snap
}

// restore loads a snapshot into an empty service.
func (s *Service) restore(snap snapshot) {
	if snap.Seq > s.seq {
		s.seq = snap.Seq
	}
	for _, r := range snap.Readings {
		s.readings[r.Station] = append(s.readings[r.Station], r)
		s.seen[r.key()] = r
	}
	for st, t := range snap.Latest {
		c := clock{at: t, observed: t}
		if at, ok := snap.LatestAt[st]; ok {
			c.at = at
		}
		s.latest[st] = c
	}
	for i := range snap.Warnings {
		rec := snap.Warnings[i]
		w := rec.Warning
		w.Category = rec.Cat
		w.Area = nil
		for _, p := range rec.Ring {
			w.Area = append(w.Area, orb.Point{p[0], p[1]})
		}
		s.hub.publish(s.install(&w)) // no subscribers yet: fills the history for Last-Event-ID
	}
}

// install adds a version issued elsewhere (a snapshot, the shared log) to the state and returns
// the change it makes; the caller holds s.mu.
func (s *Service) install(w *Warning) change {
	old := s.active[w.Station]
	if vs := s.versions[w.ID]; len(vs) > 0 {
		w.previous = vs[len(vs)-1]
		// rebuilt as apply builds them, so that a snapshot written by an older version (UTC
		// as "+00:00") restores the same references as a replay of the readings would
		w.References = []string{reference(s.cfg.Sender, w.previous)}
	} else {
		s.order = append(s.order, w.ID)
	}
	s.versions[w.ID] = append(s.versions[w.ID], w)
	s.all[w.ID] = w
	if w.Status == "active" {
		s.active[w.Station] = w
	} else if a := s.active[w.Station]; a != nil && a.ID == w.ID {
		delete(s.active, w.Station)
	}
	s.changes++
	return change{seq: w.Reading.Seq, old: old, new: w}
}

// compact rewrites the journal at path as a single snapshot record, atomically: the new file is
// written and fsync'd beside the old one, then renamed over it, and the folder is fsync'd.
func compact(path string, snap snapshot, size int64) error {
	payload, err := json.Marshal(snap)
	if err != nil {
		return err
	}
	if int64(len(payload)+8) >= size {
		return nil // the journal is already as small as its snapshot would be
	}
	if len(payload) > maxRecord {
		return fmt.Errorf("snapshot of %d bytes is over the record limit", len(payload))
	}
	tmp := path + ".compact"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err = f.Write(appendFrame(nil, payload)); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}
