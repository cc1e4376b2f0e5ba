package ingest_test

import (
	"context"
	"testing"

	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// refusingStore refuses, by their index in the call, the torrents named "too big for the store", as
// R1 refuses one whose row would not fit.
type refusingStore struct {
	ports.TorrentRepository
	calls int
}

func (s *refusingStore) Upsert(ctx context.Context, torrents []domain.Torrent) ([]domain.UpsertOutcome, error) {
	s.calls++
	refused := map[int]domain.FieldProblem{}
	for i, t := range torrents {
		if t.Name == "too big for the store" {
			refused[i] = domain.FieldProblem{Field: "files", Message: "over the store's row"}
		}
	}
	if len(refused) > 0 {
		return nil, &domain.RejectedItems{Problems: refused}
	}
	return s.TorrentRepository.Upsert(ctx, torrents)
}

// An item the domain accepts and the store cannot hold fails alone, reported under its index in
// the request; the others are stored. Before, the whole call failed with a validation error whose
// index counted only the valid items.
func TestAnItemTheStoreRefusesFailsAloneUnderItsRequestIndex(t *testing.T) {
	cat := memory.NewCatalog(fixedClock{now})
	store := &refusingStore{TorrentRepository: cat.Torrents()}
	svc := ingest.NewService(store, nil, caching.NewStore(nil, fixedClock{now}, caching.Options{Logger: quiet}), fixedClock{now}, quiet)
	report, err := svc.Ingest(context.Background(), []ingest.Item{
		{InfoHash: "not a hash", Name: "invalid"}, // fails in the domain: the valid items start at 1
		{InfoHash: bbb, Name: "Big Buck Bunny"},
		{InfoHash: sintel, Name: "too big for the store"},
		{InfoHash: "0000000000000000000000000000000000000003", Name: "Third", Files: []domain.File{{Path: "../../etc/passwd", Size: 1}}},
		{InfoHash: "0000000000000000000000000000000000000004", Name: "Fourth"},
	})
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	want := []ingest.Status{ingest.Failed, ingest.Created, ingest.Failed, ingest.Failed, ingest.Created}
	for i, r := range report.Results {
		if r.Index != i || r.Status != want[i] {
			t.Errorf("result %d: %+v; want index %d, %s", i, r, i, want[i])
		}
	}
	if p := report.Results[2].Problem; p == nil || p.Field != "files" || report.Results[2].InfoHash != sintel {
		t.Errorf("the refused item: %+v", report.Results[2])
	}
	if p := report.Results[3].Problem; p == nil || p.Field != "files[0].path" {
		t.Errorf("a path climbing out of the torrent: %+v", report.Results[3])
	}
	if report.Created != 2 || report.Failed != 3 || store.calls != 2 {
		t.Errorf("report %+v after %d store calls", report, store.calls)
	}
}
