package migration_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/bootstrap"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// An import goes through ingest, so it honours the takedown blocklist: a blocked info hash is
// skipped and reported with the reason, the rest is imported, and after an unblock the same import
// brings it in.
func TestImportHonoursTheTakedownBlocklist(t *testing.T) {
	cfg := config(t)
	const blocked, allowed = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	// uploadedAt is given: an item without it is stamped with the time it arrives, so a run a
	// second later would update it rather than find it unchanged.
	file := filepath.Join(t.TempDir(), "catalog.ndjson")
	lines := `{"infoHash":"` + blocked + `","name":"Taken Down","size":10,"category":"movies"}` + "\n" +
		`{"infoHash":"` + allowed + `","name":"Still Welcome","size":20,"category":"movies","uploadedAt":"2024-01-01T00:00:00Z"}` + "\n"
	if err := os.WriteFile(file, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	h, _ := domain.ParseInfoHash(blocked)
	withTorrents(t, cfg, func(repo *r1.TorrentRepository) {
		if _, err := repo.TakeDown(context.Background(), []domain.InfoHash{h}); err != nil {
			t.Fatal(err)
		}
	})

	got := kind(t, importFrom(t, cfg, file, bootstrap.ImportOptions{}), ports.ImportTorrents)
	if got.Created != 1 || got.Skipped != 1 || len(got.Reasons) != 1 || !strings.Contains(got.Reasons[0].Reason, "blocked") {
		t.Fatalf("import of a blocked hash: %+v", got)
	}
	if n := column(t, cfg, "SELECT count(*) FROM torrents WHERE info_hash = '"+blocked+"'"); n != "0" {
		t.Fatalf("the blocked torrent was imported (%s rows)", n)
	}

	withTorrents(t, cfg, func(repo *r1.TorrentRepository) {
		if was, err := repo.Unblock(context.Background(), h); err != nil || !was {
			t.Fatalf("unblock: %v %v", was, err)
		}
	})
	// A fresh file name, so the run starts over rather than resuming after the first.
	again := filepath.Join(t.TempDir(), "catalog-again.ndjson")
	if err := os.WriteFile(again, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	got = kind(t, importFrom(t, cfg, again, bootstrap.ImportOptions{}), ports.ImportTorrents)
	if got.Created != 1 || got.Unchanged != 1 || got.Skipped != 0 {
		t.Fatalf("import after the unblock: %+v", got)
	}
}

// withTorrents opens the configured local database, migrated, for one step of a test.
func withTorrents(t *testing.T, cfg bootstrap.Config, step func(*r1.TorrentRepository)) {
	t.Helper()
	ctx := context.Background()
	db, err := r1.OpenFile(ctx, cfg.DatabasePath(), r1.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	step(r1.NewTorrentRepository(db))
}
