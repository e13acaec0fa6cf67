package warnings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/indexes"
)

func TestParseReadings(t *testing.T) {
	const one = `{"station":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":580000}`
	const two = `{"station":"NSR","observed":"2022-08-25T07:00:00+05:00","discharge_cusecs":1,"water_level_m":null,"forecast_probability":0.5}`
	p := 0.5
	want := []Reading{{Station: "SKR", Observed: t0, DischargeCusecs: 580000},
		{Station: "NSR", Observed: t0.Add(-4 * time.Hour), DischargeCusecs: 1, ForecastProbability: &p}}
	for _, tt := range []struct {
		body string
		want []Reading
	}{
		{one, want[:1]},
		{" \n" + one + "\r\n\t", want[:1]},
		{"[" + one + "," + two + "]", want},
		{"[" + one + "]\n", want[:1]},
		// seq and received, which the server sets, may be sent back and are ignored
		{`{"station":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":580000,"seq":7,"received":"2030-01-01T00:00:00Z","supersedes":3}`, want[:1]},
		// offsets up to ±14:00, nanoseconds, a lower-case t and z (RFC 3339 allows them), escaped keys
		{`{"station":"SKR","observed":"2022-08-25T20:00:00+14:00","discharge_cusecs":580000}`, want[:1]},
		{`{"station":"SKR","observed":"2022-08-24T18:00:00-12:00","discharge_cusecs":580000}`, want[:1]},
		{`{"station":"SKR","observed":"2022-08-25t06:00:00.000000000z","discharge_cusecs":580000}`, want[:1]},
		{`{"st\u0061tion":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":580000}`, want[:1]},
	} {
		got, err := ParseReadings([]byte(tt.body))
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("%s: %v %+v", tt.body, err, got)
			continue
		}
		for i := range got {
			if !got[i].same(&tt.want[i]) || got[i].Seq != 0 || !got[i].Received.IsZero() {
				t.Errorf("%s: reading %d %+v, want %+v", tt.body, i, got[i], tt.want[i])
			}
		}
	}
	for _, tt := range []struct{ body, want string }{
		{``, "empty"},
		{`   `, "empty"},
		{one + one, "one JSON value"},
		{one + "xx", "one JSON value"},
		{one + " null", "one JSON value"},
		{one + "}", "one JSON value"},
		{"[" + one + "][" + one + "]", "one JSON value"},
		{"{" + one, "not JSON"},
		{`[` + one, "not JSON"},
		{`null`, "object or an array"},
		{`42`, "object or an array"},
		{`"SKR"`, "object or an array"},
		{`[null]`, "reading 1: a reading must be a JSON object"},
		{`[` + one + `,[]]`, "reading 2: a reading must be a JSON object"},
		{`{}`, "station, observed, discharge_cusecs missing or null"},
		{`{"station":"SKR","observed":"2022-08-25T06:00:00Z"}`, "discharge_cusecs missing or null"},
		{`{"station":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":null}`, "discharge_cusecs missing or null"},
		{`{"station":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1,"discharge_cusecs":null}`, `duplicate field "discharge_cusecs"`},
		{`{"station":null,"observed":"2022-08-25T06:00:00Z","discharge_cusecs":1}`, "station missing or null"},
		{`{"station":"","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1}`, "station missing or null"},
		{`{"station":"SKR","observed":null,"discharge_cusecs":1}`, "observed missing or null"},
		{`[` + one + `,{"station":"SKR","observed":"2022-08-25T07:00:00Z"}]`, "reading 2: discharge_cusecs missing"},
		{`{"station":"SKR","observed":"2022-08-25","discharge_cusecs":1}`, "bad observed time"},
		{`{"station":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":"1"}`, "discharge_cusecs must be a number"},
		{`{"station":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1e400}`, "discharge_cusecs must be a number"},
		{`{"station":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1,"dischrage":2}`, `unknown field "dischrage"`},
		// keys are matched exactly: encoding/json alone matches them case-insensitively
		{`{"Station":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1}`, `unknown field "Station"`},
		{`{"STATION":"SKR","OBSERVED":"2022-08-25T06:00:00Z","DISCHARGE_CUSECS":1}`, `unknown field "STATION"`},
		{`{"station":"SKR","observed":"2022-08-25T06:00:00Z","Discharge_Cusecs":1}`, `unknown field "Discharge_Cusecs"`},
		{`{"station":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1,"Water_Level_M":2}`, `unknown field "Water_Level_M"`},
		// a key given twice (also spelled with an escape)
		{`{"station":"SKR","station":"NSR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1}`, `duplicate field "station"`},
		{`{"station":"SKR","st\u0061tion":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1}`, `duplicate field "station"`},
		{`[` + one + `,{"station":"SKR","observed":"2022-08-25T07:00:00Z","observed":"2022-08-25T08:00:00Z","discharge_cusecs":1}]`, `reading 2: duplicate field "observed"`},
		// observed: RFC 3339 with an offset within ±14:00, at most nanoseconds
		{`{"station":"SKR","observed":"2022-08-25T06:00:00+24:00","discharge_cusecs":1}`, "offset beyond ±14:00"},
		{`{"station":"SKR","observed":"2022-08-25T06:00:00+14:01","discharge_cusecs":1}`, "offset beyond ±14:00"},
		{`{"station":"SKR","observed":"2022-08-25T06:00:00-23:59","discharge_cusecs":1}`, "offset beyond ±14:00"},
		{`{"station":"SKR","observed":"2022-08-25T06:00:00+05:60","discharge_cusecs":1}`, "bad observed time"},
		{`{"station":"SKR","observed":"2022-08-25T06:00:00.1234567891Z","discharge_cusecs":1}`, "bad observed time"},
		{`{"station":"SKR","observed":"2022-08-25T06:00:00,5Z","discharge_cusecs":1}`, "bad observed time"},
		{`{"station":"SKR","observed":"2022-08-25T06:00:00.Z","discharge_cusecs":1}`, "bad observed time"},
		{`{"station":"SKR","observed":"2022-08-25T24:00:00Z","discharge_cusecs":1}`, "bad observed time"},
		{`{"station":"SKR","observed":"2022-02-30T06:00:00Z","discharge_cusecs":1}`, "bad observed time"},
		{`{"station":"SKR","observed":" 2022-08-25T06:00:00Z","discharge_cusecs":1}`, "bad observed time"},
		{`{"station":"SKR","observed":"2022-08-25T06:00:00+0500","discharge_cusecs":1}`, "bad observed time"},
		{`{"station":"SKR","observed":1661407200,"discharge_cusecs":1}`, "bad observed time"},
		// station ids: at most 64 bytes of letters, digits, '.', '_', '-'
		{`{"station":"` + strings.Repeat("S", 65) + `","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1}`, "bad station: station is 65 bytes long"},
		{`{"station":"` + strings.Repeat("S", 4<<20) + `","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1}`, "bad station: station is 4194304 bytes long"},
		{`{"station":"SK R","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1}`, "bad station"},
		{`{"station":"SKR\n","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1}`, "bad station"},
		{`{"station":"سکھر","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1}`, "bad station"},
		{`{"station":7,"observed":"2022-08-25T06:00:00Z","discharge_cusecs":1}`, "bad station"},
		{`{"` + strings.Repeat("k", 4<<20) + `":1,"station":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1}`, `unknown field "kkkk`},
		{`{"station":"SKR","observed":"` + strings.Repeat("9", 4<<20) + `","discharge_cusecs":1}`, "bad observed time"},
	} {
		got, err := ParseReadings([]byte(tt.body))
		var de *data.Error
		if err == nil || data.KindOf(err) != data.KindInvalid || !asError(err, &de) || !strings.Contains(de.Msg+": "+de.Detail, tt.want) {
			t.Errorf("%.300q: %+v %.300v, want a 400 saying %q", tt.body, got, err, tt.want)
		}
		if err != nil && len(err.Error()) > 1000 { // nothing sent is echoed whole
			t.Errorf("%.100q: an error of %d bytes", tt.body, len(err.Error()))
		}
	}
}

func asError(err error, de **data.Error) bool {
	e, ok := err.(*data.Error)
	*de = e
	return ok
}

// A reading stamped ahead of the server clock beyond MaxFuture (2 minutes) is refused; one within
// it cannot freeze the station: its observation counts as no later than its arrival, so a reading
// observed after it arrived moves the state, in the journal mode and the shared one alike.
func TestFutureReadingCannotFreeze(t *testing.T) {
	now := t0.Add(48 * time.Hour)
	clock := func() time.Time { return now }
	journal, _, _ := newService(t, filepath.Join(t.TempDir(), "j"))
	journal.now = clock
	shared, _ := sharedService(t, newMemLog(), clock)
	for name, s := range map[string]*Service{"journal": journal, "shared": shared} {
		now = t0.Add(48 * time.Hour)
		if DefaultConfig("").MaxFuture != 2*time.Minute {
			t.Fatalf("MaxFuture %s", DefaultConfig("").MaxFuture)
		}
		_, err := s.Submit([]Reading{{Station: "SKR", Observed: now.Add(59 * time.Minute), DischargeCusecs: 1000}})
		if data.KindOf(err) != data.KindInvalid || !strings.Contains(err.Error(), "future") {
			t.Fatalf("%s: a reading 59 min ahead: %v", name, err)
		}
		if _, err := s.Submit([]Reading{{Station: "SKR", Observed: now.Add(90 * time.Second), DischargeCusecs: 1000}}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Second)
		res, err := s.Submit([]Reading{{Station: "SKR", Observed: now.Add(-500 * time.Millisecond), DischargeCusecs: 900000}})
		if err != nil || res[0].Category != "Exceptionally High" {
			t.Fatal(res, err)
		}
		waitSeq(t, s, res[0].Seq)
		if ws := s.List("active", nil); len(ws) != 1 || ws[0].Category != Exceptional || ws[0].Reading.Seq != res[0].Seq {
			t.Fatalf("%s: a reading observed after the future-stamped one arrived raised no warning: %+v", name, ws)
		}
		// a reading observed before the newest one's arrival is late: kept, the state stays
		res, _ = s.Submit([]Reading{{Station: "SKR", Observed: now.Add(-time.Minute), DischargeCusecs: 0}})
		waitSeq(t, s, res[0].Seq)
		if ws := s.List("active", nil); len(ws) != 1 {
			t.Fatalf("%s: a late reading cancelled the warning", name)
		}
	}
}

// A compaction snapshot keeps each station's state clock: after a restart, as before it, a
// reading observed after a future-stamped one arrived moves the state.
func TestSnapshotKeepsClock(t *testing.T) {
	s, _, _ := newService(t, filepath.Join(t.TempDir(), "j"))
	now := s.now()
	if _, err := s.Submit([]Reading{{Station: "SKR", Observed: now.Add(90 * time.Second), DischargeCusecs: 1}}); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s.snapshotLocked())
	if err != nil {
		t.Fatal(err)
	}
	var snap snapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		t.Fatal(err)
	}
	r, _, _ := newService(t, filepath.Join(t.TempDir(), "k"))
	r.restore(snap)
	r.now = func() time.Time { return now.Add(2 * time.Second) }
	if _, err := r.Submit([]Reading{{Station: "SKR", Observed: now.Add(time.Second), DischargeCusecs: 900000}}); err != nil {
		t.Fatal(err)
	}
	if ws := r.List("active", nil); len(ws) != 1 {
		t.Fatalf("after a restore, the future-stamped reading froze the station (latest %+v)", r.latest)
	}
}

// Two readings of one batch stamped ahead of the clock (within the skew) are ordered by their
// observation: the newer one sets the state whichever comes first.
func TestFutureReadingsInOneBatch(t *testing.T) {
	s, _, _ := newService(t, filepath.Join(t.TempDir(), "j"))
	now := s.now()
	_, err := s.Submit([]Reading{{Station: "SKR", Observed: now.Add(time.Minute), DischargeCusecs: 900000},
		{Station: "SKR", Observed: now.Add(30 * time.Second), DischargeCusecs: 0}})
	if err != nil {
		t.Fatal(err)
	}
	if ws := s.List("active", nil); len(ws) != 1 || ws[0].Category != Exceptional {
		t.Fatalf("active %+v, want the newer observation's warning", ws)
	}
}

// A duplicate inside one batch reports the seq its original was given.
func TestDuplicateInBatchSeq(t *testing.T) {
	s, _, _ := newService(t, filepath.Join(t.TempDir(), "j"))
	a, b := reading("SKR", 1, 100), reading("SKR", 2, 200)
	res, err := s.Submit([]Reading{a, b, a, b})
	want := []Result{{Seq: 1, Category: "Normal"}, {Seq: 2, Category: "Normal"}, {Seq: 1, Duplicate: true, Category: "Normal"}, {Seq: 2, Duplicate: true, Category: "Normal"}}
	if err != nil || !reflect.DeepEqual(res, want) {
		t.Fatalf("results %+v %v, want %+v", res, err, want)
	}
	res, err = s.Submit([]Reading{reading("SKR", 3, 300), b})
	if err != nil || res[0].Seq != 3 || res[1] != (Result{Seq: 2, Duplicate: true, Category: "Normal"}) {
		t.Fatalf("results %+v %v", res, err)
	}
}

// A flood layer restricted to some groups never feeds a warning area: the area is the one drawn
// when the layer is absent.
func TestRestrictedHazardNotInArea(t *testing.T) {
	set := fixture()
	var layers []*data.Layer
	var without []*data.Layer
	for _, l := range set.Dataset.Layers {
		if l.Spec.ID == "flood_rp100" {
			spec := *l.Spec
			spec.Access = access.Rule{Groups: []string{"ndma"}}
			layers = append(layers, data.NewLayer(&spec, featuresOf(l)))
			continue
		}
		layers = append(layers, l)
		without = append(without, l)
	}
	areaWith := func(layers []*data.Layer) *Warning {
		cur := indexes.NewServed(indexes.Build(&data.Dataset{Catalog: &data.Catalog{}, Layers: layers, Version: "w"}))
		s, err := newWithClock(DefaultConfig(filepath.Join(t.TempDir(), "j")), cur, nil, func() time.Time { return t0.Add(48 * time.Hour) })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		if _, err := s.Submit([]Reading{reading("SKR", 1, 900000)}); err != nil {
			t.Fatal(err)
		}
		return s.List("active", nil)[0]
	}
	public, restricted, absent := areaWith(set.Dataset.Layers), areaWith(layers), areaWith(without)
	if reflect.DeepEqual(public.Area, restricted.Area) {
		t.Error("the restricted 100-year layer fed the warning area")
	}
	if !reflect.DeepEqual(restricted.Area, absent.Area) || restricted.AreaDesc != absent.AreaDesc {
		t.Errorf("area with the layer restricted %v, without it %v", restricted.Area, absent.Area)
	}
}

func featuresOf(l *data.Layer) []data.Feature {
	out := make([]data.Feature, l.Len())
	for i := range out {
		out[i] = l.Feature(i)
	}
	return out
}

// badKey returns a key of an accepted body's objects that is not one of a reading's fields, spelled
// exactly, or that some object has twice.
func badKey(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	depth, counts := 0, []map[string]bool{}
	expectKey := func() bool { return len(counts) > 0 && counts[len(counts)-1] != nil }
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				depth++
				counts = append(counts, map[string]bool{})
			case '[':
				counts = append(counts, nil)
			case '}':
				depth--
				counts = counts[:len(counts)-1]
			default:
				counts = counts[:len(counts)-1]
			}
		case string:
			if !expectKey() || depth != 1 {
				continue
			}
			if counts[len(counts)-1][v] || !slices.Contains([]string{"station", "observed", "discharge_cusecs", "water_level_m", "forecast_probability", "seq", "received", "supersedes"}, v) {
				return v
			}
			counts[len(counts)-1][v] = true
			var skip json.RawMessage
			dec.Decode(&skip) // the value
		}
	}
}

// FuzzReadingsBody runs bodies through what POST /warnings/readings does — ParseReadings, then
// Submit — and checks that a refused body is a 400 (or the 404/409 of a valid body's values) and
// stores nothing, and that an accepted one was one JSON value whose readings are all stored, each
// result naming a real seq.
func FuzzReadingsBody(f *testing.F) {
	for _, b := range []string{
		`{"station":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":580000}`,
		`[{"station":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1},{"station":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1}]`,
		`{"station":"NSR","observed":"2022-08-26T06:00:00Z","discharge_cusecs":null}`,
		`{"station":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1}{"station":"SKR","observed":"2022-08-25T07:00:00Z","discharge_cusecs":2}`,
		`[{"station":"SKR","observed":"2022-08-27T05:59:00Z","discharge_cusecs":900000,"water_level_m":3.5,"forecast_probability":0.7}] x`,
		`{"Station":"SKR","OBSERVED":"2022-08-25T06:00:00Z","Discharge_Cusecs":1}`,
		`{"station":"SKR","station":"NSR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1}`,
		`{"st\u0061tion":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1,"st\u0061tion":"SKR"}`,
		`{"station":"SKR","observed":"2022-08-25T06:00:00+24:00","discharge_cusecs":1}`,
		`{"station":"SKR","observed":"2022-08-25T20:00:00+14:00","discharge_cusecs":1}`,
		`{"station":"SKR","observed":"2022-08-25T06:00:00.1234567891Z","discharge_cusecs":1}`,
		`{"station":"SKR","observed":"2022-08-25t06:00:00,5z","discharge_cusecs":1}`,
		`{"station":"SK R\u0000","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1}`,
		`[{"station":"SKR","observed":"2022-08-26T05:00:00Z","discharge_cusecs":1000},{"station":"SKR","observed":"2022-08-26T05:00:00Z","discharge_cusecs":700000}]`,
		`{"station":"SKR","observed":"2022-08-25T06:00:00Z","discharge_cusecs":1,"seq":1,"received":null,"supersedes":[]}`,
	} {
		f.Add(b)
	}
	dir := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, body string) {
		batch, err := ParseReadings([]byte(body))
		if err != nil {
			if data.KindOf(err) != data.KindInvalid {
				t.Fatalf("%q: %v is not a 400", body, err)
			}
			return
		}
		if !json.Valid([]byte(body)) || len(batch) == 0 && !bytes.HasPrefix(bytes.TrimSpace([]byte(body)), []byte("[")) {
			t.Fatalf("%q accepted: %+v", body, batch)
		}
		if k := badKey([]byte(body)); k != "" {
			t.Fatalf("%q accepted with the key %q", body, k)
		}
		for _, r := range batch {
			if _, off := r.Observed.Zone(); CheckStation(r.Station) != nil || off > 14*3600 || off < -14*3600 {
				t.Fatalf("%q: reading %+v", body, r)
			}
			if r.Station == "" || r.Observed.IsZero() && !strings.Contains(body, "0001-01-01") || r.Seq != 0 || !r.Received.IsZero() {
				t.Fatalf("%q: reading %+v", body, r)
			}
		}
		n++
		s, err := newWithClock(DefaultConfig(filepath.Join(dir, fmt.Sprintf("j%d", n))), indexes.NewServed(fixture()), nil,
			func() time.Time { return t0.Add(48 * time.Hour) })
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		res, err := s.Submit(batch)
		stored := map[uint64]Reading{}
		for _, st := range []string{"SKR", "NSR"} {
			rs, _ := s.Readings(st, 10000)
			for _, r := range rs {
				stored[r.Seq] = r
			}
		}
		switch k := data.KindOf(err); {
		case err != nil && k != data.KindInvalid && k != data.KindNotFound && k != data.KindConflict && k != data.KindTooLarge:
			t.Fatalf("%q: %v", body, err)
		case err != nil && len(stored) != 0:
			t.Fatalf("%q refused (%v) but %d readings stored", body, err, len(stored))
		case err != nil:
			return
		}
		for i, r := range res {
			if got, ok := stored[r.Seq]; !ok || !got.same(&batch[i]) {
				t.Fatalf("%q: result %d %+v names no stored reading equal to %+v", body, i, r, batch[i])
			}
		}
	})
}
