package pmtiles

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// wantErr fails unless err mentions want.
func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got error %v, want one with %q", err, want)
	}
}

// files lists the names in dir.
func files(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestAddRefusesBadTiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.pmtiles")
	w, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(1, 0, 1, []byte("b")); err != nil {
		t.Fatal(err)
	}
	wantErr(t, w.Add(0, 0, 0, []byte("a")), "increasing tile id order")
	wantErr(t, w.Add(1, 0, 1, []byte("b")), "increasing tile id order")
	wantErr(t, w.Add(1, 0, 0, []byte("b")), "increasing tile id order")
	wantErr(t, w.Add(2, 4, 0, []byte("c")), "no tile 2/4/0")
	wantErr(t, w.Add(2, 0, 0, nil), "has 0 bytes")
	if err := w.Add(1, 1, 1, []byte("c")); err != nil {
		t.Fatalf("the writer should stay usable after refusing a tile: %v", err)
	}
	st, err := w.Close(Metadata{JSON: json.RawMessage(layers)})
	if err != nil || st.Addressed != 2 {
		t.Fatalf("close: %+v %v", st, err)
	}
	wantErr(t, w.Add(2, 0, 0, []byte("d")), "closed")
	if _, err := w.Close(Metadata{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("second close: %v", err)
	}
	if got := files(t, dir); len(got) != 1 || got[0] != "a.pmtiles" {
		t.Fatalf("directory holds %v, want only the archive", got)
	}
}

// A failed Close, or Abort, leaves neither the archive nor temporary files behind.
func TestCloseFailuresLeaveNothing(t *testing.T) {
	for name, meta := range map[string]Metadata{
		"not an object":    {JSON: json.RawMessage(`[1]`)},
		"no vector_layers": {JSON: json.RawMessage(`{"name":"x"}`)},
		"bad bounds":       {JSON: json.RawMessage(layers), Bounds: [4]float64{0, 0, 200, 10}},
		"no tiles":         {JSON: json.RawMessage(layers)},
		"abort":            {},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			w, err := Create(filepath.Join(dir, "a.pmtiles"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if name != "no tiles" {
				w.Add(0, 0, 0, []byte("x"))
			}
			if name == "abort" {
				w.Abort()
			} else if _, err := w.Close(meta); err == nil {
				t.Fatal("close succeeded")
			}
			if got := files(t, dir); len(got) != 0 {
				t.Fatalf("left %v behind", got)
			}
		})
	}
}

// corrupt writes the mixed archive, lets edit change its bytes and returns the new file's path.
func corrupt(t *testing.T, edit func([]byte) []byte) string {
	path, _ := write(t, mixed(), pakistan())
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.pmtiles")
	if err := os.WriteFile(bad, edit(b), 0o644); err != nil {
		t.Fatal(err)
	}
	return bad
}

func TestOpenRefusesBrokenArchives(t *testing.T) {
	for _, c := range []struct {
		name, want string
		edit       func([]byte) []byte
	}{
		{"empty", "header is 0 bytes", func(b []byte) []byte { return nil }},
		{"cut in header", "header is 100 bytes", func(b []byte) []byte { return b[:100] }},
		{"cut in root", "beyond the archive", func(b []byte) []byte { return b[:200] }},
		{"cut in data", "tile data at", func(b []byte) []byte { return b[:len(b)-1] }},
		{"magic", "bad magic", func(b []byte) []byte { b[1] = 'X'; return b }},
		{"version", "spec version 2", func(b []byte) []byte { b[7] = 2; return b }},
		{"brotli", "internal compression 3", func(b []byte) []byte { b[97] = 3; return b }},
		{"root garbage", "bad gzip", func(b []byte) []byte { b[HeaderSize+20] ^= 0xff; return b }},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := corrupt(t, c.edit)
			src, err := FileSource(path)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Open(context.Background(), src)
			wantErr(t, err, c.want)
			_, err = Open(context.Background(), HTTPSource(serve(t, path), nil))
			if c.name == "empty" {
				c.want = "ignored the Range" // net/http answers 200 for a range of an empty file
			}
			wantErr(t, err, c.want)
		})
	}
}

// A truncated tile data section opened through a source that cannot tell the size is caught
// when a tile is read.
func TestTruncatedTileRead(t *testing.T) {
	ts := mixed()
	path := corrupt(t, func(b []byte) []byte { return b[:len(b)-200] })
	src, err := FileSource(path)
	if err != nil {
		t.Fatal(err)
	}
	r := mustOpen(t, unsized{src})
	last := ts[len(ts)-1]
	_, _, err = r.Tile(context.Background(), last.z, last.x, last.y)
	wantErr(t, err, "archive truncated")
}

// unsized hides a source's size.
type unsized struct{ Source }

func (unsized) Size() int64 { return -1 }

// liar serves the archive at path through bad, which may misbehave.
func liar(t *testing.T, path string, bad func(w http.ResponseWriter, r *http.Request, b []byte)) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { bad(w, r, b) }))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestHTTPSourceRefusesBadServers(t *testing.T) {
	path, _ := write(t, mixed(), pakistan())
	for _, c := range []struct {
		name, want string
		bad        func(w http.ResponseWriter, r *http.Request, b []byte)
	}{
		{"ignores Range", "ignored the Range", func(w http.ResponseWriter, r *http.Request, b []byte) {
			w.Write(b)
		}},
		{"short body", "sent 100 bytes", func(w http.ResponseWriter, r *http.Request, b []byte) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-16383/%d", len(b)))
			w.WriteHeader(http.StatusPartialContent)
			w.Write(b[:100])
		}},
		{"other range", "answered bytes 10-", func(w http.ResponseWriter, r *http.Request, b []byte) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 10-16393/%d", len(b)))
			w.WriteHeader(http.StatusPartialContent)
			w.Write(b[10:16394])
		}},
		{"short range", "answered bytes 0-99/", func(w http.ResponseWriter, r *http.Request, b []byte) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-99/%d", len(b)))
			w.WriteHeader(http.StatusPartialContent)
			w.Write(b[:100])
		}},
		{"no Content-Range", "bad Content-Range", func(w http.ResponseWriter, r *http.Request, b []byte) {
			w.WriteHeader(http.StatusPartialContent)
			w.Write(b[:16384])
		}},
		{"gzipped", "content encoding", func(w http.ResponseWriter, r *http.Request, b []byte) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-16383/%d", len(b)))
			w.WriteHeader(http.StatusPartialContent)
			w.Write(b[:16384])
		}},
		{"not found", "404", func(w http.ResponseWriter, r *http.Request, b []byte) {
			http.NotFound(w, r)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Open(context.Background(), HTTPSource(liar(t, path, c.bad), nil))
			wantErr(t, err, c.want)
		})
	}
}

// A server whose archive changes between requests (another ETag) fails the read.
func TestHTTPSourceNoticesChange(t *testing.T) {
	path, _ := write(t, mixed(), pakistan())
	ts := mixed()
	version := 0
	url := liar(t, path, func(w http.ResponseWriter, r *http.Request, b []byte) {
		version++
		w.Header().Set("ETag", fmt.Sprintf(`"v%d"`, version))
		http.ServeContent(w, r, "", time.Time{}, strings.NewReader(string(b)))
	})
	r := mustOpen(t, HTTPSource(url, nil))
	last := ts[len(ts)-1]
	_, _, err := r.Tile(context.Background(), last.z, last.x, last.y)
	wantErr(t, err, "archive changed")
}
