package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Process-level checks of what POST /warnings/readings refuses and reports (issue 20), on the real
// binary over the default data.

// readingBody is one reading as JSON; observed is formatted with nanoseconds.
func readingBody(station string, observed time.Time, cusecs float64) string {
	return fmt.Sprintf(`{"station":%q,"observed":%q,"discharge_cusecs":%v}`, station, observed.UTC().Format(time.RFC3339Nano), cusecs)
}

// mustPost posts a reading body with the test key and wants want back; it returns the body.
func mustPost(t *testing.T, base, body string, want int) []byte {
	t.Helper()
	code, b, err := postReading(base, testKey, body)
	if err != nil {
		t.Fatal(err)
	}
	if code != want {
		t.Fatalf("POST %.200s: %d %s, want %d", body, code, b, want)
	}
	if want != 200 {
		var e struct{ Error string }
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			t.Fatalf("POST %.200s: %d answered %q, want a JSON error", body, code, b)
		}
	}
	return b
}

// storedReadings is the number of readings a station holds.
func storedReadings(t *testing.T, base, station string) int {
	t.Helper()
	var rs struct{ Readings []json.RawMessage }
	getJSON(t, base+"/warnings/readings?station="+station+"&limit=10000", &rs)
	return len(rs.Readings)
}

// stationWarnings returns the warnings of a station (latest versions, newest first).
type listedWarning struct {
	ID, Identifier, Status, Category string
	MsgType                          string          `json:"msg_type"`
	Area                             json.RawMessage `json:"area"`
	Impact                           *warningImpact  `json:"impact"`
}

func stationWarnings(t *testing.T, base, station string) []listedWarning {
	t.Helper()
	var ws struct{ Warnings []listedWarning }
	getJSON(t, base+"/warnings?status=all", &ws)
	var out []listedWarning
	for _, w := range ws.Warnings {
		if strings.Contains(w.ID, "-"+station+"-") {
			out = append(out, w)
		}
	}
	return out
}

func TestReadingsSafety(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	base, _ := startProcess(t, bin, []string{"INDUS_API_KEY=" + testKey})
	now := time.Now().UTC()

	// 4. A reading without a discharge (or any required field missing or null) is a 400 and
	// nothing is stored: it cannot cancel a warning.
	t.Run("missing fields", func(t *testing.T) {
		mustPost(t, base, readingBody("KTR", now.Add(-10*time.Minute), 900000), 200)
		obs := now.Add(-5 * time.Minute).Format(time.RFC3339)
		for _, body := range []string{
			`{"station":"KTR","observed":"` + obs + `"}`,
			`{"station":"KTR","observed":"` + obs + `","discharge_cusecs":null}`,
			`{"observed":"` + obs + `","discharge_cusecs":0}`,
			`{"station":null,"observed":"` + obs + `","discharge_cusecs":0}`,
			`{"station":"","observed":"` + obs + `","discharge_cusecs":0}`,
			`{"station":"KTR","discharge_cusecs":0}`,
			`{"station":"KTR","observed":null,"discharge_cusecs":0}`,
			`[` + readingBody("KTR", now.Add(-4*time.Minute), 900000) + `,{"station":"KTR","observed":"` + obs + `"}]`,
			`[` + readingBody("KTR", now.Add(-4*time.Minute), 900000) + `,null]`,
			`{}`, `null`, `[null]`, `42`, `"KTR"`,
		} {
			b := mustPost(t, base, body, 400)
			if strings.HasPrefix(body, `{"station":"KTR","observed":"`) && !strings.Contains(string(b), "discharge_cusecs") {
				t.Errorf("%s: the error %s does not name the missing field", body, b)
			}
		}
		if n := storedReadings(t, base, "KTR"); n != 1 {
			t.Errorf("KTR holds %d readings after refused ones, want 1", n)
		}
		ws := stationWarnings(t, base, "KTR")
		if len(ws) != 1 || ws[0].Status != "active" || ws[0].MsgType != "Alert" {
			t.Errorf("KTR warnings %+v, want its Alert still active", ws)
		}
	})

	// 5. A reading more than 2 minutes ahead of the server clock is refused; one within the skew
	// cannot freeze the station: a reading observed after it arrived moves the state.
	t.Run("future", func(t *testing.T) {
		b := mustPost(t, base, readingBody("TNS", time.Now().Add(59*time.Minute), 1000), 400)
		if !strings.Contains(string(b), "future") {
			t.Errorf("answer %s does not say future", b)
		}
		mustPost(t, base, readingBody("TNS", time.Now().Add(90*time.Second), 1000), 200)
		b = mustPost(t, base, readingBody("TNS", time.Now(), 900000), 200)
		if !strings.Contains(string(b), "Exceptionally High") {
			t.Errorf("answer %s", b)
		}
		ws := stationWarnings(t, base, "TNS")
		if len(ws) != 1 || ws[0].Status != "active" || ws[0].Category != "Exceptionally High" {
			t.Fatalf("TNS warnings %+v, want an active Exceptionally High warning", ws)
		}
		// a genuinely late reading (observed before the newest) is kept but moves nothing
		mustPost(t, base, readingBody("TNS", time.Now().Add(-time.Hour), 0), 200)
		if ws := stationWarnings(t, base, "TNS"); len(ws) != 1 || ws[0].Status != "active" {
			t.Errorf("a late reading moved the state: %+v", ws)
		}
	})

	// 6. A body is exactly one JSON value; anything after it is a 400 and nothing is stored.
	t.Run("one JSON value", func(t *testing.T) {
		one, two := readingBody("GDU", now.Add(-20*time.Minute), 1000), readingBody("GDU", now.Add(-10*time.Minute), 2000)
		for _, body := range []string{one + two, one + "xx", one + " " + two, one + "\n[]", "[" + one + "]" + "[" + two + "]",
			"[" + one + "]x", one + "}", one + " null", "{" + one, "[" + one + "," + two} {
			mustPost(t, base, body, 400)
		}
		if n := storedReadings(t, base, "GDU"); n != 0 {
			t.Fatalf("GDU holds %d readings after refused bodies", n)
		}
		mustPost(t, base, "\n "+one+"\r\n\t", 200) // white space around the value is fine
		mustPost(t, base, " ["+two+"]\n", 200)
		if n := storedReadings(t, base, "GDU"); n != 2 {
			t.Fatalf("GDU holds %d readings, want 2", n)
		}
	})

	// 15. A duplicate inside one batch reports the seq of the reading it repeats.
	t.Run("duplicate in a batch", func(t *testing.T) {
		r, other := readingBody("CHS", now.Add(-30*time.Minute), 1000), readingBody("CHS", now.Add(-20*time.Minute), 1500)
		var res struct {
			Accepted []struct {
				Seq       uint64
				Duplicate bool
				Category  string
			}
		}
		if err := json.Unmarshal(mustPost(t, base, "["+r+","+other+","+r+"]", 200), &res); err != nil {
			t.Fatal(err)
		}
		a := res.Accepted
		if len(a) != 3 || a[0].Seq == 0 || a[0].Duplicate || a[1].Seq != a[0].Seq+1 || a[2].Seq != a[0].Seq || !a[2].Duplicate || a[2].Category != a[0].Category {
			t.Fatalf("accepted %+v, want the third to repeat the first's seq as a duplicate", a)
		}
		if n := storedReadings(t, base, "CHS"); n != 2 {
			t.Errorf("CHS holds %d readings, want 2", n)
		}
	})
}

// Issue 20, second round: what an outside tester sent after the first fixes.
func TestReadingsStrictInput(t *testing.T) {
	bin := binary(t)
	base, _ := startProcess(t, bin, []string{"INDUS_API_KEY=" + testKey})
	obs := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	// keys are matched exactly (encoding/json alone folds case), a key given twice is refused
	for _, body := range []string{
		`{"Station":"GDU","observed":"` + obs + `","discharge_cusecs":1000}`,
		`{"STATION":"GDU","OBSERVED":"` + obs + `","DISCHARGE_CUSECS":1000}`,
		`{"station":"GDU","observed":"` + obs + `","Discharge_cusecs":1000}`,
		`{"station":"GDU","station":"GDU","observed":"` + obs + `","discharge_cusecs":1000}`,
		`{"station":"GDU","observed":"` + obs + `","discharge_cusecs":1000,"discharge_cusecs":900000}`,
		// observed: RFC 3339, offsets within ±14:00, at most nanoseconds
		`{"station":"GDU","observed":"` + obs[:19] + `+24:00","discharge_cusecs":1000}`,
		`{"station":"GDU","observed":"` + obs[:19] + `-15:00","discharge_cusecs":1000}`,
		`{"station":"GDU","observed":"` + obs[:19] + `.1234567890Z","discharge_cusecs":1000}`,
		`{"station":"GDU","observed":"` + obs[:19] + `,5Z","discharge_cusecs":1000}`,
	} {
		b := mustPost(t, base, body, 400)
		if strings.Contains(body, `"Station"`) && !strings.Contains(string(b), `unknown field \"Station\"`) {
			t.Errorf("%s: %s does not name the unknown field", body, b)
		}
	}
	if n := storedReadings(t, base, "GDU"); n != 0 {
		t.Fatalf("GDU holds %d readings after refused bodies", n)
	}
	mustPost(t, base, `{"station":"GDU","observed":"`+obs[:19]+`+05:00","discharge_cusecs":1000}`, 200)
	// a station id is at most 64 bytes of letters, digits, '.', '_', '-': checked before it is
	// looked up or echoed
	for _, st := range []string{strings.Repeat("C", 3<<20), strings.Repeat("C", 65), "CHS\n", "C S"} {
		b := mustPost(t, base, `{"station":"`+st+`","observed":"`+obs+`","discharge_cusecs":1}`, 400)
		if len(b) > 1000 || !strings.Contains(string(b), "station") {
			t.Errorf("a station of %d bytes: %d bytes answered: %.300s", len(st), len(b), b)
		}
	}
	// GET /warnings/readings: the station is required (400), and checked like a posted one
	for q, want := range map[string]string{"": "station is required", "?limit=5": "station is required", "?station=": "station is required",
		"?station=" + strings.Repeat("C", 100): "bad station", "?station=C%20S": "bad station"} {
		code, _, b := get(t, base+"/warnings/readings"+q)
		if code != 400 || !strings.Contains(string(b), want) {
			t.Errorf("GET /warnings/readings%.80s: %d %s, want 400 %q", q, code, b, want)
		}
	}
	if code, _, b := get(t, base+"/warnings/readings?station=XYZ"); code != 404 {
		t.Errorf("an unknown station: %d %s", code, b)
	}
}

// D3: a station cannot be frozen by claiming its next time in advance: the gauge's real reading
// at that time replaces the claim (200, "supersedes") and raises the warning; a later lower
// reading of the same time is a 409; after kill -9 the replay serves the same readings and
// warnings.
func TestReadingsPreclaimed(t *testing.T) {
	bin := binary(t)
	env := []string{"INDUS_API_KEY=" + testKey, "INDUS_STATE_DIR=" + filepath.Join(t.TempDir(), "state")}
	base, cmd := startProcess(t, bin, env)
	x := time.Now().UTC().Add(4 * time.Second).Truncate(time.Second)
	claim := mustPost(t, base, readingBody("CHS", x, 1000), 200)
	time.Sleep(time.Until(x.Add(200 * time.Millisecond)))
	real := mustPost(t, base, readingBody("CHS", x, 700000), 200)
	var a, b struct {
		Accepted []struct {
			Seq, Supersedes uint64
			Category        string
		}
	}
	json.Unmarshal(claim, &a)
	json.Unmarshal(real, &b)
	if len(b.Accepted) != 1 || b.Accepted[0].Supersedes != a.Accepted[0].Seq || b.Accepted[0].Category != "Very High" {
		t.Fatalf("the real reading after a claim: %s (claim %s)", real, claim)
	}
	ws := stationWarnings(t, base, "CHS")
	if len(ws) != 1 || ws[0].Status != "active" || ws[0].Category != "Very High" {
		t.Fatalf("CHS warnings %+v, want an active Very High one", ws)
	}
	mustPost(t, base, readingBody("CHS", x, 1000), 409) // a late attacker cannot overwrite it
	var before, after struct{ Readings []json.RawMessage }
	getJSON(t, base+"/warnings/readings?station=CHS", &before)
	if len(before.Readings) != 2 || !strings.Contains(string(before.Readings[0]), fmt.Sprintf(`"supersedes":%d`, a.Accepted[0].Seq)) {
		t.Fatalf("CHS readings %s", before.Readings)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	base, _ = startProcess(t, bin, env)
	getJSON(t, base+"/warnings/readings?station=CHS", &after)
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("readings after kill -9:\n%s\nbefore:\n%s", after.Readings, before.Readings)
	}
	wb, _ := json.Marshal(ws)
	if again, _ := json.Marshal(stationWarnings(t, base, "CHS")); string(again) != string(wb) {
		t.Errorf("warnings after kill -9 %s, before %s", again, wb)
	}
	mustPost(t, base, readingBody("CHS", x, 1000), 409)
}

// 3. A restricted flood layer never feeds the public warnings: the server starts with it (and
// reloads to it), and draws the warning areas as if it were absent.
func TestRestrictedFloodNeverFeedsWarnings(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	dir := t.TempDir()
	catalog := generate(t, bin, dir)
	raw, err := os.ReadFile(catalog)
	if err != nil {
		t.Fatal(err)
	}
	public := string(raw)
	restricted := strings.Replace(public, "  - id: flood_rp100\n", "  - id: flood_rp100\n    access: {groups: [ndma]}\n", 1)
	absent := strings.Replace(public, "frequency: {return_period: 100}", "frequency: {return_period: 99}", 1)
	if restricted == public || absent == public {
		t.Fatal("no flood_rp100 layer in the generated catalog")
	}
	write := func(s string) {
		if err := os.WriteFile(catalog, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(restricted)
	base, cmd := startProcess(t, bin, []string{"INDUS_API_KEY=" + testKey}, "--catalog", catalog)
	at := time.Now().Add(-2 * time.Hour)
	// area raises an Exceptionally High warning at KTR (the 100-year layer) and returns its area,
	// as an anonymous caller reads it, then cancels it.
	area := func() string {
		t.Helper()
		at = at.Add(time.Minute)
		mustPost(t, base, readingBody("KTR", at, 900000), 200)
		ws := stationWarnings(t, base, "KTR")
		if len(ws) == 0 || ws[0].Status != "active" || ws[0].Category != "Exceptionally High" || ws[0].Impact == nil {
			t.Fatalf("KTR warnings %+v, want an active Exceptionally High one with its impact", ws)
		}
		at = at.Add(time.Minute)
		mustPost(t, base, readingBody("KTR", at, 0), 200)
		return string(ws[0].Area)
	}
	reload := func(s string) {
		t.Helper()
		var before struct {
			DataVersion string `json:"data_version"`
		}
		getJSON(t, base+"/health", &before)
		write(s)
		cmd.Process.Signal(syscall.SIGHUP)
		until(t, func() bool {
			var h struct {
				DataVersion string `json:"data_version"`
			}
			getJSON(t, base+"/health", &h)
			return h.DataVersion != before.DataVersion
		})
	}
	atStart := area()
	reload(public)
	fromPublic := area()
	reload(absent)
	withoutLayer := area()
	reload(restricted)
	afterReload := area()
	if atStart == fromPublic {
		t.Error("the warning area drawn with the 100-year layer restricted is the one drawn from it")
	}
	if atStart != withoutLayer || afterReload != withoutLayer {
		t.Errorf("with the layer restricted (at start, after a reload) the area is not the one drawn without it:\nstart  %.200s\nreload %.200s\nabsent %.200s",
			atStart, afterReload, withoutLayer)
	}
}
