package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// VersionsChannel is the NOTIFY channel of layer changes.
const VersionsChannel = "indus_layers"

// The version of each PostgreSQL source layer, kept in the state database. Whoever changes a
// PG: layer's table calls indus_layer_changed('<layer id>') in the same transaction: that bumps
// the layer's version and notifies every server, which reloads its data.
const versionsSchema = `
CREATE TABLE IF NOT EXISTS indus_layer_versions (
	layer   text PRIMARY KEY,
	version bigint NOT NULL,
	changed timestamptz NOT NULL DEFAULT now()
);
CREATE OR REPLACE FUNCTION indus_layer_changed(name text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE v bigint;
BEGIN
	INSERT INTO indus_layer_versions (layer, version) VALUES (name, 1)
	ON CONFLICT (layer) DO UPDATE SET version = indus_layer_versions.version + 1, changed = now()
	RETURNING version INTO v;
	PERFORM pg_notify('` + VersionsChannel + `', name);
	RETURN v;
END $$;`

// Versions watches the layer versions table.
type Versions struct {
	pool *pgxpool.Pool
	*Listener
}

// OpenVersions connects to the state database at url, creates the table and function when
// missing and listens for changes.
func OpenVersions(ctx context.Context, url string, log *slog.Logger) (*Versions, error) {
	pool, err := Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := Migrate(ctx, pool, versionsSchema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("state database %s: creating the layer versions table: %w", Redact(url), err)
	}
	return &Versions{pool: pool, Listener: Listen(pool, VersionsChannel, log)}, nil
}

// Read returns the layer versions as one stable string, "layer:version,…" in layer order
// (empty when no layer has changed yet).
func (v *Versions) Read(ctx context.Context) (string, error) {
	rows, err := v.pool.Query(ctx, "SELECT layer, version FROM indus_layer_versions")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var layer string
		var n int64
		if err := rows.Scan(&layer, &n); err != nil {
			return "", err
		}
		out = append(out, fmt.Sprintf("%s:%d", layer, n))
	}
	sort.Strings(out)
	return strings.Join(out, ","), rows.Err()
}

// Close stops listening and closes the connections.
func (v *Versions) Close() {
	v.Listener.Close()
	v.pool.Close()
}
