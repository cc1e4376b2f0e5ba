package r1

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// segments counts the full-text index's segments (its %_idx table holds rows per segment).
func segments(t testing.TB, db *Database) int {
	t.Helper()
	return int(scalar(t, db, "SELECT count(DISTINCT segid) FROM torrents_fts_idx"))
}

// ingestCalls upserts calls batches of two torrents each, the torrents numbered from first: each
// upsert statement writes a segment of the full-text index.
func ingestCalls(t testing.TB, repo *TorrentRepository, first, calls int) {
	t.Helper()
	for c := range calls {
		i := first + 2*c
		if _, err := repo.Upsert(context.Background(), []domain.Torrent{
			newTorrent(t, i, func(tor *domain.Torrent) { tor.Name = fmt.Sprintf("Nebula %d Orion", i) }),
			newTorrent(t, i+1, func(tor *domain.Torrent) { tor.Name = fmt.Sprintf("Quasar %d Orion", i+1) }),
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// The local index does not merge in the writer's transactions; Settle merges it, and it still
// answers every search, in both modes.
func TestSettleMergesTheFullTextIndex(t *testing.T) {
	for _, m := range testModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			opts := m.opts
			opts.MergeAfterIdle = -1 // Settle only: nothing merges behind the test's back
			settleMerges(t, openMigrated(t, opts))
		})
	}
}

func settleMerges(t *testing.T, db *Database) {
	if n := scalar(t, db, "SELECT v FROM torrents_fts_config WHERE k = 'automerge'"); n != ftsAutomerge {
		t.Fatalf("automerge is %d, want %d", n, ftsAutomerge)
	}
	repo := NewTorrentRepository(db)
	ingestCalls(t, repo, 0, 12)
	before := segments(t, db)
	// With FTS5's automerge (4) these would have been merged as they were written.
	if before < 10 {
		t.Fatalf("%d segments after 12 upserts: the writes merged them", before)
	}
	if err := db.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after := segments(t, db); after >= 4 {
		t.Errorf("%d segments after Settle (%d before), want fewer than 4", after, before)
	}
	if _, err := db.engine.Batch(context.Background(), []Statement{{SQL: "INSERT INTO torrents_fts (torrents_fts, rank) VALUES ('integrity-check', 0)"}}); err != nil {
		t.Fatalf("the merged index fails its integrity check: %v", err)
	}
	for text, want := range map[string]int{"orion": 24, "nebula": 12, "quasar 23": 1, "neb": 12} {
		if n := searchCount(t, repo, text); n != want {
			t.Errorf("%q: %d hits, want %d", text, n, want)
		}
	}
}

// Once the writer is idle, upkeep merges by itself: nobody has to call Settle.
func TestUpkeepMergesWhenIdle(t *testing.T) {
	db := openMigrated(t, LocalOptions{})
	repo := NewTorrentRepository(db)
	ingestCalls(t, repo, 0, 12)
	// Polled, not timed: the merge comes MergeAfterIdle after the last write, later on a loaded machine.
	deadline := time.Now().Add(30 * time.Second)
	for segments(t, db) >= 4 {
		if time.Now().After(deadline) {
			t.Fatalf("%d segments 30 s after the last write", segments(t, db))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := searchCount(t, repo, "orion"); n != 24 {
		t.Errorf("orion: %d hits, want 24", n)
	}
}

// After a bulk load, the WAL's file is cut back to walSizeLimit once it starts over: a load's WAL,
// which the writer lets grow to walAutocheckpointPages while upkeep checkpoints beside it, does not
// stay on disk. Before journal_size_limit, the file kept its largest size for good.
func TestTheWALIsCutBackAfterALoad(t *testing.T) {
	limit := walSizeLimit
	walSizeLimit = 256 << 10 // read as the database opens
	t.Cleanup(func() { walSizeLimit = limit })
	path := filepath.Join(t.TempDir(), "catalog.db")
	db, err := OpenFile(context.Background(), path, LocalOptions{MergeAfterIdle: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	repo := NewTorrentRepository(db)
	batch := make([]domain.Torrent, 2000)
	for i := range batch {
		batch[i] = newTorrent(t, i)
	}
	upsert(t, repo, batch...)
	wal := func() int64 {
		info, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return info.Size()
	}
	if size := wal(); size <= 2*walSizeLimit {
		t.Fatalf("the load's WAL is %d bytes: too small to tell", size)
	}
	// Settle checkpoints everything; the next write starts the WAL over, and its commit cuts the
	// file back.
	if err := db.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
	upsert(t, repo, newTorrent(t, 5000))
	if size := wal(); size > walSizeLimit {
		t.Errorf("the WAL stays at %d bytes after the load, want at most %d", size, walSizeLimit)
	}
}
