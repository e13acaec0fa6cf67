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
// keyfile). It fails for a token that is not a valid key. Before the costly check of a token it has
// not seen (an argon2id derivation) it calls admit with the id of the key the token names ("" if
// there is no such key), and fails with admit's error if there is one.
type Authenticator interface {
	Authenticate(token string, admit func(key string) error) (*access.Principal, error)
}

// Limiter allows or refuses one more request of a caller (a key id or a client address); when it
// refuses it says how long to wait.
type Limiter interface {
	Allow(key string, now time.Time) (ok bool, retryAfter time.Duration)
}

// Budget is a Limiter that can give back a request it allowed (a key check that succeeded).
type Budget interface {
	Limiter
	Refund(key string)
}

// Event is what the audit log records of one request: every write (and attempt refused with 401
// or 403), and every read of restricted data (Layers then names the restricted layers it read).
type Event struct {
	Who    *access.Principal
	Method string
	Route  string
	Layers []string
	BBox   []float64 // when the request named one
	Tile   string    // z/x/y, for tiles
	Status int
	Write  bool   // a write, or an attempt refused (401, 403)
	Detail string // why a write was refused
}

// Auditor appends events to the audit log. Writable says whether the next record can be written
// (nil) or why not; it is asked before every write, which is refused while it fails.
type Auditor interface {
	Audit(Event) error
	Writable() error
}

// whoKey is the Locals key of the request's principal; noteKey of what it read that is restricted.
const (
	whoKey  = "indus.who"
	noteKey = "indus.note"
)

// who is the request's principal; nil for an anonymous request.
func who(c *fiber.Ctx) *access.Principal {
	p, _ := c.Locals(whoKey).(*access.Principal)
	return p
}

// authenticate finds the principal of a request that sends Authorization: Bearer <key> (the
// scheme in any case). A request without the header is anonymous; one with two is refused (400);
// one with a key that is not valid is refused (401), on every route: a wrong key is a mistake to
// report, not a reason to answer with less. Failed logins are throttled per client address (429).
// Responses to keyed requests are made private, so that no shared cache keeps what the key may read.
func (s *Server) authenticate(c *fiber.Ctx) error {
	hs := c.Request().Header.PeekAll(fiber.HeaderAuthorization)
	switch {
	case len(hs) > 1:
		return data.Invalid("more than one Authorization header", "send one: Authorization: Bearer <key>")
	case len(hs) == 0 || len(hs[0]) == 0:
		return c.Next()
	}
	token, ok := bearer(string(hs[0]))
	if !ok || s.keys == nil {
		return s.refuse(c, false, "send Authorization: Bearer <key>")
	}
	g := &gate{s: s, c: c}
	p, err := s.keys.Authenticate(token, g.admit)
	g.refund(p, err) // a key check that succeeded is no failed login
	switch data.KindOf(err) {
	case data.KindTooMany:
		return err
	case data.KindUnavailable: // too many key checks under way
		c.Set(fiber.HeaderRetryAfter, "1")
		return err
	}
	if err != nil || p == nil {
		return s.refuse(c, g.charged, "the key is not valid (revoked, mistyped or from another server)")
	}
	c.Locals(whoKey, p)
	err = c.Next()
	h2 := &c.Response().Header
	h2.Set(fiber.HeaderCacheControl, private(string(h2.Peek(fiber.HeaderCacheControl))))
	return err
}

// bearer returns the token of an Authorization value: the scheme Bearer in any case (RFC 7235),
// one or more spaces, and a token without white space.
func bearer(h string) (string, bool) {
	scheme, rest, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token := strings.Trim(rest, " \t")
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}

// gate admits the key checks of one request against its address's budget of failed logins; once
// that is spent, against the budget of the key id the token names (one budget for all the ids no
// key has), so that bad tokens sent from an address do not lock out the good keys used from it.
type gate struct {
	s       *Server
	c       *fiber.Ctx
	charged bool   // a key check was counted
	budget  Budget // where, under the name bucket (nil: nowhere)
	bucket  string
}

func (g *gate) admit(key string) error {
	g.charged = true
	s, now := g.s, time.Now()
	if s.logins == nil {
		return nil
	}
	addr := "addr:" + clientKey(g.c.IP())
	ok, wait := s.logins.Allow(addr, now)
	if ok {
		g.budget, g.bucket = s.logins, addr
		return nil
	}
	if s.keyChecks != nil {
		if ok, _ := s.keyChecks.Allow("id:"+key, now); ok { // "id:" for ids no key has: they share one
			g.budget, g.bucket = s.keyChecks, "id:"+key
			return nil
		}
	}
	return tooMany(g.c, wait, "too many failed logins from this address")
}

// refund gives back the key check of a request whose token was good, or was not checked (busy).
func (g *gate) refund(p *access.Principal, err error) {
	if g.budget != nil && (p != nil || data.KindOf(err) == data.KindUnavailable) {
		g.budget.Refund(g.bucket)
	}
}

// chargeLogin counts a key check or a failed login of the request's client address; past the
// address's budget it refuses (429 with Retry-After).
func (s *Server) chargeLogin(c *fiber.Ctx) error {
	if s.logins == nil {
		return nil
	}
	if ok, wait := s.logins.Allow("addr:"+clientKey(c.IP()), time.Now()); !ok {
		return tooMany(c, wait, "too many failed logins from this address")
	}
	return nil
}

// refuse answers a request whose credentials are missing or wrong: 401, or 429 once its address
// is over its budget of failed logins. A failure costs the budget when it cost a key check
// (charged: counted before it) or, on a write route, an audit record; a known bad token on a read
// costs neither, and is answered 401 however often it comes.
func (s *Server) refuse(c *fiber.Ctx, charged bool, detail string) error {
	if !charged && s.isWrite(c) {
		if err := s.chargeLogin(c); err != nil {
			return err
		}
	}
	return unauthorized(c, detail)
}

// tooMany is a 429 with Retry-After: wait rounded up to whole seconds.
func tooMany(c *fiber.Ctx, wait time.Duration, msg string) error {
	secs := max(1, int((wait+time.Second-1)/time.Second))
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
	return &data.Error{Kind: data.KindTooMany, Msg: msg, Detail: "retry after " + strconv.Itoa(secs) + " s"}
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
			if err := s.chargeLogin(c); err != nil {
				return err
			}
			return &data.Error{Kind: data.KindAuth, Msg: "writes are disabled", Detail: "the server has no keys (set INDUS_API_KEY or --keys)"}
		case p == nil:
			return s.refuse(c, false, "this route needs a key with the right "+string(r))
		case !p.Can(r):
			if err := s.chargeLogin(c); err != nil { // each is an audit record: as a failed login
				return err
			}
			return &data.Error{Kind: data.KindForbidden, Msg: "the key may not do this", Detail: "this route needs the right " + string(r)}
		}
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
	if ok, wait := s.limiter.Allow(key, time.Now()); !ok {
		return tooMany(c, wait, "too many requests")
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

// auditing appends an event for every write — refused ones too, but for those refused for
// coming too often (429), so that no one can fill the log — and every read of restricted data. It
// fails closed: while records cannot be written, writes are refused before they are done and reads
// of restricted data once made (nothing of the answer is sent), both with 503; public reads are
// served. It recovers by itself once records can be written again.
func (s *Server) auditing(c *fiber.Ctx) error {
	if s.audit == nil {
		return c.Next()
	}
	write := s.isWrite(c)
	if write {
		if err := s.audit.Writable(); err != nil {
			return s.auditFailed(err)
		}
	}
	err := c.Next()
	n, _ := c.Locals(noteKey).(*note)
	if n == nil && !write {
		return err
	}
	ev := event(c, n, err, write)
	if write && ev.Status == fiber.StatusTooManyRequests {
		return err
	}
	if aerr := s.audit.Audit(ev); aerr != nil {
		if write { // done (the log could be written just before): the answer stands
			s.log.Error("audit log: a write was done but its record could not be written", "route", ev.Route, "key", ev.Who.Name(), "err", aerr)
			s.auditFailed(aerr)
			return err
		}
		c.Response().Reset()
		s.corsHeaders(c)
		return s.auditFailed(aerr)
	}
	if s.auditDown.CompareAndSwap(true, false) {
		s.log.Info("audit log writable again: serving writes and reads of restricted data")
	}
	return err
}

// isWrite reports whether c asks a route that changes state.
func (s *Server) isWrite(c *fiber.Ctx) bool {
	return c.Method() == fiber.MethodPost && s.writes[strings.TrimSuffix(c.Path(), "/")]
}

// event is the audit event of a request answered with err (nil: with its response's status).
func event(c *fiber.Ctx, n *note, err error, write bool) Event {
	ev := Event{Who: who(c), Method: methodOf(c.Method()), Route: strings.Clone(c.Path()), Status: c.Response().StatusCode(), Write: write}
	if err != nil {
		var body errorBody
		ev.Status, body = failure(err)
		if write {
			ev.Detail = body.Error
		}
	}
	if n != nil {
		ev.Layers, ev.BBox, ev.Tile = n.layers, n.bbox, n.tile
	}
	return ev
}

// auditFailed logs that the audit log cannot be written (once, until it can again) and returns the 503 to answer.
func (s *Server) auditFailed(err error) error {
	if s.auditDown.CompareAndSwap(false, true) {
		s.log.Error("audit log cannot be written: refusing writes and reads of restricted data until it can", "err", err)
	}
	return &data.Error{Kind: data.KindUnavailable, Msg: "the audit log cannot be written",
		Detail: "writes and reads of restricted data are refused until it can; public data are served"}
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
