package memory_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/memory"
)

// The contract suite (tests/contract) covers ports.Cache; these cover what only this cache has:
// its bounds and its bookkeeping.

func TestCacheEvictsLeastRecentlyUsedPastMaxEntries(t *testing.T) {
	ctx := context.Background()
	c := memory.NewCache(memory.CacheOptions{MaxEntries: 3})
	for _, k := range []string{"a", "b", "c"} {
		mustSet(t, c, k, []byte(k), time.Hour)
	}
	if _, ok, _ := c.Get(ctx, "a"); !ok { // a is now the most recently used
		t.Fatal("a is missing before any eviction")
	}
	mustSet(t, c, "d", []byte("d"), time.Hour)
	for k, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if _, ok, _ := c.Get(ctx, k); ok != want {
			t.Errorf("Get(%q) hit = %v, want %v", k, ok, want)
		}
	}
	if c.Len() != 3 {
		t.Errorf("Len = %d, want 3", c.Len())
	}
}

func TestCacheStaysWithinMaxBytes(t *testing.T) {
	ctx := context.Background()
	c := memory.NewCache(memory.CacheOptions{MaxBytes: 100})
	for i := range 10 {
		mustSet(t, c, fmt.Sprintf("k%d", i), bytes.Repeat([]byte{'x'}, 28), time.Hour) // 30 bytes each
		if c.Bytes() > 100 {
			t.Fatalf("after %d writes the cache holds %d bytes, above its 100", i+1, c.Bytes())
		}
	}
	if c.Len() != 3 || c.Bytes() != 90 {
		t.Errorf("Len, Bytes = %d, %d; want the 3 newest entries, 90 bytes", c.Len(), c.Bytes())
	}
	if _, ok, _ := c.Get(ctx, "k9"); !ok {
		t.Error("the newest entry was evicted")
	}
	// Overwriting gives the old value's bytes back.
	mustSet(t, c, "k9", []byte("short"), time.Hour)
	if c.Bytes() != int64(60+len("k9short")) {
		t.Errorf("Bytes after overwrite = %d, want %d", c.Bytes(), 60+len("k9short"))
	}
	// A value that can never fit is not kept, and does not leave the old one behind.
	mustSet(t, c, "k9", bytes.Repeat([]byte{'y'}, 200), time.Hour)
	if _, ok, _ := c.Get(ctx, "k9"); ok {
		t.Error("an oversized value, or the value it replaced, is still there")
	}
	if c.Len() != 2 || c.Bytes() != 60 {
		t.Errorf("Len, Bytes = %d, %d; want 2, 60", c.Len(), c.Bytes())
	}
	if err := c.Delete(ctx, "k8", "k7"); err != nil || c.Bytes() != 0 || c.Len() != 0 {
		t.Errorf("after deleting everything: err %v, Len %d, Bytes %d", err, c.Len(), c.Bytes())
	}
}

func TestCacheDropsExpiredEntriesOnRead(t *testing.T) {
	ctx := context.Background()
	clock := &steppedClock{now: time.Unix(1_700_000_000, 0)}
	c := memory.NewCache(memory.CacheOptions{Clock: clock})
	mustSet(t, c, "short", []byte("v"), time.Minute)
	mustSet(t, c, "forever", []byte("v"), 0)
	clock.now = clock.now.Add(time.Minute)
	if _, ok, _ := c.Get(ctx, "short"); ok {
		t.Error("an entry is still served at its expiry")
	}
	if c.Len() != 1 || c.Bytes() != int64(len("foreverv")) {
		t.Errorf("Len, Bytes = %d, %d; the expired entry must be dropped", c.Len(), c.Bytes())
	}
	clock.now = clock.now.Add(1000 * time.Hour)
	if _, ok, _ := c.Get(ctx, "forever"); !ok {
		t.Error("an entry set without a TTL expired")
	}
}

func TestCacheDefaultsAndCancelledContext(t *testing.T) {
	c := memory.NewCache(memory.CacheOptions{})
	for i := range memory.DefaultCacheEntries + 5 {
		mustSet(t, c, fmt.Sprint(i), nil, time.Hour)
	}
	if c.Len() != memory.DefaultCacheEntries {
		t.Errorf("Len = %d, want the default bound %d", c.Len(), memory.DefaultCacheEntries)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := c.Get(ctx, "1"); err == nil {
		t.Error("Get with a cancelled context succeeded")
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Errorf("Ping = %v", err)
	}
}

func mustSet(t *testing.T, c *memory.Cache, key string, value []byte, ttl time.Duration) {
	t.Helper()
	if err := c.Set(context.Background(), key, value, ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

// steppedClock is moved by the test's own goroutine only, so it needs no lock.
type steppedClock struct{ now time.Time }

func (c *steppedClock) Now() time.Time { return c.now }
