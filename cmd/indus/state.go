package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	warnpg "github.com/cpec-digital/indus/analytics/warnings/postgres"
	"github.com/cpec-digital/indus/data/postgres"
	"github.com/cpec-digital/indus/indexes"
)

// state is the PostgreSQL database replicas share (--state-db): the warnings log and the
// versions of the PG: layers. Nil without --state-db (one node: the local journal).
type state struct {
	log      *warnpg.Log
	versions *postgres.Versions
}

// openState connects to the state database; an unreachable database stops the server at start.
func openState(ctx context.Context, cfg config, log *slog.Logger) (*state, error) {
	if cfg.StateDB == "" {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	l, err := warnpg.Open(ctx, cfg.StateDB, log)
	if err != nil {
		return nil, err
	}
	v, err := postgres.OpenVersions(ctx, cfg.StateDB, log)
	if err != nil {
		l.Close()
		return nil, err
	}
	log.Info("shared state", "db", postgres.Redact(cfg.StateDB))
	return &state{log: l, versions: v}, nil
}

func (s *state) close() {
	if s != nil {
		s.log.Close()
		s.versions.Close()
	}
}

// load loads the data between two reads of the layer versions that agree, so that what it read
// of the PG: layers belongs to one set of versions (writers change a layer and bump its version
// in one transaction; a bump during the load makes it load again), and marks the data version
// with those versions, so that caches keyed by it (tiles, risk tables) start afresh on every
// replica. It returns the versions it loaded.
func (s *state) load(ctx context.Context, load func() (*indexes.Set, error)) (*indexes.Set, string, error) {
	if s == nil {
		set, err := load()
		return set, "", err
	}
	for range 5 {
		before, err := s.versions.Read(ctx)
		if err != nil {
			return nil, "", err
		}
		set, err := load()
		if err != nil {
			return nil, "", err
		}
		after, err := s.versions.Read(ctx)
		if err != nil {
			return nil, "", err
		}
		if before != after {
			continue
		}
		if after != "" {
			sum := sha256.Sum256([]byte(set.Dataset.Version + "|" + after))
			set.Dataset.Version = hex.EncodeToString(sum[:8])
		}
		return set, after, nil
	}
	return nil, "", errors.New("the PG layers changed during five loads in a row")
}

// watch reloads the data whenever the layer versions differ from those loaded: at a
// notification, or at the next poll when notifications were lost.
func (a *app) watch(ctx context.Context, s *state, load func() (*indexes.Set, error)) {
	if s == nil {
		return
	}
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.versions.Changed():
		case <-tick.C:
		}
		cur, err := s.versions.Read(ctx)
		a.mu.Lock()
		same := cur == a.layers
		a.mu.Unlock()
		if err != nil || same {
			continue
		}
		a.ops.phase.set(reasonReloading)
		a.log.Info("a PG layer changed; reloading", "versions", cur)
		a.reload(ctx, s, load)
	}
}
