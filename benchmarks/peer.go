package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/cpec-digital/indus/data/postgres"
	"github.com/jackc/pgx/v5/pgxpool"
)

// peerSettings are the server settings the PostGIS peer runs with: PostgreSQL's tuning advice for
// a read-mostly analytical load on this machine (shared_buffers above the loaded data with its
// indexes, a generous work_mem, SSD page costs, default parallel workers), durability off (the
// data is a copy), and jit off: on Punjab with 200k villages, the slowest query, it made no
// difference beyond the noise (1.6-2.4 s either way), and it can only add compile time to the
// small queries whose estimates cross jit_above_cost.
func peerSettings(sharedMB int) []string {
	return []string{
		"listen_addresses=127.0.0.1", "fsync=off", "synchronous_commit=off", "full_page_writes=off",
		fmt.Sprintf("shared_buffers=%dMB", sharedMB), "work_mem=64MB", "maintenance_work_mem=512MB",
		"effective_cache_size=4GB", "random_page_cost=1.1", "effective_io_concurrency=200",
		"max_wal_size=8GB", "checkpoint_timeout=30min", "jit=off",
	}
}

// startPeer starts a private PostGIS cluster (data/postgres) and restarts it with peerSettings,
// since the helper fixes shared_buffers on its command line.
func startPeer(ctx context.Context, dir string, sharedMB int) (*postgres.Cluster, error) {
	c, err := postgres.Start(ctx, dir)
	if err != nil {
		return nil, err
	}
	if err := c.Stop(); err != nil {
		return nil, err
	}
	bin, err := exec.Command("pg_config", "--bindir").Output()
	if err != nil {
		return nil, fmt.Errorf("pg_config: %w", err)
	}
	opts := fmt.Sprintf("-p %d -k %s", c.Port, dir)
	for _, s := range peerSettings(sharedMB) {
		opts += " -c " + s
	}
	args := []string{filepath.Join(strings.TrimSpace(string(bin)), "pg_ctl"), "-D", dir, "-l", filepath.Join(dir, "log"), "-w", "-o", opts, "start"}
	if os.Geteuid() == 0 {
		args = append([]string{"runuser", "-u", "postgres", "--"}, args...)
	}
	if out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("restarting PostgreSQL tuned: %v\n%s", err, out)
	}
	return c, nil
}

// peerPool connects to the peer with search_path set to one schema (one dataset).
func peerPool(ctx context.Context, conn, schema string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(conn)
	if err != nil {
		return nil, err
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema + ",public"
	return pgxpool.NewWithConfig(ctx, cfg)
}

// ogrLoad copies one vector file into schema.table with ogr2ogr (COPY mode).
func ogrLoad(conn, src, schema, table string, extra ...string) error {
	args := append([]string{"-f", "PostgreSQL", "PG:" + conn, src, "-nln", schema + "." + table,
		"-lco", "GEOMETRY_NAME=geom", "-lco", "FID=fid", "-lco", "SPATIAL_INDEX=NONE", "-overwrite", "-gt", "65536"}, extra...)
	if out, err := exec.Command("ogr2ogr", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("ogr2ogr %s: %v\n%s", table, err, out)
	}
	return nil
}

// execAll runs statements in order.
func execAll(ctx context.Context, pool *pgxpool.Pool, stmts ...string) error {
	for _, s := range stmts {
		if _, err := pool.Exec(ctx, s); err != nil {
			return fmt.Errorf("%v in: %s", err, s)
		}
	}
	return nil
}

// export writes one layer as Indus serves it (Features API, paged) to a GeoJSON file.
func export(base, layer, path string) error {
	var all []json.RawMessage
	for offset := 0; ; offset += 10000 {
		res, err := http.Get(fmt.Sprintf("%s/collections/%s/items?limit=10000&offset=%d", base, layer, offset))
		if err != nil {
			return err
		}
		var page struct {
			Features []json.RawMessage `json:"features"`
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil {
			return err
		}
		all = append(all, page.Features...)
		if len(page.Features) < 10000 {
			break
		}
	}
	b, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": all})
	return os.WriteFile(path, b, 0o644)
}

func peerVersion(ctx context.Context, conn string) string {
	pool, err := pgxpool.New(ctx, conn)
	if err != nil {
		return ""
	}
	defer pool.Close()
	var v string
	pool.QueryRow(ctx, "SELECT split_part(version(), ' ', 2) || ', PostGIS ' || postgis_lib_version() || ', GEOS ' || postgis_geos_version()").Scan(&v)
	return v
}
