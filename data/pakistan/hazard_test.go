package pakistan

import (
	"slices"
	"testing"

	"github.com/cpec-digital/indus/data"
)

// TestCatalogHazards: the default catalog's flood and heat layers are hazard layers whose rasters
// are classed exactly as before the hazard model (the flood bands of ThinkHazard!, the heat days).
func TestCatalogHazards(t *testing.T) {
	c := hazardCatalog(t)
	flood := []data.Class{{Name: "low", Min: 0.1, Max: 0.5}, {Name: "medium", Min: 0.5, Max: 1.5}, {Name: "high", Min: 1.5, Max: 1000}}
	for _, rp := range ReturnPeriods {
		l, ok := c.Layer("flood_rp" + map[int]string{10: "10", 25: "25", 100: "100"}[rp])
		if !ok {
			t.Fatalf("no flood layer for %d years", rp)
		}
		h := l.Hazard
		if h.Kind != "flood" || h.ReturnPeriod() != float64(rp) || !h.Historical() || h.DamagingLabel() != "depth >= 0.5 m" ||
			!slices.Equal(l.Source.Raster.Classes, flood) || l.Source.Raster.ClassField != "depth_class" {
			t.Errorf("%s: hazard %+v raster %+v", l.ID, h, l.Source.Raster)
		}
	}
	heat, _ := c.Layer("heat_stress")
	heatClasses := []data.Class{{Name: "moderate", Min: 0, Max: 30}, {Name: "high", Min: 30, Max: 60}, {Name: "very_high", Min: 60, Max: 90}, {Name: "extreme", Min: 90, Max: 366}}
	if h := heat.Hazard; h == nil || h.Kind != "heat" || h.Frequency != nil || h.Horizon != data.HistoricalHorizon ||
		!slices.Equal(heat.Source.Raster.Classes, heatClasses) || heat.Source.Raster.ClassField != "heat_class" {
		t.Errorf("heat: %+v", heat)
	}
}
