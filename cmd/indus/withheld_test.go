package main

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
)

// The exports of /risk/area say that layers were withheld, as the JSON answer does: the GeoJSON
// with a top-level "withheld": true, every format with the header X-Indus-Withheld: true (exposed
// to scripts); the CSV's rows and columns are those of an answer without it. A caller who may
// read every layer gets neither.
func TestRiskExportsSayWithheld(t *testing.T) {
	bin := binary(t)
	base, callers, _, _, _ := restrictedServer(t, bin)
	const area = `{"bbox": [67.0, 24.0, 69.0, 26.5]}`
	var member string
	for _, c := range callers {
		if c.wrong {
			continue
		}
		for _, format := range []string{"json", "csv", "geojson"} {
			got := ask(t, base, probe{method: "POST", path: "/risk/area?format=" + format, body: area}, c.token)
			h, b := got.header, got.body
			if got.status != 200 {
				t.Fatalf("%s %s: %d %s", c.name, format, got.status, b)
			}
			if hv := h.Get("X-Indus-Withheld"); (hv == "true") == c.sees {
				t.Errorf("%s %s: X-Indus-Withheld %q", c.name, format, hv)
			}
			if !c.sees && !strings.Contains(h.Get("Access-Control-Expose-Headers"), "X-Indus-Withheld") {
				t.Errorf("%s %s: Access-Control-Expose-Headers %q", c.name, format, h.Get("Access-Control-Expose-Headers"))
			}
			switch format {
			case "geojson":
				var fc struct {
					Type     string
					Withheld *bool
					Features []json.RawMessage
				}
				if err := json.Unmarshal(b, &fc); err != nil || fc.Type != "FeatureCollection" || len(fc.Features) == 0 || (fc.Withheld != nil) == c.sees {
					t.Errorf("%s geojson: %v withheld %v, %d features", c.name, err, fc.Withheld, len(fc.Features))
				}
				if !c.sees {
					member = string(b)
				}
			case "csv":
				rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
				if err != nil || len(rows) < 2 || rows[0][0] != "hazard_layer" {
					t.Errorf("%s csv: %v %q", c.name, err, rows)
				}
			}
		}
	}
	if !strings.Contains(member, `"withheld":true`) {
		t.Errorf("no anonymous GeoJSON export, or it lacks the member: %.200s", member)
	}
}
