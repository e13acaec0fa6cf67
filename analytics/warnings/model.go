// Package warnings turns river gauge readings into flood warnings: a durable journal of readings,
// warning state per station, CAP 1.2 messages, the warnings layer, and subscriptions by area.
package warnings

import (
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"
)

// Category is the Flood Forecasting Division's grading of a river station by discharge.
type Category int

// Categories, from no flood to the highest.
const (
	Normal Category = iota
	Low
	Medium
	High
	VeryHigh
	Exceptional
)

var categoryNames = []string{"Normal", "Low", "Medium", "High", "Very High", "Exceptionally High"}

func (c Category) String() string { return categoryNames[c] }

// Severity maps a category to CAP severity (Exceptionally High and Very High → Extreme, High →
// Severe, Medium → Moderate, Low → Minor).
func (c Category) Severity() string {
	return [...]string{"Unknown", "Minor", "Moderate", "Severe", "Extreme", "Extreme"}[c]
}

// ReturnPeriod is the flood layer a category's warning area is drawn from: Low and Medium → 10-year,
// High → 25-year, Very High and Exceptionally High → 100-year.
func (c Category) ReturnPeriod() int { return [...]int{0, 10, 10, 25, 100, 100}[c] }

func (c Category) responseType() string {
	return [...]string{"AllClear", "Monitor", "Prepare", "Prepare", "Evacuate", "Evacuate"}[c]
}

func (c Category) urgency() string {
	if c >= High {
		return "Immediate"
	}
	return "Expected"
}

// Station is a gauging station with its thresholds (lower bounds of Low … Exceptionally High).
type Station struct {
	ID, Name, River, Province string
	Point                     orb.Point
	Downstream                orb.Point // end of the reach the station warns for
	Thresholds                [5]float64
}

// Category grades a discharge.
func (s *Station) Category(cusecs float64) Category {
	c := Normal
	for i, t := range s.Thresholds {
		if cusecs >= t {
			c = Category(i + 1)
		}
	}
	return c
}

// Reading is one gauge observation (or forecast).
type Reading struct {
	Station             string    `json:"station"`
	Observed            time.Time `json:"observed"`
	DischargeCusecs     float64   `json:"discharge_cusecs"`
	WaterLevelM         *float64  `json:"water_level_m,omitempty"`
	ForecastProbability *float64  `json:"forecast_probability,omitempty"`
	Received            time.Time `json:"received"` // set by the server
	Seq                 uint64    `json:"seq"`      // set by the server: order of acceptance
	// Supersedes, set by the server, is the seq of the reading of the same station and time this
	// one replaced (see replaces); 0 for the first reading of a station and time.
	Supersedes uint64 `json:"supersedes,omitempty"`
}

func (r *Reading) key() string { return r.Station + "@" + r.Observed.UTC().Format(time.RFC3339Nano) }

// same reports whether two readings carry the same observation.
func (r *Reading) same(o *Reading) bool {
	eq := func(a, b *float64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }
	return r.Station == o.Station && r.Observed.Equal(o.Observed) && r.DischargeCusecs == o.DischargeCusecs &&
		eq(r.WaterLevelM, o.WaterLevelM) && eq(r.ForecastProbability, o.ForecastProbability)
}

// Warning is the current version of a warning: one episode of a station above the Low threshold,
// from its Alert through Updates to its Cancel.
type Warning struct {
	ID           string    `json:"id"`         // episode id
	Identifier   string    `json:"identifier"` // CAP identifier of this version
	Version      int       `json:"version"`
	Status       string    `json:"status"`   // active or cancelled
	MsgType      string    `json:"msg_type"` // Alert, Update, Cancel
	Sent         time.Time `json:"sent"`
	Expires      time.Time `json:"expires"`
	References   []string  `json:"references,omitempty"` // CAP "sender,identifier,sent" of the previous version
	Station      string    `json:"station"`
	StationName  string    `json:"station_name"`
	River        string    `json:"river"`
	Province     string    `json:"province"`
	Category     Category  `json:"-"`
	CategoryName string    `json:"category"`
	Severity     string    `json:"severity"`
	Certainty    string    `json:"certainty"`
	Reading      Reading   `json:"reading"`
	ReturnPeriod int       `json:"return_period"`
	AreaDesc     string    `json:"area_desc"`
	Area         orb.Ring  `json:"-"`
	Headline     string    `json:"headline"`
	Impact       *Impact   `json:"impact,omitempty"` // exposure of the area when issued (Alert, Update)
	previous     *Warning
}

// GeoJSON-friendly area.
func (w *Warning) polygon() orb.Polygon { return orb.Polygon{w.Area} }

func certainty(r *Reading) string {
	if r.ForecastProbability == nil {
		return "Observed"
	}
	switch p := *r.ForecastProbability; {
	case p > 0.5:
		return "Likely"
	case p > 0:
		return "Possible"
	}
	return "Unlikely"
}

func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", math.Round(v))
	out := []byte{}
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
