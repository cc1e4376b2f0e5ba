package catalog

import (
	"context"
	"errors"
	"fmt"
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

// budget is a deadline on the time the store spends on a search: its clock stops while a request
// of the search waits its turn at the store (ports.WaitingForTurn: on D1, the bound on the
// requests in flight), which costs the store nothing. Without that, a busy store refused cheap
// searches as "over their budget, narrow the search" (the emulator soak: 5 s spent queued).
type budget struct {
	mu      sync.Mutex
	timer   *time.Timer
	left    time.Duration
	since   time.Time // when the clock last started
	waiting int       // requests waiting their turn now
	spent   bool
}

// withBudget returns ctx ended with the cause errSearchBudget once d of the store's time is spent,
// and the func that releases it.
func withBudget(ctx context.Context, d time.Duration) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	b := &budget{left: d, since: time.Now()}
	b.timer = time.AfterFunc(d, func() { cancel(errSearchBudget) })
	return ports.WithTurnWaits(ctx, b.pause), func() { b.timer.Stop(); cancel(context.Canceled) }
}

// pause stops the clock until the returned func is called (by every request waiting at once).
func (b *budget) pause() func() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.waiting++
	if b.waiting == 1 && !b.spent {
		if b.timer.Stop() {
			b.left -= time.Since(b.since)
		} else {
			b.spent = true // it ended just now
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.waiting--
			if b.waiting == 0 && !b.spent {
				b.since = time.Now()
				b.timer.Reset(max(b.left, 0))
			}
		})
	}
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
