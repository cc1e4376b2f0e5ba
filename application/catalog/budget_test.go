package catalog_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/application/catalog"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// countingStore counts the reads that reach it; Search waits for its context when slow.
type countingStore struct {
	ports.TorrentRepository
	reads int
	slow  bool
}

func (s *countingStore) Search(ctx context.Context, c domain.SearchCriteria) (domain.SearchPage, error) {
	s.reads++
	if s.slow {
		<-ctx.Done()
		return domain.SearchPage{}, ctx.Err()
	}
	return domain.SearchPage{}, nil
}

func (s *countingStore) Latest(ctx context.Context, slug string, limit int) ([]domain.TorrentSummary, error) {
	s.reads++
	return nil, nil
}

func (s *countingStore) Get(ctx context.Context, ref domain.TorrentRef) (domain.Torrent, error) {
	s.reads++
	return domain.Torrent{}, nil
}

// Every store read asks the guard in its context first, and a refusal never reaches the store; a
// context without a guard (a signed-in request, a background refresh) is not limited.
func TestBoundedAsksTheMissGuardBeforeEveryStoreRead(t *testing.T) {
	store := &countingStore{}
	repo := catalog.Bounded(store, 0)
	refuse := errors.New("over the miss limit")
	guarded := catalog.WithMissGuard(context.Background(), func() error { return refuse })
	if _, err := repo.Search(guarded, domain.SearchCriteria{}); !errors.Is(err, refuse) {
		t.Fatalf("Search: %v", err)
	}
	if _, err := repo.Latest(guarded, "", 10); !errors.Is(err, refuse) {
		t.Fatalf("Latest: %v", err)
	}
	if _, err := repo.Get(guarded, domain.TorrentRef{ID: 1}); !errors.Is(err, refuse) {
		t.Fatalf("Get: %v", err)
	}
	if store.reads != 0 {
		t.Fatalf("%d refused reads reached the store", store.reads)
	}
	if _, err := repo.Search(context.Background(), domain.SearchCriteria{}); err != nil || store.reads != 1 {
		t.Fatalf("an unguarded read: %v, %d reads", err, store.reads)
	}
}

// A search over its budget is domain.ErrOverBudget; a caller that gave up is its own error.
func TestBoundedSearchesHaveABudget(t *testing.T) {
	repo := catalog.Bounded(&countingStore{slow: true}, 20*time.Millisecond)
	if _, err := repo.Search(context.Background(), domain.SearchCriteria{}); !errors.Is(err, domain.ErrOverBudget) {
		t.Fatalf("a search over its budget: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := repo.Search(ctx, domain.SearchCriteria{}); errors.Is(err, domain.ErrOverBudget) || !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled caller: %v", err)
	}
}

// endless is the work of a search that only its budget can end: with work a little past the
// budget, a starved process delivered the work's timer before the budget's cancellation (4 runs in
// 100 beside busy loops), and the search ended "within" its budget.
const endless = time.Hour

// queuedStore waits its turn (ports.WaitingForTurn) for queued, then works for work.
type queuedStore struct {
	ports.TorrentRepository
	queued, work time.Duration
}

func (s *queuedStore) Search(ctx context.Context, c domain.SearchCriteria) (domain.SearchPage, error) {
	done := ports.WaitingForTurn(ctx)
	time.Sleep(s.queued)
	done()
	select {
	case <-time.After(s.work):
		return domain.SearchPage{}, nil
	case <-ctx.Done():
		return domain.SearchPage{}, ctx.Err()
	}
}

// The budget counts the store's time, not the time a search's requests wait their turn at it: a
// busy store (D1 runs one query at a time) made cheap searches "over their budget, narrow the
// search" (the emulator soak: searches queued past 5 s). Work past the budget is still refused.
func TestTheSearchBudgetLeavesOutWaitsForATurn(t *testing.T) {
	const budget = 250 * time.Millisecond
	if _, err := catalog.Bounded(&queuedStore{queued: 4 * budget, work: budget / 5}, budget).Search(context.Background(), domain.SearchCriteria{}); err != nil {
		t.Fatalf("a cheap search that waited its turn past the budget: %v", err)
	}
	if _, err := catalog.Bounded(&queuedStore{queued: budget / 5, work: endless}, budget).Search(context.Background(), domain.SearchCriteria{}); !errors.Is(err, domain.ErrOverBudget) {
		t.Fatalf("a search that worked past its budget: %v", err)
	}
}

// sharingStore works for work while it tells its caller it runs on share of a core
// (ports.SharingCores).
type sharingStore struct {
	ports.TorrentRepository
	share float64
	work  time.Duration
}

func (s *sharingStore) Search(ctx context.Context, c domain.SearchCriteria) (domain.SearchPage, error) {
	defer ports.SharingCores(ctx, s.share)()
	select {
	case <-time.After(s.work):
		return domain.SearchPage{}, nil
	case <-ctx.Done():
		return domain.SearchPage{}, ctx.Err()
	}
}

// The budget charges a query that shares the cores with more queries than there are at its share
// of a core: the 10-minute local soak refused searches for their 5 s budget while 64 clients kept
// the 8 readers of 2 cores busy, a wall time that measured how busy the cores were rather than what
// the search cost. Work past the budget at that share is still refused.
func TestTheSearchBudgetChargesAShareOfTheCores(t *testing.T) {
	const budget = 250 * time.Millisecond
	if _, err := catalog.Bounded(&sharingStore{share: 0.25, work: 2 * budget}, budget).Search(context.Background(), domain.SearchCriteria{}); err != nil {
		t.Fatalf("a search that ran twice its budget on a quarter of a core: %v", err)
	}
	if _, err := catalog.Bounded(&sharingStore{share: 0.25, work: endless}, budget).Search(context.Background(), domain.SearchCriteria{}); !errors.Is(err, domain.ErrOverBudget) {
		t.Fatalf("a search that ran on past its budget's worth of a quarter of a core: %v", err)
	}
	if _, err := catalog.Bounded(&sharingStore{share: 1, work: endless}, budget).Search(context.Background(), domain.SearchCriteria{}); !errors.Is(err, domain.ErrOverBudget) {
		t.Fatalf("a search that ran on past its budget on a whole core: %v", err)
	}
}
