package httpapi

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// postEncoded sends body to url with the given Content-Encoding headers (each its own line).
func postEncoded(t *testing.T, url string, body []byte, encodings ...string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if len(encodings) > 0 {
		req.Header["Content-Encoding"] = encodings
	}
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, timing.ReplaceAllString(string(b), `"timing_ms":0`)
}

var timing = regexp.MustCompile(`"timing_ms":[0-9.e-]+`)

func compress(t *testing.T, enc string, parts ...[]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch enc {
	case "gzip":
		w, _ = gzip.NewWriterLevel(&buf, gzip.BestCompression)
	case "deflate":
		w, _ = zlib.NewWriterLevel(&buf, zlib.BestCompression)
	case "raw":
		w, _ = flate.NewWriter(&buf, flate.BestCompression)
	}
	for _, p := range parts {
		w.Write(p)
	}
	w.Close()
	return buf.Bytes()
}

// TestEncodedBodies: a gzip or deflate body (zlib or raw) is answered as the same body sent
// plain; one that inflates past the body limit is refused with 413 before any handler reads it
// (it was inflated whole: a 200 KB gzip of 200 MB took a GiB); another encoding, or two, get 415;
// a body that is not what its encoding says gets 400; all as JSON.
func TestEncodedBodies(t *testing.T) {
	base, _ := accessServer(t, nil)
	url := base + "/risk/area"
	area := []byte(`{"bbox": [66.0, 24.0, 67.0, 25.0]}`)
	wantCode, _, want := postEncoded(t, url, area)
	if wantCode != 200 {
		t.Fatalf("plain: %d %s", wantCode, want)
	}
	for _, c := range []struct{ enc, name string }{{"gzip", "gzip"}, {"gzip", "x-gzip"}, {"deflate", "deflate"}, {"raw", "deflate"}, {"gzip", "GZip"}} {
		if code, _, body := postEncoded(t, url, compress(t, c.enc, area), c.name); code != 200 || body != want {
			t.Errorf("%s (%s): %d %s", c.name, c.enc, code, body)
		}
	}
	if code, _, body := postEncoded(t, url, area, "identity"); code != 200 || body != want {
		t.Errorf("identity: %d %s", code, body)
	}
	spaces := bytes.Repeat([]byte(" "), 1<<20)
	parts := [][]byte{area}
	for range 20 { // valid JSON of 20 MiB: before, inflated and answered 200
		parts = append(parts, spaces)
	}
	bomb := compress(t, "gzip", parts...)
	start := time.Now()
	code, hdr, body := postEncoded(t, url, bomb, "gzip")
	if e := jsonError(t, hdr, body); code != 413 || !strings.Contains(e.Detail, "once inflated") {
		t.Errorf("a %d-byte gzip of 20 MiB: %d %s", len(bomb), code, body)
	}
	t.Logf("%d-byte gzip of 20 MiB refused in %v", len(bomb), time.Since(start))
	for _, encs := range [][]string{{"br"}, {"zstd"}, {"gzip, gzip"}, {"gzip", "gzip"}, {"compress"}} {
		code, hdr, body := postEncoded(t, url, compress(t, "gzip", area), encs...)
		if jsonError(t, hdr, body); code != 415 {
			t.Errorf("%q: %d %s", encs, code, body)
		}
	}
	for _, enc := range []string{"gzip", "deflate"} {
		code, hdr, body := postEncoded(t, url, area, enc)
		if jsonError(t, hdr, body); code != 400 {
			t.Errorf("plain body said to be %s: %d %s", enc, code, body)
		}
	}
	truncated := compress(t, "gzip", area)
	if code, _, body := postEncoded(t, url, truncated[:len(truncated)-6], "gzip"); code != 400 {
		t.Errorf("a cut gzip body: %d %s", code, body)
	}
}

// raw sends req as it is on a new connection and returns the response.
func raw(t *testing.T, base, req string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// TestMalformedRequests: a header fasthttp cannot parse (a space before the colon) is answered
// with a generic JSON 400 that quotes nothing of the request (it quoted every header, a key
// included); Content-Length headers that disagree, or beside Transfer-Encoding, are refused with
// 400 and the connection closed (a proxy in front may read the body's length otherwise).
func TestMalformedRequests(t *testing.T) {
	base, _ := accessServer(t, nil)
	token := "indus_ops_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"
	res, body := raw(t, base, "GET /catalog HTTP/1.1\r\nHost: x\r\nAuthorization : Bearer "+token+"\r\n\r\n")
	if res.StatusCode != 400 || body != `{"error":"malformed request"}` || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("space before the colon: %d %q %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	area := `{"bbox": [66.0, 24.0, 67.0, 25.0]}`
	for name, headers := range map[string]string{
		"two lengths":        "Content-Length: 2\r\nContent-Length: " + strconv.Itoa(len(area)) + "\r\n",
		"length and chunked": "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
	} {
		payload := area
		if strings.Contains(headers, "chunked") {
			payload = strconv.FormatInt(int64(len(area)), 16) + "\r\n" + area + "\r\n0\r\n\r\n"
		}
		res, body := raw(t, base, "POST /risk/area HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+headers+"\r\n"+payload)
		if res.StatusCode != 400 || !res.Close || !strings.Contains(body, "Content-Length") {
			t.Errorf("%s: %d (close %v) %s", name, res.StatusCode, res.Close, body)
		}
	}
	same := "Content-Length: " + strconv.Itoa(len(area)) + "\r\n"
	if res, body := raw(t, base, "POST /risk/area HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+same+same+"\r\n"+area); res.StatusCode != 200 {
		t.Errorf("two equal lengths: %d %s", res.StatusCode, body)
	}
}

// FuzzInflate: whatever the body and encoding, inflate returns at most the limit, or a 400, 413 or
// 415 error; a body it inflates is what was compressed.
func FuzzInflate(f *testing.F) {
	f.Add("gzip", []byte("hello"), true)
	f.Add("deflate", []byte(`{"a":1}`), true)
	f.Add("gzip", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, false)
	f.Add("br", []byte("x"), false)
	f.Fuzz(func(t *testing.T, enc string, body []byte, wrap bool) {
		const limit = 64
		in := body
		if wrap && (enc == "gzip" || enc == "deflate") {
			in = compress(t, enc, body)
		}
		out, err := inflate(enc, in, limit)
		if err != nil {
			if s := statusFor(err); s != 400 && s != 413 && s != 415 {
				t.Fatalf("%q: status %d: %v", enc, s, err)
			}
			if wrap && (enc == "gzip" || enc == "deflate") && len(body) <= limit {
				t.Fatalf("%q: %d bytes compressed refused: %v", enc, len(body), err)
			}
			return
		}
		if len(out) > limit {
			t.Fatalf("%q: %d bytes out", enc, len(out))
		}
		if wrap && (enc == "gzip" || enc == "deflate") && !bytes.Equal(out, body) {
			t.Fatalf("%q: %q inflated to %q", enc, body, out)
		}
	})
}

// FuzzAmbiguousLength: headers with one Content-Length (repeated or not) and no chunked coding are
// never ambiguous; adding a Content-Length of another value always makes them so.
func FuzzAmbiguousLength(f *testing.F) {
	f.Add([]byte("Host: x\r\nContent-Length: 3\r\n"), "3", "4")
	f.Add([]byte("Transfer-Encoding: chunked\r\n"), "1", "1")
	f.Fuzz(func(t *testing.T, raw []byte, a, b string) {
		got := ambiguousLength(raw)
		hasLen := bytes.Contains(bytes.ToLower(raw), []byte("content-length")) || bytes.Contains(bytes.ToLower(raw), []byte("transfer-encoding"))
		if got && !hasLen {
			t.Fatalf("%q: ambiguous without a length", raw)
		}
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		if strings.ContainsAny(a+b, "\r\n") || a == b || hasLen {
			return
		}
		one := append(bytes.Clone(raw), "\r\nContent-Length: "+a+"\r\nContent-Length: "+a+"\r\n"...)
		if ambiguousLength(one) {
			t.Fatalf("%q: one length repeated is ambiguous", one)
		}
		if two := append(one, "Content-Length: "+b+"\r\n"...); !ambiguousLength(two) {
			t.Fatalf("%q: two lengths are not ambiguous", two)
		}
	})
}
