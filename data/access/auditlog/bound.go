package auditlog

import (
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"
)

// MaxField is the longest string field of a record, in bytes, and MaxLayers the most layers one
// names: longer fields are cut, at a character boundary, and end with a marker saying how much
// was cut ("…[cut 2048 bytes]"); layers past MaxLayers are replaced by one such marker. So a
// record stays far under MaxLine whatever a request sent (a station name of megabytes, say).
const (
	MaxField  = 1024
	MaxLayers = 64
)

// errRecord marks an error of the record itself (one that cannot be encoded): writing it was not
// tried, so it says nothing of the file and does not put the log down.
var errRecord = errors.New("audit record")

// bound cuts r's fields to MaxField bytes and its layers to MaxLayers.
func bound(r *Record) {
	for _, s := range []*string{&r.Key, &r.Action, &r.Method, &r.Route, &r.Tile, &r.Detail} {
		*s = cut(*s)
	}
	long := func(l string) bool { return len(l) > MaxField }
	if len(r.Layers) <= MaxLayers && !slices.ContainsFunc(r.Layers, long) {
		return
	}
	layers := make([]string, 0, MaxLayers+1) // a copy: the caller's slice stays as it was
	for _, l := range r.Layers[:min(len(r.Layers), MaxLayers)] {
		layers = append(layers, cut(l))
	}
	if len(r.Layers) > MaxLayers {
		layers = append(layers, fmt.Sprintf("…[cut %d layers]", len(r.Layers)-MaxLayers))
	}
	r.Layers = layers
}

// cut returns s if it is at most MaxField bytes, else its first bytes (a whole number of
// characters) and a marker of what was cut, MaxField bytes at most in all.
func cut(s string) string {
	if len(s) <= MaxField {
		return s
	}
	n := MaxField - len("…[cut 0000000000 bytes]")
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return fmt.Sprintf("%s…[cut %d bytes]", s[:n], len(s)-n)
}
