package rest

import (
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/torrent-streamer/streamer/adapters/torznab"
	"github.com/torrent-streamer/streamer/application/accounts"
	"github.com/torrent-streamer/streamer/application/activity"
	"github.com/torrent-streamer/streamer/application/catalog"
	"github.com/torrent-streamer/streamer/application/health"
	"github.com/torrent-streamer/streamer/application/ingest"
)

// Deps are the use cases the routes call. Catalog, Ingest and Health are required; Logger defaults
// to slog.Default(). Accounts and Activity are optional: without Accounts no /api/auth route is
// registered and the catalog serves everyone anonymously; without Activity GET
// /api/auth/me/activity is not registered.
type Deps struct {
	Catalog  *catalog.Service
	Ingest   *ingest.Service
	Health   *health.Service
	Accounts *accounts.Service
	Activity *activity.Lister
	// Torznab is the indexer the *arr apps search (GET /torznab/api); nil leaves the route out.
	Torznab *torznab.Indexer
	Logger  *slog.Logger
}

// Options tune the server. The zero value of each field is a sane default.
type Options struct {
	// IngestAPIKey is the key POST /api/ingest requires; empty turns ingest off (503).
	IngestAPIKey string
	// Version is reported by /api/health when the health service has none.
	Version string
	// RequestTimeout is the deadline the writing routes (ingest) run under (default 30 s; negative
	// for none). It flows down to the store, so a hung backend answers 503 instead of holding a
	// worker. Read routes are bounded by the cache's fill timeout and the health probes' own.
	RequestTimeout time.Duration
	// ReadTimeout, WriteTimeout and IdleTimeout bound a connection (defaults 10 s to read a request
	// whose body is at most 1 MiB, 60 s for a larger one; 60 s to write; 120 s idle).
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	IdleTimeout  time.Duration

	// CORSOrigins are the browser origins (scheme://host[:port]) allowed to call the API from
	// another origin, credentials included. Empty: no CORS header at all. "*" is refused: a
	// wildcard with credentials would hand every site the user's session.
	CORSOrigins []string
	// SecureCookies says when the session cookie is marked Secure: SecureCookiesAuto (default)
	// unless the request is plain HTTP to localhost, 127.0.0.0/8 or ::1; SecureCookiesAlways
	// always.
	SecureCookies CookieSecurity
	// BetterAuthSecret verifies the previous app's signed session cookie (better-auth.session_token),
	// so browsers signed in there stay signed in; empty: that cookie is ignored.
	BetterAuthSecret []byte
	// TrustedProxies are the IPs or CIDR ranges of the reverse proxies in front of the server. Only
	// from them are ClientIPHeader, X-Forwarded-Proto and X-Forwarded-Host believed. Empty (the
	// default): no forwarding header is believed; the client is the TCP peer.
	TrustedProxies []string
	// ClientIPHeader is where a trusted proxy puts the client's address (default X-Forwarded-For,
	// read from the right: the nearest address that is not itself a trusted proxy). A header of
	// one address (CF-Connecting-IP, X-Real-IP) works too.
	ClientIPHeader string
	// RateLimits bound the routes that attract abuse; zero fields take the defaults.
	RateLimits RateLimits
	// Connections, when set, reports the connection limiter's counters (Stats of the listener made
	// by LimitListener) in /metrics.
	Connections func() ConnStats
	// MetricsElsewhere leaves /metrics off this app: it is served on an address of its own
	// (MetricsHandler, METRICS_ADDR), so it need not be public.
	MetricsElsewhere bool
	// NoResponseCache turns off the second-long cache of anonymous catalog answers (responses.go),
	// as CACHE_ENABLED=false does with every cache tier, so uncached reads can be measured from
	// outside.
	NoResponseCache bool
	// HSTSMaxAge is the Strict-Transport-Security max-age sent on HTTPS answers (default one
	// year; negative: no header). Plain HTTP answers never carry it.
	HSTSMaxAge time.Duration
}

// Body limits of the contract. The server refuses anything above the largest one before a
// handler runs; every route then enforces its own.
const (
	maxBody       = 1 << 20
	maxIngestBody = 10 << 20
	// readBufferSize bounds the request line and headers: room for a search URL with 200 escaped
	// characters of text, 16 categories and a cursor, plus the cookies accounts will bring.
	readBufferSize = 8 << 10
)

// server holds what every handler shares.
type server struct {
	app            *fiber.App
	log            *slog.Logger
	requestTimeout time.Duration
	version        string
	clientIP       clientIPResolver
	limits         RateLimits
	// sessions is nil without the accounts use cases: the catalog then skips session lookups.
	sessions         *sessionAuth
	metricsElsewhere bool
	connections      func() ConnStats
	// responses holds the encoded answers of anonymous catalog reads for a second.
	responses *responseCache
}

// New builds the Fiber application with every route of the contract registered. The caller starts
// it (Listener or Listen) and stops it (ShutdownWithContext). Options are checked with
// Options.Validate first; bootstrap calls it at start-up to report a bad setting in words, so an
// invalid Options here is a bug and panics.
func New(deps Deps, opts Options) *fiber.App {
	if deps.Catalog == nil || deps.Ingest == nil || deps.Health == nil {
		panic("rest.New: Deps.Catalog, Deps.Ingest and Deps.Health are required")
	}
	if err := opts.Validate(); err != nil {
		panic("rest.New: " + err.Error())
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	opts = opts.withDefaults()
	s := &server{
		log: deps.Logger, requestTimeout: opts.RequestTimeout, version: opts.Version,
		clientIP: newClientIPResolver(opts.TrustedProxies, opts.ClientIPHeader), limits: opts.RateLimits,
		metricsElsewhere: opts.MetricsElsewhere, connections: opts.Connections,
		responses: newResponseCache(opts.NoResponseCache),
	}
	s.app = fiber.New(fiber.Config{
		ErrorHandler:   s.handleError,
		BodyLimit:      maxIngestBody,
		ReadBufferSize: readBufferSize,
		ReadTimeout:    opts.ReadTimeout,
		WriteTimeout:   opts.WriteTimeout,
		IdleTimeout:    opts.IdleTimeout,
		CaseSensitive:  true,
		// No route reads a form; pre-parsing one would answer a multipart body before requireJSON can.
		DisablePreParseMultipartForm: true,
		DisableStartupMessage:        true, // bootstrap logs the address through slog
		// X-Forwarded-Proto and X-Forwarded-Host (c.Protocol, c.Hostname: the Secure cookie rule,
		// HSTS, the CSRF origin check) are believed only from a trusted proxy; with none, never.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          opts.TrustedProxies,
	})
	s.app.Use(s.requestScope)
	s.app.Use(securityHeaders(opts.HSTSMaxAge, len(opts.TrustedProxies) > 0))
	if len(opts.CORSOrigins) > 0 {
		s.app.Use(corsHandler(opts.CORSOrigins))
	}

	// The session lookup must exist before the catalog's routes, which use it when it does.
	if deps.Accounts != nil {
		s.sessions = newSessionAuth(deps.Accounts, s.log, opts.SecureCookies, opts.CORSOrigins, opts.BetterAuthSecret)
	}
	// Ingest's routes first: GET /api/torrents/takedown must come before the catalog's :id.
	s.ingestRoutes(deps.Ingest, opts.IngestAPIKey)
	s.catalogRoutes(deps.Catalog)
	if deps.Accounts != nil {
		s.accountRoutes(deps.Accounts, deps.Activity)
	}
	if deps.Torznab != nil {
		s.responses.alsoPurge = append(s.responses.alsoPurge, deps.Torznab.Purge)
		s.route(fiber.MethodGet, torznab.Path, maxBody, deps.Torznab.Handlers(s.clientIP.of, s.limits.TorznabPerIP.Max, s.limits.TorznabPerIP.Window)...)
	}
	s.operationsRoutes(deps.Health, openAPIFor(deps.Accounts != nil, deps.Accounts != nil && deps.Activity != nil))
	s.app.Server().Handler = s.refuseUnknownMethods(s.app.Server().Handler)
	s.app.Server().HeaderReceived = headerReceived
	return s.app
}

// refuseUnknownMethods answers a method Fiber does not know (FOO, PROPFIND) with the contract's 405
// problem document and a request id. Fiber itself answers those with a plain-text 400 before any
// handler or error handler runs. It also answers a request headerReceived refused (ambiguous
// framing) with a 400, and closes the connection.
func (s *server) refuseUnknownMethods(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(rctx *fasthttp.RequestCtx) {
		if len(rctx.Request.Header.Peek(framingHeader)) > 0 {
			rctx.SetConnectionClose() // what follows on this connection cannot be framed
			c := s.app.AcquireCtx(rctx)
			defer s.app.ReleaseCtx(c)
			_ = s.handleError(c, errAmbiguousFraming)
			return
		}
		switch string(rctx.Method()) {
		case fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut, fiber.MethodDelete,
			fiber.MethodConnect, fiber.MethodOptions, fiber.MethodTrace, fiber.MethodPatch:
			next(rctx)
			return
		}
		c := s.app.AcquireCtx(rctx)
		defer s.app.ReleaseCtx(c)
		_ = s.handleError(c, fiber.ErrMethodNotAllowed)
	}
}

func (o Options) withDefaults() Options {
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 30 * time.Second
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = headerTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 60 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 120 * time.Second
	}
	if o.HSTSMaxAge == 0 {
		o.HSTSMaxAge = 365 * 24 * time.Hour
	}
	if o.ClientIPHeader == "" {
		o.ClientIPHeader = fiber.HeaderXForwardedFor
	}
	o.RateLimits = o.RateLimits.withDefaults()
	return o
}

// route registers one route behind its body limit. Every route gets one, so a route that reads no
// body still refuses a large one; routes that read a body add requireJSON where it belongs in their
// chain (ingest checks its key first, so an anonymous caller learns nothing about the body rules).
func (s *server) route(method, path string, limit int, handlers ...fiber.Handler) {
	chain := make([]fiber.Handler, 0, len(handlers)+1)
	chain = append(chain, limitBody(limit))
	chain = append(chain, handlers...)
	if method == fiber.MethodGet {
		s.app.Get(path, chain...) // Get also answers HEAD
		return
	}
	s.app.Add(method, path, chain...)
}
