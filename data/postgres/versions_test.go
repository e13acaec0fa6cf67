package postgres_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/cpec-digital/indus/data/postgres"
	"github.com/cpec-digital/indus/data/postgres/pgtest"
)

// TestVersions: indus_layer_changed bumps a layer's version and notifies every watcher.
func TestVersions(t *testing.T) {
	pg := pgtest.Require(t)
	ctx := context.Background()
	v, err := postgres.OpenVersions(ctx, pg.URL(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if got, err := v.Read(ctx); err != nil || got != "" {
		t.Fatalf("before any change: %q %v", got, err)
	}
	<-v.Changed() // the first connection
	for _, want := range []string{"villages:1", "villages:2"} {
		if err := pg.SQL(ctx, "indus", "SELECT indus_layer_changed('villages')"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-v.Changed():
		case <-time.After(5 * time.Second):
			t.Fatal("no notification")
		}
		if got, err := v.Read(ctx); err != nil || got != want {
			t.Fatalf("after a change: %q %v, want %q", got, err, want)
		}
	}
	pg.SQL(ctx, "indus", "SELECT indus_layer_changed('roads')")
	if got, _ := v.Read(ctx); got != "roads:1,villages:2" {
		t.Errorf("two layers: %q", got)
	}
}
