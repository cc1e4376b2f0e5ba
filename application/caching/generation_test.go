package caching_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/domain"
)

// flakyCache is a shared tier whose writes fail while down, and that records which writes went
// past its write-behind queue (SetNow) and which joined it (Set).
type flakyCache struct {
	*mapCache
	mu     sync.Mutex
	down   bool
	queued []string
	now    []string
}

func (f *flakyCache) setDown(d bool) { f.mu.Lock(); f.down = d; f.mu.Unlock() }

func (f *flakyCache) Set(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	f.mu.Lock()
	f.queued = append(f.queued, key)
	f.mu.Unlock()
	return f.mapCache.Set(ctx, key, v, ttl)
}

func (f *flakyCache) SetNow(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	f.mu.Lock()
	down := f.down
	f.now = append(f.now, key)
	f.mu.Unlock()
	if down {
		return errors.New("kv down")
	}
	return f.mapCache.Set(ctx, key, v, ttl)
}

func counting(n *int) func(context.Context) (value, error) {
	return func(context.Context) (value, error) { *n++; return value{Count: *n}, nil }
}

// An invalidation shows at once on the instance that made it and on another within the
// generation's Refresh; its write goes past any write-behind queue.
func TestAnInvalidationReachesEveryInstanceWithinItsRefresh(t *testing.T) {
	clock := newClock()
	shared := &flakyCache{mapCache: newMapCache()}
	ctx := context.Background()
	a := caching.NewStore(shared, clock, caching.Options{Logger: quiet})
	b := caching.NewStore(shared, clock, caching.Options{Logger: quiet})
	fills := 0
	_, _ = caching.Read(ctx, a, listSpace, "k", counting(&fills))
	_, _ = caching.Read(ctx, b, listSpace, "k", counting(&fills)) // a shared hit
	if fills != 1 {
		t.Fatalf("%d fills before any invalidation", fills)
	}
	a.Invalidate(ctx, listsGen)
	if v, _ := caching.Read(ctx, a, listSpace, "k", counting(&fills)); v.Count != 2 {
		t.Fatalf("a after its own invalidation read %d", v.Count)
	}
	clock.Advance(listsGen.Refresh - time.Second)
	if v, _ := caching.Read(ctx, b, listSpace, "k", counting(&fills)); v.Count != 1 {
		t.Fatalf("b within the refresh read %d (its old generation)", v.Count)
	}
	clock.Advance(time.Second)
	if v, _ := caching.Read(ctx, b, listSpace, "k", counting(&fills)); v.Count != 2 {
		t.Fatalf("b after the refresh read %d, want the value a filled in the new generation", v.Count)
	}
	for _, k := range shared.queued {
		if k == "gen:lists" {
			t.Fatal("a generation went through the write-behind queue")
		}
	}
	if len(shared.now) == 0 {
		t.Fatal("the generation was never written at once")
	}
}

// genGets counts the shared tier's reads of generations.
type genGets struct {
	*mapCache
	mu sync.Mutex
	n  int
}

func (g *genGets) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if strings.HasPrefix(key, "gen:") {
		g.mu.Lock()
		g.n++
		g.mu.Unlock()
	}
	return g.mapCache.Get(ctx, key)
}

func (g *genGets) count() int { g.mu.Lock(); defer g.mu.Unlock(); return g.n }

// The run loop re-reads a generation from the shared tier a tick before its Refresh, so a read that
// comes between two ticks never finds the re-read due and waits for it: on Cloudflare that is a
// round trip to KV in sequence before the read's own (one request in ten seconds answered in two
// round trips). Only an instance's first read, which has no generation yet, re-reads it. Before,
// the read at each Refresh re-read it.
func TestTheRunLoopReReadsGenerationsBeforeAReadFindsThemDue(t *testing.T) {
	clock := newClock()
	shared := &genGets{mapCache: newMapCache()}
	ctx := context.Background()
	store := caching.NewStore(shared, clock, caching.Options{Logger: quiet})
	fills := 0
	_, _ = caching.Read(ctx, store, listSpace, "k", counting(&fills))
	if shared.count() != 1 {
		t.Fatalf("the first read re-read the generation %d times, want once", shared.count())
	}
	var byReads int
	for range 3 * int(listsGen.Refresh/time.Second) { // a tick a second, a read between two ticks
		clock.Advance(time.Second)
		before := shared.count()
		_, _ = caching.Read(ctx, store, listSpace, "k", counting(&fills))
		byReads += shared.count() - before
		store.Flush(ctx)
	}
	if byReads != 0 {
		t.Errorf("reads re-read the generation %d times in %v, want none (the run loop's)", byReads, 3*listsGen.Refresh)
	}
	if total := shared.count(); total < 3 {
		t.Errorf("the generation was re-read %d times in %v, want at least once a Refresh", total, 3*listsGen.Refresh)
	}
}

// A few invalidations in a row apply at once (Burst); past them, one per Coalesce, each gathering
// those asked meanwhile, applied by a read or by Flush (which Run calls every second).
func TestInvalidationsCoalesce(t *testing.T) {
	clock := newClock()
	store := caching.NewStore(nil, clock, caching.Options{Logger: quiet})
	ctx := context.Background()
	fills := 0
	listsGen := caching.Generation{Name: "bursty", Coalesce: 5 * time.Second, Burst: 2, Refresh: 10 * time.Second}
	space := caching.Space{Name: "bursty", Version: 1, Fresh: time.Hour, Generation: &listsGen}
	read := func() int { v, _ := caching.Read(ctx, store, space, "k", counting(&fills)); return v.Count }
	read()
	for i := range listsGen.Burst {
		store.Invalidate(ctx, listsGen)
		if got := read(); got != i+2 {
			t.Fatalf("invalidation %d of the burst did not apply at once (%d)", i+1, got)
		}
	}
	store.Invalidate(ctx, listsGen)
	if got := read(); got != listsGen.Burst+1 {
		t.Fatalf("an invalidation past the burst applied at once (%d)", got)
	}
	if st := store.Stats(); st.PendingInvalidations != 1 {
		t.Fatalf("pending %d, want the gathered one", st.PendingInvalidations)
	}
	clock.Advance(listsGen.Coalesce)
	store.Flush(ctx)
	if st := store.Stats(); st.PendingInvalidations != 0 {
		t.Fatalf("pending %d after %v", st.PendingInvalidations, listsGen.Coalesce)
	}
	if got := read(); got != listsGen.Burst+2 {
		t.Fatalf("the gathered invalidation was not applied after %v (%d)", listsGen.Coalesce, got)
	}
	// A steady writer, one invalidation a second for a minute: one applied per Coalesce.
	before := fills
	for range 60 {
		clock.Advance(time.Second)
		store.Invalidate(ctx, listsGen)
		read()
	}
	if applied, want := fills-before, int(time.Minute/listsGen.Coalesce); applied < want-1 || applied > want+1 {
		t.Fatalf("%d invalidations applied in a minute of one a second, want about %d", applied, want)
	}
}

// A generation the shared tier refuses is kept and written again until it lands; meanwhile the
// health report counts it.
func TestAFailedInvalidationIsKeptAndRetried(t *testing.T) {
	clock := newClock()
	shared := &flakyCache{mapCache: newMapCache()}
	ctx := context.Background()
	a := caching.NewStore(shared, clock, caching.Options{Logger: quiet})
	b := caching.NewStore(shared, clock, caching.Options{Logger: quiet})
	fills := 0
	_, _ = caching.Read(ctx, b, listSpace, "k", counting(&fills))
	shared.setDown(true)
	a.Invalidate(ctx, listsGen)
	if st := a.Stats(); st.PendingInvalidations != 1 || st.Errors == 0 {
		t.Fatalf("after a failed write: %+v", st)
	}
	clock.Advance(listsGen.Refresh)
	a.Flush(ctx) // still down: kept
	if a.Stats().PendingInvalidations != 1 {
		t.Fatal("a failed invalidation was dropped")
	}
	shared.setDown(false)
	clock.Advance(listsGen.Refresh)
	a.Flush(ctx)
	if st := a.Stats(); st.PendingInvalidations != 0 {
		t.Fatalf("after KV came back: %+v", st)
	}
	if v, _ := caching.Read(ctx, b, listSpace, "k", counting(&fills)); v.Count != 2 {
		t.Fatalf("b read %d: the invalidation never reached it", v.Count)
	}
}

// Forget drops one value of a space, not its neighbours.
func TestForgetIsNarrow(t *testing.T) {
	store := caching.NewStore(nil, newClock(), caching.Options{Logger: quiet})
	ctx := context.Background()
	fills := 0
	for _, k := range []string{"1", "2"} {
		_, _ = caching.Read(ctx, store, caching.TorrentDetails, k, counting(&fills))
	}
	store.Forget(caching.TorrentDetails, "1")
	_, _ = caching.Read(ctx, store, caching.TorrentDetails, "1", counting(&fills))
	_, _ = caching.Read(ctx, store, caching.TorrentDetails, "2", counting(&fills))
	if fills != 3 {
		t.Fatalf("%d fills, want 3: the forgotten one again, its neighbour from the cache", fills)
	}
}

func TestRevokeRefusesSpacesThePolicyDoesNotDeclareRevocable(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	caching.NewStore(nil, newClock(), caching.Options{}).Revoke(caching.SearchPages, "x")
}

// After a write's bump (Invalidate), a read whose value is held only under the earlier generation
// waits at most the generation's Grace for its fill: a slow store answers the earlier value at
// once and the new one when its fill ends, a failing store answers the earlier value; a bump that
// must not wait (InvalidateNow: a takedown) and a value adopted from another instance are never
// softened. Found by the soak on the emulator: with a crawler ingesting every 1.5 s, every list was
// a miss every 5 s, and searches waited on a saturated D1 until 503.
func TestAWritesBumpAnswersTheEarlierValueWhileTheStoreIsSlow(t *testing.T) {
	clock := newClock()
	shared := newMapCache()
	ctx := context.Background()
	// The grace and the wait bound are long enough that a loaded machine's scheduling never decides
	// the answer (with 20 and 200 ms a quick fill missed them 2 runs in 100 beside busy loops): only
	// the slow store's step and the last one wait them out.
	opts := caching.Options{Logger: quiet, WaitTimeout: 2 * time.Second}
	store := caching.NewStore(shared, clock, opts)
	gen := caching.Generation{Name: "graced", Refresh: 10 * time.Second, Grace: 2 * time.Second}
	space := caching.Space{Name: "graced", Version: 1, Fresh: time.Minute, Stale: time.Minute, Shared: true, Generation: &gen}
	var mu sync.Mutex
	answer, count := error(nil), 0
	release := make(chan struct{})
	close(release)
	fill := func(context.Context) (value, error) {
		mu.Lock()
		r, err := release, answer
		mu.Unlock()
		<-r
		if err != nil {
			return value{}, err
		}
		mu.Lock()
		defer mu.Unlock()
		count++
		return value{Count: count}, nil
	}
	slow := func() chan struct{} { mu.Lock(); defer mu.Unlock(); release = make(chan struct{}); return release }
	read := func() (int, error) { v, err := caching.Read(ctx, store, space, "k", fill); return v.Count, err }

	if n, err := read(); n != 1 || err != nil {
		t.Fatalf("first read %d, %v", n, err)
	}
	store.Invalidate(ctx, gen)
	if n, err := read(); n != 2 || err != nil {
		t.Fatalf("after a bump, with a quick store: %d, %v; want the new value", n, err)
	}

	store.Invalidate(ctx, gen)
	r := slow()
	if n, err := read(); n != 2 || err != nil {
		t.Fatalf("after a bump, with a slow store: %d, %v; want the earlier value past the grace", n, err)
	}
	close(r)
	// A read that missed just as the fill ended may fill once more: a newer value, never an older.
	cur := 0
	for cur < 3 {
		if cur, _ = read(); cur < 2 {
			t.Fatalf("while the fill ends: %d", cur)
		}
		runtime.Gosched()
	}
	cur, _ = read()

	store.Invalidate(ctx, gen)
	mu.Lock()
	answer = domain.ErrUnavailable
	mu.Unlock()
	if n, err := read(); n != cur || err != nil {
		t.Fatalf("after a bump, with the store down: %d, %v; want the earlier value %d", n, err, cur)
	}

	store.InvalidateNow(ctx, gen)
	if _, err := read(); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("after a takedown's bump, with the store down: %v; want its error, never an earlier value", err)
	}
	mu.Lock()
	answer = nil
	mu.Unlock()
	if n, err := read(); n <= cur || err != nil {
		t.Fatalf("after a takedown's bump: %d, %v; want a value newer than %d", n, err, cur)
	}

	// Another instance's bump, adopted at the refresh: what this one held before is not answered.
	other := caching.NewStore(shared, clock, opts)
	clock.Advance(time.Millisecond)
	other.Invalidate(ctx, gen)
	clock.Advance(gen.Refresh)
	r = slow()
	if _, err := read(); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("after another instance's bump, with a slow store: %v; want the wait bound, never an earlier value", err)
	}
	close(r)
}
