package health_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/mock/gomock"

	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/application/health"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
	"github.com/torrent-streamer/streamer/tests/mocks"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type pinger func(context.Context) error

func (p pinger) Ping(ctx context.Context) error { return p(ctx) }

func TestStatusFollowsTheStores(t *testing.T) {
	ok := pinger(func(context.Context) error { return nil })
	down := pinger(func(context.Context) error { return errors.New("dial tcp 10.0.0.7:443: connection refused") })
	ctrl := gomock.NewController(t)
	failingKV := mocks.NewMockCache(ctrl)
	failingKV.EXPECT().Get(gomock.Any(), gomock.Any()).Return(nil, false, errors.New("kv.internal: 500")).AnyTimes()

	cases := []struct {
		name   string
		db     ports.Pinger
		shared ports.Cache
		want   health.Status
	}{
		{"all up", ok, nil, health.OK},
		{"database down", down, nil, health.Down},
		{"cache down", ok, failingKV, health.Degraded},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cache := caching.NewStore(c.shared, ports.SystemClock{}, caching.Options{Logger: quiet})
			svc := health.NewService(c.db, cache, ports.SystemClock{}, "v1.2.3", quiet)
			r := svc.Check(context.Background())
			if r.Status != c.want || r.Version != "v1.2.3" {
				t.Fatalf("status %s, want %s (%+v)", r.Status, c.want, r)
			}
			for _, check := range []health.Check{r.Database, r.Cache} {
				if check.Status != health.OK && (check.Error == "" || containsAny(check.Error, "10.0.0.7", "kv.internal", "refused")) {
					t.Fatalf("error %q must be a safe sentence", check.Error)
				}
			}
		})
	}
}

func TestAHangingStoreIsReportedWithinTheProbeTimeout(t *testing.T) {
	hang := pinger(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	cache := caching.NewStore(nil, ports.SystemClock{}, caching.Options{Logger: quiet})
	svc := health.NewService(hang, cache, ports.SystemClock{}, "dev", quiet)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	r := svc.Check(ctx)
	if r.Status != health.Down || time.Since(start) > health.ProbeTimeout+time.Second {
		t.Fatalf("status %s after %v", r.Status, time.Since(start))
	}
	if err := svc.Ready(ctx); err == nil {
		t.Fatal("ready with a hanging database")
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

type upstreamCounter ports.UpstreamStats

func (u upstreamCounter) UpstreamStats() ports.UpstreamStats { return ports.UpstreamStats(u) }

func TestTheReportCountsUpstreamCallsAndCountersProbeNothing(t *testing.T) {
	probes := 0
	db := pinger(func(context.Context) error { probes++; return nil })
	cache := caching.NewStore(nil, ports.SystemClock{}, caching.Options{Logger: quiet})
	svc := health.NewService(db, cache, ports.SystemClock{}, "dev", quiet)
	if r := svc.Check(context.Background()); r.Upstream != (ports.UpstreamStats{}) {
		t.Fatalf("upstream without a counter: %+v", r.Upstream)
	}
	want := ports.UpstreamStats{R1: ports.UpstreamCalls{Calls: 3, Errors: 1, Retries: 1}, KV: ports.UpstreamCalls{Calls: 7}}
	svc.WithUpstream(upstreamCounter(want))
	if r := svc.Check(context.Background()); r.Upstream != want {
		t.Fatalf("report upstream %+v, want %+v", r.Upstream, want)
	}
	before := probes
	if c := svc.Counters(); c.Upstream != want || probes != before {
		t.Fatalf("counters %+v after %d probes, want %+v and no probe", c.Upstream, probes-before, want)
	}
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// However many probes arrive, at once or one after another, the stores are probed once per
// ProbeCacheTTL: concurrent callers wait for the one probe under way, later ones reuse its answer.
func TestProbesAreSharedAndCachedForTheProbeTTL(t *testing.T) {
	var probes atomic.Int32
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	db := pinger(func(context.Context) error {
		if probes.Add(1) == 1 {
			entered <- struct{}{}
			<-release
		}
		return nil
	})
	clk := &fakeClock{now: time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)}
	svc := health.NewService(db, caching.NewStore(nil, clk, caching.Options{Logger: quiet}), clk, "dev", quiet)
	first := make(chan health.Report, 1)
	go func() { first <- svc.Check(context.Background()) }()
	<-entered // the first probe is under way and holds
	const callers = 100
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				_ = svc.Check(context.Background())
			} else {
				_ = svc.Ready(context.Background())
			}
		}()
	}
	close(release)
	wg.Wait()
	if r := <-first; r.Status != health.OK {
		t.Fatalf("status %s", r.Status)
	}
	for range 1000 {
		_ = svc.Check(context.Background())
		_ = svc.Ready(context.Background())
	}
	if n := probes.Load(); n != 1 {
		t.Fatalf("%d probes of the database for 2,101 requests within %v, want 1", n, health.ProbeCacheTTL)
	}
	clk.Advance(health.ProbeCacheTTL)
	_ = svc.Ready(context.Background())
	if n := probes.Load(); n != 2 {
		t.Fatalf("%d probes after the TTL, want 2", n)
	}
}

// heldErr is a store's failure that sent nothing: cfapi refused the request in the process while a
// 429's wait ran (cfapi.Error.Held).
type heldErr time.Duration

func (e heldErr) Error() string             { return "not sent: the API asked to wait" }
func (e heldErr) Held() time.Duration       { return time.Duration(e) }
func (e heldErr) RetryAfter() time.Duration { return time.Duration(e) }

// Regression (TestUpstreamFaults recovered in 15 s instead of 1 s after a 429 storm): a probe made
// while the service's requests were held for a 429's Retry-After asked the store nothing, yet was
// reused for ProbeCacheTTL, so health said down for 15 s after the store answered again. Such a
// failure now stands only until the wait ends; a failure that asked the store stands for the TTL.
func TestAProbeHeldForARetryAfterIsReusedOnlyUntilTheWaitEnds(t *testing.T) {
	for _, store := range []string{"database", "cache"} {
		t.Run(store, func(t *testing.T) {
			var probes atomic.Int32
			var fail atomic.Pointer[error] // the error of the next probes
			set := func(err error) { fail.Store(&err) }
			set(fmt.Errorf("%w: r1 did not answer: %w", domain.ErrUnavailable, heldErr(time.Second)))
			ping := pinger(func(context.Context) error {
				probes.Add(1)
				return *fail.Load()
			})
			ok := pinger(func(context.Context) error { return nil })
			clk := &fakeClock{now: time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)}
			db, shared := ports.Pinger(ping), ports.Cache(nil)
			failing := health.Down
			if store == "cache" {
				db, shared, failing = ok, pingingCache{ping}, health.Degraded
			}
			svc := health.NewService(db, caching.NewStore(shared, clk, caching.Options{Logger: quiet}), clk, "dev", quiet)
			if r := svc.Check(context.Background()); r.Status != failing {
				t.Fatalf("during the hold: %s, want %s", r.Status, failing)
			}
			set(nil) // the wait ends; the store answers
			clk.Advance(999 * time.Millisecond)
			if r := svc.Check(context.Background()); r.Status != failing || probes.Load() != 1 {
				t.Fatalf("before the wait ends: %s after %d probes, want the held probe reused", r.Status, probes.Load())
			}
			clk.Advance(time.Millisecond)
			if r := svc.Check(context.Background()); r.Status != health.OK || probes.Load() != 2 {
				t.Fatalf("when the wait ends: %s after %d probes, want ok after a second probe", r.Status, probes.Load())
			}

			// A failure that reached the store stands for the TTL, held or not beside it.
			set(errors.New("connection reset"))
			clk.Advance(health.ProbeCacheTTL)
			if r := svc.Check(context.Background()); r.Status != failing {
				t.Fatalf("a failure that reached the store: %s", r.Status)
			}
			set(nil)
			clk.Advance(health.ProbeCacheTTL - time.Millisecond)
			if r := svc.Check(context.Background()); r.Status != failing || probes.Load() != 3 {
				t.Fatalf("within the TTL of a failure that reached the store: %s after %d probes", r.Status, probes.Load())
			}
		})
	}
}

// While one store is held for a 429 (1 s waits, renewed by other traffic) and health is checked every
// second, the held store is probed again as each wait ends, but the other store's probe, which did
// reach it, is reused for ProbeCacheTTL: at most 4 probes in a minute, not one per check.
func TestAStoreHeldForARetryAfterDoesNotShortenTheOtherStoresReuse(t *testing.T) {
	for _, heldStore := range []string{"database", "cache"} {
		t.Run(heldStore, func(t *testing.T) {
			var heldProbes, otherProbes atomic.Int32
			heldPing := pinger(func(context.Context) error {
				heldProbes.Add(1)
				return fmt.Errorf("%w: %w", domain.ErrUnavailable, heldErr(time.Second))
			})
			otherPing := pinger(func(context.Context) error { otherProbes.Add(1); return nil })
			db, shared := ports.Pinger(heldPing), ports.Cache(pingingCache{otherPing})
			if heldStore == "cache" {
				db, shared = otherPing, pingingCache{heldPing}
			}
			clk := &fakeClock{now: time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)}
			svc := health.NewService(db, caching.NewStore(shared, clk, caching.Options{Logger: quiet}), clk, "dev", quiet)
			for range 60 {
				svc.Check(context.Background())
				clk.Advance(time.Second)
			}
			if n := heldProbes.Load(); n != 60 {
				t.Errorf("the held %s was probed %d times in 60 checks a second apart, want 60 (once per wait)", heldStore, n)
			}
			if n, most := otherProbes.Load(), int32(time.Minute/health.ProbeCacheTTL); n > most {
				t.Errorf("the other store was probed %d times in a minute while the %s was held, want at most %d (once per ProbeCacheTTL)", n, heldStore, most)
			}
		})
	}
}

// pingingCache is a shared cache tier that answers Ping as ping does.
type pingingCache struct{ ping pinger }

func (c pingingCache) Ping(ctx context.Context) error { return c.ping(ctx) }
func (pingingCache) Get(context.Context, string) ([]byte, bool, error) {
	return nil, false, nil
}
func (pingingCache) Set(context.Context, string, []byte, time.Duration) error { return nil }
func (pingingCache) Delete(context.Context, ...string) error                  { return nil }
