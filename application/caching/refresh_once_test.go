package caching_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/application/caching"
)

// Regression: a refresh looked for a fresh value before it joined the key's flight, so a refresh
// that looked just before the running one stored its value, and reached the flights just after
// that flight ended, filled the key a second time (a second query to the store for a value just
// read). Readers keep reading a stale key until they see the refreshed value; each round must fill
// it once. The window is a few hundred nanoseconds and cannot be ordered from outside, so the test
// plays many rounds: before the fix, rounds with a second fill came up in most runs.
func TestAStaleKeyIsRefreshedOnceWhileReadsKeepComing(t *testing.T) {
	const rounds, readers = 100, 4
	ctx := context.Background()
	for round := range rounds {
		clock := newClock()
		store := caching.NewStore(nil, clock, caching.Options{Logger: quiet})
		var fills atomic.Int32
		fill := func(context.Context) (value, error) { return value{Count: int(fills.Add(1))}, nil }
		if v, err := caching.Read(ctx, store, localSpace, "k", fill); err != nil || v.Count != 1 {
			t.Fatalf("first read %+v, %v", v, err)
		}
		clock.Advance(90 * time.Second) // past fresh, within stale
		var wg sync.WaitGroup
		for range readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
					if v, _ := caching.Read(ctx, store, localSpace, "k", fill); v.Count >= 2 {
						return
					}
				}
			}()
		}
		wg.Wait()
		time.Sleep(2 * time.Millisecond) // a second refresh, had one started, fills meanwhile
		if n := fills.Load(); n != 2 {
			t.Fatalf("round %d: %d fills, want 2 (the first read and one refresh)", round, n)
		}
	}
}
