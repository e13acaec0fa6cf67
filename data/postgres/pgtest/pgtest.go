// Package pgtest starts a private PostGIS cluster for a test (see postgres.Cluster).
package pgtest

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/cpec-digital/indus/data/postgres"
	"github.com/cpec-digital/indus/data/testenv"
)

// Require starts a cluster in a temporary folder for a test, stopped and removed at its end. It
// skips the test under -short (make unit) and when PostgreSQL is missing, except under CI (where
// make test installs it).
func Require(t testing.TB) *postgres.Cluster {
	t.Helper()
	testenv.External(t, "PostgreSQL")
	if err := postgres.Available(); err != nil {
		testenv.Missing(t, fmt.Sprintf("PostgreSQL (%v)", err))
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
