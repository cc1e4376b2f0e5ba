package caching_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/application/caching"
)

// racedSpace is a shared space whose shared read races its fill, as the policy declares search pages.
var racedSpace = caching.Space{Name: "pages", Version: 1, Fresh: time.Minute, Stale: time.Minute, Shared: true, Race: true}

// roundTrips measures how many upstream calls a read waits for in sequence: each call's depth is
// one more than the deepest call that had ended when it began. Concurrent calls share a depth.
type roundTrips struct {
	mu    sync.Mutex
	ended int // the deepest call ended so far
}

// begin starts a call; the returned func ends it.
func (r *roundTrips) begin() func() {
	r.mu.Lock()
	depth := r.ended + 1
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		r.ended = max(r.ended, depth)
		r.mu.Unlock()
	}
}

func (r *roundTrips) sequential() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ended
}

// slowMissCache is a shared tier over a network: its read is one round trip, under way until the
// fill's first request is out too (or its own time is up), as two requests sent together both are.
type slowMissCache struct {
	mapCache
	trips               *roundTrips
	getIsOut, fillIsOut chan struct{}
	getsServed          atomic.Int32
}

func (c *slowMissCache) Get(ctx context.Context, _ string) ([]byte, bool, error) {
	defer c.trips.begin()()
	if c.getsServed.Add(1) == 1 {
		close(c.getIsOut)
	}
	select {
	case <-c.fillIsOut:
		return nil, false, nil
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// A search that misses every tier waits for the fill's two requests, not for the shared read
// before them. Regression: the shared read came first, so a miss on Cloudflare waited for three
// round trips in sequence (the KV read, the D1 probe, the D1 page).
func TestARacedMissWaitsForTheFillsRoundTripsOnly(t *testing.T) {
	// The raced read returns as soon as the fill's first request is out, well within its long
	// timeout; the unraced one is ended by its short one. (With 50 ms for both, a starved fill
	// could start after the raced read had given up, and count three round trips.)
	for _, c := range []struct {
		space   caching.Space
		timeout time.Duration
		want    int
	}{{racedSpace, 10 * time.Second, 2}, {sharedSpace, 50 * time.Millisecond, 3}} {
		trips := &roundTrips{}
		shared := &slowMissCache{mapCache: *newMapCache(), trips: trips, getIsOut: make(chan struct{}), fillIsOut: make(chan struct{})}
		store := caching.NewStore(shared, newClock(), caching.Options{Logger: quiet, SharedTimeout: c.timeout})
		got, err := caching.Read(context.Background(), store, c.space, "q", func(context.Context) (value, error) {
			end := trips.begin() // the probe: under way until the shared read is out too
			close(shared.fillIsOut)
			select {
			case <-shared.getIsOut:
			case <-time.After(10 * time.Second):
				t.Error("the shared tier was never read")
			}
			end()
			trips.begin()() // the page and its count
			return value{Name: "filled"}, nil
		})
		if err != nil || got.Name != "filled" {
			t.Fatalf("%s: %+v, %v", c.space.Name, got, err)
		}
		if n := trips.sequential(); n != c.want {
			t.Errorf("race %v: a miss waited for %d round trips in sequence, want %d", c.space.Race, n, c.want)
		}
	}
}

// writeShared puts v in the shared tier under racedSpace's key "q", as another instance would
// (through sharedSpace, the same key unraced: no shared read outlives the write).
func writeShared(t *testing.T, shared *mapCache, clock *fakeClock, v value) {
	t.Helper()
	writer := caching.NewStore(shared, clock, caching.Options{Logger: quiet})
	if _, err := caching.Read(context.Background(), writer, sharedSpace, "q", func(context.Context) (value, error) { return v, nil }); err != nil {
		t.Fatal(err)
	}
}

// A fresh value in the shared tier is the answer, and the fill raced against it is abandoned: its
// context ends, so it never sends its second request, and it stores nothing. (The shared tier here
// answers once the fill has begun; a fill that begins after the answer finds the value in the
// process tier and does not run at all.)
func TestAFreshSharedHitAbandonsTheRacedFill(t *testing.T) {
	clock := newClock()
	base := newMapCache()
	writeShared(t, base, clock, value{Name: "shared"})
	begun := make(chan struct{})
	shared := &gatedCache{mapCache: base, answers: []gatedAnswer{{gate: begun, hit: true}}}
	reader := caching.NewStore(shared, clock, caching.Options{Logger: quiet, SharedTimeout: time.Minute}) // only the gate answers it
	var second atomic.Bool
	cause := make(chan error, 1)
	got, err := caching.Read(context.Background(), reader, racedSpace, "q", func(ctx context.Context) (value, error) {
		close(begun)
		select { // the probe, answered only when the request is cancelled
		case <-ctx.Done():
			cause <- context.Cause(ctx)
			return value{}, ctx.Err()
		case <-time.After(10 * time.Second):
			cause <- nil
		}
		second.Store(true)
		return value{Name: "filled"}, nil
	})
	if err != nil || got.Name != "shared" {
		t.Fatalf("got %+v, %v: want the shared tier's value", got, err)
	}
	if err := <-cause; err == nil {
		t.Fatal("the raced fill was not abandoned after the shared tier answered")
	}
	if second.Load() {
		t.Fatal("the abandoned fill sent its second request")
	}
	got, _ = caching.Read(context.Background(), reader, racedSpace, "q", func(context.Context) (value, error) {
		return value{Name: "filled again"}, nil
	})
	if got.Name != "shared" {
		t.Fatalf("second read %+v: the process tier must hold the shared value", got)
	}
	if st := reader.Stats(); st.SharedHits != 1 || st.LocalHits != 1 || st.Misses != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// A stale value in the shared tier is the answer at once, and the raced fill goes on as its refresh.
func TestAStaleSharedHitLetsTheRacedFillRefreshIt(t *testing.T) {
	clock := newClock()
	shared := newMapCache()
	writeShared(t, shared, clock, value{Name: "old"})
	clock.Advance(racedSpace.Fresh + time.Second)
	reader := caching.NewStore(shared, clock, caching.Options{Logger: quiet})
	release := make(chan struct{})
	got, err := caching.Read(context.Background(), reader, racedSpace, "q", func(ctx context.Context) (value, error) {
		select {
		case <-release:
			return value{Name: "new"}, nil
		case <-ctx.Done():
			return value{}, ctx.Err()
		}
	})
	if err != nil || got.Name != "old" {
		t.Fatalf("got %+v, %v: want the stale value at once", got, err)
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, _ = caching.Read(context.Background(), reader, racedSpace, "q", func(context.Context) (value, error) {
			return value{}, errors.New("the refresh must come from the raced fill")
		})
		if got.Name == "new" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %+v: the raced fill did not refresh the stale value %+v", got, reader.Stats())
		}
		time.Sleep(time.Millisecond)
	}
}

// gatedCache answers its reads in order from a script, each once its gate opens.
type gatedCache struct {
	*mapCache
	mu      sync.Mutex
	answers []gatedAnswer
	asked   chan struct{} // closed at the second read, if set
	reads   int
}

type gatedAnswer struct {
	gate chan struct{}
	hit  bool
}

func (c *gatedCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	c.mu.Lock()
	a := c.answers[0]
	c.answers = c.answers[1:]
	if c.reads++; c.reads == 2 && c.asked != nil {
		close(c.asked)
	}
	c.mu.Unlock()
	select {
	case <-a.gate:
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	if !a.hit {
		return nil, false, nil
	}
	return c.mapCache.Get(ctx, key)
}

// A failed fill does not fail a read whose shared read brings the value.
func TestARacedFillThatFailsLeavesTheSharedValue(t *testing.T) {
	clock := newClock()
	base := newMapCache()
	writeShared(t, base, clock, value{Name: "shared"})
	open := make(chan struct{})
	shared := &gatedCache{mapCache: base, answers: []gatedAnswer{{gate: open, hit: true}}}
	reader := caching.NewStore(shared, clock, caching.Options{Logger: quiet, SharedTimeout: time.Minute}) // only the gate answers it
	got, err := caching.Read(context.Background(), reader, racedSpace, "q", func(context.Context) (value, error) {
		defer close(open) // the shared tier answers after the fill has failed
		return value{}, errors.New("database down")
	})
	if err != nil || got.Name != "shared" {
		t.Fatalf("got %+v, %v: want the shared value", got, err)
	}
}

// A caller that joined a fill another caller's hit abandoned, and whose own shared read missed,
// fills again instead of failing.
func TestACallerOfAnAbandonedFillFillsAgain(t *testing.T) {
	clock := newClock()
	base := newMapCache()
	writeShared(t, base, clock, value{Name: "shared"})
	hitGate, missGate, secondAsked := make(chan struct{}), make(chan struct{}), make(chan struct{})
	close(hitGate)
	shared := &gatedCache{mapCache: base, answers: []gatedAnswer{{gate: hitGate, hit: true}, {gate: missGate}}, asked: secondAsked}
	// A process tier too small to keep anything, so the second caller misses it too.
	reader := caching.NewStore(shared, clock, caching.Options{Logger: quiet, LocalBytes: 1})

	var fills atomic.Int32
	abandoned, finish := make(chan struct{}), make(chan struct{})
	fill := func(ctx context.Context) (value, error) {
		if fills.Add(1) > 1 {
			return value{Name: "filled"}, nil
		}
		<-ctx.Done() // the first fill: abandoned by the first caller's hit
		close(abandoned)
		<-finish // ... and still running when the second caller joins it
		return value{}, ctx.Err()
	}
	if got, err := caching.Read(context.Background(), reader, racedSpace, "q", fill); err != nil || got.Name != "shared" {
		t.Fatalf("first caller: %+v, %v", got, err)
	}
	select {
	case <-abandoned:
	case <-time.After(10 * time.Second):
		t.Fatal("no fill started alongside the first caller's shared read")
	}
	type answer struct {
		v   value
		err error
	}
	second := make(chan answer, 1)
	go func() {
		v, err := caching.Read(context.Background(), reader, racedSpace, "q", fill)
		second <- answer{v, err}
	}()
	<-secondAsked
	time.Sleep(50 * time.Millisecond) // it joins the abandoned fill (if not yet, it fills alone: the test passes either way)
	close(finish)
	close(missGate)
	a := <-second
	if a.err != nil || a.v.Name != "filled" {
		t.Fatalf("second caller: %+v, %v: want a fill of its own", a.v, a.err)
	}
	if n := fills.Load(); n != 2 {
		t.Fatalf("%d fills, want 2", n)
	}
}
