package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/cpec-digital/indus/data/postgres/pgtest"
)

const schoolsCatalog = `name: schools from PostGIS
layers:
  - id: schools
    theme: infrastructure
    source: {path: "PG:%s", layer: schools, id_field: school_id}
    minzoom: 0
    maxzoom: 14
    fields:
      - {name: school_id, type: integer, description: School id}
      - {name: name, type: string, description: School name}
    metadata:
      identifier: test:schools
      title: Schools
      abstract: Schools kept in PostGIS and edited while the servers run.
      theme: infrastructure
      keywords: [schools]
      topic_category: society
      risk_role: exposure
      measure: points; no values
      spatial_extent: [60.8, 23.6, 77.2, 37.1]
      temporal_extent: "2026"
      reference_date: "2026-01-01"
      crs: EPSG:4326
      resolution: about 10 m
      lineage: Test rows
      quality: Test rows
      license: CC0-1.0
      contact: Indus tests
      update_frequency: continual
`

// TestPGLayerChangeReloadsReplicas: two replicas serve a PG: layer; a transaction that changes
// the table and calls indus_layer_changed makes both reload it — new rows, and a changed
// attribute alone (which the data version's content hash does not see) — with one data version
// and one tile ETag between them.
func TestPGLayerChangeReloadsReplicas(t *testing.T) {
	t.Parallel()
	pg := pgtest.Require(t)
	sql := func(q string) {
		t.Helper()
		if out, err := exec.Command("psql", pg.Conn(), "-v", "ON_ERROR_STOP=1", "-q", "-c", q).CombinedOutput(); err != nil {
			t.Fatalf("psql: %v\n%s", err, out)
		}
	}
	sql(`CREATE TABLE schools (fid serial PRIMARY KEY, school_id integer NOT NULL, name text NOT NULL, geom geometry(Point, 4326) NOT NULL);
		INSERT INTO schools (school_id, name, geom) VALUES (1, 'Sukkur high', ST_Point(68.86, 27.70, 4326)), (2, 'Rohri primary', ST_Point(68.90, 27.69, 4326))`)
	catalog := filepath.Join(t.TempDir(), "catalog.yaml")
	os.WriteFile(catalog, []byte(fmt.Sprintf(schoolsCatalog, pg.Conn())), 0o644)
	bin := binary(t)
	env := []string{"INDUS_STATE_DB=" + pg.URL(), "INDUS_CATALOG=" + catalog}
	a, _ := startProcess(t, bin, env)
	b, _ := startProcess(t, bin, env)
	tl := maptile.At(orb.Point{68.88, 27.70}, 10)
	tile := fmt.Sprintf("/tiles/schools/%d/%d/%d.mvt", tl.Z, tl.X, tl.Y)
	v0, e0 := agree(t, tile, a, b)

	sql(`BEGIN; INSERT INTO schools (school_id, name, geom) VALUES (3, 'Pano Aqil', ST_Point(68.89, 27.71, 4326)); SELECT indus_layer_changed('schools'); COMMIT`)
	v1, e1 := waitFor(t, tile, v0, a, b)
	if e1 == e0 || count(t, a) != 3 {
		t.Errorf("after a new row: ETag %s (was %s), %d schools", e1, e0, count(t, a))
	}
	sql(`BEGIN; UPDATE schools SET name = 'Sukkur model' WHERE school_id = 1; SELECT indus_layer_changed('schools'); COMMIT`)
	_, e2 := waitFor(t, tile, v1, a, b)
	code, _, body := get(t, b+"/collections/schools/items")
	if e2 == e1 || code != 200 || !bytes.Contains(body, []byte("Sukkur model")) {
		t.Errorf("after a changed name: ETag %s (was %s), %d %s", e2, e1, code, body)
	}
}

// agree checks that the replicas serve one data version and one ETag of a tile, and returns them.
func agree(t *testing.T, tile string, bases ...string) (string, string) {
	t.Helper()
	var version, tag string
	for i, base := range bases {
		var h struct {
			DataVersion string `json:"data_version"`
		}
		getJSON(t, base+"/health", &h)
		code, hdr, _ := get(t, base+tile)
		if code != 200 {
			t.Fatalf("%s%s: %d", base, tile, code)
		}
		if i > 0 && (h.DataVersion != version || hdr.Get("ETag") != tag) {
			t.Errorf("replica %d serves %s %s, replica 0 %s %s", i, h.DataVersion, hdr.Get("ETag"), version, tag)
		}
		version, tag = h.DataVersion, hdr.Get("ETag")
	}
	return version, tag
}

// waitFor waits until every replica serves a data version other than old, then checks they agree.
func waitFor(t *testing.T, tile, old string, bases ...string) (string, string) {
	t.Helper()
	for _, base := range bases {
		for i := 0; ; i++ {
			var h struct {
				DataVersion string `json:"data_version"`
			}
			getJSON(t, base+"/health", &h)
			if h.DataVersion != old {
				break
			}
			if i == 300 {
				t.Fatalf("%s still serves data version %s", base, old)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return agree(t, tile, bases...)
}

func count(t *testing.T, base string) int {
	var out struct {
		NumberMatched int `json:"numberMatched"`
	}
	getJSON(t, base+"/collections/schools/items", &out)
	return out.NumberMatched
}

// TestStateDBUnreachable: a state database that does not answer stops the server at start with
// a message that names it (without its password).
func TestStateDBUnreachable(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary(t), "serve", "--addr", "127.0.0.1:0", "--state-db", "postgres://indus:s3cret@127.0.0.1:1/indus")
	cmd.Env = append(os.Environ(), "INDUS_DATA_DIR="+sharedDataDir(t))
	out, err := cmd.CombinedOutput()
	msg := string(out)
	if err == nil || !strings.Contains(msg, "state database postgres://indus:xxxxx@127.0.0.1:1/indus unreachable") || strings.Contains(msg, "s3cret") {
		t.Fatalf("exit %v:\n%s", err, msg)
	}
}
