package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/adapters/metainfo"
	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/adapters/rest"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/application/catalog"
	"github.com/torrent-streamer/streamer/application/health"
	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/ports"
)

// Version is the service's version, set at build time with -ldflags "-X ...bootstrap.Version=…".
var Version = "dev"

// Service is the wired service: the use cases, the HTTP app over them, and what to close after.
type Service struct {
	App     *fiber.App
	Catalog *catalog.Service
	Ingest  *ingest.Service
	Health  *health.Service
	Cache   *caching.Store
	Mode    string

	closers []func() error
}

// stores are the adapters a mode chooses; wire builds the rest from them the same way for every mode.
type stores struct {
	torrents   ports.TorrentRepository
	categories ports.CategoryRepository
	database   ports.Pinger
	cache      ports.Cache
	closers    []func() error
}

// New wires the service for the mode the configuration describes.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	if cfg.Cloudflare() {
		return nil, errors.New("CF_ACCOUNT_ID and R1_API_TOKEN are set, but this build has no Cloudflare adapters yet: unset them to run on the embedded default")
	}
	st, err := localStores(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return wire(cfg, st, "local", log), nil
}

// NewInMemory wires the service on in-process adapters only: for tests and demos, nothing on disk.
func NewInMemory(cfg Config, log *slog.Logger) *Service {
	cat := memory.NewCatalog(ports.SystemClock{})
	cache := memory.NewCache(memory.CacheOptions{})
	st := stores{
		torrents:   cat.Torrents(),
		categories: cat.Categories(),
		database:   cache, // an in-process store always answers
		cache:      cache,
	}
	return wire(cfg, st, "memory", log)
}

// localStores is the embedded default: R1's SQL on a local SQLite file, the cache in process.
func localStores(ctx context.Context, cfg Config) (stores, error) {
	db, err := r1.OpenFile(ctx, cfg.DatabasePath(), r1.LocalOptions{})
	if err != nil {
		return stores{}, fmt.Errorf("open the database %s: %w", cfg.DatabasePath(), err)
	}
	if err := db.Migrate(ctx); err != nil {
		_ = db.Close()
		return stores{}, fmt.Errorf("migrate the database %s: %w", cfg.DatabasePath(), err)
	}
	return stores{
		torrents:   r1.NewTorrentRepository(db),
		categories: r1.NewCategoryRepository(db),
		database:   db,
		cache:      memory.NewCache(memory.CacheOptions{}),
		closers:    []func() error{db.Close},
	}, nil
}

func wire(cfg Config, st stores, mode string, log *slog.Logger) *Service {
	clock := ports.SystemClock{}
	cache := caching.NewStore(st.cache, clock, caching.Options{Logger: log})
	cat := catalog.NewService(st.torrents, st.categories, cache, catalog.DefaultTTLs(), nil)
	ing := ingest.NewService(st.torrents, metainfo.NewDecoder(), cache, clock, log)
	hlt := health.NewService(st.database, cache, clock, Version, log)
	app := rest.New(rest.Deps{Catalog: cat, Ingest: ing, Health: hlt, Logger: log}, rest.Options{
		IngestAPIKey: cfg.IngestAPIKey,
		Version:      Version,
	})
	return &Service{App: app, Catalog: cat, Ingest: ing, Health: hlt, Cache: cache, Mode: mode, closers: st.closers}
}

// Close releases the stores, after the server has stopped.
func (s *Service) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	return errors.Join(errs...)
}
