package keyfile

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/data/fault"
)

// ErrUnauthorized is Authenticate's one refusal, whatever was wrong with the token (malformed,
// unknown id, wrong secret): a fault.KindAuth error.
var ErrUnauthorized = &fault.Error{Kind: fault.KindAuth, Msg: "invalid API key"}

// ErrBusy is Check's answer when a token needs a derivation and none could start within the
// wait (see WithDerivations): a fault.KindUnavailable error, to retry.
var ErrBusy = &fault.Error{Kind: fault.KindUnavailable, Msg: "too many key checks at once", Detail: "retry in a second"}

// DefaultWait is how long a key check waits for a derivation slot before ErrBusy.
const DefaultWait = time.Second

// maxRefused bounds the cache of refused tokens.
const maxRefused = 4096

// Keyring authenticates tokens against a set of keys. Its keys do not change after it is made: a
// reload makes a new Keyring, which knows only the verified tokens of the old one's keys that are
// unchanged (Inherit), so a revoked or changed key stops working at the reload. Safe for
// concurrent use.
type Keyring struct {
	list   []Key
	mode   os.FileMode // permission bits of the file read (0 when not from a file)
	byID   map[string]entry
	legacy *entry   // the INDUS_API_KEY principal, or nil
	sum    [32]byte // SHA-256 of the legacy key
	dummy  phc
	derive func(token string, h phc) []byte
	slots  chan struct{} // one per derivation under way (half the cores by default)
	wait   time.Duration // how long a derivation waits for a slot before ErrBusy
	flight singleflight.Group

	mu      sync.RWMutex
	valid   map[[32]byte]*access.Principal // SHA-256 of a verified token → its principal
	refused map[[32]byte]struct{}          // SHA-256 of refused tokens (bounded)
}

type entry struct {
	hash      phc
	principal *access.Principal
}

// Option configures a Keyring.
type Option func(*Keyring)

// WithLegacyKey also accepts secret itself as a token (the legacy INDUS_API_KEY), for the
// principal "api-key" with the right warnings:write and no groups. An empty secret adds nothing.
func WithLegacyKey(secret string) Option {
	return func(k *Keyring) {
		if secret == "" {
			return
		}
		k.sum = sha256.Sum256([]byte(secret))
		k.legacy = &entry{principal: &access.Principal{ID: LegacyID, Rights: []access.Right{access.WriteWarnings}}}
	}
}

// WithDerivations lets at most n derivations run at once (n ≥ 1), a token waiting at most wait for
// one to end before ErrBusy. The default is half the cores (at least one) and DefaultWait, so that
// key checks, failed ones above all, cannot take every core from other requests.
func WithDerivations(n int, wait time.Duration) Option {
	return func(k *Keyring) {
		k.slots, k.wait = make(chan struct{}, max(1, n)), wait
	}
}

// Load reads the keys file at path into a Keyring.
func Load(path string, opts ...Option) (*Keyring, error) {
	keys, mode, err := readKeys(path)
	if err != nil {
		return nil, err
	}
	k := build(keys, opts)
	k.mode = mode
	return k, nil
}

// Mode is the permission bits of the keys file the Keyring was loaded from (0 when it was not):
// a file that group or others may read (mode&0o077 != 0) lets them try to guess secrets offline.
func (k *Keyring) Mode() os.FileMode { return k.mode }

// Parse reads a keys file from r into a Keyring.
func Parse(r io.Reader, opts ...Option) (*Keyring, error) {
	keys, err := decode(r)
	if err != nil {
		return nil, err
	}
	return build(keys, opts), nil
}

// New makes a Keyring of keys, checked as a keys file's are.
func New(keys []Key, opts ...Option) (*Keyring, error) {
	keys = cloneKeys(keys)
	seen := map[string]bool{}
	for i := range keys {
		if err := normalize(&keys[i]); err != nil {
			return nil, fmt.Errorf("key %q: %v", keys[i].ID, err)
		}
		if seen[keys[i].ID] {
			return nil, fmt.Errorf("key %q: id is used twice", keys[i].ID)
		}
		seen[keys[i].ID] = true
	}
	return build(keys, opts), nil
}

// build makes a Keyring of checked keys.
func build(keys []Key, opts []Option) *Keyring {
	k := &Keyring{list: keys, byID: make(map[string]entry, len(keys)), dummy: dummyPHC(), derive: argon2id,
		slots: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2)), wait: DefaultWait,
		valid: map[[32]byte]*access.Principal{}, refused: map[[32]byte]struct{}{}}
	for _, key := range keys {
		h, _ := parsePHC(key.Hash) // checked by normalize
		p := &access.Principal{ID: key.ID, Groups: slices.Clone(key.Groups), Rights: slices.Clone(key.Rights)}
		k.byID[key.ID] = entry{hash: h, principal: p}
	}
	for _, o := range opts {
		o(k)
	}
	return k
}

// Authenticate returns the principal whose key token is, or ErrUnauthorized (or ErrBusy). The
// principal is shared: callers must not modify it.
//
// A well-formed token costs one argon2id derivation the first time and a map lookup after (the
// Keyring remembers verified tokens by their SHA-256, one per key at most, and the last 4096
// refused ones). A token naming an unknown id is derived against a dummy hash, so its refusal
// takes as long as a wrong secret's; a malformed token is refused at once. Concurrent requests
// with the same new token share one derivation; at most half the cores derive at once (see
// WithDerivations), a token waiting longer than a second for its turn is refused with ErrBusy.
func (k *Keyring) Authenticate(token string) (*access.Principal, error) { return k.Check(token, nil) }

// Check is Authenticate, asking admit (when not nil) before a token's derivation: if admit fails,
// Check returns its error and derives nothing. admit is told the id of the key the token names,
// or "" when the Keyring has no key of that id. Tokens remembered, the legacy key and malformed
// tokens are answered without asking.
func (k *Keyring) Check(token string, admit func(key string) error) (*access.Principal, error) {
	sum := sha256.Sum256([]byte(token))
	if k.legacy != nil && subtle.ConstantTimeCompare(sum[:], k.sum[:]) == 1 {
		return k.legacy.principal, nil
	}
	id, ok := tokenID(token)
	if !ok {
		return nil, ErrUnauthorized
	}
	p, known := k.remembered(sum)
	if !known {
		if admit != nil {
			named := id
			if _, known := k.byID[id]; !known {
				named = ""
			}
			if err := admit(named); err != nil {
				return nil, err
			}
		}
		v, err, _ := k.flight.Do(string(sum[:]), func() (any, error) {
			if p, known := k.remembered(sum); known { // a flight that ended since the lookup
				return p, nil
			}
			return k.verify(id, token, sum)
		})
		if err != nil {
			return nil, err
		}
		p = v.(*access.Principal)
	}
	if p == nil {
		return nil, ErrUnauthorized
	}
	return p, nil
}

// Inherit makes k remember the tokens old verified for the keys k has unchanged (same id, hash,
// groups and rights), so that a reload that leaves a key as it was does not make its callers'
// tokens new again (each a derivation, counted against their address's budget of failed logins,
// which an attacker may have used up). Tokens of keys removed or changed are not carried over,
// nor refused tokens (one may match a key added). Call it before k is used.
func (k *Keyring) Inherit(old *Keyring) {
	if old == nil {
		return
	}
	was, is := old.index(), k.index()
	old.mu.RLock()
	defer old.mu.RUnlock()
	k.mu.Lock()
	defer k.mu.Unlock()
	for sum, p := range old.valid {
		if o, n := was[p.ID], is[p.ID]; sameKey(o, n) && n.ID != "" {
			k.valid[sum] = k.byID[p.ID].principal
		}
	}
}

// sameKey reports whether a and b are the same key but for its creation time.
func sameKey(a, b Key) bool {
	return a.ID == b.ID && a.Hash == b.Hash && slices.Equal(a.Groups, b.Groups) && slices.Equal(a.Rights, b.Rights)
}

// remembered looks a token's SHA-256 up in the caches: its principal (nil if refused) and whether
// it was there.
func (k *Keyring) remembered(sum [32]byte) (*access.Principal, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if p, ok := k.valid[sum]; ok {
		return p, true
	}
	_, ok := k.refused[sum]
	return nil, ok
}

// verify derives token's key against the hash of id (or the dummy) and remembers the answer;
// ErrBusy if no derivation slot frees up in time.
func (k *Keyring) verify(id, token string, sum [32]byte) (*access.Principal, error) {
	e, known := k.byID[id]
	h := e.hash
	if !known {
		h = k.dummy
	}
	if !k.acquire() {
		return nil, ErrBusy
	}
	got := k.derive(token, h)
	<-k.slots
	match := subtle.ConstantTimeCompare(got, h.hash) == 1 && known
	k.mu.Lock()
	defer k.mu.Unlock()
	if match {
		k.valid[sum] = e.principal
		return e.principal, nil
	}
	if len(k.refused) >= maxRefused {
		for s := range k.refused { // drop one at random (map order)
			delete(k.refused, s)
			break
		}
	}
	k.refused[sum] = struct{}{}
	return nil, nil
}

// acquire takes a derivation slot, waiting at most k.wait.
func (k *Keyring) acquire() bool {
	select {
	case k.slots <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(k.wait)
	defer t.Stop()
	select {
	case k.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	}
}

// secretLen is the length of a token's secret part.
const secretLen = 43

// tokenID returns the id of a well-formed token "indus_<id>_<43 base64url characters>".
func tokenID(token string) (string, bool) {
	rest, ok := strings.CutPrefix(token, "indus_")
	if !ok || len(rest) < secretLen+2 || len(rest) > 63+1+secretLen || rest[len(rest)-secretLen-1] != '_' {
		return "", false
	}
	for _, c := range []byte(rest[len(rest)-secretLen:]) {
		if !base64URL(c) {
			return "", false
		}
	}
	id := rest[:len(rest)-secretLen-1]
	return id, idPattern.MatchString(id)
}

func base64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// IDs lists the ids the Keyring accepts, sorted; LegacyID among them with the legacy key.
func (k *Keyring) IDs() []string {
	ids := slices.Collect(maps.Keys(k.byID))
	if k.legacy != nil {
		ids = append(ids, LegacyID)
	}
	slices.Sort(ids)
	return ids
}

// Keys returns the keys of the file, in its order (a copy; the legacy key is not among them).
func (k *Keyring) Keys() []Key { return cloneKeys(k.list) }

func cloneKeys(keys []Key) []Key {
	out := slices.Clone(keys)
	for i := range out {
		out[i].Groups = slices.Clone(out[i].Groups)
		out[i].Rights = slices.Clone(out[i].Rights)
	}
	return out
}

// Diff says which ids a reload from old to new adds, removes, and changes (same id, another hash,
// groups or rights), each sorted. A nil Keyring has no keys.
func Diff(old, new *Keyring) (added, removed, changed []string) {
	was, is := old.index(), new.index()
	for id, k := range is {
		o, ok := was[id]
		switch {
		case !ok:
			added = append(added, id)
		case !sameKey(o, k):
			changed = append(changed, id)
		}
	}
	for id := range was {
		if _, ok := is[id]; !ok {
			removed = append(removed, id)
		}
	}
	slices.Sort(added)
	slices.Sort(removed)
	slices.Sort(changed)
	return added, removed, changed
}

// index maps the Keyring's ids to their keys; the legacy key is a key without hash.
func (k *Keyring) index() map[string]Key {
	out := map[string]Key{}
	if k == nil {
		return out
	}
	for _, key := range k.list {
		out[key.ID] = key
	}
	if k.legacy != nil {
		out[LegacyID] = Key{ID: LegacyID, Rights: k.legacy.principal.Rights, Hash: fmt.Sprintf("%x", k.sum)}
	}
	return out
}
