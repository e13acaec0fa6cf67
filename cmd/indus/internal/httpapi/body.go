package httpapi

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/cpec-digital/indus/data"
)

// framing refuses a request whose body length two parties could read differently (a proxy in
// front and this server): Content-Length headers that disagree, or Content-Length beside
// Transfer-Encoding (RFC 9112 §6.3). fasthttp keeps the last Content-Length it reads and lets
// Transfer-Encoding win, so the raw headers are read again. The connection is closed after the
// answer, as what follows the body on it cannot be trusted.
func framing(c *fiber.Ctx) error {
	if ambiguousLength(c.Request().Header.RawHeaders()) {
		c.Context().SetConnectionClose()
		return data.Invalid("malformed request", "conflicting Content-Length or Transfer-Encoding headers")
	}
	return c.Next()
}

// ambiguousLength reports whether raw request headers hold Content-Length headers of different
// values, or one beside a Transfer-Encoding other than identity. It allocates nothing: it runs on
// every request.
func ambiguousLength(raw []byte) bool {
	var length []byte // the first Content-Length value
	lengths, chunked := 0, false
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		colon := bytes.IndexByte(line, ':')
		if colon != len(cl) && colon != len(te) {
			continue
		}
		name, value := line[:colon], bytes.TrimSpace(line[colon+1:])
		switch {
		case bytes.EqualFold(name, cl):
			if lengths++; lengths == 1 {
				length = value
			} else if !bytes.Equal(value, length) {
				return true
			}
		case bytes.EqualFold(name, te):
			chunked = chunked || !bytes.EqualFold(value, []byte("identity"))
		}
	}
	return lengths > 0 && chunked
}

var cl, te = []byte(fiber.HeaderContentLength), []byte(fiber.HeaderTransferEncoding)

// decodeBody inflates a body sent with Content-Encoding gzip or deflate, at most BodyLimit bytes
// of it (413 past that, however small the compressed body), before any handler sees it: the
// handlers then read it as sent without an encoding (Fiber's c.Body would inflate it again, with
// no bound). Any other encoding is refused with 415; identity, or an empty body, passes.
func (s *Server) decodeBody(c *fiber.Ctx) error {
	req := &c.Request().Header
	encs := req.PeekAll(fiber.HeaderContentEncoding)
	if len(encs) == 0 {
		return c.Next()
	}
	body := c.Request().Body()
	enc := strings.ToLower(strings.TrimSpace(string(encs[0])))
	switch {
	case len(body) == 0 || len(encs) == 1 && enc == "identity":
	case len(encs) > 1 || strings.Contains(enc, ","):
		return unsupported("one Content-Encoding at most")
	default:
		out, err := inflate(enc, body, s.cfg.BodyLimit)
		if err != nil {
			return err
		}
		c.Request().SetBodyRaw(out)
	}
	req.Del(fiber.HeaderContentEncoding)
	return c.Next()
}

// inflate decodes body, compressed with enc (gzip or deflate, zlib-wrapped as HTTP says or raw as
// some clients send it), to at most limit bytes.
func inflate(enc string, body []byte, limit int) ([]byte, error) {
	var r io.Reader
	var err error
	switch enc {
	case "gzip", "x-gzip":
		r, err = gzip.NewReader(bytes.NewReader(body))
	case "deflate":
		if r, err = zlib.NewReader(bytes.NewReader(body)); err != nil {
			r, err = flate.NewReader(bytes.NewReader(body)), nil
		}
	default:
		return nil, unsupported("Content-Encoding " + strconv.Quote(enc) + " is not one of gzip, deflate, identity")
	}
	var out []byte
	if err == nil {
		out, err = io.ReadAll(io.LimitReader(r, int64(limit)+1))
	}
	switch {
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return nil, data.Invalid("the body is not valid "+enc, err.Error())
	case err != nil:
		return nil, data.Invalid("the body is not valid "+enc, "it ends too soon")
	case len(out) > limit:
		return nil, &data.Error{Kind: data.KindTooLarge, Msg: "request entity too large",
			Detail: "the body, once inflated, is larger than " + strconv.Itoa(limit) + " bytes"}
	}
	return out, nil
}

func unsupported(detail string) error {
	return &data.Error{Kind: data.KindUnsupported, Msg: "unsupported content encoding", Detail: detail}
}
