package catalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// What an anonymous client may cost. Two bounds, applied where the cost is: on the store, below
// the cache, so a read the cache answers costs nothing and is never counted.
//
//   - A miss guard, put in the request's context by the REST adapter for anonymous catalog reads:
//     each read that reaches the store asks it first (a rate limit per client address). A signed-in
//     request carries none.
//   - A search budget: every search the store runs has a deadline (DefaultSearchBudget) on the
//     store's time, on both engines (the local engine interrupts SQLite when its context ends; D1's
//     request is given up), and one over it is domain.ErrOverBudget, a clear answer instead of a
//     30 s hang. Time a request spends waiting its turn at the store is not counted (see budget).

// DefaultSearchBudget bounds the time one search may take in the store.
const DefaultSearchBudget = 5 * time.Second

type missGuardKey struct{}

// WithMissGuard returns ctx carrying guard, which every store read of the catalog made for this
// request calls first; an error from it (a rate limit) is the read's answer.
func WithMissGuard(ctx context.Context, guard func() error) context.Context {
	return context.WithValue(ctx, missGuardKey{}, guard)
}

func admitMiss(ctx context.Context) error {
	if guard, ok := ctx.Value(missGuardKey{}).(func() error); ok && guard != nil {
		return guard()
	}
	return nil
}

// Bounded decorates the catalog's store with both bounds: the miss guard on every read, and the
// search budget (DefaultSearchBudget when 0). Writes pass as they are.
func Bounded(repo ports.TorrentRepository, searchBudget time.Duration) ports.TorrentRepository {
	if searchBudget <= 0 {
		searchBudget = DefaultSearchBudget
	}
	return &bounded{TorrentRepository: repo, budget: searchBudget}
}

type bounded struct {
	ports.TorrentRepository
	budget time.Duration
}

func (b *bounded) Search(ctx context.Context, c domain.SearchCriteria) (domain.SearchPage, error) {
	if err := admitMiss(ctx); err != nil {
		return domain.SearchPage{}, err
	}
	budgeted, stop := withBudget(ctx, b.budget)
	defer stop()
	page, err := b.TorrentRepository.Search(budgeted, c)
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(budgeted), errSearchBudget) {
		return domain.SearchPage{}, fmt.Errorf("search over its %v budget: %w", b.budget, domain.ErrOverBudget)
	}
	return page, err
}

var errSearchBudget = errors.New("the search budget is spent")

// budget is a deadline on the time the store spends on a search. Its clock stops while a request
// of the search waits its turn at the store (ports.WaitingForTurn: on D1, the bound on the
// requests in flight; on the local file, its readers), which costs the store nothing: without
// that, a busy store refused cheap searches as "over their budget, narrow the search" (the
// emulator soak: 5 s spent queued). It runs at a share of its pace while a request shares the
// cores with more requests than there are (ports.SharingCores: the local file's readers, 4 per
// core): a query that got a quarter of a core for 8 s cost what 2 s alone would, and the local soak
// refused searches for their 5 s budget when 64 clients kept every reader busy and their wall time
// measured how busy the cores were. Under a true overload the turns queue, and the cache's bound on
// waiting for a fill answers 503 with Retry-After.
type budget struct {
	mu    sync.Mutex
	timer *time.Timer
	armed bool          // the timer runs (it is stopped while the clock is)
	left  time.Duration // the store's time left, at a full core
	since time.Time     // when the clock last changed pace
	// paces are the reports in force: 0 for a request waiting its turn, its share of a core for one
	// sharing the cores. The clock runs at the slowest, at full pace with none.
	paces []float64
	spent bool
}

// withBudget returns ctx ended with the cause errSearchBudget once d of the store's time is spent,
// and the func that releases it.
func withBudget(ctx context.Context, d time.Duration) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	b := &budget{left: d, since: time.Now(), armed: true}
	b.timer = time.AfterFunc(d, func() { cancel(errSearchBudget) })
	ctx = ports.WithTurnWaits(ctx, func() func() { return b.report(0) })
	ctx = ports.WithCoreShares(ctx, b.report)
	return ctx, func() { b.timer.Stop(); cancel(context.Canceled) }
}

// report runs the clock at pace (or slower, with other reports in force) until the returned func is
// called.
func (b *budget) report(pace float64) func() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.charge()
	b.paces = append(b.paces, pace)
	b.arm()
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.charge()
			if i := slices.Index(b.paces, pace); i >= 0 {
				b.paces = slices.Delete(b.paces, i, i+1)
			}
			b.arm()
		})
	}
}

func (b *budget) pace() float64 {
	p := 1.0
	for _, x := range b.paces {
		p = min(p, x)
	}
	return p
}

// charge takes the time since the last change of pace off what is left, and stops the timer.
func (b *budget) charge() {
	now := time.Now()
	if b.armed {
		b.armed = false
		if !b.timer.Stop() {
			b.spent = true // it ended just now
		}
		b.left -= time.Duration(float64(now.Sub(b.since)) * b.pace())
	}
	b.since = now
}

// arm starts the timer for what is left at the present pace, unless the clock is stopped.
func (b *budget) arm() {
	if b.spent {
		return
	}
	p := b.pace()
	if p <= 0 {
		return
	}
	b.armed = true
	b.timer.Reset(time.Duration(float64(max(b.left, 0)) / p))
}

func (b *bounded) Latest(ctx context.Context, categorySlug string, limit int) ([]domain.TorrentSummary, error) {
	if err := admitMiss(ctx); err != nil {
		return nil, err
	}
	return b.TorrentRepository.Latest(ctx, categorySlug, limit)
}

func (b *bounded) Get(ctx context.Context, ref domain.TorrentRef) (domain.Torrent, error) {
	if err := admitMiss(ctx); err != nil {
		return domain.Torrent{}, err
	}
	return b.TorrentRepository.Get(ctx, ref)
}
