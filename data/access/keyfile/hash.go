package keyfile

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// params are argon2id's cost parameters: memory in KiB, passes and lanes.
type params struct {
	memory  uint32
	time    uint32
	threads uint8
}

// defaultParams are OWASP's minimum for argon2id (19 MiB, 2 passes, 1 lane): what Add writes.
// A stored hash carries its own parameters, so they can be raised later without a migration.
func defaultParams() params { return params{memory: 19 * 1024, time: 2, threads: 1} }

const (
	saltLen = 16 // bytes of random salt per key
	hashLen = 32 // bytes of derived key
)

// Bounds of a stored hash's parameters: wide enough for any sensible choice, tight enough that a
// typo cannot make every authentication take gigabytes or minutes.
const (
	maxMemory  = 1 << 20 // KiB (1 GiB)
	maxTime    = 64
	maxThreads = 64
	minBytes   = 8 // salt and hash
	maxBytes   = 64
)

// phc is a stored argon2id hash in the PHC string format:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, salt and hash in unpadded standard base64.
type phc struct {
	params
	salt, hash []byte
}

var b64 = base64.RawStdEncoding

// String is the PHC string of h.
func (h phc) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.memory, h.time, h.threads,
		b64.EncodeToString(h.salt), b64.EncodeToString(h.hash))
}

// parsePHC reads an argon2id PHC string. Only the canonical spelling is accepted (what String
// writes), so a parsed hash writes back byte for byte.
func parsePHC(s string) (phc, error) {
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" {
		return phc{}, errors.New(`hash is not an argon2id PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash)`)
	}
	if f[2] != "v="+strconv.Itoa(argon2.Version) {
		return phc{}, fmt.Errorf("hash has argon2 version %q, want v=%d", f[2], argon2.Version)
	}
	var h phc
	var err error
	if h.params, err = parseParams(f[3]); err != nil {
		return phc{}, err
	}
	if h.salt, err = b64.Strict().DecodeString(f[4]); err != nil || len(h.salt) < minBytes || len(h.salt) > maxBytes {
		return phc{}, fmt.Errorf("hash salt must be %d to %d bytes of unpadded base64", minBytes, maxBytes)
	}
	if h.hash, err = b64.Strict().DecodeString(f[5]); err != nil || len(h.hash) < minBytes || len(h.hash) > maxBytes {
		return phc{}, fmt.Errorf("hash value must be %d to %d bytes of unpadded base64", minBytes, maxBytes)
	}
	if h.String() != s {
		return phc{}, errors.New("hash is not in canonical form")
	}
	return h, nil
}

// parseParams reads "m=19456,t=2,p=1" within the bounds above.
func parseParams(s string) (params, error) {
	var v [3]uint64
	names := [3]string{"m=", "t=", "p="}
	limits := [3]uint64{maxMemory, maxTime, maxThreads}
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return params{}, fmt.Errorf("hash parameters %q are not of the form m=M,t=T,p=P", s)
	}
	for i, part := range parts {
		num, ok := strings.CutPrefix(part, names[i])
		n, err := strconv.ParseUint(num, 10, 32)
		if !ok || err != nil || n < 1 || n > limits[i] {
			return params{}, fmt.Errorf("hash parameter %q is not %s1..%d", part, names[i], limits[i])
		}
		v[i] = n
	}
	p := params{memory: uint32(v[0]), time: uint32(v[1]), threads: uint8(v[2])}
	if p.memory < 8*uint32(p.threads) {
		return params{}, fmt.Errorf("hash memory m=%d is under 8 KiB per lane (p=%d)", p.memory, p.threads)
	}
	return p, nil
}

// newPHC hashes token with fresh random salt under p.
func newPHC(token string, p params) phc {
	h := phc{params: p, salt: make([]byte, saltLen), hash: make([]byte, hashLen)}
	rand.Read(h.salt)           // never fails (crypto/rand panics rather than return short)
	h.hash = argon2id(token, h) // as long as h.hash
	return h
}

// argon2id derives the key of token under h's salt and parameters, as long as h's hash.
func argon2id(token string, h phc) []byte {
	return argon2.IDKey([]byte(token), h.salt, h.time, h.memory, h.threads, uint32(len(h.hash)))
}

// dummyPHC is a hash no token matches (random salt and value), derived against for tokens naming
// an unknown id so that their refusal costs what a wrong secret costs.
func dummyPHC() phc {
	h := phc{params: defaultParams(), salt: make([]byte, saltLen), hash: make([]byte, hashLen)}
	rand.Read(h.salt)
	rand.Read(h.hash)
	return h
}
