package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
)

// warningImpact is the impact of a warning as /warnings/{id}.json serves it.
type warningImpact struct {
	DataVersion     string  `json:"data_version"`
	Population      int64   `json:"exposed_population"`
	Villages        int64   `json:"exposed_villages"`
	WithFibre       int64   `json:"exposed_villages_with_fibre"`
	WithoutFibre    int64   `json:"exposed_villages_without_fibre"`
	Health          int64   `json:"exposed_health_facilities"`
	Shelters        int64   `json:"exposed_shelters"`
	ShelterCapacity *int64  `json:"exposed_shelter_capacity"`
	RouteKm         float64 `json:"exposed_cpec_route_km"`
	Buildings       *int64  `json:"exposed_buildings"`
}

// postJSON posts body and decodes a 200 answer into into.
func postJSON(t *testing.T, url, body string, into any) {
	t.Helper()
	if b := fetchPost(t, url, body); json.Unmarshal([]byte(b), into) != nil {
		t.Fatalf("POST %s: not the JSON expected: %.300s", url, b)
	}
}

// impactMatchesRisk checks that a warning's impact is /risk/area's answer on the warning's own
// polygon (people, villages, fibre, CPEC route km; facilities = health facilities + shelters on
// the default data), and that the villages without fibre it lists are the ones it counts.
func impactMatchesRisk(t *testing.T, base, id string) warningImpact {
	t.Helper()
	var w struct {
		Impact *warningImpact  `json:"impact"`
		Area   json.RawMessage `json:"area"`
	}
	getJSON(t, base+"/warnings/"+id+".json", &w)
	if w.Impact == nil || w.Impact.Villages == 0 || w.Impact.Population == 0 {
		t.Fatalf("%s: impact %+v", id, w.Impact)
	}
	var risk struct {
		DataVersion string                        `json:"data_version"`
		InArea      map[string]map[string]float64 `json:"in_area"`
	}
	postJSON(t, base+"/risk/area", `{"geometry":`+string(w.Area)+`}`, &risk)
	v, f := risk.InArea["villages"], risk.InArea["facilities"]
	im := *w.Impact
	if im.DataVersion != risk.DataVersion || float64(im.Population) != v["population"] || float64(im.Villages) != v["count"] ||
		float64(im.WithFibre) != v["fibre"] || im.WithoutFibre != im.Villages-im.WithFibre ||
		im.RouteKm != math.Round(risk.InArea["cpec_routes"]["length_km"]*10)/10 || float64(im.Health+im.Shelters) != f["count"] ||
		im.ShelterCapacity == nil || float64(*im.ShelterCapacity) > f["capacity"] || im.Buildings != nil {
		t.Errorf("%s: impact %+v, /risk/area in_area %v", id, im, risk.InArea)
	}
	var list struct {
		Count    int              `json:"count"`
		Villages []map[string]any `json:"villages"`
	}
	getJSON(t, base+"/warnings/"+id+"/villages?fibre=false", &list)
	if int64(list.Count) != im.WithoutFibre || len(list.Villages) != list.Count || (list.Count > 0 && list.Villages[0]["fibre"] != false) {
		t.Errorf("%s: %d villages without fibre listed, impact says %d", id, list.Count, im.WithoutFibre)
	}
	csv := fetch(t, base+"/warnings/"+id+"/villages?fibre=false&format=csv", nil)
	if lines := strings.Count(string(csv.body), "\n"); csv.status != 200 || lines != list.Count+1 {
		t.Errorf("%s: CSV of %d lines for %d villages", id, lines, list.Count)
	}
	return im
}

// warningDocs returns a warning's JSON and CAP message, with the server's address taken out.
func warningDocs(t *testing.T, base, identifier string) string {
	t.Helper()
	var out bytes.Buffer
	for _, ext := range []string{".json", ".cap"} {
		r := fetch(t, base+"/warnings/"+identifier+ext, nil)
		if r.status != 200 {
			t.Fatalf("%s%s: %d", identifier, ext, r.status)
		}
		out.Write(bytes.ReplaceAll(r.body, []byte(base), []byte("BASE")))
	}
	return out.String()
}

// warningItem returns the properties of a warning's feature in /collections/warnings/items.
func warningItem(t *testing.T, base, id string) map[string]any {
	t.Helper()
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	getJSON(t, base+"/collections/warnings/items", &fc)
	for _, f := range fc.Features {
		if f.Properties["warning_id"] == id {
			return f.Properties
		}
	}
	t.Fatalf("%s is not in /collections/warnings/items", id)
	return nil
}

// itemHasImpact reports whether a warning feature's properties carry the impact.
func itemHasImpact(p map[string]any, im warningImpact) string {
	if p["exposed_population"] != float64(im.Population) || p["exposed_villages_without_fibre"] != float64(im.WithoutFibre) ||
		p["exposed_cpec_route_km"] != im.RouteKm || p["exposed_shelters"] != float64(im.Shelters) {
		return fmt.Sprintf("properties %v, impact %+v", p, im)
	}
	return ""
}
