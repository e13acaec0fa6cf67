package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"
)

// serveCeiling is the best any tile server could do here: a minimal Fiber handler replaying, for
// each tile URL, the bytes Indus sent for it (read from file, written by fetchTiles), with the
// same Content-Encoding; an unknown URL gets the tiles round robin.
func serveCeiling(addrFile, file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var tiles []ceilingTile
	if err := json.Unmarshal(b, &tiles); err != nil || len(tiles) == 0 {
		return fmt.Errorf("ceiling tiles %s: %v", file, err)
	}
	byPath := map[string]*ceilingTile{}
	for i := range tiles {
		byPath[tiles[i].Path] = &tiles[i]
	}
	var next atomic.Int64
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/tiles/:layers/:z/:x/:y.mvt", func(c *fiber.Ctx) error {
		t := byPath[c.Path()]
		if t == nil {
			t = &tiles[int(next.Add(1))%len(tiles)]
		}
		if len(t.Body) == 0 {
			return c.SendStatus(fiber.StatusNoContent)
		}
		c.Set(fiber.HeaderContentType, "application/vnd.mapbox-vector-tile")
		if t.Gzip {
			c.Set(fiber.HeaderContentEncoding, "gzip")
		}
		return c.Send(t.Body)
	})
	return listen(app, addrFile)
}

// servePeer serves the same tiles from PostGIS through an equally thin Fiber handler: one
// ST_AsMVT(ST_AsMVTGeom(...)) query per tile over ST_TileEnvelope, as pg_tileserv and Martin do.
func servePeer(addrFile, conn, schema string) error {
	pool, err := peerPool(context.Background(), conn, schema)
	if err != nil {
		return err
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/tiles/:layers/:z/:x/:y.mvt", func(c *fiber.Ctx) error {
		z, _ := strconv.Atoi(c.Params("z"))
		x, _ := strconv.Atoi(c.Params("x"))
		y, _ := strconv.Atoi(c.Params("y"))
		var tile []byte
		if err := pool.QueryRow(c.UserContext(), peerTileSQL, z, x, y).Scan(&tile); err != nil {
			return err
		}
		if len(tile) == 0 {
			return c.SendStatus(fiber.StatusNoContent)
		}
		c.Set(fiber.HeaderContentType, "application/vnd.mapbox-vector-tile")
		return c.Send(tile)
	})
	return listen(app, addrFile)
}

// peerTileSQL draws the benchmark's composite tile (flood_rp100, rivers, villages, provinces).
const peerTileSQL = `
WITH b AS (SELECT ST_TileEnvelope($1, $2, $3) AS env, ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0/4096), 4326) AS q)
SELECT
 coalesce((SELECT ST_AsMVT(t, 'flood_rp100', 4096, 'geom') FROM (SELECT f.depth_class, ST_AsMVTGeom(ST_Transform(f.geom, 3857), b.env, 4096, 64, true) AS geom FROM flood_rp100 f, b WHERE f.geom && b.q) t), '') ||
 coalesce((SELECT ST_AsMVT(t, 'rivers', 4096, 'geom') FROM (SELECT r.level, r.kind, ST_AsMVTGeom(ST_Transform(r.geom, 3857), b.env, 4096, 64, true) AS geom FROM rivers r, b WHERE r.geom && b.q) t), '') ||
 coalesce((SELECT ST_AsMVT(t, 'villages', 4096, 'geom') FROM (SELECT v.village_id, v.name, v.province, v.population, v.fibre, ST_AsMVTGeom(ST_Transform(v.geom, 3857), b.env, 4096, 64, true) AS geom FROM villages v, b WHERE v.geom && b.q AND $1 >= 5) t), '') ||
 coalesce((SELECT ST_AsMVT(t, 'provinces', 4096, 'geom') FROM (SELECT p.iso_3166_2, p.name_en, ST_AsMVTGeom(ST_Transform(p.geom, 3857), b.env, 4096, 64, true) AS geom FROM provinces p, b WHERE p.geom && b.q) t), '')
FROM b`

func listen(app *fiber.App, addrFile string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	if err := os.WriteFile(addrFile, []byte(ln.Addr().String()), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "listening on", ln.Addr())
	return app.Listener(ln)
}
