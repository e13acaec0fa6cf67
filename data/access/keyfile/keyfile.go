// Package keyfile is the keys file adapter of the access model: API keys stored as argon2id
// hashes in a JSON file, and a Keyring that authenticates bearer tokens against them.
//
// The file is one JSON object (at most 4 MiB; unknown fields are refused):
//
//	{"keys": [
//	  {"id": "telecom-ops", "groups": ["telecom"], "rights": ["warnings:write"],
//	   "hash": "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>", "created": "2025-01-02T03:04:05Z"}
//	]}
//
// An id is 1 to 63 of a-z, 0-9, '_', '.', '-', starting with a letter or digit, unique in the
// file; "api-key" is reserved for the legacy single key (INDUS_API_KEY). Groups are access group
// names (access.CheckGroup); rights are those of access.Rights(). The hash is argon2id in the PHC
// string format (salt and hash in unpadded standard base64); its parameters are read back from
// it, so they can change without a migration. New keys get OWASP's minimum, m=19456 (19 MiB),
// t=2, p=1, a 16-byte salt and a 32-byte hash.
//
// A token is "indus_<id>_<secret>", the secret 43 characters of unpadded base64url (32 random
// bytes). The id in the token finds the one hash to check, so authentication costs one
// derivation, not one per key. The whole token is the password hashed.
package keyfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"syscall"
	"time"

	"github.com/cpec-digital/indus/data/access"
)

// MaxFileSize is the largest keys file read, in bytes.
const MaxFileSize = 4 << 20

// LegacyID is the principal id of the legacy single key (INDUS_API_KEY); no key in a file may use it.
const LegacyID = "api-key"

// Key is one entry of a keys file.
type Key struct {
	ID      string         `json:"id"`
	Groups  []string       `json:"groups"`
	Rights  []access.Right `json:"rights"`
	Hash    string         `json:"hash"`
	Created time.Time      `json:"created,omitzero"`
}

// document is the keys file's JSON, as written.
type document struct {
	Keys []Key `json:"keys"`
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)

// CheckID returns an error unless id is a valid key id.
func CheckID(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("id %q is not valid (1 to 63 of a-z, 0-9, _ . -, starting with a letter or digit)", id)
	}
	if id == LegacyID {
		return fmt.Errorf("id %q is reserved for the legacy key (INDUS_API_KEY)", id)
	}
	return nil
}

// decode reads and checks a keys file; groups and rights come back sorted without repeats and
// created times in UTC.
func decode(r io.Reader) ([]Key, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > MaxFileSize {
		return nil, fmt.Errorf("keys file is larger than %d bytes", MaxFileSize)
	}
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := strict(raw, &doc); err != nil {
		return nil, fmt.Errorf("keys file is not valid: %s", jsonError(raw, err))
	}
	keys := make([]Key, len(doc.Keys))
	seen := make(map[string]bool, len(keys))
	for i, r := range doc.Keys {
		k := &keys[i]
		err := strict(r, k)
		if err == nil {
			err = normalize(k)
		}
		if err == nil && seen[k.ID] {
			err = errors.New("id is used twice")
		}
		if err != nil {
			return nil, fmt.Errorf("key %d (%q): %v", i+1, k.ID, err)
		}
		seen[k.ID] = true
	}
	return keys, nil
}

// strict decodes one JSON value into v, refusing unknown fields and anything after the value.
func strict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// jsonError says where a JSON error is, by line and column.
func jsonError(raw []byte, err error) string {
	var off int64
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	default:
		return err.Error()
	}
	before := raw[:min(max(int(off)-1, 0), len(raw))] // up to the offending character
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d: %v", line, col, err)
}

// normalize checks k and puts it in canonical form.
func normalize(k *Key) error {
	if err := checkFields(k); err != nil {
		return err
	}
	if _, err := parsePHC(k.Hash); err != nil {
		return err
	}
	k.Created = k.Created.UTC()
	if y := k.Created.Year(); y < 1 || y > 9999 {
		return fmt.Errorf("created time %v is not in the years 1 to 9999", k.Created)
	}
	k.Groups = slices.Compact(slices.Sorted(slices.Values(k.Groups)))
	k.Rights = slices.Compact(slices.Sorted(slices.Values(k.Rights)))
	if k.Groups == nil {
		k.Groups = []string{}
	}
	if k.Rights == nil {
		k.Rights = []access.Right{}
	}
	return nil
}

// checkFields checks k's id, groups and rights.
func checkFields(k *Key) error {
	if err := CheckID(k.ID); err != nil {
		return err
	}
	for _, g := range k.Groups {
		if err := access.CheckGroup(g); err != nil {
			return err
		}
	}
	for _, r := range k.Rights {
		if !slices.Contains(access.Rights(), r) {
			return fmt.Errorf("right %q is not one of %v", r, access.Rights())
		}
	}
	return nil
}

// readKeys reads the keys file at path, with its permission bits, refusing anything but a regular
// file: a FIFO would block the read until a writer comes, a device never end. It is opened
// without blocking, so that opening a FIFO does not wait for a writer either.
func readKeys(path string) ([]Key, os.FileMode, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%s is not a regular file (%s)", path, fileType(fi.Mode()))
	}
	keys, err := decode(f)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	return keys, fi.Mode().Perm(), nil
}

// fileType names the type of a file that is not regular.
func fileType(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}
