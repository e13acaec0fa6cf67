package warnings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/cpec-digital/indus/data"
)

// readingExample is shown in the errors of a body that is not a reading.
const readingExample = ` (want {"station": "SKR", "observed": "2026-08-25T06:00:00Z", "discharge_cusecs": 580000} or an array of them)`

// MaxStationID bounds a station id (bytes); see CheckStation.
const MaxStationID = 64

// wireReading is a reading as a client sends it: every field a pointer, so that a missing field
// and a null are told from a zero.
type wireReading struct {
	Station             *string
	Observed            *time.Time
	DischargeCusecs     *float64
	WaterLevelM         *float64
	ForecastProbability *float64
}

// ParseReadings reads the body of POST /warnings/readings: exactly one JSON value, either one
// reading object or an array of them, with white space around it and nothing else. station,
// observed and discharge_cusecs are required and may not be null; water_level_m and
// forecast_probability are optional (null is the same as absent). Keys are matched exactly (case
// included); any other key, or a key given twice in one object, is refused. seq, received and
// supersedes, which the server sets, are accepted (a reading listed by GET /warnings/readings can
// be sent again as it is) and ignored. The station id and the time are checked here (CheckStation,
// parseObserved); the other values when the batch is submitted.
func ParseReadings(body []byte) ([]Reading, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, data.Invalid("no readings", "the body is empty"+readingExample)
	}
	var raw json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil {
		return nil, data.Invalid("invalid reading", "not JSON: "+err.Error()+readingExample)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, data.Invalid("invalid reading", fmt.Sprintf("the body must be one JSON value: more follows at byte %d", dec.InputOffset())+readingExample)
	}
	var items []json.RawMessage
	switch body[0] {
	case '[':
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, data.Invalid("invalid reading", err.Error()+readingExample)
		}
	case '{':
		items = []json.RawMessage{raw}
	default:
		return nil, data.Invalid("invalid reading", "the body must be a JSON object or an array of objects"+readingExample)
	}
	batch := make([]Reading, len(items))
	for i, item := range items {
		where := ""
		if body[0] == '[' {
			where = fmt.Sprintf("reading %d: ", i+1)
		}
		r, err := parseReading(item, where)
		if err != nil {
			return nil, err
		}
		batch[i] = r
	}
	return batch, nil
}

// parseReading reads one reading object; where ("reading 3: " in a batch) starts the detail of
// an error.
func parseReading(item json.RawMessage, where string) (Reading, error) {
	if len(item) == 0 || item[0] != '{' {
		return Reading{}, data.Invalid("invalid reading", where+"a reading must be a JSON object"+readingExample)
	}
	var w wireReading
	if err := w.decode(item); err != nil {
		var de *data.Error
		if errors.As(err, &de) {
			de.Detail = where + de.Detail
			return Reading{}, de
		}
		return Reading{}, data.Invalid("invalid reading", where+err.Error()+readingExample)
	}
	var missing []string
	if w.Station == nil || *w.Station == "" {
		missing = append(missing, "station")
	}
	if w.Observed == nil {
		missing = append(missing, "observed")
	}
	if w.DischargeCusecs == nil {
		missing = append(missing, "discharge_cusecs")
	}
	if len(missing) > 0 {
		return Reading{}, data.Invalid("incomplete reading", where+strings.Join(missing, ", ")+
			" missing or null (station, observed and discharge_cusecs are required)")
	}
	return Reading{Station: *w.Station, Observed: *w.Observed, DischargeCusecs: *w.DischargeCusecs,
		WaterLevelM: w.WaterLevelM, ForecastProbability: w.ForecastProbability}, nil
}

// decode reads the members of one JSON object (valid JSON, checked by the caller) key by key, so
// that keys are compared exactly (encoding/json would match "Station" or "STATION") and a key
// given twice is seen.
func (w *wireReading) decode(item []byte) error {
	dec := json.NewDecoder(bytes.NewReader(item))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	have := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return err
		}
		if have[key] {
			return data.Invalid("invalid reading", fmt.Sprintf("duplicate field %q", clip(key)))
		}
		have[key] = true
		if err := w.set(key, val); err != nil {
			return err
		}
	}
	return nil
}

// set reads the value of one member.
func (w *wireReading) set(key string, val json.RawMessage) error {
	num := func(p **float64) error {
		if err := json.Unmarshal(val, p); err != nil {
			return data.Invalid("invalid reading", fmt.Sprintf("%s must be a number: %s", key, val))
		}
		return nil
	}
	switch key {
	case "station":
		if err := json.Unmarshal(val, &w.Station); err != nil {
			return data.Invalid("bad station", "station must be a string, e.g. \"SKR\"")
		}
		if w.Station != nil && *w.Station != "" {
			return CheckStation(*w.Station)
		}
	case "observed":
		var s *string
		if err := json.Unmarshal(val, &s); err != nil {
			return data.Invalid("bad observed time", "observed must be an RFC 3339 time as a string, e.g. \"2026-08-25T06:00:00Z\"")
		}
		if s != nil {
			t, err := parseObserved(*s)
			if err != nil {
				return err
			}
			w.Observed = &t
		}
	case "discharge_cusecs":
		return num(&w.DischargeCusecs)
	case "water_level_m":
		return num(&w.WaterLevelM)
	case "forecast_probability":
		return num(&w.ForecastProbability)
	case "seq", "received", "supersedes": // set by the server: ignored
	default:
		return data.Invalid("invalid reading", fmt.Sprintf("unknown field %q (fields: station, observed, discharge_cusecs, water_level_m, forecast_probability)", clip(key)))
	}
	return nil
}

// clip shortens what a client sent to quote it in an error.
func clip(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:40], "") + "…"
	}
	return s
}

// stationID is the form of a station id: letters, digits, '.', '_' and '-'.
var stationID = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// CheckStation refuses a station id that no gauge can have — empty, over MaxStationID bytes, or
// with a character other than ASCII letters, digits, '.', '_' and '-' — before it is looked up,
// logged or echoed (400 naming the field; the id itself is not repeated).
func CheckStation(id string) error {
	switch {
	case id == "":
		return data.Invalid("bad station", "station is empty")
	case len(id) > MaxStationID:
		return data.Invalid("bad station", fmt.Sprintf("station is %d bytes long: a station id has at most %d", len(id), MaxStationID))
	case !stationID.MatchString(id):
		return data.Invalid("bad station", "station may hold only ASCII letters, digits, '.', '_' and '-'")
	}
	return nil
}

// rfc3339 is the form of an RFC 3339 date-time: seconds, at most nine fractional digits (after a
// '.'), and Z or a numeric offset.
var rfc3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:[0-5]\d)$`)

// maxOffset is the largest UTC offset in use (Line Islands, +14:00).
const maxOffset = 14 * time.Hour

// parseObserved reads an observation time: RFC 3339, to the nanosecond at most, with an offset
// within ±14:00. Go's parser alone accepts offsets up to ±99:59, a ',' before the fraction and
// more fractional digits than it keeps.
func parseObserved(s string) (time.Time, error) {
	bad := func(why string) (time.Time, error) {
		return time.Time{}, data.Invalid("bad observed time", fmt.Sprintf("observed %q %s (want an RFC 3339 time such as \"2026-08-25T06:00:00Z\")", clip(s), why))
	}
	if !rfc3339.MatchString(s) {
		return bad("is not an RFC 3339 time with at most nanoseconds")
	}
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	if err != nil {
		return bad("cannot be parsed: " + strings.TrimPrefix(err.Error(), "parsing time "))
	}
	if _, off := t.Zone(); time.Duration(off)*time.Second > maxOffset || time.Duration(-off)*time.Second > maxOffset {
		return bad("has an offset beyond ±14:00")
	}
	return t, nil
}
