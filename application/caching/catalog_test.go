package caching_test

import (
	"context"
	"errors"
	"testing"

	"go.uber.org/mock/gomock"

	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/tests/mocks"
)

// An ingest that fails still invalidates the lists (a D1 batch that failed may have committed some
// of its chunks), but while the store is down the lists answer what they held before it, and the
// store's answer once it is back; a takedown's invalidation is never answered from before it.
// During an upstream outage with ingests arriving, latest, categories and search pages answered
// 503 while details stayed cached (the soak's fault phases: 0 of 2 cached lists).
func TestAFailedIngestLeavesTheListsAnswering(t *testing.T) {
	ctrl := gomock.NewController(t)
	repo := mocks.NewMockTorrentRepository(ctrl)
	store := caching.NewStore(nil, newClock(), caching.Options{Logger: quiet})
	torrents := caching.Torrents(repo, store)
	ctx := context.Background()
	before := []domain.TorrentSummary{{ID: 1, Name: "before"}}
	after := []domain.TorrentSummary{{ID: 2, Name: "after"}, {ID: 1, Name: "before"}}
	down := errors.Join(errors.New("D1 does not answer"), domain.ErrUnavailable)

	repo.EXPECT().Latest(gomock.Any(), "", 10).Return(before, nil)
	if got, err := torrents.Latest(ctx, "", 10); err != nil || len(got) != 1 {
		t.Fatalf("first read: %v, %v", got, err)
	}
	repo.EXPECT().Upsert(gomock.Any(), gomock.Any()).Return(nil, down)
	if _, err := torrents.Upsert(ctx, []domain.Torrent{{Name: "after"}}); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("upsert: %v", err)
	}
	repo.EXPECT().Latest(gomock.Any(), "", 10).Return(nil, down)
	if got, err := torrents.Latest(ctx, "", 10); err != nil || len(got) != 1 || got[0].Name != "before" {
		t.Fatalf("with the store down after a failed ingest: %v, %v; want the list held before it", got, err)
	}
	repo.EXPECT().Latest(gomock.Any(), "", 10).Return(after, nil)
	if got, err := torrents.Latest(ctx, "", 10); err != nil || len(got) != 2 {
		t.Fatalf("with the store back: %v, %v; want its answer", got, err)
	}

	repo.EXPECT().TakeDown(gomock.Any(), gomock.Any()).Return([]domain.TakedownOutcome{{ID: 2, Removed: true}}, nil)
	if _, err := torrents.TakeDown(ctx, []domain.InfoHash{{}}); err != nil {
		t.Fatal(err)
	}
	repo.EXPECT().Latest(gomock.Any(), "", 10).Return(nil, down)
	if got, err := torrents.Latest(ctx, "", 10); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("after a takedown, with the store down: %v, %v; want its error, never the list from before", got, err)
	}
}

// An upsert that wrote nothing (every torrent unchanged, or blocked) leaves the cached lists and
// details as they are: a re-ingest or a second import of an unchanged catalog does not empty the
// cache. One that changed a torrent invalidates them.
func TestAnUnchangedUpsertKeepsTheCache(t *testing.T) {
	ctrl := gomock.NewController(t)
	repo := mocks.NewMockTorrentRepository(ctrl)
	store := caching.NewStore(nil, newClock(), caching.Options{Logger: quiet})
	torrents := caching.Torrents(repo, store)
	ctx := context.Background()
	list := []domain.TorrentSummary{{ID: 1, Name: "cached"}}

	repo.EXPECT().Latest(gomock.Any(), "", 10).Return(list, nil).Times(1)
	if _, err := torrents.Latest(ctx, "", 10); err != nil {
		t.Fatal(err)
	}
	repo.EXPECT().Upsert(gomock.Any(), gomock.Any()).Return([]domain.UpsertOutcome{{ID: 1, Unchanged: true}, {Blocked: true}}, nil)
	if _, err := torrents.Upsert(ctx, []domain.Torrent{{Name: "cached"}, {Name: "blocked"}}); err != nil {
		t.Fatal(err)
	}
	if got, err := torrents.Latest(ctx, "", 10); err != nil || len(got) != 1 { // from the cache: no second Latest
		t.Fatalf("after an unchanged upsert: %v, %v", got, err)
	}

	repo.EXPECT().Upsert(gomock.Any(), gomock.Any()).Return([]domain.UpsertOutcome{{ID: 1, Unchanged: true}, {ID: 2}}, nil)
	if _, err := torrents.Upsert(ctx, []domain.Torrent{{Name: "cached"}, {Name: "changed"}}); err != nil {
		t.Fatal(err)
	}
	repo.EXPECT().Latest(gomock.Any(), "", 10).Return(list, nil).Times(1)
	if _, err := torrents.Latest(ctx, "", 10); err != nil {
		t.Fatalf("after an upsert that changed a torrent: %v", err)
	}
}
