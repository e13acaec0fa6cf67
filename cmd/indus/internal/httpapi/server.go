// Package httpapi is Indus's HTTP transport: the only package that imports Fiber. It parses
// requests, calls the domain services (features, tiles, analytics, warnings, styles), writes
// responses, and maps error kinds to statuses in one table (below). The work of every request runs
// under one deadline (--request-timeout; risk queries their own, longer one) and one body limit.
package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/valyala/fasthttp"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/analytics/planning"
	"github.com/cpec-digital/indus/analytics/warnings"
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/indexes/features"
	"github.com/cpec-digital/indus/tiles"
	"github.com/cpec-digital/indus/tiles/archive"
)

// statusOf is the one table that maps error kinds to HTTP statuses.
var statusOf = map[data.Kind]int{
	data.KindInvalid:     fiber.StatusBadRequest,
	data.KindNotFound:    fiber.StatusNotFound,
	data.KindTooLarge:    fiber.StatusRequestEntityTooLarge,
	data.KindUnsupported: fiber.StatusUnsupportedMediaType,
	data.KindTimeout:     fiber.StatusGatewayTimeout,
	data.KindAuth:        fiber.StatusUnauthorized,
	data.KindForbidden:   fiber.StatusForbidden,
	data.KindTooMany:     fiber.StatusTooManyRequests,
	data.KindConflict:    fiber.StatusConflict,
	data.KindInternal:    fiber.StatusInternalServerError,
	data.KindUnavailable: fiber.StatusServiceUnavailable,
}

// DefaultBodyLimit is the largest request body accepted unless Config says otherwise.
const DefaultBodyLimit = 4 << 20

// Config configures the server.
type Config struct {
	// PublicURL is the base URL clients use (e.g. https://maps.example.org); empty: from each request.
	PublicURL string
	// BodyLimit is the largest request body accepted, in bytes [DefaultBodyLimit].
	BodyLimit int
	// RequestTimeout bounds the work of one request [10 s].
	RequestTimeout time.Duration
	// RiskTimeout bounds the work of one /risk/* request [20 s].
	RiskTimeout time.Duration
	// Version is the software version shown on the landing page.
	Version string
	// TileCacheControl is the Cache-Control header of tiles (default "public, max-age=300").
	TileCacheControl string
	// Heartbeat is the interval of the comment lines on event streams (default 15 s).
	Heartbeat time.Duration
	// Glyphs serves the fonts of map labels at /fonts/{fontstack}/{range}.pbf; nil: none (404).
	Glyphs Glyphs
	// Observer, when set, is told of every request (route pattern, status, duration).
	Observer RequestObserver
	// Metrics, when set, is served at GET /metrics (the Prometheus exposition).
	Metrics http.Handler
	// Readiness, when set, says why the server is not ready ("" when it is), for GET /ready.
	Readiness func() string
	// OperatorFigures, when set, gives the process-wide figures — /metrics and the tile cache of
	// /health, which count the work done for every caller, restricted reads included — only to
	// keys with the admin right. Set it when some key may read restricted layers (a keys file).
	OperatorFigures bool
}

// Services are the domain services the server calls; Warnings may be nil (no gauge layer),
// Archives nil (no PMTiles archives).
type Services struct {
	Features *features.Service
	Tiles    *tiles.Service
	Risk     *analytics.Engine
	Warnings *warnings.Service
	Archives *archive.Set
	Planner  *planning.Planner // may be nil
	Keys     Authenticator     // nil: no keys (every request is anonymous; writes are disabled)
	Limiter  Limiter           // nil: no rate limits
	Logins   Budget            // key checks and failed logins per client address; nil: not limited
	// KeyChecks are the key checks per key id named, once the address's Logins are spent; nil: none then.
	KeyChecks Budget
	Audit     Auditor // nil: no audit log
}

// Server serves the Indus API over Fiber.
type Server struct {
	cfg       Config
	log       *slog.Logger
	app       *fiber.App
	feat      *features.Service
	tiles     *tiles.Service
	risk      *analytics.Engine
	warn      *warnings.Service
	arch      *archive.Set
	plan      *planning.Planner
	keys      Authenticator
	limiter   Limiter
	logins    Budget
	keyChecks Budget
	audit     Auditor
	writes    map[string]bool // the paths of POST routes that change state
	apiDoc    openAPI         // GET /api
	apiErr    error           // why openapi.yaml could not be read (a bug the tests catch)
	start     time.Time
	closed    atomic.Bool
	auditDown atomic.Bool // the last audit record could not be written
}

// New builds a server over the services.
func New(cfg Config, svc Services, log *slog.Logger) *Server {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 10 * time.Second
	}
	if cfg.RiskTimeout <= 0 {
		cfg.RiskTimeout = 20 * time.Second
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 15 * time.Second
	}
	if cfg.TileCacheControl == "" {
		cfg.TileCacheControl = "public, max-age=300"
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	s := &Server{cfg: cfg, log: log, start: time.Now(), feat: svc.Features, tiles: svc.Tiles, risk: svc.Risk, warn: svc.Warnings,
		arch: svc.Archives, plan: svc.Planner, keys: svc.Keys, limiter: svc.Limiter, logins: svc.Logins, keyChecks: svc.KeyChecks, audit: svc.Audit,
		writes: map[string]bool{}}
	s.apiDoc, s.apiErr = parseOpenAPI(openAPIYAML)
	s.app = fiber.New(fiber.Config{
		AppName:               "indus",
		DisableStartupMessage: true,
		BodyLimit:             cfg.BodyLimit,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		ErrorHandler:          s.handleError,
		JSONEncoder:           encodeJSON,
		StrictRouting:         false,
		CaseSensitive:         true,
	})
	if cfg.Observer != nil {
		s.app.Use(s.observe)
	}
	s.app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		s.log.Error("panic in handler", "path", c.Path(), "panic", e)
	}}))
	s.app.Use(s.cors)
	// Before anything reads the body: its length unambiguous, its encoding undone within the limit.
	s.app.Use(framing, s.decodeBody)
	s.app.Use(s.auditing) // before authenticate: refused write attempts are recorded too
	s.app.Use(s.authenticate)
	s.app.Use(s.deadline)
	s.routes()
	jsonMethods(s.app)
	return s
}

// jsonMethods answers a method Fiber does not know with a JSON 501 (Fiber's own answer is a
// text/plain 400, before any handler runs).
func jsonMethods(app *fiber.App) {
	srv := app.Server()
	next := srv.Handler
	body, _ := json.Marshal(errorBody{Error: "method not implemented", Detail: "this server knows GET, HEAD, POST and OPTIONS"})
	srv.Handler = func(ctx *fasthttp.RequestCtx) {
		if methodOf(string(ctx.Method())) != "other" {
			next(ctx)
			return
		}
		ctx.Response.Header.Set(fiber.HeaderAccessControlAllowOrigin, "*")
		ctx.Response.Header.Set(fiber.HeaderCacheControl, "no-store")
		ctx.SetStatusCode(fiber.StatusNotImplemented)
		ctx.SetContentType(fiber.MIMEApplicationJSON)
		ctx.SetBody(body)
	}
}

// Serve serves on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown stops accepting connections and waits for requests in flight, up to ctx's deadline.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closed.Store(true)
	if s.warn != nil {
		s.warn.Hub().Close() // end event streams so that connections drain
	}
	return s.app.ShutdownWithContext(ctx)
}

func (s *Server) routes() {
	s.app.Get("/", s.landing)
	s.app.Get("/conformance", s.conformanceDoc)
	s.app.Get("/api", s.api)
	s.app.Get("/health", s.health)
	s.app.Get("/ready", s.ready)
	if s.cfg.Metrics != nil {
		s.app.Get("/metrics", s.operatorOnly, s.metrics())
	}
	s.app.Get("/catalog", s.catalog)
	s.app.Get("/collections", s.collections)
	s.app.Get("/collections/:id", s.collection)
	s.app.Get("/collections/:id/items", s.items)
	s.app.Get("/collections/:id/queryables", s.queryables)
	s.app.Get("/collections/:id/items/:featureId", s.item)
	s.app.Get("/tiles/:layers/:z/:x/:y.:ext", s.tile)
	s.app.Get("/tiles/:tileset", s.tileJSON)
	s.app.Get("/pmtiles/:name/:z/:x/:y.:ext", s.archiveTile)
	s.app.Get("/pmtiles/:file", s.archiveTileJSON)
	s.app.Post("/risk/area", s.limit, s.riskArea)
	s.app.Post("/risk/compare", s.limit, s.riskCompare)
	s.app.Get("/risk/point", s.limit, s.riskPoint)
	s.app.Get("/risk/rank", s.limit, s.riskRank)
	s.app.Post("/plan/fibre", s.limit, s.planFibre)
	s.write("/warnings/readings", access.WriteWarnings, s.postReadings)
	s.app.Get("/warnings/readings", s.getReadings)
	s.app.Get("/warnings/stream", s.stream)
	s.app.Get("/warnings", s.listWarnings)
	s.app.Get("/warnings.atom", s.atomFeed)
	s.app.Get("/warnings/:file", s.getWarning)
	s.app.Get("/warnings/:id/villages", s.limit, s.warningVillages)
	s.app.Get("/styles", s.styleIndex)
	s.app.Get("/styles/:file", s.style)
	s.app.Get("/fonts/:fontstack/:range.pbf", s.glyphs)
	s.app.Use("/map", func(c *fiber.Ctx) error {
		if c.Path() == "/map" { // relative links in the page need the trailing slash
			return c.Redirect("/map/", fiber.StatusMovedPermanently)
		}
		return c.Next()
	}, s.viewer())
	// No fallback route: Fiber answers a path no route takes with 404, and one that other methods
	// take with 405 and Allow (handleError words both).
}

// write adds a POST route that changes state: it needs the right r, and every attempt is audited.
func (s *Server) write(path string, r access.Right, h fiber.Handler) {
	s.writes[path] = true
	s.app.Post(path, s.require(r), h)
}

// deadline gives every request one deadline: RiskTimeout for /risk/*, RequestTimeout for the
// rest. (Event streams outlive it: their handler returns at once and writes later.) Tiles set
// their own, only when a tile must be made: a timer per request adds a third to what a cached
// tile costs (650 ns of 2 µs in BenchmarkTileHit/handler).
func (s *Server) deadline(c *fiber.Ctx) error {
	d := s.cfg.RequestTimeout
	switch path := c.Path(); {
	case strings.HasPrefix(path, "/tiles/"):
		return c.Next()
	case strings.HasPrefix(path, "/risk/"):
		d = s.cfg.RiskTimeout
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), d)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

// cors allows any origin to read the API: tiles, styles and risk answers are public data.
func (s *Server) cors(c *fiber.Ctx) error {
	if c.Method() == fiber.MethodOptions {
		c.Set("Access-Control-Allow-Origin", "*")
		c.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
		c.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, If-None-Match, Last-Event-ID")
		c.Set("Access-Control-Max-Age", "86400")
		return c.SendStatus(fiber.StatusNoContent)
	}
	s.corsHeaders(c)
	return c.Next()
}

// corsHeaders are the CORS headers of every answer but preflights.
func (s *Server) corsHeaders(c *fiber.Ctx) {
	c.Set("Access-Control-Allow-Origin", "*")
	c.Set("Access-Control-Expose-Headers", "ETag, Content-Crs")
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error  string `json:"error"`
	Detail string `json:"detail,omitempty"`
}

// failure is the status and body of an error.
func failure(err error) (int, errorBody) {
	var fe *fiber.Error
	var de *data.Error
	status := fiber.StatusInternalServerError
	body := errorBody{Error: "internal error"}
	switch {
	case errors.As(err, &de):
		status = statusOf[data.KindOf(err)]
		body = errorBody{Error: de.Msg, Detail: de.Detail}
		if de.Kind == data.KindInternal {
			body = errorBody{Error: "internal error"}
		}
	case errors.As(err, &fe): // Fiber's and fasthttp's own: their messages may quote the request
		status = fe.Code
		body = errorBody{Error: strings.ToLower(http.StatusText(fe.Code))}
		if status == fiber.StatusBadRequest || body.Error == "" {
			body = errorBody{Error: "malformed request"}
		}
	case errors.Is(err, context.DeadlineExceeded):
		status = fiber.StatusGatewayTimeout
		body = errorBody{Error: "the request took too long"}
	}
	if status == 0 {
		status = fiber.StatusInternalServerError
	}
	return status, body
}

// statusFor is the status an error is answered with.
func statusFor(err error) int {
	status, _ := failure(err)
	return status
}

func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status, body := failure(err)
	switch status {
	case fiber.StatusNotFound: // Fiber's own, for a path no route takes
		var fe *fiber.Error
		if errors.As(err, &fe) {
			body = errorBody{Error: "no route for " + c.Method() + " " + c.Path()}
		}
	case fiber.StatusMethodNotAllowed: // Fiber has set Allow
		body = errorBody{Error: "method not allowed", Detail: c.Method() + " " + c.Path() + ": allowed " + string(c.Response().Header.Peek(fiber.HeaderAllow))}
	}
	if status >= 500 {
		s.log.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).JSON(body)
}

// encodeJSON writes every JSON document the server sends: without Go's HTML escaping of <, > and
// & (\u003e), which no client needs and some cannot read (the MapLibre style validator's CLI
// takes "\u003e" in a style expression for an unknown operator).
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// baseURL is the public URL prefix for links.
func (s *Server) baseURL(c *fiber.Ctx) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	return c.BaseURL()
}

func (s *Server) landing(c *fiber.Ctx) error {
	base := s.baseURL(c)
	sum := s.feat.Summary(who(c))
	return c.JSON(fiber.Map{
		"title":        "Indus",
		"description":  "Vector tiles and climate-risk answers for the China-Pakistan Economic Corridor",
		"version":      s.cfg.Version,
		"data_version": sum.Version,
		"dataset":      sum.Dataset,
		"links": append([]features.Link{
			{Rel: "self", Href: base + "/", Type: "application/json", Title: "this page"},
			{Rel: "service-desc", Href: base + "/api", Type: openAPIType, Title: "the API definition (OpenAPI 3.0)"},
			{Rel: "conformance", Href: base + "/conformance", Type: "application/json", Title: "OGC API conformance classes"},
			{Rel: "data", Href: base + "/collections", Type: "application/json", Title: "collections (OGC API - Features)"},
			{Rel: "describedby", Href: base + "/catalog", Type: "application/json", Title: "layer catalog with metadata"},
			{Rel: "status", Href: base + "/health", Type: "application/json", Title: "health"},
			{Rel: "tiles", Href: base + "/tiles/{layers}.json", Type: "application/json", Title: "TileJSON of any comma list of layers"},
			{Rel: "risk", Href: base + "/risk/area", Type: "application/json", Title: "area risk queries (POST)"},
			{Rel: "warnings", Href: base + "/warnings", Type: "application/json", Title: "flood warnings"},
			{Rel: "styles", Href: base + "/styles", Type: "application/json", Title: "MapLibre styles of the 7 themes"},
			{Rel: "map", Href: base + "/map/", Type: "text/html", Title: "web map viewer"},
		}, s.archiveLinks(c, base)...),
	})
}

func (s *Server) health(c *fiber.Ctx) error {
	sum := s.feat.Summary(who(c))
	status := "ok"
	if s.closed.Load() {
		status = "shutting down"
	}
	st := s.tiles.Stats()
	cache := fiber.Map{"enabled": st.Enabled}
	if s.operator(c) {
		cache = fiber.Map{"enabled": st.Enabled, "hits": st.Hits, "misses": st.Misses, "computed": st.Computed,
			"invalidated": st.Invalidated, "entries": st.Entries, "bytes": st.CostBytes}
	}
	out := fiber.Map{"status": status, "layers": sum.Layers, "features": sum.Features,
		"data_version": sum.Version, "uptime_s": int(time.Since(s.start).Seconds()), "tile_cache": cache,
		"pmtiles": s.archives(c)}
	if s.warn != nil {
		out["warnings"] = s.warn.Status()
	}
	return c.JSON(out)
}
