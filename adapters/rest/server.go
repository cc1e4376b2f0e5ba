package rest

import (
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/torrent-streamer/streamer/application/catalog"
	"github.com/torrent-streamer/streamer/application/health"
	"github.com/torrent-streamer/streamer/application/ingest"
)

// Deps are the use cases the routes call. Every service is required; Logger defaults to
// slog.Default(). Accounts will add their service here and their routes in a file of their own.
type Deps struct {
	Catalog *catalog.Service
	Ingest  *ingest.Service
	Health  *health.Service
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
	// ReadTimeout, WriteTimeout and IdleTimeout bound a connection (defaults 30 s, 60 s, 120 s).
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	IdleTimeout  time.Duration
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
}

// New builds the Fiber application with every route of the contract registered. The caller starts
// it (Listener or Listen) and stops it (ShutdownWithContext).
func New(deps Deps, opts Options) *fiber.App {
	if deps.Catalog == nil || deps.Ingest == nil || deps.Health == nil {
		panic("rest.New: Deps.Catalog, Deps.Ingest and Deps.Health are required")
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	opts = opts.withDefaults()
	s := &server{log: deps.Logger, requestTimeout: opts.RequestTimeout, version: opts.Version}
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
	})
	s.app.Use(s.requestScope)

	s.catalogRoutes(deps.Catalog)
	s.ingestRoutes(deps.Ingest, opts.IngestAPIKey)
	s.operationsRoutes(deps.Health)
	return s.app
}

func (o Options) withDefaults() Options {
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 30 * time.Second
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = 30 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 60 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 120 * time.Second
	}
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
