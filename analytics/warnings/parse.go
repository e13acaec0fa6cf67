package warnings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cpec-digital/indus/data"
)

// readingExample is shown in the errors of a body that is not a reading.
const readingExample = ` (want {"station": "SKR", "observed": "2026-08-25T06:00:00Z", "discharge_cusecs": 580000} or an array of them)`

// wireReading is a reading as a client sends it: every field a pointer, so that a missing field
// and a null are told from a zero. seq and received, which the server sets, are accepted (a
// reading listed by GET /warnings/readings can be sent again as it is) and ignored.
type wireReading struct {
	Station             *string         `json:"station"`
	Observed            *time.Time      `json:"observed"`
	DischargeCusecs     *float64        `json:"discharge_cusecs"`
	WaterLevelM         *float64        `json:"water_level_m"`
	ForecastProbability *float64        `json:"forecast_probability"`
	Received            json.RawMessage `json:"received"`
	Seq                 json.RawMessage `json:"seq"`
}

// ParseReadings reads the body of POST /warnings/readings: exactly one JSON value, either one
// reading object or an array of them, with white space around it and nothing else. station,
// observed and discharge_cusecs are required and may not be null; water_level_m and
// forecast_probability are optional (null is the same as absent); any other field is refused.
// The values themselves are checked when the batch is submitted.
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
	dec := json.NewDecoder(bytes.NewReader(item))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
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
