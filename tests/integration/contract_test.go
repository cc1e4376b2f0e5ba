package integration

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/kv"
	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/ports"
	"github.com/torrent-streamer/streamer/tests/contract"
)

// d1Store returns a function that gives each subtest the target's database emptied and migrated, as
// a fresh D1 database is. The gateway serves one database, so the subtests take turns: the store is
// held from a subtest's New until it ends.
func d1Store(tg *target) func(t *testing.T) *r1.Database {
	var turn sync.Mutex
	client, _ := tg.client()
	return func(t *testing.T) *r1.Database {
		turn.Lock()
		t.Cleanup(turn.Unlock)
		tg.reset(t)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := r1.OpenD1(ctx, client, tg.account, tg.database)
		if err != nil {
			t.Fatalf("open D1: %v", err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
}

func TestD1CatalogContract(t *testing.T) {
	t.Parallel() // asserts nothing about time (doc.go)
	tg := newTarget(t)
	fresh := d1Store(tg)
	h := contract.CatalogHarness{
		Name: "r1-on-d1-" + tg.name,
		New: func(t *testing.T) (ports.TorrentRepository, ports.CategoryRepository) {
			db := fresh(t)
			return r1.NewTorrentRepository(db), r1.NewCategoryRepository(db)
		},
	}
	t.Run("torrents", func(t *testing.T) { contract.RunTorrentRepository(t, h) })
	t.Run("categories", func(t *testing.T) { contract.RunCategoryRepository(t, h) })
}

func TestD1AccountsContract(t *testing.T) {
	t.Parallel() // asserts nothing about time (doc.go)
	tg := newTarget(t)
	fresh := d1Store(tg)
	h := contract.AccountsHarness{
		Name: "r1-on-d1-" + tg.name,
		New: func(t *testing.T) (ports.UserRepository, ports.SessionRepository, ports.ActivityRepository) {
			db := fresh(t)
			return r1.NewUserRepository(db), r1.NewSessionRepository(db), r1.NewActivityRepository(db)
		},
	}
	t.Run("users", func(t *testing.T) { contract.RunUserRepository(t, h) })
	t.Run("sessions", func(t *testing.T) { contract.RunSessionRepository(t, h) })
	t.Run("activities", func(t *testing.T) { contract.RunActivityRepository(t, h) })
	t.Run("api-keys", func(t *testing.T) {
		contract.RunAPIKeyRepository(t, contract.APIKeysHarness{
			Name: h.Name,
			New: func(t *testing.T) (ports.UserRepository, ports.APIKeyRepository) {
				db := fresh(t)
				return r1.NewUserRepository(db), r1.NewAPIKeyRepository(db)
			},
		})
	})
}

// kvFeatures are how the target's KV differs from a strongly consistent cache. The emulator's KV
// (workerd's, on local disk) reads its own writes at once; real Workers KV takes up to 60 s to show
// a write elsewhere and allows one write per second per key. Both keep a value 60 s at least.
func kvFeatures(tg *target) contract.CacheFeatures {
	if tg.real() {
		return contract.CacheFeatures{EventuallyConsistent: true, ConsistencyWindow: 70 * time.Second,
			PollInterval: time.Second, MinTTL: kv.MinTTL, WriteInterval: time.Second}
	}
	return contract.CacheFeatures{MinTTL: kv.MinTTL}
}

// TestKVCacheContract runs the cache contract on Workers KV twice: writing each value in its own
// request (what the contract's read-after-write checks see directly), and with the write-behind
// queue production uses, written through one instance and read through another, so every value
// makes the round trip through KV's bulk write (a queued value is read from the queue by its own
// instance). Across instances a queued write shows after the flush: eventually consistent.
func TestKVCacheContract(t *testing.T) {
	t.Parallel() // asserts nothing about time (doc.go)
	tg := newTarget(t)
	client, _ := tg.client()
	contract.RunCache(t, contract.CacheHarness{
		Name: "kv-" + tg.name,
		New: func(t *testing.T) contract.CacheFixture {
			return contract.CacheFixture{Cache: kv.New(client, tg.account, tg.namespace, kv.Options{})}
		},
		Features: kvFeatures(tg),
	})

	features := kvFeatures(tg)
	if !features.EventuallyConsistent {
		features.EventuallyConsistent, features.ConsistencyWindow, features.PollInterval = true, 5*time.Second, 10*time.Millisecond
	}
	contract.RunCache(t, contract.CacheHarness{
		Name: "kv-write-behind-" + tg.name,
		New: func(t *testing.T) contract.CacheFixture {
			writer := kv.New(client, tg.account, tg.namespace, kv.Options{WriteBehind: 20 * time.Millisecond})
			t.Cleanup(func() { _ = writer.Close() })
			return contract.CacheFixture{Cache: acrossInstances{writer: writer, reader: kv.New(client, tg.account, tg.namespace, kv.Options{})}}
		},
		Features: features,
	})
}

// acrossInstances writes through one cache and reads through another, as two instances of the
// service share one namespace.
type acrossInstances struct {
	writer, reader *kv.Cache
}

func (c acrossInstances) Get(ctx context.Context, key string) ([]byte, bool, error) {
	return c.reader.Get(ctx, key)
}

func (c acrossInstances) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return c.writer.Set(ctx, key, value, ttl)
}

func (c acrossInstances) Delete(ctx context.Context, keys ...string) error {
	return c.writer.Delete(ctx, keys...)
}

func (c acrossInstances) Ping(ctx context.Context) error { return c.reader.Ping(ctx) }
