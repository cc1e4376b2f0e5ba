package caching_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/mock/gomock"

	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/tests/mocks"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func newClock() *fakeClock { return &fakeClock{now: time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)} }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type value struct {
	Name  string
	Count int
}

// mapCache is a plain shared tier for tests that are not about the interaction.
type mapCache struct {
	mu   sync.Mutex
	data map[string][]byte
}

func newMapCache() *mapCache { return &mapCache{data: map[string][]byte{}} }

func (m *mapCache) Get(_ context.Context, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.data[key]
	return v, ok, nil
}

func (m *mapCache) Set(_ context.Context, key string, v []byte, _ time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[key] = append([]byte(nil), v...)
	return nil
}

func (m *mapCache) Delete(_ context.Context, keys ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		delete(m.data, k)
	}
	return nil
}

func TestMissAsksTheSharedTierBeforeFillingAndThenStoresThere(t *testing.T) {
	ctrl := gomock.NewController(t)
	shared := mocks.NewMockCache(ctrl)
	store := caching.NewStore(shared, newClock(), caching.Options{Logger: quiet})
	ctx := context.Background()

	filled := 0
	fill := func(context.Context) (value, error) { filled++; return value{Name: "x", Count: 1}, nil }

	gomock.InOrder(
		shared.EXPECT().Get(gomock.Any(), "k").Return(nil, false, nil),
		shared.EXPECT().Set(gomock.Any(), "k", gomock.Any(), 2*time.Minute).Return(nil),
	)
	got, err := caching.Fetch(ctx, store, "k", time.Minute, fill)
	if err != nil || got != (value{Name: "x", Count: 1}) || filled != 1 {
		t.Fatalf("first fetch = %+v, %v, filled %d", got, err, filled)
	}
	// The second read is served by the process tier: no call to the shared tier (the mock would fail
	// on an unexpected one) and no fill.
	got, err = caching.Fetch(ctx, store, "k", time.Minute, fill)
	if err != nil || got.Count != 1 || filled != 1 {
		t.Fatalf("second fetch = %+v, %v, filled %d", got, err, filled)
	}
	st := store.Stats()
	if st.Hits != 1 || st.Misses != 1 || st.LocalHits != 1 || st.HitRate != 0.5 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestSharedHitIsNotFilled(t *testing.T) {
	clock := newClock()
	shared := newMapCache()
	ctx := context.Background()
	writer := caching.NewStore(shared, clock, caching.Options{Logger: quiet})
	if _, err := caching.Fetch(ctx, writer, "k", time.Minute, func(context.Context) (value, error) {
		return value{Name: "from writer", Count: 7}, nil
	}); err != nil {
		t.Fatal(err)
	}
	reader := caching.NewStore(shared, clock, caching.Options{Logger: quiet})
	got, err := caching.Fetch(ctx, reader, "k", time.Minute, func(context.Context) (value, error) {
		t.Fatal("a value in the shared tier must not be filled again")
		return value{}, nil
	})
	if err != nil || got != (value{Name: "from writer", Count: 7}) {
		t.Fatalf("got %+v, %v", got, err)
	}
	if st := reader.Stats(); st.SharedHits != 1 {
		t.Fatalf("shared hits = %d, want 1", st.SharedHits)
	}
}

func TestOneFillPerKeyUnderConcurrency(t *testing.T) {
	ctrl := gomock.NewController(t)
	shared := mocks.NewMockCache(ctrl)
	shared.EXPECT().Get(gomock.Any(), "hot").Return(nil, false, nil).AnyTimes()
	shared.EXPECT().Set(gomock.Any(), "hot", gomock.Any(), gomock.Any()).Return(nil).Times(1)
	store := caching.NewStore(shared, newClock(), caching.Options{Logger: quiet})

	var fills atomic.Int32
	release := make(chan struct{})
	fill := func(context.Context) (value, error) {
		fills.Add(1)
		<-release
		return value{Name: "hot"}, nil
	}
	const callers = 50
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	started := make(chan struct{}, callers)
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started <- struct{}{}
			v, err := caching.Fetch(context.Background(), store, "hot", time.Minute, fill)
			if err == nil && v.Name != "hot" {
				err = errors.New("wrong value " + v.Name)
			}
			errs <- err
		}()
	}
	for range callers {
		<-started
	}
	time.Sleep(20 * time.Millisecond) // let the callers reach the in-flight fill
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := fills.Load(); n != 1 {
		t.Fatalf("fills = %d, want 1", n)
	}
}

func TestStaleValueIsServedWhileOneRefreshRuns(t *testing.T) {
	clock := newClock()
	store := caching.NewStore(nil, clock, caching.Options{Logger: quiet})
	ctx := context.Background()
	var fills atomic.Int32
	refreshed := make(chan struct{}, 10)
	fill := func(context.Context) (value, error) {
		n := fills.Add(1)
		if n > 1 {
			defer func() { refreshed <- struct{}{} }()
		}
		return value{Count: int(n)}, nil
	}
	if v, _ := caching.Fetch(ctx, store, "k", time.Minute, fill); v.Count != 1 {
		t.Fatalf("first = %d", v.Count)
	}
	clock.Advance(90 * time.Second) // past fresh, within stale
	v, err := caching.Fetch(ctx, store, "k", time.Minute, fill)
	if err != nil || v.Count != 1 {
		t.Fatalf("stale read = %+v, %v; want the old value at once", v, err)
	}
	select {
	case <-refreshed:
	case <-time.After(5 * time.Second):
		t.Fatal("no background refresh")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, _ = caching.Fetch(ctx, store, "k", time.Minute, fill)
		if v.Count == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if v.Count != 2 {
		t.Fatalf("after refresh = %d, want 2", v.Count)
	}
	if st := store.Stats(); st.StaleServed < 1 || st.Refreshes != 1 {
		t.Fatalf("stats = %+v", st)
	}
	clock.Advance(3 * time.Minute) // past stale: a plain miss
	if v, _ = caching.Fetch(ctx, store, "k", time.Minute, fill); v.Count != 3 {
		t.Fatalf("after expiry = %d, want a new fill", v.Count)
	}
}

func TestSharedTierErrorsFallBackToTheFill(t *testing.T) {
	ctrl := gomock.NewController(t)
	shared := mocks.NewMockCache(ctrl)
	shared.EXPECT().Get(gomock.Any(), gomock.Any()).Return(nil, false, errors.New("kv down")).AnyTimes()
	shared.EXPECT().Set(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Return(errors.New("kv down")).AnyTimes()
	store := caching.NewStore(shared, newClock(), caching.Options{Logger: quiet})
	v, err := caching.Fetch(context.Background(), store, "k", time.Minute, func(context.Context) (value, error) {
		return value{Name: "db"}, nil
	})
	if err != nil || v.Name != "db" {
		t.Fatalf("got %+v, %v", v, err)
	}
	if st := store.Stats(); st.Errors != 2 {
		t.Fatalf("errors = %d, want 2 (get and set)", st.Errors)
	}
}

func TestFillErrorsAreNotCached(t *testing.T) {
	store := caching.NewStore(nil, newClock(), caching.Options{Logger: quiet})
	boom := errors.New("boom")
	calls := 0
	fill := func(context.Context) (value, error) { calls++; return value{}, boom }
	for range 2 {
		if _, err := caching.Fetch(context.Background(), store, "k", time.Minute, fill); !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
	}
	if calls != 2 {
		t.Fatalf("calls = %d, want 2", calls)
	}
}

func TestInvalidateStartsANewKeySpace(t *testing.T) {
	clock := newClock()
	shared := newMapCache()
	ctx := context.Background()
	a := caching.NewStore(shared, clock, caching.Options{Logger: quiet, GenerationRefresh: 10 * time.Second})
	b := caching.NewStore(shared, clock, caching.Options{Logger: quiet, GenerationRefresh: 10 * time.Second})
	before := a.Key(ctx, "catalog", "latest")
	if b.Key(ctx, "catalog", "latest") != before {
		t.Fatal("two instances must agree on a key before any invalidation")
	}
	a.Invalidate(ctx, "catalog")
	after := a.Key(ctx, "catalog", "latest")
	if after == before {
		t.Fatal("invalidate did not change the key on the same instance")
	}
	if a.Key(ctx, "other", "x") != b.Key(ctx, "other", "x") {
		t.Fatal("another key space must not move")
	}
	clock.Advance(11 * time.Second)
	if got := b.Key(ctx, "catalog", "latest"); got != after {
		t.Fatalf("other instance key = %q, want %q after the refresh interval", got, after)
	}
}

func TestLongKeysAreHashedToFitKV(t *testing.T) {
	store := caching.NewStore(nil, newClock(), caching.Options{Logger: quiet})
	long := string(make([]byte, 600))
	k := store.Key(context.Background(), "catalog", "search", long)
	if len(k) > 512 {
		t.Fatalf("key of %d bytes", len(k))
	}
	if k == store.Key(context.Background(), "catalog", "search", long+"x") {
		t.Fatal("different parts must give different keys")
	}
}

func TestForgetDropsBothTiers(t *testing.T) {
	shared := newMapCache()
	store := caching.NewStore(shared, newClock(), caching.Options{Logger: quiet})
	ctx := context.Background()
	n := 0
	fill := func(context.Context) (value, error) { n++; return value{Count: n}, nil }
	_, _ = caching.Fetch(ctx, store, "s", time.Hour, fill)
	store.Forget(ctx, "s")
	if _, ok, _ := shared.Get(ctx, "s"); ok {
		t.Fatal("shared tier still holds the key")
	}
	if v, _ := caching.Fetch(ctx, store, "s", time.Hour, fill); v.Count != 2 {
		t.Fatalf("got %d, want a new fill", v.Count)
	}
}

func TestCallerCancellationDoesNotFailOtherWaiters(t *testing.T) {
	store := caching.NewStore(nil, newClock(), caching.Options{Logger: quiet})
	release := make(chan struct{})
	fill := func(ctx context.Context) (value, error) {
		<-release
		return value{Name: "ok"}, ctx.Err()
	}
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, err := caching.Fetch(ctx, store, "k", time.Minute, fill); first <- err }()
	time.Sleep(10 * time.Millisecond)
	second := make(chan value, 1)
	go func() { v, _ := caching.Fetch(context.Background(), store, "k", time.Minute, fill); second <- v }()
	time.Sleep(10 * time.Millisecond)
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled caller got %v", err)
	}
	close(release)
	if v := <-second; v.Name != "ok" {
		t.Fatalf("other waiter got %+v", v)
	}
}

func TestBoundedValuesAreRereadFromTheSharedTierAndNeverServedStale(t *testing.T) {
	clock := newClock()
	shared := newMapCache()
	ctx := context.Background()
	a := caching.NewStore(shared, clock, caching.Options{Logger: quiet})
	b := caching.NewStore(shared, clock, caching.Options{Logger: quiet})
	n := 0
	fill := func(context.Context) (value, error) { n++; return value{Count: n}, nil }
	if v, _ := caching.FetchBounded(ctx, a, "session:x", time.Hour, 30*time.Second, fill); v.Count != 1 {
		t.Fatalf("fill = %d", v.Count)
	}
	if v, _ := caching.FetchBounded(ctx, b, "session:x", time.Hour, 30*time.Second, fill); v.Count != 1 {
		t.Fatalf("b read = %d, want the shared value", v.Count)
	}
	a.Forget(ctx, "session:x") // revoked on instance a
	clock.Advance(31 * time.Second)
	if v, _ := caching.FetchBounded(ctx, b, "session:x", time.Hour, 30*time.Second, fill); v.Count != 2 {
		t.Fatalf("b after revocation = %d, want a new fill (the store decides)", v.Count)
	}
}

func TestCacheFailuresNeverLogTheKeysBody(t *testing.T) {
	ctrl := gomock.NewController(t)
	shared := mocks.NewMockCache(ctrl)
	shared.EXPECT().Get(gomock.Any(), gomock.Any()).Return(nil, false, errors.New("kv down")).AnyTimes()
	shared.EXPECT().Set(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Return(errors.New("kv down")).AnyTimes()
	shared.EXPECT().Delete(gomock.Any(), gomock.Any()).Return(errors.New("kv down")).AnyTimes()
	var logs strings.Builder
	store := caching.NewStore(shared, newClock(), caching.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	secret := "session:4f1c0ffee4f1c0ffee"
	_, _ = caching.Fetch(context.Background(), store, secret, time.Minute, func(context.Context) (value, error) { return value{}, nil })
	store.Forget(context.Background(), secret)
	if strings.Contains(logs.String(), "4f1c0ffee") || !strings.Contains(logs.String(), "space=session") {
		t.Fatalf("logs:\n%s", logs.String())
	}
}

// FetchLocal never reads or writes the shared tier (the mock fails on any call), and otherwise
// caches as Fetch does: one fill, then the process tier, stale served while one refresh runs, and a
// new generation of the key space filled anew.
func TestLocalValuesNeverTouchTheSharedTier(t *testing.T) {
	ctrl := gomock.NewController(t)
	shared := mocks.NewMockCache(ctrl)
	shared.EXPECT().Get(gomock.Any(), "gen:space").Return(nil, false, nil).AnyTimes()
	shared.EXPECT().Set(gomock.Any(), "gen:space", gomock.Any(), gomock.Any()).Return(nil).AnyTimes()
	clock := newClock()
	store := caching.NewStore(shared, clock, caching.Options{Logger: quiet})
	ctx := context.Background()
	var filled atomic.Int32
	fill := func(context.Context) (value, error) { return value{Count: int(filled.Add(1))}, nil }

	key := store.Key(ctx, "space", "a")
	for range 3 {
		if got, err := caching.FetchLocal(ctx, store, key, time.Minute, fill); err != nil || got.Count != 1 {
			t.Fatalf("fetch = %+v, %v", got, err)
		}
	}
	clock.Advance(90 * time.Second) // stale: served, refreshed in the background
	if got, _ := caching.FetchLocal(ctx, store, key, time.Minute, fill); got.Count != 1 {
		t.Fatalf("stale fetch = %+v, want the stale value", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for filled.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if filled.Load() != 2 {
		t.Fatalf("%d fills, want the refresh", filled.Load())
	}
	store.Invalidate(ctx, "space")
	if got, _ := caching.FetchLocal(ctx, store, store.Key(ctx, "space", "a"), time.Minute, fill); got.Count != 3 {
		t.Fatalf("after invalidation = %+v, want a new fill", got)
	}
	if st := store.Stats(); st.SharedHits != 0 || st.Misses != 2 {
		t.Fatalf("stats %+v", st)
	}
}
