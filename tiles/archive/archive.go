// Package archive serves tiles from PMTiles archives, local files or http(s) URLs read with
// Range requests (object storage, a CDN). It knows nothing of HTTP serving: like tiles.Service,
// a tile is gzip bytes, an ETag and an emptiness flag; a tileset is described by TileJSON.
package archive

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/klauspost/compress/gzip"

	"github.com/cpec-digital/indus/data/fault"
	"github.com/cpec-digital/indus/tiles"
	"github.com/cpec-digital/indus/tiles/pmtiles"
)

// Spec names an archive to serve: NAME=PATH_OR_URL.
type Spec struct {
	Name     string // in URLs: letters, digits, '-', '_' and '.', not ending in ".json"
	Location string // a file path, or an http:// or https:// URL
}

// validName is what a Spec's name may be.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ParseSpec reads "NAME=PATH_OR_URL".
func ParseSpec(s string) (Spec, error) {
	name, loc, ok := strings.Cut(strings.TrimSpace(s), "=")
	sp := Spec{Name: strings.TrimSpace(name), Location: strings.TrimSpace(loc)}
	switch {
	case !ok || sp.Location == "":
		return sp, fmt.Errorf("pmtiles %q: want NAME=PATH_OR_URL", s)
	case !validName.MatchString(sp.Name) || strings.HasSuffix(sp.Name, ".json"):
		return sp, fmt.Errorf("pmtiles %q: a name is 1-64 letters, digits, '.', '-' or '_' (not ending in .json)", s)
	}
	return sp, nil
}

// remote says whether a location is read over HTTP.
func remote(loc string) bool {
	return strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://")
}

// archive is one open archive.
type archive struct {
	spec   Spec
	r      *pmtiles.Reader
	header pmtiles.Header
	meta   map[string]json.RawMessage
}

// Set is the archives being served, by name. A nil *Set serves none.
type Set struct {
	byName map[string]*archive
	order  []*archive
}

// Open opens every archive (client reads the remote ones; nil: http.DefaultClient), checking
// that it holds gzip or uncompressed MVT tiles. The first failure closes the others and names
// the archive.
func Open(ctx context.Context, specs []Spec, client *http.Client) (*Set, error) {
	s := &Set{byName: map[string]*archive{}}
	for _, sp := range specs {
		if s.byName[sp.Name] != nil {
			s.Close()
			return nil, fmt.Errorf("pmtiles archive %q is named twice", sp.Name)
		}
		a, err := open(ctx, sp, client)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("pmtiles archive %q (%s): %w", sp.Name, redact(sp.Location), err)
		}
		s.byName[sp.Name] = a
		s.order = append(s.order, a)
	}
	return s, nil
}

// open opens and checks one archive.
func open(ctx context.Context, sp Spec, client *http.Client) (*archive, error) {
	var src pmtiles.Source
	if remote(sp.Location) {
		src = pmtiles.HTTPSource(sp.Location, client)
	} else {
		var err error
		if src, err = pmtiles.FileSource(sp.Location); err != nil {
			return nil, err
		}
	}
	r, err := pmtiles.Open(ctx, src)
	if err != nil {
		return nil, err
	}
	a := &archive{spec: sp, r: r, header: r.Header()}
	switch {
	case a.header.TileType != pmtiles.MVT:
		err = fmt.Errorf("tile type %d: only vector tiles (MVT) are served", a.header.TileType)
	case a.header.TileCompression != pmtiles.Gzip && a.header.TileCompression != pmtiles.NoCompression:
		err = fmt.Errorf("tile compression %d: only gzip or none are served", a.header.TileCompression)
	default:
		err = json.Unmarshal(r.Metadata(), &a.meta)
	}
	if err != nil {
		r.Close()
		return nil, err
	}
	return a, nil
}

// redact drops credentials and query strings (signed URLs) from a location shown to users.
func redact(loc string) string {
	if !remote(loc) {
		return loc
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "(bad URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// Close closes every archive.
func (s *Set) Close() error {
	if s == nil {
		return nil
	}
	var errs []error
	for _, a := range s.order {
		errs = append(errs, a.r.Close())
	}
	return errors.Join(errs...)
}

// get returns the archive called name, or a not-found error.
func (s *Set) get(name string) (*archive, error) {
	if s != nil {
		if a := s.byName[name]; a != nil {
			return a, nil
		}
	}
	return nil, fault.Errorf(fault.KindNotFound, "no pmtiles archive %q", name)
}

// Tile returns tile z/x/y of archive name: its gzip bytes with an ETag (a hash of those bytes),
// or an empty tile when the archive does not hold it.
func (s *Set) Tile(ctx context.Context, name string, z, x, y uint32) (*tiles.Tile, error) {
	a, err := s.get(name)
	if err != nil {
		return nil, err
	}
	if z > pmtiles.MaxZoom || !pmtiles.Valid(uint8(z), x, y) {
		return nil, fault.Invalid("tile out of range", fmt.Sprintf("no tile %d/%d/%d", z, x, y))
	}
	b, ok, err := a.r.Tile(ctx, uint8(z), x, y)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &fault.Error{Kind: fault.KindTimeout, Msg: "reading the archive took too long", Err: err}
		}
		return nil, &fault.Error{Kind: fault.KindInternal, Msg: "archive read failed", Err: fmt.Errorf("pmtiles %q: %w", name, err)}
	}
	if !ok {
		return &tiles.Tile{Empty: true, ETag: `"empty"`}, nil
	}
	if a.header.TileCompression == pmtiles.NoCompression {
		if b, err = compress(b); err != nil {
			return nil, err
		}
	}
	h := fnv.New128a()
	h.Write(b)
	return &tiles.Tile{Gzip: b, ETag: `"` + hex.EncodeToString(h.Sum(nil)) + `"`}, nil
}

// compress gzips an uncompressed tile.
func compress(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	err := zw.Close()
	return buf.Bytes(), err
}
