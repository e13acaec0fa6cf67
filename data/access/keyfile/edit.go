package keyfile

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cpec-digital/indus/data/access"
)

// Add appends a key to the keys file at path (creating it, mode 0600, if missing) and returns its
// token, which is stored nowhere: only its argon2id hash is. It refuses an id already in the file.
// The file is replaced atomically (a temporary file, fsync, rename), so a reader sees the old
// file or the new one. Edits of one file must not run concurrently.
func Add(path, id string, groups []string, rights []access.Right) (string, error) {
	keys, err := readExisting(path)
	if err != nil {
		return "", err
	}
	if slices.ContainsFunc(keys, func(k Key) bool { return k.ID == id }) {
		return "", fmt.Errorf("key %q is already in %s (revoke it first to replace it)", id, path)
	}
	k := Key{ID: id, Groups: groups, Rights: rights, Created: time.Now().UTC().Truncate(time.Second)}
	if err := checkFields(&k); err != nil {
		return "", fmt.Errorf("key %q: %v", id, err)
	}
	token := newToken(id)
	k.Hash = newPHC(token, defaultParams()).String()
	if err := normalize(&k); err != nil {
		return "", fmt.Errorf("key %q: %v", id, err)
	}
	if err := writeKeys(path, append(keys, k)); err != nil {
		return "", err
	}
	return token, nil
}

// Revoke removes the key id from the keys file at path; an id not in the file is an error. A
// server stops accepting the key when it reloads the file.
func Revoke(path, id string) error {
	keys, _, err := readKeys(path)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(keys, func(k Key) bool { return k.ID == id })
	if i < 0 {
		return fmt.Errorf("key %q is not in %s", id, path)
	}
	return writeKeys(path, slices.Delete(keys, i, i+1))
}

// newToken is a fresh token for id: "indus_<id>_" and 32 random bytes in unpadded base64url.
func newToken(id string) string {
	secret := make([]byte, 32)
	rand.Read(secret) // never fails
	return "indus_" + id + "_" + base64.RawURLEncoding.EncodeToString(secret)
}

// readExisting reads the keys file at path; a missing file has no keys.
func readExisting(path string) ([]Key, error) {
	keys, _, err := readKeys(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return keys, err
}

// writeKeys replaces the keys file at path with keys, atomically, mode 0600.
func writeKeys(path string, keys []Key) error {
	if keys == nil {
		keys = []Key{}
	}
	b, err := json.MarshalIndent(document{Keys: keys}, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".keys-*.tmp") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after the rename, there is nothing to remove
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
