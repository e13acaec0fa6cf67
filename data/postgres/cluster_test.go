package postgres_test

import (
	"context"
	"testing"

	"github.com/cpec-digital/indus/data/postgres/pgtest"
)

func TestClusterRunsPostGIS(t *testing.T) {
	c := pgtest.Require(t)
	if err := c.SQL(context.Background(), "indus", "SELECT ST_AsText(ST_Point(68, 25))"); err != nil {
		t.Fatal(err)
	}
	if err := c.SQL(context.Background(), "indus", "SELECT nonsense()"); err == nil {
		t.Fatal("a bad statement passed")
	}
}
