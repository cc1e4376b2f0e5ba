package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/torrent-streamer/streamer/adapters/argon2id"
	"github.com/torrent-streamer/streamer/adapters/betterauth"
	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/adapters/metainfo"
	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/adapters/randtoken"
	"github.com/torrent-streamer/streamer/adapters/rest"
	"github.com/torrent-streamer/streamer/adapters/torznab"
	"github.com/torrent-streamer/streamer/application/accounts"
	"github.com/torrent-streamer/streamer/application/activity"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/application/catalog"
	"github.com/torrent-streamer/streamer/application/health"
	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/ports"
)

// Version is the service's version, set at build time with -ldflags "-X ...bootstrap.Version=…".
var Version = "dev"

// SweepInterval is how often expired sessions are deleted (and, on the local file, the full-text
// index is merged when ingest left it in many segments: r1's MergeSearchIndex).
const SweepInterval = 10 * time.Minute

// SweepFirst is when the first sweep runs after start: what the last run left (an index left in
// many segments by a crawl or an import, sessions that expired while the service was down) is dealt
// with soon, and the memory a full merge of the index takes is taken early in a run, not ten minutes
// into it.
const SweepFirst = time.Minute

// Service is the wired service: the use cases, the HTTP app over them, the background workers, and
// what to close after.
type Service struct {
	App      *fiber.App
	Catalog  *catalog.Service
	Ingest   *ingest.Service
	Health   *health.Service
	Accounts *accounts.Service
	Activity *activity.Recorder
	Cache    *caching.Store
	Mode     string
	// ShutdownTimeout bounds Run's graceful stop; 0: the package's ShutdownTimeout.
	ShutdownTimeout time.Duration
	// listener is the connection-limited listener Serve made, for /metrics.
	listener atomic.Pointer[net.Listener]
	// memory is the budget Serve sets the Go runtime's memory limit to (memory.go).
	memory memoryBudget

	closers []func() error
	stop    context.CancelFunc
	workers sync.WaitGroup
}

// stores are the adapters a mode chooses; wire builds the rest from them the same way for every mode.
type stores struct {
	torrents   ports.TorrentRepository
	categories ports.CategoryRepository
	users      ports.UserRepository
	sessions   ports.SessionRepository
	apiKeys    ports.APIKeyRepository
	activities ports.ActivityRepository
	database   ports.Pinger
	cache      ports.Cache // nil: the process tier only
	// upstream counts the requests made to remote services; nil when there are none.
	upstream health.UpstreamCounter
	// searchIndex merges the full-text index when ingest left it in many segments; nil on D1
	// (not merged there yet: each step would be a request).
	searchIndex interface {
		MergeSearchIndex(context.Context) (int64, error)
	}
	// sqlitePages is SQLite's page cache pool (memory.go); 0 without a local file.
	sqlitePages int64
	closers     []func() error
}

// New wires the service for the mode the configuration describes: Cloudflare (R1 on D1, Workers
// KV) when CF_ACCOUNT_ID and R1_API_TOKEN are set, the embedded default otherwise.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	secret, err := authSecret(cfg)
	if err != nil {
		return nil, err
	}
	var st stores
	mode := "local"
	if cfg.Cloudflare() {
		mode = "cloudflare"
		st, err = cloudflareStores(ctx, cfg, log)
	} else {
		st, err = localStores(ctx, cfg, log)
	}
	if err != nil {
		return nil, err
	}
	svc, err := wire(cfg, st, secret, mode, log)
	if err != nil {
		_ = svc.Close()
		return nil, err
	}
	return svc, nil
}

// NewInMemory wires the service on in-process adapters only, nothing on disk: for tests and demos.
func NewInMemory(cfg Config, log *slog.Logger) (*Service, error) {
	cat := memory.NewCatalog(ports.SystemClock{})
	acc := memory.NewAccounts(ports.SystemClock{})
	cache := memory.NewCache(memory.CacheOptions{})
	st := stores{
		torrents: cat.Torrents(), categories: cat.Categories(),
		users: acc.Users(), sessions: acc.Sessions(), activities: acc.Activities(), apiKeys: acc.APIKeys(),
		database: cache, // an in-process store always answers
		cache:    cache,
	}
	secret := []byte(cfg.AuthSecret)
	if len(secret) == 0 {
		secret = []byte("in-memory mode: sessions end with the process")
	}
	return wire(cfg, st, secret, "memory", log)
}

// migrateProgress logs what a long step of opening the local file does (finishing a bulk load an
// import left unfinished).
func migrateProgress(log *slog.Logger) func(string) {
	return func(what string) { log.Info("database: " + what) }
}

// databaseNotice logs, as a warning, what the local file's engine finds that a person should know
// (another process's bulk load under way: r1.LocalOptions.Notice).
func databaseNotice(log *slog.Logger) func(string) {
	return func(what string) { log.Warn("database: " + what) }
}

// localStores is the embedded default: R1's SQL on a local SQLite file, the cache in process only.
func localStores(ctx context.Context, cfg Config, log *slog.Logger) (stores, error) {
	db, err := r1.OpenFile(ctx, cfg.DatabasePath(), r1.LocalOptions{PageCache: sqlitePageCache(), Progress: migrateProgress(log), Notice: databaseNotice(log)})
	if err != nil {
		return stores{}, fmt.Errorf("open the database %s: %w", cfg.DatabasePath(), err)
	}
	if err := db.Migrate(ctx); err != nil {
		_ = db.Close()
		return stores{}, fmt.Errorf("migrate the database %s: %w", cfg.DatabasePath(), err)
	}
	// No shared tier: a second in-process copy of what the process tier holds (encoded) would only
	// double the cache's memory. The process tier, bounded by CACHE_MAX_MIB, is the cache.
	st := r1Stores(db)
	st.searchIndex = st.torrents.(*r1.TorrentRepository)
	// SQLite takes its pool once, before its first connection: what is in effect is what counts.
	st.sqlitePages, _ = r1.PageCacheInEffect()
	return st, nil
}

// r1Stores are the R1 repositories over db, whichever engine runs it (a local file, D1); the
// caller adds the cache.
func r1Stores(db *r1.Database) stores {
	return stores{
		torrents:   r1.NewTorrentRepository(db),
		categories: r1.NewCategoryRepository(db),
		users:      r1.NewUserRepository(db),
		sessions:   r1.NewSessionRepository(db),
		apiKeys:    r1.NewAPIKeyRepository(db),
		activities: r1.NewActivityRepository(db),
		database:   db,
		closers:    []func() error{db.Close},
	}
}

// wire builds the use cases and the HTTP app over the stores, and starts the background workers
// (the activity writer, the session sweeper); Close stops them.
func wire(cfg Config, st stores, secret []byte, mode string, log *slog.Logger) (*Service, error) {
	clock := ports.SystemClock{}
	svc := &Service{Mode: mode, closers: st.closers}
	hasher, err := argon2id.New(argon2id.OWASP, 0)
	if err != nil {
		return svc, err
	}
	cache := caching.NewStore(st.cache, clock, caching.Options{Logger: log, LocalBytes: int64(cfg.CacheMaxMiB) << 20, Off: cfg.CacheOff()})
	if cfg.CacheOff() {
		log.Warn("CACHE_ENABLED=false: every cache tier and the HTTP response cache are off; every read reaches the database")
	}
	// Legacy (Better Auth) hashes are verified one at a time: 32 MiB each, once per account (a
	// verified one is stored again as argon2id).
	legacy := betterauth.NewScrypt(1)
	svc.memory = memoryBudget{hashing: hasher.MemoryBound(), legacyHashing: legacy.MemoryBound(), requests: memoryForRequests, sqlitePages: st.sqlitePages}
	if !cfg.CacheOff() {
		svc.memory.cache = cache.Stats().LocalMaxBytes
	}
	acc, err := accounts.NewService(accounts.Deps{
		Users: st.users, Sessions: st.sessions, APIKeys: st.apiKeys, Hasher: hasher, Legacy: legacy, Tokens: randtoken.Source{},
		Cache: cache, Clock: clock, Logger: log,
	}, secret)
	if err != nil {
		return svc, err
	}
	recorder := activity.NewRecorder(st.activities, clock, log, activity.Options{})
	cat := catalog.NewService(catalog.Bounded(st.torrents, cfg.SearchBudget), st.categories, cache, catalog.CursorKey(secret), recorder)
	ing := ingest.NewService(st.torrents, metainfo.NewDecoder(), cache, clock, log)
	hlt := health.NewService(st.database, cache, clock, Version, log).WithActivity(recorder)
	if st.upstream != nil {
		hlt.WithUpstream(st.upstream)
	}
	opts := cfg.restOptions()
	opts.Connections = svc.connectionStats
	opts.BetterAuthSecret = secret // the previous app's cookies were signed with the same secret
	if err := opts.Validate(); err != nil {
		return svc, err
	}
	app := rest.New(rest.Deps{
		Catalog: cat, Ingest: ing, Health: hlt, Accounts: acc,
		Activity: activity.NewLister(st.activities), Logger: log,
		Torznab: torznab.New(cat, acc, torznab.Options{Logger: log, NoAnswerCache: cfg.CacheOff()}),
	}, opts)

	ctx, stop := context.WithCancel(context.Background())
	svc.App, svc.Catalog, svc.Ingest, svc.Health = app, cat, ing, hlt
	svc.Accounts, svc.Activity, svc.Cache, svc.stop = acc, recorder, cache, stop
	retention := activity.NewRetention(st.activities, clock, log, cfg.ActivityRetention)
	svc.workers.Add(4)
	go func() { defer svc.workers.Done(); cache.Run(ctx) }()
	go func() { defer svc.workers.Done(); recorder.Run(ctx) }()
	go func() {
		defer svc.workers.Done()
		sweepEvery(ctx, SweepInterval, log, "expired sessions", acc.SweepExpired)
	}()
	go func() {
		defer svc.workers.Done()
		sweepEvery(ctx, SweepInterval, log, "activities past their retention", retention.Sweep)
	}()
	if st.searchIndex != nil {
		svc.workers.Add(1)
		go func() {
			defer svc.workers.Done()
			sweepEvery(ctx, SweepInterval, log, "search index segments (changes merged)", st.searchIndex.MergeSearchIndex)
		}()
	}
	return svc, nil
}

func (c Config) restOptions() rest.Options {
	opts := rest.Options{
		NoResponseCache: c.CacheOff(),
		IngestAPIKey:    c.IngestAPIKey,
		Version:         Version,
		CORSOrigins:     c.CORSOrigins,
		TrustedProxies:  c.TrustedProxies,
	}
	if validHeaderName(c.ClientIPHeader) { // Validate names a malformed one by its variable
		opts.ClientIPHeader = c.ClientIPHeader
	}
	opts.RateLimits, _ = c.rateLimits()
	opts.MetricsElsewhere = c.MetricsAddr != ""
	if c.CookieSecure == "always" {
		opts.SecureCookies = rest.SecureCookiesAlways
	}
	return opts
}

// Close stops the background workers, writing the activities still buffered, then releases the
// stores. Call it after the server has stopped.
func (s *Service) Close() error {
	if s.stop != nil {
		s.stop()
		s.workers.Wait()
	}
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	return errors.Join(errs...)
}

// connectionStats are the counters of the listener Serve made (zeros before it, or under Run alone).
func (s *Service) connectionStats() rest.ConnStats {
	if ln := s.listener.Load(); ln != nil {
		return rest.Stats(*ln)
	}
	return rest.ConnStats{}
}

// sweepEvery runs sweep SweepFirst after start, then every interval, until ctx is done: the one
// loop behind the periodic deletes (expired sessions, activities past their retention) and the
// index merge. A failed sweep is logged and tried again at the next tick.
func sweepEvery(ctx context.Context, interval time.Duration, log *slog.Logger, what string, sweep func(context.Context) (int64, error)) {
	sweepFrom(ctx, SweepFirst, interval, log, what, sweep)
}

func sweepFrom(ctx context.Context, first, interval time.Duration, log *slog.Logger, what string, sweep func(context.Context) (int64, error)) {
	next := time.NewTimer(first)
	defer next.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-next.C:
			next.Reset(interval)
			n, err := sweep(ctx)
			if err != nil {
				log.Warn("sweep failed", "what", what, "err", err)
				continue
			}
			if n > 0 {
				log.Info("swept", "what", what, "count", n)
			}
		}
	}
}
