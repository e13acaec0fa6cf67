package keyfile

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/cpec-digital/indus/data/access"
)

// cheapKey is a key for id hashed with tiny argon2id parameters (64 KiB, 1 pass), and its token.
func cheapKey(t testing.TB, id string, groups []string, rights []access.Right) (Key, string) {
	t.Helper()
	token := newToken(id)
	return Key{ID: id, Groups: groups, Rights: rights, Hash: newPHC(token, params{memory: 64, time: 1, threads: 1}).String()}, token
}

const goodHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"

// Parse refuses bad files with an error that names the key and the problem.
func TestParseErrors(t *testing.T) {
	key := func(fields string) string {
		return `{"keys":[{"id":"ok","hash":"` + goodHash + `"},{` + fields + `}]}`
	}
	hash := `"hash":"` + goodHash + `"`
	for _, c := range []struct{ file, want string }{
		{`{"keys":[{"id":"ok","hash":"` + goodHash + `","secret":"x"}]}`, `unknown field "secret"`},
		{`{"keys":[],"extra":1}`, `unknown field "extra"`},
		{key(`"id":"ok",` + hash), `key 2 ("ok"): id is used twice`},
		{key(`"id":"Bad",` + hash), `key 2 ("Bad"): id "Bad" is not valid`},
		{key(`"id":"api-key",` + hash), `id "api-key" is reserved`},
		{key(`"id":"b","groups":["Telecom"],` + hash), `key 2 ("b"): group "Telecom" is not a valid name`},
		{key(`"id":"b","rights":["warnings:read"],` + hash), `key 2 ("b"): right "warnings:read" is not one of`},
		{key(`"id":"b","hash":"$2a$10$abc"`), `key 2 ("b"): hash is not an argon2id PHC string`},
		{key(`"id":"b"`), `key 2 ("b"): hash is not an argon2id PHC string`},
		{key(`"id":"b","hash":"$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"`), `argon2 version "v=16"`},
		{key(`"id":"b","hash":"$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"`), `hash parameter "m=4194304" is not m=1..1048576`},
		{key(`"id":"b","hash":"$argon2id$v=19$m=19456,t=02,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"`), `not in canonical form`},
		{key(`"id":"b","hash":"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaGhhc2g"`), `salt must be 8 to 64 bytes`},
		{key(`"id":"b","hash":"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ=$aGFzaGhhc2g"`), `salt must be`},
		{key(`"id":"b","created":"yesterday",` + hash), `key 2`},
		{`{"keys":[]} {}`, `keys file is not valid: data after the JSON value`},
		{"{\"keys\":[\n  {\"id\":\"a\",}\n]}", `line 2, column 13`},
		{`{"keys":{"id":"a"}}`, `cannot unmarshal`},
		{``, `keys file is not valid: EOF`},
		{`{"keys":[]}` + strings.Repeat(" ", MaxFileSize), `larger than 4194304 bytes`},
	} {
		_, err := Parse(strings.NewReader(c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.80s: got %v, want %q", c.file, err, c.want)
		}
	}
}

// A file with every field reads back as written, normalized.
func TestParse(t *testing.T) {
	file := `{"keys":[{"id":"a","groups":["telecom","ndma","ndma"],"rights":["warnings:write"],"hash":"` + goodHash +
		`","created":"2025-01-02T08:04:05+05:00"},{"id":"b","hash":"` + goodHash + `"}]}`
	k, err := Parse(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	got := k.Keys()
	if got[0].ID != "a" || !reflect.DeepEqual(got[0].Groups, []string{"ndma", "telecom"}) || got[0].Created.String() != "2025-01-02 03:04:05 +0000 UTC" {
		t.Errorf("%+v", got[0])
	}
	if got[1].ID != "b" || len(got[1].Groups) != 0 || !got[1].Created.IsZero() {
		t.Errorf("%+v", got[1])
	}
}

// marshal writes keys as a keys file.
func marshal(t *testing.T, keys []Key) []byte {
	b, err := json.Marshal(document{Keys: keys})
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return b
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"keys":[{"id":"a","groups":["telecom"],"rights":["warnings:write","admin"],"hash":"` + goodHash + `","created":"2025-01-02T03:04:05Z"}]}`))
	f.Add([]byte(`{"keys":[{"id":"a.b_c-9","groups":[],"rights":[],"hash":"` + goodHash + `","created":"2025-01-02T03:04:05.5+01:00"}]}`))
	f.Add([]byte(`{"keys":null}`))
	f.Add([]byte(`{"keys":[{"id":"a","hash":"$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := Parse(bytes.NewReader(b))
		if err != nil {
			return
		}
		once := marshal(t, k.Keys())
		again, err := Parse(bytes.NewReader(once))
		if err != nil {
			t.Fatalf("an accepted file, written back, is refused: %v\n%s", err, once)
		}
		if !reflect.DeepEqual(again.Keys(), k.Keys()) || !bytes.Equal(marshal(t, again.Keys()), once) {
			t.Fatalf("round trip changed the keys:\n%s\n%s", once, marshal(t, again.Keys()))
		}
	})
}

func FuzzAuthenticate(f *testing.F) {
	a, ta := cheapKey(f, "telecom-ops", []string{"telecom"}, nil)
	b, tb := cheapKey(f, "b", nil, nil)
	k, err := New([]Key{a, b}, WithLegacyKey("legacy-secret"))
	if err != nil {
		f.Fatal(err)
	}
	k.dummy.params = params{memory: 64, time: 1, threads: 1} // fuzzing speed: unknown ids derive cheaply too
	valid := map[string]string{ta: "telecom-ops", tb: "b", "legacy-secret": LegacyID}
	for token := range valid {
		f.Add(token)
		f.Add(token[:len(token)-1] + "A")
	}
	f.Add("indus_b_" + ta[len(ta)-43:])
	f.Add("indus_nobody_" + ta[len(ta)-43:])
	f.Fuzz(func(t *testing.T, token string) {
		p, err := k.Authenticate(token)
		want, ok := valid[token]
		switch {
		case ok && (err != nil || p.ID != want):
			t.Fatalf("valid token %q: %v %v", token, p, err)
		case !ok && (err != ErrUnauthorized || p != nil):
			t.Fatalf("token %q accepted as %v (%v)", token, p, err)
		}
	})
}

func BenchmarkAuthenticate(b *testing.B) {
	path := b.TempDir() + "/keys.json"
	token, err := Add(path, "ops", []string{"telecom"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	k, _ := Load(path)
	k.Authenticate(token) // verified once: the loop finds it in the cache
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := k.Authenticate(token); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("uncached", func(b *testing.B) { // a new Keyring each time: one argon2id derivation
		b.ReportAllocs()
		keys := k.Keys()
		for b.Loop() {
			k, _ := New(keys)
			if _, err := k.Authenticate(token); err != nil {
				b.Fatal(err)
			}
		}
	})
}
