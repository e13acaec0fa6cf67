package archive

import (
	"encoding/json"
	"testing"
)

// withinZooms never widens a layer beyond the archive's zooms and never breaks the metadata.
func FuzzWithinZooms(f *testing.F) {
	f.Add(`[{"id":"a","minzoom":0,"maxzoom":14},{"id":"b"}]`, 2, 8)
	f.Add(`[{"id":"a","minzoom":"x","maxzoom":null}]`, 0, 0)
	f.Add(`{"not":"a list"}`, 0, 5)
	f.Fuzz(func(t *testing.T, raw string, lo, hi int) {
		out := withinZooms(json.RawMessage(raw), lo, hi)
		var layers []map[string]json.RawMessage
		if json.Unmarshal([]byte(raw), &[]map[string]json.RawMessage{}) != nil {
			if string(out) != raw {
				t.Fatalf("unreadable %q became %q", raw, out)
			}
			return
		}
		if err := json.Unmarshal(out, &layers); err != nil {
			t.Fatalf("%q → %q: %v", raw, out, err)
		}
		for _, l := range layers {
			var zlo, zhi int
			if json.Unmarshal(l["minzoom"], &zlo) != nil || json.Unmarshal(l["maxzoom"], &zhi) != nil || zlo < lo || zhi > hi || zlo > zhi {
				t.Fatalf("%q (%d–%d) → %q", raw, lo, hi, out)
			}
		}
	})
}
