package keyfile

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/data/fault"
)

// counting replaces k's derivation with one that counts its calls.
func counting(k *Keyring) *atomic.Int64 {
	var n atomic.Int64
	derive := k.derive
	k.derive = func(token string, h phc) []byte {
		n.Add(1)
		return derive(token, h)
	}
	return &n
}

// refused fails t unless err is ErrUnauthorized, a fault.KindAuth error.
func refused(t *testing.T, what string, p *access.Principal, err error) {
	t.Helper()
	if p != nil || !errors.Is(err, ErrUnauthorized) || fault.KindOf(err) != fault.KindAuth {
		t.Errorf("%s: got %v, %v; want ErrUnauthorized", what, p, err)
	}
}

// Add → Load → Authenticate gives each key's own principal; wrong secrets and ids are refused.
func TestAddLoadAuthenticate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	telecom, err := Add(path, "telecom-ops", []string{"telecom", "ndma", "telecom"}, []access.Right{access.WriteWarnings})
	if err != nil {
		t.Fatal(err)
	}
	ndma, err := Add(path, "ndma.1", []string{"ndma"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(telecom, "indus_telecom-ops_") || len(telecom) != len("indus_telecom-ops_")+43 {
		t.Fatalf("token %q is not indus_<id>_<43 chars>", telecom)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("keys file mode %v, %v; want 0600", fi.Mode(), err)
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), telecom[len(telecom)-43:]) || !strings.Contains(string(raw), "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("the file holds the secret or not an OWASP-minimum argon2id hash:\n%s", raw)
	}
	k, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := k.Authenticate(telecom)
	if err != nil || p.ID != "telecom-ops" || !slices.Equal(p.Groups, []string{"ndma", "telecom"}) || !p.Can(access.WriteWarnings) {
		t.Fatalf("telecom token: %+v, %v", p, err)
	}
	p, err = k.Authenticate(ndma)
	if err != nil || p.ID != "ndma.1" || !slices.Equal(p.Groups, []string{"ndma"}) || len(p.Rights) != 0 {
		t.Fatalf("ndma token: %+v, %v", p, err)
	}
	secret := telecom[len(telecom)-43:]
	wrong := []byte(secret)
	wrong[10] ^= 'A' ^ 'B'
	if wrong[10] == secret[10] {
		wrong[10] = 'x'
	}
	p, err = k.Authenticate("indus_telecom-ops_" + string(wrong))
	refused(t, "wrong secret", p, err)
	p, err = k.Authenticate("indus_ndma.1_" + secret) // another key's id with this secret
	refused(t, "wrong id", p, err)
	p, err = k.Authenticate("indus_nobody_" + secret)
	refused(t, "unknown id", p, err)
	if got := k.IDs(); !slices.Equal(got, []string{"ndma.1", "telecom-ops"}) {
		t.Errorf("IDs %v", got)
	}
}

// Malformed tokens are refused with the same error and no derivation.
func TestMalformedTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	token, err := Add(path, "ops", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := Load(path)
	n := counting(k)
	secret := token[len(token)-43:]
	for _, bad := range []string{"", "indus_", "indus_ops_", "indus_ops", "indus__" + secret, "Indus_ops_" + secret,
		"indus_ops_" + secret[:42], "indus_ops_" + secret + "A", "indus_ops_" + secret[:42] + "=", "indus_ops_" + secret[:42] + "+",
		"indus_Ops_" + secret, "indus_-ops_" + secret, "indus_" + strings.Repeat("a", 64) + "_" + secret,
		"indus_ops " + secret, " " + token, token + " ", token + "\n"} {
		p, err := k.Authenticate(bad)
		refused(t, bad, p, err)
	}
	if n.Load() != 0 {
		t.Errorf("%d derivations for malformed tokens, want 0", n.Load())
	}
}

// A verified token costs one derivation, then none, and the same principal comes back; a refused
// one is remembered too; a reload (a new Keyring) forgets both.
func TestCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	token, _ := Add(path, "ops", []string{"telecom"}, nil)
	k, _ := Load(path)
	n := counting(k)
	first, err := k.Authenticate(token)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if p, err := k.Authenticate(token); p != first || err != nil {
			t.Fatalf("cached: %p %v, want %p", p, err, first)
		}
	}
	if n.Load() != 1 {
		t.Fatalf("%d derivations for four uses of one token, want 1", n.Load())
	}
	unknown := "indus_nobody_" + token[len(token)-43:]
	for range 3 {
		p, err := k.Authenticate(unknown)
		refused(t, "unknown id", p, err)
	}
	if n.Load() != 2 {
		t.Fatalf("%d derivations after three refusals of one token, want 2 (one dummy derivation)", n.Load())
	}
	again, _ := Load(path)
	m := counting(again)
	if p, err := again.Authenticate(token); err != nil || p.ID != "ops" || m.Load() != 1 {
		t.Fatalf("after reload: %v %v, %d derivations", p, err, m.Load())
	}
}

// Concurrent first uses of one token share one derivation.
func TestConcurrentFirstUse(t *testing.T) {
	key, token := cheapKey(t, "ops", nil, nil)
	k, err := New([]Key{key})
	if err != nil {
		t.Fatal(err)
	}
	n := counting(k)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if p, err := k.Authenticate(token); err != nil || p.ID != "ops" {
				t.Errorf("%v %v", p, err)
			}
		})
	}
	wg.Wait()
	if n.Load() != 1 {
		t.Errorf("%d derivations, want 1", n.Load())
	}
}

// Revoke removes a key: after a reload its token is refused and the others still work.
func TestRevoke(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	a, _ := Add(path, "a", nil, nil)
	b, _ := Add(path, "b", nil, []access.Right{access.Admin})
	before, _ := Load(path)
	if _, err := Add(path, "a", nil, nil); err == nil || !strings.Contains(err.Error(), `key "a" is already in`) {
		t.Errorf("adding an existing id: %v", err)
	}
	if err := Revoke(path, "a"); err != nil {
		t.Fatal(err)
	}
	if err := Revoke(path, "a"); err == nil || !strings.Contains(err.Error(), `key "a" is not in`) {
		t.Errorf("revoking a missing id: %v", err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v after revoke", fi.Mode())
	}
	k, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := k.Authenticate(a)
	refused(t, "revoked", p, err)
	if p, err := k.Authenticate(b); err != nil || p.ID != "b" || !p.Can(access.Admin) {
		t.Errorf("b: %v %v", p, err)
	}
	added, removed, changed := Diff(before, k)
	if len(added) != 0 || !slices.Equal(removed, []string{"a"}) || len(changed) != 0 {
		t.Errorf("diff %v %v %v", added, removed, changed)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// Diff names added, removed and changed ids, the legacy key among them.
func TestDiff(t *testing.T) {
	a, _ := cheapKey(t, "a", nil, nil)
	b, _ := cheapKey(t, "b", nil, nil)
	c, _ := cheapKey(t, "c", nil, nil)
	b2, _ := cheapKey(t, "b", nil, nil)
	old, _ := New([]Key{a, b})
	next, _ := New([]Key{b2, c}, WithLegacyKey("x"))
	added, removed, changed := Diff(old, next)
	if !slices.Equal(added, []string{"api-key", "c"}) || !slices.Equal(removed, []string{"a"}) || !slices.Equal(changed, []string{"b"}) {
		t.Errorf("diff %v %v %v", added, removed, changed)
	}
	if added, _, _ := Diff(nil, old); !slices.Equal(added, []string{"a", "b"}) {
		t.Errorf("from nil: %v", added)
	}
}

// The legacy key is its own principal, compared in full.
func TestLegacyKey(t *testing.T) {
	key, token := cheapKey(t, "ops", nil, nil)
	k, err := New([]Key{key}, WithLegacyKey("s3cret-legacy"))
	if err != nil {
		t.Fatal(err)
	}
	n := counting(k)
	p, err := k.Authenticate("s3cret-legacy")
	if err != nil || p.ID != LegacyID || !slices.Equal(p.Rights, []access.Right{access.WriteWarnings}) || len(p.Groups) != 0 {
		t.Fatalf("legacy: %+v %v", p, err)
	}
	for _, bad := range []string{"s3cret-legac", "s3cret-legacyy", "S3cret-legacy", ""} {
		p, err := k.Authenticate(bad)
		refused(t, bad, p, err)
	}
	if p, err := k.Authenticate(token); err != nil || p.ID != "ops" {
		t.Errorf("file key beside the legacy key: %v %v", p, err)
	}
	if n.Load() != 1 {
		t.Errorf("%d derivations, want 1 (the legacy key needs none)", n.Load())
	}
	if !slices.Equal(k.IDs(), []string{"api-key", "ops"}) {
		t.Errorf("IDs %v", k.IDs())
	}
	empty, _ := New(nil, WithLegacyKey(""))
	p, err = empty.Authenticate("")
	refused(t, "empty legacy key", p, err)
}

// A stored hash's own parameters are used, not the defaults.
func TestStoredParams(t *testing.T) {
	key, token := cheapKey(t, "ops", nil, nil)
	if !strings.HasPrefix(key.Hash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %s", key.Hash)
	}
	k, _ := New([]Key{key})
	if p, err := k.Authenticate(token); err != nil || p.ID != "ops" {
		t.Fatalf("%v %v", p, err)
	}
}
