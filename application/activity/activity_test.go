package activity_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
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

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// blockingRepo holds every Append until released, like a store that hangs.
type blockingRepo struct {
	ports.ActivityRepository
	release chan struct{}
	mu      sync.Mutex
	batches [][]domain.Activity
}

func (r *blockingRepo) Append(ctx context.Context, a []domain.Activity) error {
	select {
	case <-r.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	r.mu.Lock()
	r.batches = append(r.batches, append([]domain.Activity(nil), a...))
	r.mu.Unlock()
	return nil
}

func signedIn(id string) context.Context {
	return accounts.WithPrincipal(context.Background(), accounts.Principal{User: domain.User{ID: id}})
}

func TestRecordNeverBlocksAndAFullBufferDropsAndSaysSo(t *testing.T) {
	repo := &blockingRepo{release: make(chan struct{})}
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	rec := activity.NewRecorder(repo, ports.SystemClock{}, log, activity.Options{Buffer: 4, BatchSize: 2, FlushEvery: time.Hour})
	ctx, stop := context.WithCancel(context.Background())
	go rec.Run(ctx)
	start := time.Now()
	for range 50 {
		rec.RecordSearch(signedIn("u1"), "q")
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("recording took %v with a hung store", elapsed)
	}
	st := rec.Stats()
	if st.Dropped == 0 || st.Recorded+st.Dropped != 50 {
		t.Fatalf("stats %+v", st)
	}
	if !strings.Contains(logs.String(), "activity buffer full") {
		t.Fatalf("no log line about the full buffer:\n%s", logs.String())
	}
	close(repo.release)
	stop()
	<-rec.Done()
	written := 0
	for _, b := range repo.batches {
		if len(b) > 2 {
			t.Fatalf("batch of %d > BatchSize", len(b))
		}
		written += len(b)
	}
	if uint64(written) != st.Recorded {
		t.Fatalf("wrote %d of %d recorded", written, st.Recorded)
	}
}

func TestAnonymousCallersAreNotRecordedAndShutdownFlushes(t *testing.T) {
	acc := memory.NewAccounts(nil)
	ctx := context.Background()
	user := domain.User{ID: "0123456789abcdef0123456789abcdef", Email: "a@example.com", Name: "A", PasswordHash: "$x", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	session := domain.Session{ID: strings.Repeat("a", 64), UserID: user.ID, CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	if err := acc.Users().Create(ctx, user, session); err != nil {
		t.Fatal(err)
	}
	rec := activity.NewRecorder(acc.Activities(), ports.SystemClock{}, quiet, activity.Options{FlushEvery: time.Hour})
	runCtx, stop := context.WithCancel(ctx)
	go rec.Run(runCtx)
	rec.RecordSearch(ctx, "anonymous")
	rec.RecordView(ctx, domain.TorrentSummary{ID: 1})
	rec.RecordSearch(signedIn(user.ID), "sintel")
	h, _ := domain.ParseInfoHash("08ada5a7a6183aae1e09d831df6748d566095a10")
	rec.RecordView(signedIn(user.ID), domain.TorrentSummary{ID: 7, InfoHash: h})
	stop() // FlushEvery is an hour: only the shutdown flush can write them
	<-rec.Done()

	page, err := activity.NewLister(acc.Activities()).List(ctx, accounts.Principal{User: user}, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 || page.Items[0].Type != domain.ActivityView || page.Items[0].TorrentID != 7 ||
		page.Items[1].Query != "sintel" || page.NextCursor != "" {
		t.Fatalf("activity %+v", page)
	}
}

func TestListPagesByCursor(t *testing.T) {
	acc := memory.NewAccounts(nil)
	ctx := context.Background()
	user := domain.User{ID: "0123456789abcdef0123456789abcdef", Email: "a@example.com", Name: "A", PasswordHash: "$x", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	_ = acc.Users().Create(ctx, user, domain.Session{ID: strings.Repeat("b", 64), UserID: user.ID, CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)})
	var batch []domain.Activity
	for range 7 {
		batch = append(batch, domain.Activity{UserID: user.ID, Type: domain.ActivitySearch, Query: "q", CreatedAt: time.Now()})
	}
	if err := acc.Activities().Append(ctx, batch); err != nil {
		t.Fatal(err)
	}
	lister := activity.NewLister(acc.Activities())
	p := accounts.Principal{User: user}
	seen, cursor, pages := map[int64]bool{}, "", 0
	for {
		page, err := lister.List(ctx, p, 3, cursor)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, a := range page.Items {
			if seen[a.ID] {
				t.Fatalf("activity %d twice", a.ID)
			}
			seen[a.ID] = true
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(seen) != 7 || pages != 3 {
		t.Fatalf("%d activities in %d pages", len(seen), pages)
	}
	for _, bad := range []string{"!!", "-5"} {
		if _, err := lister.List(ctx, p, 3, bad); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("cursor %q: %v", bad, err)
		}
	}
	if _, err := lister.List(ctx, p, 101, ""); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("limit 101: %v", err)
	}
}

// A user who deletes their account while activities of theirs are queued loses those, and only
// those: the other users' activities of the same batch are written. (Regression: the store refuses
// a batch naming an unknown user whole, so one deletion lost everybody's batch.)
func TestADeletedUsersQueuedActivitiesDoNotTakeOthersWithThem(t *testing.T) {
	acc := memory.NewAccounts(nil)
	ctx := context.Background()
	var users []domain.User
	for i, key := range []string{"a", "b"} {
		u := domain.User{ID: strings.Repeat(key, 32), Email: key + "@example.com", Name: key, PasswordHash: "$x", CreatedAt: time.Now(), UpdatedAt: time.Now()}
		s := domain.Session{ID: strings.Repeat(string(rune('c'+i)), 64), UserID: u.ID, CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
		if err := acc.Users().Create(ctx, u, s); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	rec := activity.NewRecorder(acc.Activities(), ports.SystemClock{}, quiet, activity.Options{FlushEvery: time.Hour})
	rec.RecordSearch(signedIn(users[0].ID), "first")
	rec.RecordSearch(signedIn(users[1].ID), "second")
	rec.RecordSearch(signedIn(users[0].ID), "third")
	if _, err := acc.Users().Delete(ctx, users[0].ID); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	go rec.Run(runCtx)
	stop()
	<-rec.Done()
	page, err := activity.NewLister(acc.Activities()).List(ctx, accounts.Principal{User: users[1]}, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].Query != "second" {
		t.Fatalf("the other user's activities: %+v", page.Items)
	}
	if st := rec.Stats(); st.Written != 1 || st.Failed != 2 {
		t.Fatalf("stats %+v, want 1 written and 2 failed", st)
	}
}
