package warnings

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
)

// stateOf is everything a replay must rebuild: every version of every warning, every reading kept
// and each station's clock.
func stateOf(s *Service) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, id := range s.order {
		for _, v := range s.versions[id] {
			out = append(out, fmt.Sprintf("%s %s %s %s seq=%d sent=%s", v.Identifier, v.MsgType, v.CategoryName, v.Status, v.Reading.Seq, v.Sent.Format(time.RFC3339)))
		}
	}
	for _, st := range []string{"NSR", "SKR"} {
		for _, r := range s.readings[st] {
			out = append(out, fmt.Sprintf("%s seq=%d supersedes=%d %s %.0f", st, r.Seq, r.Supersedes, r.Observed.Format(time.RFC3339Nano), r.DischargeCusecs))
		}
		out = append(out, fmt.Sprintf("%s latest %+v seen %d", st, s.latest[st], len(s.seen)))
	}
	b, _ := json.MarshalIndent(out, "", " ")
	return string(b)
}

// step is one submission at a server time and what it must answer.
type step struct {
	at      time.Duration // server clock, from the claimed time T
	reading Reading
	want    string // "new", "dup", "supersedes" or "409"
	active  string // then the station's active category ("" none)
}

// D3: a station cannot be frozen by claiming its next time in advance (or by any reading sent
// before the real one), whatever the value claimed; a late attacker cannot overwrite real data
// downwards; and the journal replay, a compaction snapshot and a replica of the shared log rebuild
// exactly the same state.
func TestPreclaimedTimeCannotSuppress(t *testing.T) {
	T := t0.Add(48 * time.Hour)
	U, V := T.Add(time.Hour), T.Add(2*time.Hour)
	at := func(st string, obs time.Time, q float64) Reading {
		return Reading{Station: st, Observed: obs, DischargeCusecs: q}
	}
	steps := []step{
		// the tester's attack: any write key claims T with a low value 90 s ahead; the gauge's real
		// reading at T replaces it (it was provisional) and raises the warning
		{-90 * time.Second, at("SKR", T, 1000), "new", ""},
		{time.Second, at("SKR", T, 700000), "supersedes", "Very High"},
		// once real (arrived at or after its time), a reading is replaced only by a more severe one
		{5 * time.Minute, at("SKR", T, 1000), "409", "Very High"},
		{5 * time.Minute, at("SKR", T, 700000), "dup", "Very High"},
		{6 * time.Minute, at("SKR", T, 900000), "supersedes", "Exceptionally High"},
		// a claim of the exact real value, then a newer low one: the real reading, identical,
		// confirms the claim (stored again) and its arrival takes the state back
		{-90 * time.Second, at("NSR", T, 900000), "new", "Exceptionally High"},
		{-60 * time.Second, at("NSR", T.Add(time.Minute), 0), "new", ""},
		{time.Second, at("NSR", T, 900000), "supersedes", "Exceptionally High"},
		{2 * time.Second, at("NSR", T, 900000), "dup", "Exceptionally High"},
		// a reading stamped ahead that arrives between the real reading's time and its arrival holds
		// the state only until that reading arrives
		{time.Hour + 100*time.Millisecond, at("SKR", U.Add(2*time.Minute), 0), "new", ""},
		{time.Hour + 200*time.Millisecond, at("SKR", U, 900000), "new", "Exceptionally High"},
		// a real-time low claim sent just before the real reading: the more severe one replaces it
		{2 * time.Hour, at("SKR", V, 0), "new", ""},
		{2*time.Hour + 200*time.Millisecond, at("SKR", V, 900000), "supersedes", "Exceptionally High"},
		{2*time.Hour + time.Second, at("SKR", V, 0), "409", "Exceptionally High"},
		// a batch contradicting itself is refused whole
		{3 * time.Hour, at("NSR", T.Add(3*time.Hour), 0), "409", "Exceptionally High"},
	}
	var now time.Time
	clock := func() time.Time { return now }
	path := filepath.Join(t.TempDir(), "j")
	journal, err := newWithClock(DefaultConfig(path), indexes.NewServed(fixture()), nil, clock)
	if err != nil {
		t.Fatal(err)
	}
	log := newMemLog()
	shared, _ := sharedService(t, log, clock)
	for _, srv := range []struct {
		name string
		s    *Service
	}{{"journal", journal}, {"shared", shared}} {
		s := srv.s
		for i, st := range steps {
			now = T.Add(st.at)
			batch := []Reading{st.reading}
			if i == len(steps)-1 {
				batch = append(batch, at("NSR", st.reading.Observed, 1))
			}
			res, err := s.Submit(batch)
			var got string
			switch {
			case data.KindOf(err) == data.KindConflict:
				got = "409"
			case err != nil:
				t.Fatalf("%s step %d: %v", srv.name, i, err)
			case res[0].Duplicate:
				got = "dup"
			case res[0].Supersedes != 0:
				got = "supersedes"
			default:
				got = "new"
			}
			if got != st.want {
				t.Fatalf("%s step %d (%+v at T%+v): %s %+v, want %s", srv.name, i, st.reading, st.at, got, res, st.want)
			}
			if err == nil {
				waitSeq(t, s, res[0].Seq)
			}
			active := ""
			for _, w := range s.List("active", nil) {
				if w.Station == st.reading.Station {
					active = w.CategoryName
				}
			}
			if active != st.active {
				t.Fatalf("%s step %d: %s active %q, want %q", srv.name, i, st.reading.Station, active, st.active)
			}
		}
	}
	live := stateOf(journal)
	if got := stateOf(shared); got != live {
		t.Errorf("the shared log and the journal differ:\njournal %s\nshared  %s", live, got)
	}
	snap := journal.snapshotLocked()
	journal.Close()
	replayed, err := newWithClock(DefaultConfig(path), indexes.NewServed(fixture()), nil, clock)
	if err != nil {
		t.Fatal(err)
	}
	defer replayed.Close()
	b, _ := json.Marshal(snap)
	var back snapshot
	json.Unmarshal(b, &back)
	restored, _, _ := newService(t, filepath.Join(t.TempDir(), "k"))
	restored.now = clock
	restored.restore(back)
	replica, _ := sharedService(t, log, clock)
	for name, s := range map[string]*Service{"journal replay": replayed, "snapshot": restored, "shared replica": replica} {
		if got := stateOf(s); got != live {
			t.Errorf("%s differs:\nlive %s\ngot  %s", name, live, got)
		}
		// and the rules hold after it: the real reading at V is kept against a lower one
		now = V.Add(time.Hour)
		if _, err := s.Submit([]Reading{at("SKR", V, 0)}); data.KindOf(err) != data.KindConflict {
			t.Errorf("%s: a lower reading at V after the restart: %v", name, err)
		}
		if r, err := s.Submit([]Reading{at("SKR", V, 900000)}); err != nil || !r[0].Duplicate {
			t.Errorf("%s: the real reading at V again: %+v %v", name, r, err)
		}
	}
}

// Two different readings are always ordered by severity, in both directions.
func TestSeverer(t *testing.T) {
	p := func(v float64) *float64 { return &v }
	ordered := []Reading{ // from least to most severe
		{DischargeCusecs: 1},
		{DischargeCusecs: 2, ForecastProbability: p(0.1)},
		{DischargeCusecs: 2, ForecastProbability: p(0.9)},
		{DischargeCusecs: 2, ForecastProbability: p(0.9), WaterLevelM: p(-3)},
		{DischargeCusecs: 2, ForecastProbability: p(0.9), WaterLevelM: p(4)},
		{DischargeCusecs: 2},
		{DischargeCusecs: 2, WaterLevelM: p(1)},
		{DischargeCusecs: 700000, ForecastProbability: p(0)},
	}
	for i := range ordered {
		for j := range ordered {
			if got := ordered[i].severer(&ordered[j]); got != (i > j) {
				t.Errorf("%d severer than %d: %v", i, j, got)
			}
		}
	}
}
