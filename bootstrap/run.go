package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/torrent-streamer/streamer/adapters/rest"

	"github.com/torrent-streamer/streamer/adapters/r1"
)

// ShutdownTimeout is how long in-flight requests get to finish after SIGTERM by default
// (SHUTDOWN_TIMEOUT): more than the longest request's deadline (ingest, 30 s).
const ShutdownTimeout = 35 * time.Second

// Serve runs the API until ctx is done (a signal), then stops taking connections, lets in-flight
// requests finish, and closes the stores.
func Serve(ctx context.Context, cfg Config, log *slog.Logger) error {
	svc, err := New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := svc.Close(); err != nil {
			log.Error("closing the stores failed", "err", err)
		}
	}()
	applyMemoryLimit(svc.memory, log)
	if cfg.SampleData {
		if err := LoadSample(ctx, svc, log); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr())
	if err != nil {
		return fmt.Errorf("listen on %s (set ADDR or PORT to change it): %w", cfg.ListenAddr(), err)
	}
	ln = limitConnections(ln, cfg, log)
	svc.listener.Store(&ln)
	svc.ShutdownTimeout = cfg.shutdownGrace()
	if cfg.MetricsAddr != "" {
		stop, err := serveMetrics(cfg.MetricsAddr, cfg.Pprof, svc, log)
		if err != nil {
			return err
		}
		defer stop()
	}
	log.Info("serving the API", "addr", ln.Addr().String(), "mode", svc.Mode, "database", describeDatabase(cfg),
		"ingest", cfg.IngestAPIKey != "", "version", Version)
	return svc.Run(ctx, ln, log)
}

// serveMetrics serves /metrics on addr (METRICS_ADDR), and Go's profiles under /debug/pprof/ when
// withPprof (PPROF=true), until stop is called.
func serveMetrics(addr string, withPprof bool, svc *Service, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (METRICS_ADDR): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", rest.MetricsHandler(svc.Health, svc.connectionStats))
	if withPprof {
		mux.HandleFunc("GET /debug/pprof/{profile}", serveProfile)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 8 << 10}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("serving metrics failed", "err", err)
		}
	}()
	log.Info("serving metrics", "addr", ln.Addr().String(), "pprof", withPprof)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// Run serves on ln until ctx is done, then stops taking connections and waits for in-flight
// requests to finish (at most s.ShutdownTimeout, default ShutdownTimeout).
func (s *Service) Run(ctx context.Context, ln net.Listener, log *slog.Logger) error {
	served := make(chan error, 1)
	go func() { served <- s.App.Listener(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	grace := s.ShutdownTimeout
	if grace <= 0 {
		grace = ShutdownTimeout
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", grace)
	if err := s.App.ShutdownWithTimeout(grace); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// Migrate applies the schema and the default categories, then returns (the seed's db:init).
func Migrate(ctx context.Context, cfg Config, log *slog.Logger) error {
	if cfg.Cloudflare() {
		client, _ := cloudflareClient(cfg)
		db, err := openD1(ctx, cfg, client)
		if err != nil {
			return err
		}
		defer db.Close()
		log.Info("database migrated", "database", describeDatabase(cfg))
		return nil
	}
	db, err := r1.OpenFile(ctx, cfg.DatabasePath(), r1.LocalOptions{Progress: migrateProgress(log), Notice: databaseNotice(log)})
	if err != nil {
		return fmt.Errorf("open the database %s: %w", cfg.DatabasePath(), err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate the database %s: %w", cfg.DatabasePath(), err)
	}
	log.Info("database migrated", "database", describeDatabase(cfg))
	return nil
}

func describeDatabase(cfg Config) string {
	if cfg.Cloudflare() {
		return "r1:" + cfg.R1Database
	}
	return "file:" + cfg.DatabasePath()
}

// serveProfile writes one of Go's profiles (PPROF=true, METRICS_ADDR only): a named one from
// runtime/pprof (heap, allocs, goroutine, mutex, block, threadcreate; ?gc=1 collects first for
// heap, ?debug=N as runtime/pprof's WriteTo), or "profile", the CPU for ?seconds=N (default 10, at
// most 25: the metrics server ends a response after 30 s). Not net/http/pprof: it pulls in about 0.3 MB for a symbolizer and a tracer the team's
// tools do not use, and the image holds to 30 MB (tests/e2e/container_test.go).
func serveProfile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("profile")
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if name == "profile" {
		secs, err := strconv.Atoi(r.URL.Query().Get("seconds"))
		if err != nil || secs <= 0 {
			secs = 10
		}
		secs = min(secs, 25)
		if err := pprof.StartCPUProfile(w); err != nil {
			http.Error(w, "a CPU profile is already being taken", http.StatusConflict)
			return
		}
		select {
		case <-time.After(time.Duration(secs) * time.Second):
		case <-r.Context().Done():
		}
		pprof.StopCPUProfile()
		return
	}
	p := pprof.Lookup(name)
	if p == nil {
		http.Error(w, "no such profile", http.StatusNotFound)
		return
	}
	if name == "heap" && r.URL.Query().Get("gc") == "1" {
		runtime.GC()
	}
	debugLevel, _ := strconv.Atoi(r.URL.Query().Get("debug"))
	if debugLevel > 0 {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	_ = p.WriteTo(w, debugLevel)
}
