package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/cmd/indus/internal/httpapi"
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/data/access/auditlog"
	"github.com/cpec-digital/indus/data/access/keyfile"
	"github.com/cpec-digital/indus/data/access/ratelimit"
)

// publicLayers are the layers that feed answers every caller gets — the risk index and rankings
// (people, facilities, admin units), the flood warnings broadcast as CAP alerts and events (gauges,
// villages, facilities, CPEC routes): a catalog may not restrict them. Flood layers may be
// restricted: warning areas and impacts are drawn from the public ones only (as if the others
// were absent), in analytics/warnings and analytics/impact.
func publicLayers(cfg analytics.Config) []string {
	return []string{cfg.PopulationLayer, cfg.FacilityLayer, cfg.GaugeLayer, cfg.AdminLayer, "cpec_routes"}
}

// checkPublic refuses a catalog that restricts a layer public answers are made of.
func checkPublic(cat *data.Catalog, cfg analytics.Config) error {
	for _, id := range publicLayers(cfg) {
		if l, ok := cat.Layer(id); ok && !l.Access.Public() {
			return data.Invalid(fmt.Sprintf("layer %q: access must be public", id),
				"it feeds answers every caller gets (risk index, rankings, flood warnings); restrict a copy of it instead")
		}
	}
	return nil
}

// trust is a server's keys (the keys file and INDUS_API_KEY, loaded again on SIGHUP), its audit
// log, its rate limiter and its throttle of failed logins.
type trust struct {
	path, legacy string
	timeout      time.Duration // to read the keys file
	keys         atomic.Pointer[keyfile.Keyring]
	audit        *auditlog.Log // nil: no audit log
	limiter      *ratelimit.Limiter
	logins       *ratelimit.Limiter // key checks and failed logins per client address, always on
	keyChecks    *ratelimit.Limiter // key checks per key id named, once the address's budget is spent
	log          *slog.Logger
}

// The throttle of failed logins: each client address may have loginBurst keys checked (a token
// seen for the first time: an argon2id derivation) or refused at once, then one every
// 1/loginRate seconds; past that it is answered 429.
// Past it, a token naming a key id is still checked within that id's budget, keyCheckBurst then
// one every 1/keyCheckRate seconds (one budget for all ids no key has), so that bad tokens from
// an address do not lock out a good key's first use from it. A good token's check is given back.
const (
	loginBurst    = 10
	loginRate     = 0.5 // a second
	keyCheckBurst = 3
	keyCheckRate  = 0.1 // a second
	// keysTimeout bounds the reading of the keys file (one on a hung network mount, say).
	keysTimeout = 10 * time.Second
)

// openTrust loads the keys and opens the audit log (refusing a broken chain).
func openTrust(cfg config, log *slog.Logger) (*trust, error) {
	t := &trust{path: cfg.Keys, legacy: cfg.APIKey, timeout: keysTimeout, log: log}
	ring, err := t.load()
	if err != nil {
		return nil, err
	}
	t.keys.Store(ring)
	if t.logins, err = ratelimit.New(ratelimit.Config{Rate: loginRate, Burst: loginBurst, MaxKeys: 100_000}); err != nil {
		return nil, err
	}
	if t.keyChecks, err = ratelimit.New(ratelimit.Config{Rate: keyCheckRate, Burst: keyCheckBurst, MaxKeys: 10_000}); err != nil {
		return nil, err
	}
	if cfg.RateLimit > 0 {
		burst := cfg.RateBurst
		if burst == 0 {
			burst = max(1, cfg.RateLimit/6)
		}
		if t.limiter, err = ratelimit.New(ratelimit.Config{Rate: float64(cfg.RateLimit) / 60, Burst: burst, MaxKeys: 100_000}); err != nil {
			return nil, err
		}
	}
	if cfg.AuditLog != "" {
		if t.audit, err = auditlog.Open(cfg.AuditLog); err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
	}
	if len(ring.IDs()) == 0 {
		log.Warn("no keys: every request is anonymous and POST /warnings/readings is disabled (set INDUS_API_KEY or --keys)")
	}
	return t, nil
}

// load reads the keys file (none without a path) with the legacy key, giving up after t.timeout
// (the read, if it ever ends, is then dropped).
func (t *trust) load() (*keyfile.Keyring, error) {
	if t.path == "" {
		return keyfile.New(nil, keyfile.WithLegacyKey(t.legacy))
	}
	type loaded struct {
		ring *keyfile.Keyring
		err  error
	}
	done := make(chan loaded, 1)
	go func() {
		ring, err := keyfile.Load(t.path, keyfile.WithLegacyKey(t.legacy))
		done <- loaded{ring, err}
	}()
	timer := time.NewTimer(t.timeout)
	defer timer.Stop()
	select {
	case l := <-done:
		if l.err != nil {
			return nil, fmt.Errorf("keys file: %w", l.err)
		}
		if m := l.ring.Mode(); m&0o077 != 0 {
			t.log.Warn("the keys file may be read by group or others: they could try to guess its keys' secrets offline; chmod 600 it",
				"path", t.path, "mode", fmt.Sprintf("%04o", m))
		}
		return l.ring, nil
	case <-timer.C:
		return nil, fmt.Errorf("keys file: %s could not be read in %v", t.path, t.timeout)
	}
}

// Authenticate asks the keys loaded last.
func (t *trust) Authenticate(token string, admit func(key string) error) (*access.Principal, error) {
	return t.keys.Load().Check(token, admit)
}

// reloadKeys loads the keys file again and records what changed. A bad file keeps the old keys;
// so does a change whose record cannot be written to the audit log (it is tried again at the next
// reload). Unchanged keys keep their verified tokens: a reload does not make them new again.
func (t *trust) reloadKeys() {
	ring, err := t.load()
	if err != nil {
		t.log.Error("keys not reloaded; the previous keys stay valid", "err", err)
		t.record(auditlog.Record{Action: "keys", Route: "reload", Status: 500, Detail: err.Error()})
		return
	}
	old := t.keys.Load()
	added, removed, changed := keyfile.Diff(old, ring)
	if len(added)+len(removed)+len(changed) == 0 {
		t.log.Info("keys reloaded: no change", "keys", len(old.IDs()))
		return
	}
	r := auditlog.Record{Action: "keys", Route: "reload", Status: 200, Detail: fmt.Sprintf("added %v removed %v changed %v", added, removed, changed)}
	if err := t.require(r); err != nil {
		t.log.Error("keys not reloaded: the audit log cannot record the change; the previous keys stay valid until a reload once it can",
			"added", added, "removed", removed, "changed", changed, "err", err)
		return
	}
	ring.Inherit(old)
	t.keys.Store(ring)
	t.log.Info("keys reloaded", "keys", len(ring.IDs()), "added", added, "removed", removed, "changed", changed)
}

// reloaded records a data reload, failed (err) or about to swap in data version: that one may
// go ahead only if its record is written (nil), as a change unrecorded is refused.
func (t *trust) reloaded(version string, err error) error {
	if err != nil {
		t.record(auditlog.Record{Action: "data", Route: "reload", Status: 500, Detail: err.Error()})
		return nil
	}
	return t.require(auditlog.Record{Action: "data", Route: "reload", Status: 200, Detail: "data version " + version})
}

// Audit appends an HTTP event to the audit log.
func (t *trust) Audit(ev httpapi.Event) error {
	r := auditlog.Record{Key: ev.Who.Name(), Action: "read", Method: ev.Method, Route: ev.Route, Layers: ev.Layers,
		Tile: ev.Tile, Status: ev.Status, Detail: ev.Detail}
	if ev.Write {
		r.Action = "write"
	}
	if len(ev.BBox) == 4 {
		r.BBox = &[4]float64{ev.BBox[0], ev.BBox[1], ev.BBox[2], ev.BBox[3]}
	}
	if ev.Write && ev.Status < 400 { // done: it stands whether or not it is recorded
		return t.audit.Append(r)
	}
	return t.audit.Require(r) // a read of restricted data is refused unrecorded; an attempt was refused
}

// Writable says whether the audit log can take the record of a write.
func (t *trust) Writable() error { return t.audit.Writable() }

// require appends the record, made by the server itself (key "operator"), of a change that may
// go ahead only once recorded; nil without an audit log.
func (t *trust) require(r auditlog.Record) error {
	if t.audit == nil {
		return nil
	}
	r.Key = access.Operator().ID
	return t.audit.Require(r)
}

// record appends a record made by the server itself (key "operator").
func (t *trust) record(r auditlog.Record) {
	if t.audit == nil {
		return
	}
	r.Key = access.Operator().ID
	if err := t.audit.Append(r); err != nil {
		t.log.Error("audit log", "err", err)
	}
}

// services fills the keys, login throttle, audit log and rate limiter of the HTTP services.
func (t *trust) services(svc *httpapi.Services) {
	svc.Keys, svc.Logins, svc.KeyChecks = t, t.logins, t.keyChecks
	if t.audit != nil {
		svc.Audit = t
	}
	if t.limiter != nil {
		svc.Limiter = t.limiter
	}
}

// syncs flushes the audit log to disk every few seconds until ctx ends.
func (t *trust) syncs(ctx context.Context) {
	if t.audit == nil {
		return
	}
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := t.audit.Sync(); err != nil {
				t.log.Error("audit log sync", "err", err)
			}
		}
	}
}

// close flushes and closes the audit log.
func (t *trust) close() {
	if t.audit != nil {
		if err := t.audit.Close(); err != nil {
			t.log.Error("closing the audit log", "err", err)
		}
	}
}
