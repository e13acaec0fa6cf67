package warnings

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/indexes"
)

// withVillages is the fixture plus four villages: three in the Sukkur reach's flood zone (one on
// fibre) and one far away without fibre.
func withVillages() *indexes.Set {
	base := fixture()
	spec := &data.LayerSpec{ID: "villages", Theme: data.ThemeSocioeconomic, MaxZoom: 14, Fields: []data.Field{
		{Name: "village_id", Type: data.FieldInteger}, {Name: "name", Type: data.FieldString},
		{Name: "population", Type: data.FieldInteger}, {Name: "fibre", Type: data.FieldBoolean}}}
	v := func(id int64, name string, p orb.Point, pop int64, fibre bool) data.Feature {
		return data.Feature{ID: uint64(id), Geometry: p, Properties: map[string]any{"village_id": id, "name": name, "population": pop, "fibre": fibre}}
	}
	l := data.NewLayer(spec, []data.Feature{v(1, "Rohri, east", orb.Point{68.5, 26}, 100, true), v(2, "Kandiaro", orb.Point{68.6, 26.5}, 200, false),
		v(3, "Larkana \"old\"", orb.Point{68.7, 27}, 300, false), v(4, "Multan", orb.Point{71.5, 30.2}, 900, false)})
	return indexes.Build(&data.Dataset{Catalog: &data.Catalog{}, Layers: append(base.Dataset.Layers, l), Version: "v"})
}

// The villages of a warning area, filtered by fibre, as JSON, CSV and GeoJSON; an unknown warning
// is not found.
func TestAreaVillages(t *testing.T) {
	s, err := newWithClock(DefaultConfig(filepath.Join(t.TempDir(), "j")), indexes.NewServed(withVillages()), nil,
		func() time.Time { return t0.Add(48 * time.Hour) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if _, err := s.Submit([]Reading{reading("SKR", 0, 580000)}); err != nil {
		t.Fatal(err)
	}
	id := s.List("active", nil)[0].ID
	no, yes := false, true
	for _, tt := range []struct {
		fibre     *bool
		count     int
		people    int64
		firstName string
	}{{&no, 2, 500, "Kandiaro"}, {&yes, 1, 100, "Rohri, east"}, {nil, 3, 600, "Rohri, east"}} {
		l, err := s.Villages(id, tt.fibre)
		if err != nil || l.Count != tt.count || l.Population != tt.people || l.Villages[0]["name"] != tt.firstName || l.Identifier != id+".1" {
			t.Fatalf("fibre %v: %v %+v", tt.fibre, err, l)
		}
	}
	l, _ := s.Villages(id+".1", &no)
	var csv bytes.Buffer
	if err := l.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	if want := "village_id,name,population,fibre,lon,lat\n2,Kandiaro,200,false,68.6,26.5\n3,\"Larkana \"\"old\"\"\",300,false,68.7,27\n"; csv.String() != want {
		t.Errorf("CSV\n%s\nwant\n%s", csv.String(), want)
	}
	b, err := l.GeoJSON()
	var fc struct {
		Features []struct {
			Geometry   struct{ Coordinates []float64 }
			Properties map[string]any
		}
		Count int
	}
	if err != nil || json.Unmarshal(b, &fc) != nil || fc.Count != 2 || len(fc.Features) != 2 ||
		fc.Features[1].Geometry.Coordinates[0] != 68.7 || fc.Features[1].Properties["village_id"] != 3.0 {
		t.Errorf("GeoJSON %v %s", err, b)
	}
	if _, err := s.Villages("PK-INDUS-XXX-1", nil); data.KindOf(err) != data.KindNotFound || !strings.Contains(err.Error(), "no warning") {
		t.Errorf("unknown warning: %v", err)
	}
}
