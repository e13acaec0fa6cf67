package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var ogrCountRE = regexp.MustCompile(`Feature Count: (\d+)`)

// The items of a bbox are the features whose geometry meets it, as GDAL counts them (ogrinfo
// -spat: an exact intersection with GEOS, not a bbox test) on the files the default dataset is
// served from, over seeded 2°×2° boxes across Pakistan on its polygon and line layers; and the
// cases of issue 23: the country does not meet 60,35,62,37, Balochistan is 0.55° from 68,25,69,26.
func TestItemsBBoxAsGDAL(t *testing.T) {
	t.Parallel()
	base := startServer(t, binary(t))
	matched := func(layer, bbox string) int {
		var page struct {
			NumberMatched int `json:"numberMatched"`
			Features      []struct {
				Properties map[string]any `json:"properties"`
			} `json:"features"`
		}
		getJSON(t, base+"/collections/"+layer+"/items?limit=1000&bbox="+bbox, &page)
		if len(page.Features) != min(page.NumberMatched, 1000) {
			t.Fatalf("%s bbox %s: %d features, %d matched", layer, bbox, len(page.Features), page.NumberMatched)
		}
		for _, f := range page.Features {
			if f.Properties["iso_3166_2"] == "PK-BA" && bbox == "68,25,69,26" {
				t.Errorf("provinces bbox %s holds Balochistan", bbox)
			}
		}
		return page.NumberMatched
	}
	if n := matched("country", "60,35,62,37"); n != 0 {
		t.Errorf("country bbox 60,35,62,37: %d, want 0", n)
	}
	if n := matched("provinces", "68,25,69,26"); n != 1 {
		t.Errorf("provinces bbox 68,25,69,26: %d, want 1 (Sindh)", n)
	}
	dir := datasetDir(t)
	files := map[string]string{"country": "pk-admin0-ne10m.geojson", "provinces": "provinces.geojson",
		"rivers": "pk-rivers-gshhg-wdbii.geojson", "cpec_routes": "cpec_routes.geojson"}
	rng := rand.New(rand.NewPCG(23, 2))
	differ := 0
	for range 20 {
		w, s := 60+rng.Float64()*16, 23+rng.Float64()*13
		spat := []string{ff(w), ff(s), ff(w + 2), ff(s + 2)}
		for layer, file := range files {
			out := string(gdalTool(t, "ogrinfo", "-ro", "-so", "-al", "-spat", spat[0], spat[1], spat[2], spat[3], filepath.Join(dir, file)))
			m := ogrCountRE.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("ogrinfo gives no count:\n%s", out)
			}
			want, _ := strconv.Atoi(m[1])
			if got := matched(layer, strings.Join(spat, ",")); got != want {
				differ++
				t.Errorf("%s bbox %s: Indus matches %d, GDAL %d", layer, strings.Join(spat, ","), got, want)
			}
		}
	}
	t.Logf("%d differences", differ)
}

func ff(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }

// datasetDir is the folder the test servers' default dataset was materialized in.
func datasetDir(t *testing.T) string {
	matches, _ := filepath.Glob(filepath.Join(sharedDataDir(t), "*", "provinces.geojson"))
	if len(matches) != 1 {
		entries, _ := os.ReadDir(sharedDataDir(t))
		t.Fatalf("no single materialized dataset in %s: %v", sharedDataDir(t), entries)
	}
	return filepath.Dir(matches[0])
}
