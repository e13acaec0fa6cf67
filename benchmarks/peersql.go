package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
)

var floodLayers = []string{"flood_rp10", "flood_rp25", "flood_rp100"}

// depthClasses are the flood classes from shallow to deep (the catalog's raster classes).
const depthClasses = `ARRAY['low','medium','high']`

// loadDataset copies one dataset into schema: the flood zones as Indus polygonized them (from its
// Features API at base), villages, provinces and rivers, and buildings when the dataset has them;
// then the tuned layout: hazard zones split by ST_Subdivide(geom, 256) into an indexed table with
// each piece's area precomputed, in EPSG:4326 and EPSG:6933, buildings with their
// ST_PointOnSurface, GiST indexes and ANALYZE.
func loadDataset(ctx context.Context, conn, schema, base, dir, tmp string, buildings bool) error {
	pool, err := peerPool(ctx, conn, schema)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := execAll(ctx, pool, "DROP SCHEMA IF EXISTS "+schema+" CASCADE", "CREATE SCHEMA "+schema); err != nil {
		return err
	}
	for _, l := range floodLayers {
		path := filepath.Join(tmp, schema+"-"+l+".geojson")
		if err := export(base, l, path); err != nil {
			return err
		}
		if err := ogrLoad(conn, path, schema, l, "-nlt", "PROMOTE_TO_MULTI"); err != nil {
			return err
		}
	}
	files := [][]string{{"villages.geojson", "villages"}, {"pk-rivers-gshhg-wdbii.geojson", "rivers"},
		{"provinces.geojson", "provinces", "-nlt", "PROMOTE_TO_MULTI", "-select", "iso_3166_2,name_en"}}
	if buildings {
		files = append(files, []string{"buildings.fgb", "buildings"})
	}
	for _, f := range files {
		if err := ogrLoad(conn, filepath.Join(dir, f[0]), schema, f[1], f[2:]...); err != nil {
			return err
		}
	}
	return execAll(ctx, pool, layoutSQL(schema, buildings)...)
}

func layoutSQL(schema string, buildings bool) []string {
	var parts []string
	for _, l := range floodLayers {
		parts = append(parts, fmt.Sprintf("SELECT '%s' AS layer, depth_class AS class, (ST_Dump(ST_MakeValid(geom))).geom FROM %s.%s", l, schema, l))
	}
	s := []string{
		`CREATE TABLE hz0 AS SELECT row_number() OVER () AS id, layer, class, array_position(` + depthClasses + `, class) AS rank,
		   geom, ST_Area(geom::geography) / 1e6 AS km2, ST_Transform(geom, 6933) AS g6933, ST_Area(ST_Transform(geom, 6933)) / 1e6 AS km2_6933
		 FROM (SELECT layer, class, ST_Subdivide(geom, 256) AS geom FROM (` + strings.Join(parts, " UNION ALL ") + `) d WHERE ST_Dimension(geom) = 2) s`,
		// uncompressed storage: the joins read each piece's geometry without decompressing it
		"CREATE TABLE hz (LIKE hz0)", "ALTER TABLE hz ALTER COLUMN geom SET STORAGE EXTERNAL, ALTER COLUMN g6933 SET STORAGE EXTERNAL",
		"INSERT INTO hz SELECT * FROM hz0", "DROP TABLE hz0", "ALTER TABLE hz ADD PRIMARY KEY (id)",
		"CREATE INDEX ON hz USING gist (geom)",
		"CREATE INDEX ON villages USING gist (geom)",
		"CREATE INDEX ON rivers USING gist (geom)",
		"UPDATE provinces SET geom = ST_Multi(ST_MakeValid(geom)) WHERE NOT ST_IsValid(geom)",
		"CREATE INDEX ON provinces USING gist (geom)",
		"CREATE INDEX ON provinces (iso_3166_2)",
	}
	for _, l := range floodLayers {
		s = append(s, fmt.Sprintf("CREATE INDEX ON %s USING gist (geom)", l))
	}
	if buildings {
		s = append(s, "ALTER TABLE buildings RENAME TO buildings_raw",
			"CREATE TABLE buildings AS SELECT fid, geom, ST_PointOnSurface(geom) AS pt, ST_Transform(geom, 6933) AS g6933 FROM buildings_raw",
			"DROP TABLE buildings_raw", "CREATE INDEX ON buildings USING gist (geom)", "CREATE INDEX ON buildings USING gist (pt)")
	}
	return append(s, "ANALYZE")
}

// projection is how the peer measures areas: the geography cast (geodesic edges on the
// spheroid) or planar areas in the equal-area EPSG:6933.
type projection struct {
	name, col, km2, q string
	area              func(string) string
}

var projections = []projection{
	{"geography", "geom", "km2", "g", func(x string) string { return "ST_Area((" + x + ")::geography) / 1e6" }},
	{"EPSG:6933", "g6933", "km2_6933", "ST_Transform(g, 6933)", func(x string) string { return "ST_Area(" + x + ") / 1e6" }},
}

// riskSQL is the peer's best SQL for one area: $1 the query (GeoJSON, or a province's key when
// province), $2 the hazard layers. Rows: (measure, layer, class, a, b, c). Areas: pieces inside
// the query whole (precomputed), the others clipped. The CTE p keeps only the ids and flags of
// the pieces meeting the query: joining the indexed table again for the geometry is 5x faster
// than carrying the geometry through the CTE, and computing the flag there keeps it out of the
// per-row join filters (measured on the 50 km area with 1M buildings). Villages (and building representative points)
// joined with ST_Intersects to the pieces meeting the query, each counted once per layer, in the
// deepest class. Building areas: exact clipped areas, whole when inside both piece and query.
func riskSQL(pr projection, province, buildings bool) string {
	q := "SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g"
	if province {
		q = "SELECT geom AS g FROM provinces WHERE iso_3166_2 = $1"
	}
	r := strings.NewReplacer("{G}", pr.col, "{KM2}", pr.km2)
	s := `WITH q AS MATERIALIZED (SELECT g, ` + pr.q + ` AS p FROM (` + q + `) s),
p AS MATERIALIZED (SELECT h.id, h.layer, h.class, h.rank, ST_Within(h.geom, q.g) AS inside
  FROM hz h, q WHERE h.layer = ANY($2) AND ST_Intersects(h.geom, q.g)),
a AS (SELECT p.layer, p.class, sum(CASE WHEN p.inside THEN h.{KM2} ELSE ` + pr.area("ST_Intersection(h.{G}, q.p)") + ` END) AS v
  FROM p JOIN hz h USING (id), q GROUP BY 1, 2),
v AS (SELECT DISTINCT ON (p.layer, x.fid) p.layer, p.class, x.population, x.fibre
  FROM p JOIN hz h USING (id) JOIN villages x ON ST_Intersects(h.geom, x.geom), q WHERE p.inside OR ST_Intersects(q.g, x.geom)
  ORDER BY p.layer, x.fid, p.rank DESC)`
	sel := `SELECT 'area', layer, class, v, 0::float8, 0::float8 FROM a
UNION ALL SELECT 'villages', layer, class, count(*)::float8, sum(population)::float8, (count(*) FILTER (WHERE fibre))::float8 FROM v GROUP BY 2, 3`
	if buildings {
		s += `,
bc AS (SELECT DISTINCT ON (p.layer, b.fid) p.layer, p.class
  FROM p JOIN hz h USING (id) JOIN buildings b ON ST_Intersects(h.geom, b.pt), q WHERE p.inside OR ST_Intersects(q.g, b.pt)
  ORDER BY p.layer, b.fid, p.rank DESC),
bp AS (SELECT p.layer, p.class, p.inside OR ST_Within(b.geom, q.g) AS inq,
    CASE WHEN ST_Within(b.geom, h.geom) THEN b.{G} ELSE ST_Intersection(b.{G}, h.{G}) END AS g
  FROM p JOIN hz h USING (id) JOIN buildings b ON ST_Intersects(h.geom, b.geom), q WHERE p.inside OR ST_Intersects(q.g, b.geom)),
ba AS (SELECT layer, class, sum(` + pr.area("CASE WHEN inq THEN bp.g ELSE ST_Intersection(bp.g, q.p) END") + `) AS v FROM bp, q GROUP BY 1, 2)`
		sel += `
UNION ALL SELECT 'buildings', layer, class, count(*)::float8, 0, 0 FROM bc GROUP BY 2, 3
UNION ALL SELECT 'building_area', layer, class, v, 0, 0 FROM ba`
	}
	return r.Replace(s + "\n" + sel)
}
