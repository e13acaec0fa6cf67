package warnings

import (
	"math"
	"time"
)

// The rules that decide which reading of a station sets its warning state. Write keys are not
// tied to stations, so a key holder can always post a newer reading; these rules make sure that
// nothing posted in advance can keep a real reading out: a reading stamped ahead of the server
// clock (within MaxFuture) is provisional and gives way to what arrives after it, and a more
// severe reading always replaces an accepted one of the same station and time (safety first: an
// attacker can then only raise an alarm, which a newer reading could do anyway).

// provisional reports whether a reading arrived before its observation time (a clock ahead of
// the server's, or a claim on a time to come).
func (r *Reading) provisional() bool { return !r.Received.IsZero() && r.Received.Before(r.Observed) }

// severer reports whether r is more severe than o: a higher discharge; at equal discharge, more
// certain (an observation over a forecast, a likelier forecast over a less likely one); then a
// higher water level (absent: lowest). Two different readings are always ordered.
func (r *Reading) severer(o *Reading) bool {
	if r.DischargeCusecs != o.DischargeCusecs {
		return r.DischargeCusecs > o.DischargeCusecs
	}
	prob := func(p *float64) float64 {
		if p == nil {
			return 2 // observed: above any forecast
		}
		return *p
	}
	if a, b := prob(r.ForecastProbability), prob(o.ForecastProbability); a != b {
		return a > b
	}
	level := func(l *float64) float64 {
		if l == nil {
			return math.Inf(-1)
		}
		return *l
	}
	return level(r.WaterLevelM) > level(o.WaterLevelM)
}

// replaces reports whether r, arriving at now, replaces old, the accepted reading of the same
// station and time:
//   - old is provisional and its time plus skew has not passed: a different r replaces it, and an
//     identical one arriving at or after its time confirms it (stored again, so that its arrival
//     counts for the clock);
//   - otherwise only a more severe r replaces it (an identical one is a duplicate, any other a
//     409), so that a reading arriving late cannot overwrite real data downwards.
func replaces(r, old *Reading, now time.Time, skew time.Duration) bool {
	if old.provisional() && now.Before(old.Observed.Add(skew)) {
		if r.same(old) {
			return !now.Before(old.Observed)
		}
		return true
	}
	return r.severer(old)
}

// clock orders the readings of a station for its warning state: the observation time, but no
// later than the reading's arrival (so that a reading stamped ahead of the server clock, within
// MaxFuture, cannot hold the state against readings observed after it came), then the
// observation time itself (two readings of one batch both stamped ahead).
type clock struct{ at, observed time.Time }

func clockOf(r Reading) clock {
	at := r.Observed
	if !r.Received.IsZero() && r.Received.Before(at) {
		at = r.Received
	}
	return clock{at: at, observed: r.Observed}
}

func (c clock) after(o clock) bool {
	return c.at.After(o.at) || (c.at.Equal(o.at) && c.observed.After(o.observed))
}

// governs reports whether r takes the state of its station from the reading whose clock is last:
// when its clock is after last; when it arrived after a provisional reading and before that
// reading's time (a reading stamped ahead holds the state only until another arrives or its
// time comes); or when it replaces the reading that governs.
func governs(r Reading, last clock) bool {
	return clockOf(r).after(last) ||
		(r.Received.After(last.at) && r.Received.Before(last.observed)) ||
		(r.Supersedes != 0 && r.Observed.Equal(last.observed))
}
