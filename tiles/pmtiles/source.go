package pmtiles

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

// Source reads byte ranges of an archive. It must be safe for concurrent use.
type Source interface {
	// ReadAt returns the n bytes at offset off, fewer only where the archive ends first.
	ReadAt(ctx context.Context, off, n int64) ([]byte, error)
	// Size returns the archive's length in bytes, or -1 while it is unknown.
	Size() int64
}

// fileSource reads a local file.
type fileSource struct {
	f    *os.File
	size int64
}

// FileSource opens the archive at path; the Reader given it closes it.
func FileSource(path string) (Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pmtiles: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("pmtiles: %w", err)
	}
	return &fileSource{f: f, size: st.Size()}, nil
}

// ReadAt implements Source.
func (s *fileSource) ReadAt(ctx context.Context, off, n int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if off < 0 || n < 0 {
		return nil, fmt.Errorf("pmtiles: bad range %d+%d", off, n)
	}
	b := make([]byte, max(min(n, s.size-off), 0))
	k, err := s.f.ReadAt(b, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("pmtiles: %w", err)
	}
	return b[:k], nil
}

// Size implements Source.
func (s *fileSource) Size() int64 { return s.size }

// Close closes the file.
func (s *fileSource) Close() error { return s.f.Close() }

// httpSource reads an archive over HTTP with single-range requests.
type httpSource struct {
	url    string
	client *http.Client
	size   atomic.Int64           // -1 until a Content-Range tells
	etag   atomic.Pointer[string] // the first ETag seen; a different one means the archive changed
}

// HTTPSource reads the archive at url with Range requests through client (nil:
// http.DefaultClient). A server that ignores Range, answers another range or length, or
// changes the archive's ETag between requests makes reads fail.
func HTTPSource(url string, client *http.Client) Source {
	if client == nil {
		client = http.DefaultClient
	}
	s := &httpSource{url: url, client: client}
	s.size.Store(-1)
	return s
}

// Size implements Source.
func (s *httpSource) Size() int64 { return s.size.Load() }

// ReadAt implements Source.
func (s *httpSource) ReadAt(ctx context.Context, off, n int64) ([]byte, error) {
	if off < 0 || n <= 0 || off > math.MaxInt64-n {
		return nil, fmt.Errorf("pmtiles: bad range %d+%d", off, n)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, fmt.Errorf("pmtiles: %w", err)
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", off, off+n-1))
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("pmtiles: %w", err)
	}
	defer resp.Body.Close()
	want, err := s.check(resp, off, n)
	if err != nil {
		return nil, fmt.Errorf("pmtiles: %s bytes %d+%d: %w", s.url, off, n, err)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, want+1))
	if err != nil {
		return nil, fmt.Errorf("pmtiles: %s: %w", s.url, err)
	}
	if int64(len(b)) != want {
		return nil, fmt.Errorf("pmtiles: %s sent %d bytes for a %d-byte range", s.url, len(b), want)
	}
	return b, nil
}

// check vets a response to a request for bytes off+n and returns how many bytes its body holds.
func (s *httpSource) check(resp *http.Response, off, n int64) (int64, error) {
	switch {
	case resp.StatusCode == http.StatusOK:
		return 0, errors.New("server ignored the Range header (200 OK)")
	case resp.StatusCode != http.StatusPartialContent:
		return 0, fmt.Errorf("status %s", resp.Status)
	case resp.Header.Get("Content-Encoding") != "" && resp.Header.Get("Content-Encoding") != "identity":
		return 0, fmt.Errorf("content encoding %q", resp.Header.Get("Content-Encoding"))
	}
	first, last, total, err := contentRange(resp.Header.Get("Content-Range"))
	if err != nil {
		return 0, err
	}
	short := last < off+n-1 && total >= 0 && last == total-1
	if first != off || last > off+n-1 || (last < off+n-1 && !short) {
		return 0, fmt.Errorf("server answered bytes %d-%d/%d", first, last, total)
	}
	if tag := resp.Header.Get("ETag"); tag != "" {
		if !s.etag.CompareAndSwap(nil, &tag) && *s.etag.Load() != tag {
			return 0, fmt.Errorf("archive changed: ETag %s, was %s", tag, *s.etag.Load())
		}
	}
	if total >= 0 {
		s.size.Store(total)
	}
	return last - first + 1, nil
}

// contentRange parses "bytes first-last/total"; total is -1 when given as *.
func contentRange(v string) (first, last, total int64, err error) {
	bad := fmt.Errorf("bad Content-Range %q", v)
	rest, ok := strings.CutPrefix(v, "bytes ")
	span, size, ok2 := strings.Cut(rest, "/")
	a, b, ok3 := strings.Cut(span, "-")
	if !ok || !ok2 || !ok3 {
		return 0, 0, 0, bad
	}
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	total, err3 := int64(-1), error(nil)
	if size != "*" {
		total, err3 = strconv.ParseInt(size, 10, 64)
	}
	if err1 != nil || err2 != nil || err3 != nil || first < 0 || last < first || (total >= 0 && last >= total) {
		return 0, 0, 0, bad
	}
	return first, last, total, nil
}
