package memory

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/torrent-streamer/streamer/ports"
)

// Default bounds of a Cache.
const (
	DefaultCacheEntries = 10000
	DefaultCacheBytes   = 64 << 20
)

// CacheOptions tune a Cache. The zero value of each field picks its default.
type CacheOptions struct {
	// MaxEntries bounds the number of keys (default DefaultCacheEntries).
	MaxEntries int
	// MaxBytes bounds the keys' and values' bytes together (default DefaultCacheBytes). A value
	// too big to ever fit is not kept.
	MaxBytes int64
	// Clock decides when entries expire (default the wall clock).
	Clock ports.Clock
}

// Cache is a bounded in-process cache with expiry, implementing ports.Cache. Least recently used
// entries make room for new ones. It is safe for concurrent use.
type Cache struct {
	clock    ports.Clock
	maxBytes int64

	// One mutex over the LRU and the byte count, because a Get reorders the LRU and an eviction
	// must update the count in the same step.
	mu      sync.Mutex
	entries *simplelru.LRU[string, cacheEntry]
	bytes   int64
}

type cacheEntry struct {
	value     []byte
	expiresAt time.Time // zero: never
}

// NewCache returns an empty cache.
func NewCache(opts CacheOptions) *Cache {
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultCacheEntries
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultCacheBytes
	}
	if opts.Clock == nil {
		opts.Clock = ports.SystemClock{}
	}
	c := &Cache{clock: opts.Clock, maxBytes: opts.MaxBytes}
	entries, err := simplelru.NewLRU(opts.MaxEntries, func(key string, e cacheEntry) {
		c.bytes -= entrySize(key, e.value)
	})
	if err != nil {
		// Only a non-positive size fails, and it was defaulted above.
		panic(err)
	}
	c.entries = entries
	return c
}

func entrySize(key string, value []byte) int64 { return int64(len(key) + len(value)) }

// Get returns a copy of the value under key. An expired entry is a miss, and is dropped.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries.Get(key)
	if !ok {
		return nil, false, nil
	}
	if !e.expiresAt.IsZero() && !now.Before(e.expiresAt) {
		c.entries.Remove(key)
		return nil, false, nil
	}
	return slices.Clone(e.value), true, nil
}

// Set stores a copy of value under key for ttl; a ttl of zero or less keeps it until it is evicted.
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e := cacheEntry{value: append([]byte{}, value...)}
	if ttl > 0 {
		e.expiresAt = c.clock.Now().Add(ttl)
	}
	size := entrySize(key, value)
	c.mu.Lock()
	defer c.mu.Unlock()
	// Remove first, so the old value's bytes are given back through the eviction callback, and so
	// a value too big to keep does not leave the previous one behind.
	c.entries.Remove(key)
	if size > c.maxBytes {
		return nil
	}
	for c.bytes+size > c.maxBytes {
		c.entries.RemoveOldest()
	}
	c.entries.Add(key, e)
	c.bytes += size
	return nil
}

// Delete removes the keys; unknown ones are ignored.
func (c *Cache) Delete(ctx context.Context, keys ...string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		c.entries.Remove(k)
	}
	return nil
}

// Ping always answers: the cache lives in the process.
func (c *Cache) Ping(context.Context) error { return nil }

// Len is the number of entries held, expired ones not yet dropped included.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries.Len()
}

// Bytes is the size of the keys and values held.
func (c *Cache) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}
