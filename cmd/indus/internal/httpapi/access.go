package httpapi

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
)

// Authenticator turns a bearer token into the principal it belongs to (the keys file; see
// keyfile). It fails for a token that is not a valid key.
type Authenticator interface {
	Authenticate(token string) (*access.Principal, error)
}

// Limiter allows or refuses one more request of a caller (a key id or a client address); when it
// refuses it says how long to wait.
type Limiter interface {
	Allow(key string, now time.Time) (ok bool, retryAfter time.Duration)
}

// Event is what the audit log records of one request: every write, and every read of restricted
// data (Layers then names the restricted layers it read).
type Event struct {
	Who    *access.Principal
	Method string
	Route  string
	Layers []string
	BBox   []float64 // when the request named one
	Tile   string    // z/x/y, for tiles
	Status int
	Write  bool // the request changes state (it needed a right)
}

// Auditor appends events to the audit log.
type Auditor interface {
	Audit(Event) error
}

// whoKey is the Locals key of the request's principal; noteKey of what it read that is restricted.
const (
	whoKey   = "indus.who"
	noteKey  = "indus.note"
	writeKey = "indus.write" // set on routes that change state (those that require a right)
)

// who is the request's principal; nil for an anonymous request.
func who(c *fiber.Ctx) *access.Principal {
	p, _ := c.Locals(whoKey).(*access.Principal)
	return p
}

// authenticate finds the principal of a request that sends Authorization: Bearer <key>. A request
// without the header is anonymous; one with a key that is not valid is refused (401), on every
// route: a wrong key is a mistake to report, not a reason to answer with less. Responses to keyed
// requests are made private, so that no shared cache keeps what the key may read.
func (s *Server) authenticate(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	if h == "" {
		return c.Next()
	}
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || s.keys == nil {
		return unauthorized(c, "send Authorization: Bearer <key>")
	}
	p, err := s.keys.Authenticate(strings.Clone(strings.TrimSpace(token)))
	if err != nil || p == nil {
		return unauthorized(c, "the key is not valid (revoked, mistyped or from another server)")
	}
	c.Locals(whoKey, p)
	err = c.Next()
	h2 := &c.Response().Header
	h2.Set(fiber.HeaderCacheControl, private(string(h2.Peek(fiber.HeaderCacheControl))))
	return err
}

// private turns a Cache-Control value into one that no shared cache may store.
func private(cc string) string {
	switch {
	case cc == "":
		return "private"
	case strings.Contains(cc, "public"):
		return strings.Replace(cc, "public", "private", 1)
	case strings.Contains(cc, "private") || strings.Contains(cc, "no-store"):
		return cc
	}
	return "private, " + cc
}

func unauthorized(c *fiber.Ctx, detail string) error {
	c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="indus"`)
	return &data.Error{Kind: data.KindAuth, Msg: "missing or wrong key", Detail: detail}
}

// require guards a route with a right: 401 without a key, 403 with a key that lacks it.
func (s *Server) require(r access.Right) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := who(c)
		switch {
		case p == nil && s.keys == nil:
			return &data.Error{Kind: data.KindAuth, Msg: "writes are disabled", Detail: "the server has no keys (set INDUS_API_KEY or --keys)"}
		case p == nil:
			return unauthorized(c, "this route needs a key with the right "+string(r))
		case !p.Can(r):
			return &data.Error{Kind: data.KindForbidden, Msg: "the key may not do this", Detail: "this route needs the right " + string(r)}
		}
		c.Locals(writeKey, true)
		return c.Next()
	}
}

// limit applies the rate limit of expensive routes, per key (per client address without one);
// keys with the admin right are not limited.
func (s *Server) limit(c *fiber.Ctx) error {
	if s.limiter == nil || who(c).Can(access.Admin) {
		return c.Next()
	}
	key := "addr:" + clientKey(c.IP())
	if p := who(c); p != nil {
		key = "key:" + p.ID
	}
	ok, wait := s.limiter.Allow(key, time.Now())
	if !ok {
		secs := max(1, int((wait+time.Second-1)/time.Second))
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
		return &data.Error{Kind: data.KindTooMany, Msg: "too many requests", Detail: "retry after " + strconv.Itoa(secs) + " s"}
	}
	return c.Next()
}

// note records, for the audit log, that the request read these layers (only the restricted ones
// are kept), and the bbox or tile it read them in.
type note struct {
	layers []string
	bbox   []float64
	tile   string
}

// noteRead marks layers read by a keyed request; anonymous requests cannot read restricted data.
func (s *Server) noteRead(c *fiber.Ctx, n note) {
	p := who(c)
	if p == nil || s.audit == nil {
		return
	}
	if n.layers = s.feat.Restricted(n.layers, p); len(n.layers) > 0 {
		c.Locals(noteKey, &n)
	}
}

// auditing appends an event for every write and every read of restricted data.
func (s *Server) auditing(c *fiber.Ctx) error {
	if s.audit == nil {
		return c.Next()
	}
	err := c.Next()
	n, _ := c.Locals(noteKey).(*note)
	if n == nil && c.Locals(writeKey) == nil {
		return err
	}
	ev := Event{Who: who(c), Method: c.Method(), Route: strings.Clone(c.Path()), Status: c.Response().StatusCode(),
		Write: c.Locals(writeKey) != nil}
	if err != nil {
		ev.Status = statusFor(err)
	}
	if n != nil {
		ev.Layers, ev.BBox, ev.Tile = n.layers, n.bbox, n.tile
	}
	if aerr := s.audit.Audit(ev); aerr != nil {
		s.log.Error("audit log", "err", aerr)
	}
	return err
}

// clientKey is the rate limit key of a client address: an IPv6 address by its /64 (one site's
// range, which a client can walk through), an IPv4 address whole.
func clientKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is6() || a.Is4In6() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}
