package contract_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/ports"
	"github.com/torrent-streamer/streamer/tests/contract"
)

func memoryCatalog() contract.CatalogHarness {
	return contract.CatalogHarness{
		Name: "memory",
		New: func(t *testing.T) (ports.TorrentRepository, ports.CategoryRepository) {
			c := memory.NewCatalog(nil)
			return c.Torrents(), c.Categories()
		},
	}
}

func TestMemoryTorrentRepository(t *testing.T) {
	t.Parallel()
	contract.RunTorrentRepository(t, memoryCatalog())
}

func TestMemoryCategoryRepository(t *testing.T) {
	t.Parallel()
	contract.RunCategoryRepository(t, memoryCatalog())
}

func TestMemoryCache(t *testing.T) {
	t.Parallel()
	contract.RunCache(t, contract.CacheHarness{
		Name: "memory",
		New: func(t *testing.T) contract.CacheFixture {
			clock := contract.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			return contract.CacheFixture{
				Cache:   memory.NewCache(memory.CacheOptions{Clock: clock}),
				Advance: clock.Advance,
			}
		},
	})
}

// TestMemoryCacheAsEventuallyConsistent runs the cache suite on the memory cache made to behave like
// Workers KV: writes and deletes become visible only after a lag, TTLs are rounded up to a minimum,
// and writing one key again too soon fails. It proves the suite's eventually consistent paths.
func TestMemoryCacheAsEventuallyConsistent(t *testing.T) {
	t.Parallel()
	contract.RunCache(t, contract.CacheHarness{
		Name: "memory-lagging",
		New: func(t *testing.T) contract.CacheFixture {
			clock := contract.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			c := &laggingCache{
				inner: memory.NewCache(memory.CacheOptions{Clock: clock}), clock: clock,
				lag: 30 * time.Millisecond, minTTL: time.Minute, writeInterval: 20 * time.Millisecond, setReaches: 15 * time.Millisecond,
				lastWrite: make(map[string]time.Time),
				pending:   make(chan lagged, 4096),
			}
			go c.apply()
			t.Cleanup(func() { close(c.pending) })
			return contract.CacheFixture{Cache: c, Advance: clock.Advance}
		},
		Features: contract.CacheFeatures{
			EventuallyConsistent: true,
			ConsistencyWindow:    5 * time.Second,
			PollInterval:         5 * time.Millisecond,
			MinTTL:               time.Minute,
			WriteInterval:        20 * time.Millisecond,
		},
	})
}

type laggingCache struct {
	inner         *memory.Cache
	clock         ports.Clock
	lag           time.Duration
	minTTL        time.Duration
	writeInterval time.Duration
	// setReaches is how long after the call a Set reaches the cache and is counted against
	// writeInterval (a Delete at once), as a loaded machine delays one write and not the next.
	setReaches time.Duration

	mu        sync.Mutex
	lastWrite map[string]time.Time

	// pending holds the writes not yet visible, in the order they were made: one goroutine applies
	// them when their lag has passed, so a Set and a later Delete of one key become visible in that
	// order however late the machine runs (separate timers could fire the other way round).
	pending chan lagged
}

type lagged struct {
	due   time.Time
	apply func()
}

func (c *laggingCache) apply() {
	for w := range c.pending {
		time.Sleep(time.Until(w.due))
		w.apply()
	}
}

func (c *laggingCache) later(apply func()) {
	c.pending <- lagged{due: time.Now().Add(c.lag), apply: apply}
}

func (c *laggingCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	return c.inner.Get(ctx, key)
}

func (c *laggingCache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	time.Sleep(c.setReaches)
	if err := c.admit(key); err != nil {
		return err
	}
	value = bytes.Clone(value)
	ttl, setAt := max(ttl, c.minTTL), c.clock.Now()
	c.later(func() {
		// The TTL runs from the write, not from when it became visible.
		_ = c.inner.Set(context.Background(), key, value, ttl-c.clock.Now().Sub(setAt))
	})
	return nil
}

func (c *laggingCache) Delete(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		if err := c.admit(k); err != nil {
			return err
		}
	}
	c.later(func() { _ = c.inner.Delete(context.Background(), keys...) })
	return nil
}

// admit refuses a second write of one key within half the write interval (timers are not exact).
func (c *laggingCache) admit(key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if last, ok := c.lastWrite[key]; ok && now.Sub(last) < c.writeInterval/2 {
		return fmt.Errorf("429: %q written %v ago", key, now.Sub(last))
	}
	c.lastWrite[key] = now
	return nil
}
