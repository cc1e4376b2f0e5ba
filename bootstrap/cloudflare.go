package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/torrent-streamer/streamer/adapters/cfapi"
	"github.com/torrent-streamer/streamer/adapters/kv"
	"github.com/torrent-streamer/streamer/adapters/r1"
)

// StartupTimeout bounds what start-up asks of Cloudflare: finding the database, migrating it,
// checking the KV namespace.
const StartupTimeout = 60 * time.Second

// KVWriteBehind is how long a cache write waits to share a bulk request with others (see kv.Options).
const KVWriteBehind = 50 * time.Millisecond

// cloudflareClient is the API client of the configuration, and the counters of every request it
// sends.
func cloudflareClient(cfg Config) (*cfapi.Client, *cfapi.Upstream) {
	up := &cfapi.Upstream{}
	return cfapi.NewClient(cfapi.Config{BaseURL: cfg.CFAPIBaseURL, Token: cfg.R1APIToken}, up), up
}

// openD1 finds the configured D1 database and migrates it, or says in one line what is wrong.
func openD1(ctx context.Context, cfg Config, client *cfapi.Client) (*r1.Database, error) {
	ctx, cancel := context.WithTimeout(ctx, StartupTimeout)
	defer cancel()
	db, err := r1.OpenD1(ctx, client, cfg.CFAccountID, cfg.R1Database)
	if err != nil {
		return nil, startupError(cfg, "find the D1 database", err)
	}
	if err := db.Migrate(ctx); err != nil {
		_ = db.Close()
		return nil, startupError(cfg, "migrate the D1 database "+cfg.R1Database, err)
	}
	return db, nil
}

// cloudflareStores is production: R1's SQL on Cloudflare D1, and Workers KV as the shared cache
// behind the process tier (without KV_NAMESPACE_ID, the process tier alone). Every request to
// Cloudflare is counted in the returned stores' upstream counters.
func cloudflareStores(ctx context.Context, cfg Config, log *slog.Logger) (stores, error) {
	client, up := cloudflareClient(cfg)
	db, err := openD1(ctx, cfg, client)
	if err != nil {
		return stores{}, err
	}
	st := r1Stores(db)
	st.upstream = up
	if cfg.KVNamespaceID == "" {
		log.Info("KV_NAMESPACE_ID is not set: the cache is this process's only")
		return st, nil
	}
	cache := kv.New(client, cfg.CFAccountID, cfg.KVNamespaceID, kv.Options{WriteBehind: KVWriteBehind, Logger: log})
	if err := checkKV(ctx, cfg, cache); err != nil {
		if errors.Is(err, cfapi.ErrAuth) || isNotFound(err) {
			_ = db.Close()
			return stores{}, err
		}
		// KV down at start is not a reason to stay down: the cache is a hint, the database answers.
		log.Warn("Workers KV does not answer; serving from the database until it does", "err", err)
	}
	st.cache = cache
	st.closers = append(st.closers, cache.Close)
	return st, nil
}

// checkKV reads one key, so a refused token or an unknown namespace stops start-up with a clear line.
func checkKV(ctx context.Context, cfg Config, cache *kv.Cache) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := cache.Ping(ctx)
	switch {
	case err == nil:
		return nil
	case isNotFound(err):
		return fmt.Errorf("KV_NAMESPACE_ID=%q: no such Workers KV namespace in account %s (create one with: npx wrangler kv namespace create CACHE): %w",
			cfg.KVNamespaceID, cfg.CFAccountID, err)
	}
	return startupError(cfg, "reach Workers KV", err)
}

func isNotFound(err error) bool {
	var api *cfapi.Error
	return errors.As(err, &api) && api.Status == http.StatusNotFound
}

// startupError says in one line what stopped start-up, naming the setting to look at.
func startupError(cfg Config, doing string, err error) error {
	switch {
	case errors.Is(err, cfapi.ErrAuth):
		return fmt.Errorf("R1_API_TOKEN: the Cloudflare API refused the token for account %s (it needs D1 edit and Workers KV edit permissions): %w",
			cfg.CFAccountID, err)
	case errors.Is(err, r1.ErrNoSuchDatabase):
		return fmt.Errorf("R1_DATABASE=%q: no D1 database of that name or UUID in account %s (create it with: npx wrangler d1 create %s): %w",
			cfg.R1Database, cfg.CFAccountID, cfg.R1Database, err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: the Cloudflare API at %s did not answer within %v", doing, apiBase(cfg), StartupTimeout)
	}
	return fmt.Errorf("%s at %s: %w", doing, apiBase(cfg), err)
}

func apiBase(cfg Config) string {
	if cfg.CFAPIBaseURL == "" {
		return cfapi.DefaultBaseURL
	}
	return cfg.CFAPIBaseURL
}
