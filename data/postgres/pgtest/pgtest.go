// Package pgtest starts a private PostGIS cluster for a test (see postgres.Cluster).
package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/cpec-digital/indus/data/postgres"
)

// Require starts a cluster in a temporary folder for a test, stopped and removed at its end. It
// skips the test when PostgreSQL is missing, except under CI (where make test installs it).
func Require(t testing.TB) *postgres.Cluster {
	t.Helper()
	if err := postgres.Available(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	dir, err := os.MkdirTemp("", "indus-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c, err := postgres.Start(context.Background(), dir+"/data")
	if err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(); os.RemoveAll(dir) })
	return c
}
