package activity_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/application/accounts"
	"github.com/torrent-streamer/streamer/application/activity"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// flakyRepo fails its first writes as a store that does not answer; with committed, the first of
// them is stored before the failure, as a write whose answer was lost.
type flakyRepo struct {
	ports.ActivityRepository
	mu        sync.Mutex
	failures  int
	committed bool
	calls     int
	written   chan struct{}
}

func (r *flakyRepo) Append(ctx context.Context, a []domain.Activity) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.failures > 0 {
		r.failures--
		if r.committed {
			r.committed = false
			if err := r.ActivityRepository.Append(ctx, a); err != nil {
				return err
			}
		}
		return domain.ErrUnavailable
	}
	if err := r.ActivityRepository.Append(ctx, a); err != nil {
		return err
	}
	select {
	case r.written <- struct{}{}:
	default:
	}
	return nil
}

func newAccountsWithUser(t *testing.T) (*memory.Accounts, domain.User) {
	t.Helper()
	acc := memory.NewAccounts(nil)
	u := domain.User{ID: strings.Repeat("a", 32), Email: "a@example.com", Name: "a", PasswordHash: "$x", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	s := domain.Session{ID: strings.Repeat("c", 64), UserID: u.ID, CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	if err := acc.Users().Create(context.Background(), u, s); err != nil {
		t.Fatal(err)
	}
	return acc, u
}

func listAll(t *testing.T, acc *memory.Accounts, u domain.User) []domain.Activity {
	t.Helper()
	page, err := activity.NewLister(acc.Activities()).List(context.Background(), accounts.Principal{User: u}, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	return page.Items
}

// A failed flush is tried again with backoff, and a write whose answer was lost after it committed
// stores nothing twice. Before, the failed flush dropped its activities (counted as failed), and a
// re-send would have stored them twice.
func TestAFailedFlushIsRetriedAndStoredOnce(t *testing.T) {
	acc, u := newAccountsWithUser(t)
	repo := &flakyRepo{ActivityRepository: acc.Activities(), failures: 3, committed: true, written: make(chan struct{}, 1)}
	rec := activity.NewRecorder(repo, ports.SystemClock{}, quiet, activity.Options{FlushEvery: time.Millisecond})
	ctx, stop := context.WithCancel(context.Background())
	go rec.Run(ctx)
	for _, q := range []string{"one", "two", "three"} {
		rec.RecordSearch(signedIn(u.ID), q)
	}
	<-repo.written // the retries went through: no sleep, the write signals
	stop()
	<-rec.Done()
	items := listAll(t, acc, u)
	if len(items) != 3 {
		t.Fatalf("%d activities stored, want 3 (once each): %+v", len(items), items)
	}
	st := rec.Stats()
	if st.Failed != 0 || st.Retries < 3 || st.Recorded != st.Written+st.Failed+uint64(st.Queued) {
		t.Fatalf("stats %+v: want nothing failed, 3 retries, and recorded = written + failed + queued", st)
	}
}

// refusingRepo refuses any write holding an activity whose query is "bad", as a store refuses a
// row its table cannot hold.
type refusingRepo struct{ ports.ActivityRepository }

func (r refusingRepo) Append(ctx context.Context, a []domain.Activity) error {
	for _, act := range a {
		if act.Query == "bad" {
			return domain.Invalid("query", "refused")
		}
	}
	return r.ActivityRepository.Append(ctx, a)
}

// A bad row is isolated: it alone is lost and counted, its batch is written. Before, the whole
// batch failed with it.
func TestABadRowIsIsolatedFromItsBatch(t *testing.T) {
	acc, u := newAccountsWithUser(t)
	rec := activity.NewRecorder(refusingRepo{acc.Activities()}, ports.SystemClock{}, quiet, activity.Options{FlushEvery: time.Hour, BatchSize: 64})
	queries := []string{"a", "b", "bad", "c", "d", "e", "f", "bad", "g"}
	for _, q := range queries {
		rec.RecordSearch(signedIn(u.ID), q)
	}
	ctx, stop := context.WithCancel(context.Background())
	go rec.Run(ctx)
	stop()
	<-rec.Done()
	if items := listAll(t, acc, u); len(items) != 7 {
		t.Fatalf("%d activities stored, want the 7 good ones", len(items))
	}
	if st := rec.Stats(); st.Written != 7 || st.Failed != 2 || st.Queued != 0 {
		t.Fatalf("stats %+v, want 7 written, 2 failed", st)
	}
}

// At shutdown with the store down, what cannot be written is counted as failed, and the counters
// add up.
func TestActivitiesUnwrittenAtShutdownAreCounted(t *testing.T) {
	acc, u := newAccountsWithUser(t)
	repo := &flakyRepo{ActivityRepository: acc.Activities(), failures: 1000}
	rec := activity.NewRecorder(repo, ports.SystemClock{}, quiet, activity.Options{FlushEvery: time.Hour, WriteLimit: 200 * time.Millisecond})
	for range 5 {
		rec.RecordView(signedIn(u.ID), domain.TorrentSummary{ID: 1})
	}
	ctx, stop := context.WithCancel(context.Background())
	go rec.Run(ctx)
	stop()
	<-rec.Done()
	if st := rec.Stats(); st.Failed != 5 || st.Queued != 0 || st.Written != 0 {
		t.Fatalf("stats %+v, want all 5 failed", st)
	}
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// Activities older than the retention period are deleted by the sweep; newer ones stay. Before,
// the table grew forever.
func TestRetentionDeletesWhatIsOlderThanItsPeriod(t *testing.T) {
	acc, u := newAccountsWithUser(t)
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	old := domain.Activity{UserID: u.ID, Type: domain.ActivitySearch, Query: "old", CreatedAt: now.Add(-181 * 24 * time.Hour), Key: "k-old"}
	recent := domain.Activity{UserID: u.ID, Type: domain.ActivitySearch, Query: "recent", CreatedAt: now.Add(-179 * 24 * time.Hour), Key: "k-recent"}
	if err := acc.Activities().Append(context.Background(), []domain.Activity{old, recent}); err != nil {
		t.Fatal(err)
	}
	r := activity.NewRetention(acc.Activities(), fixedClock{now}, quiet, 0)
	if n, err := r.Sweep(context.Background()); err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want 1", n, err)
	}
	if items := listAll(t, acc, u); len(items) != 1 || items[0].Query != "recent" {
		t.Fatalf("left %+v", items)
	}
}
