package httpapi

import (
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
)

// Operations: request observation (for metrics), readiness, the metrics exposition and the
// server that answers while the data load.

// RequestObserver is told of every request once it is answered: the route pattern that served it
// (like /tiles/:layers/:z/:x/:y.:ext, never the raw path; Unmatched when no route did), the
// method, the status and how long it took. It must be cheap and safe for concurrent use. The
// strings may be kept: they are constants, not views of the request.
type RequestObserver interface {
	ObserveRequest(route, method string, status int, took time.Duration)
}

// Unmatched is the route of requests no route of the API served (404s, CORS preflights).
const Unmatched = "unmatched"

// Readiness reasons the server gives itself; others come from Config.Readiness.
const (
	ReasonShuttingDown = "shutting down"
	ReasonLoading      = "loading"
)

// observe times every request and tells the observer its route, status and duration. Errors are
// answered here (through the one error handler) so that their status is known.
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	if err := c.Next(); err != nil {
		if err := s.handleError(c, err); err != nil {
			c.Status(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	s.cfg.Observer.ObserveRequest(routeOf(c, status), methodOf(c.Method()), status, time.Since(start))
	return nil
}

// methodOf returns the method as a constant string: Fiber's is only valid during the request.
func methodOf(m string) string {
	for _, known := range [...]string{fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodOptions, fiber.MethodPut,
		fiber.MethodDelete, fiber.MethodPatch, fiber.MethodConnect, fiber.MethodTrace} {
		if m == known {
			return known
		}
	}
	return "other"
}

// routeOf is the pattern of the route that answered c. The middlewares are all mounted at "/", as
// is the landing page: a "/" that answered another path, or a 404 or 405, is no route.
func routeOf(c *fiber.Ctx, status int) string {
	p := c.Route().Path
	if p == "/" && (c.Path() != "/" || status == fiber.StatusNotFound || status == fiber.StatusMethodNotAllowed) {
		return Unmatched
	}
	return p
}

// readyJSON is the body of GET /ready.
type readyJSON struct {
	Ready       bool   `json:"ready"`
	Reason      string `json:"reason,omitempty"`
	DataVersion string `json:"data_version,omitempty"`
}

// ready serves GET /ready: 200 when serving, 503 with the reason while the data load or reload,
// the warnings' state replays, or the server shuts down.
func (s *Server) ready(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	reason := ""
	switch {
	case s.closed.Load():
		reason = ReasonShuttingDown
	case s.cfg.Readiness != nil:
		reason = s.cfg.Readiness()
	}
	if reason != "" {
		return c.Status(fiber.StatusServiceUnavailable).JSON(readyJSON{Reason: reason})
	}
	out := readyJSON{Ready: true}
	if s.feat != nil {
		out.DataVersion = s.feat.Summary(nil).Version
	}
	return c.JSON(out)
}

// metrics serves GET /metrics from Config.Metrics (404 without it).
func (s *Server) metrics() fiber.Handler {
	if s.cfg.Metrics == nil {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	return adaptor.HTTPHandler(s.cfg.Metrics)
}

// operator reports whether the caller may read the process-wide figures (see
// Config.OperatorFigures): anyone unless it is set, else keys with the admin right.
func (s *Server) operator(c *fiber.Ctx) bool {
	return !s.cfg.OperatorFigures || who(c).Can(access.Admin)
}

// operatorOnly guards GET /metrics: its counters (requests, tiles drawn, cache size, latencies)
// move with every caller's work, restricted reads included.
func (s *Server) operatorOnly(c *fiber.Ctx) error {
	switch {
	case s.operator(c):
		return c.Next()
	case who(c) == nil:
		return unauthorized(c, "/metrics needs a key with the right "+string(access.Admin))
	}
	return &data.Error{Kind: data.KindForbidden, Msg: "the key may not do this", Detail: "/metrics needs the right " + string(access.Admin)}
}

// Starting returns a server to listen with while the data load: /ready and /health answer 503
// with the reason (Config.Readiness, else "loading"), /metrics is served, every other route is
// a 503. Shut it down, then serve the full server on the same listener (see cmd/indus).
func Starting(cfg Config, log *slog.Logger) *Server {
	s := &Server{cfg: cfg, log: log, start: time.Now()}
	s.app = fiber.New(fiber.Config{AppName: "indus", DisableStartupMessage: true, ErrorHandler: s.handleError,
		ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second})
	if cfg.Observer != nil {
		s.app.Use(s.observe)
	}
	s.app.Use(s.cors)
	s.app.Get("/metrics", s.metrics())
	s.app.Use(func(c *fiber.Ctx) error {
		reason := ReasonLoading
		if cfg.Readiness != nil && cfg.Readiness() != "" {
			reason = cfg.Readiness()
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Set(fiber.HeaderRetryAfter, "1")
		switch strings.TrimSuffix(c.Path(), "/") {
		case "/ready":
			return c.Status(fiber.StatusServiceUnavailable).JSON(readyJSON{Reason: reason})
		case "/health":
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "starting", "reason": reason,
				"uptime_s": int(time.Since(s.start).Seconds())})
		}
		return c.Status(fiber.StatusServiceUnavailable).JSON(errorBody{Error: "starting", Detail: "the server is " + reason + "; try again shortly"})
	})
	jsonMethods(s.app)
	return s
}
