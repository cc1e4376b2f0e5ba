package r1

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

// sideOf is the scratch full-text index of the bulk load db's process began (bulkfts.go).
func sideOf(t *testing.T, db *Database) *bulkFTS {
	t.Helper()
	e := db.engine.(*localEngine)
	e.bulkMu.Lock()
	defer e.bulkMu.Unlock()
	if e.bulkFTS == nil {
		t.Fatal("the bulk load has no scratch index")
	}
	return e.bulkFTS
}

// The scratch index changes nothing a bulk load leaves, whenever it reads the rows: each way below
// leaves what an incremental load of the same torrents leaves, token for token (sameCatalog).
// The scenario renames, leaves unchanged, moves and takes down rows the scratch index had read
// (their entries must go with the text it read), and rows it had not read yet (it must leave
// them out); it stores a hash twice in one batch; and the finish finds rows stored after the
// scratch index last read.
func TestABulkLoadsScratchIndexLeavesWhatIncrementalLoadLeaves(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	incremental := openMigrated(t, LocalOptions{})
	bulkScenario(t, incremental, false, 4)
	stepAfter := func(t *testing.T, db *Database, steps ...int) func(int) {
		return func(step int) {
			for _, s := range steps {
				if s == step {
					if _, err := sideOf(t, db).step(ctx, 1); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, db *Database)
	}{
		{"read after each step", func(t *testing.T, db *Database) {
			began(t, db)
			halted(t, sideOf(t, db)) // stepped by the test only
			bulkScenario(t, db, false, 4, stepAfter(t, db, 1, 2, 3, 4))
			finish(t, db)
		}},
		{"read after the first two steps, the rest at the finish", func(t *testing.T, db *Database) {
			began(t, db)
			halted(t, sideOf(t, db))
			bulkScenario(t, db, false, 4, stepAfter(t, db, 1, 2))
			finish(t, db)
		}},
		{"rows stored after its last read, indexed by the finish's transaction", func(t *testing.T, db *Database) {
			began(t, db)
			side := sideOf(t, db)
			halted(t, side)
			bulkScenario(t, db, false, 4, stepAfter(t, db, 1, 3))
			e := db.engine.(*localEngine)
			e.takeBulkFTS()
			defer side.close()
			triggers, err := readDeferred(ctx, e.writer, "SELECT type, name, sql FROM bulk_load_deferred WHERE type = 'trigger' ORDER BY type, name")
			if err != nil {
				t.Fatal(err)
			}
			if after := scalar(t, db, "SELECT count(*) FROM torrents WHERE id > ?", side.upTo); after != 100 {
				t.Fatalf("%d rows stored after the scratch index's last read; want the last batch's 100", after)
			}
			var said []string
			used, err := side.finish(ctx, triggers, func(what string) { said = append(said, what) })
			if err != nil || !used {
				t.Fatalf("finish from the scratch index: %v, %v", used, err)
			}
			if !strings.Contains(strings.Join(said, "\n"), "copying the") {
				t.Errorf("the finish said %q; want the entries copied", said)
			}
			finish(t, db)
		}},
		{"many segments, never merged during the load, merged into one at the finish", func(t *testing.T, db *Database) {
			began(t, db)
			side := sideOf(t, db)
			halted(t, side)
			// Pending entries of a few rows' worth: each step writes many segments.
			if _, err := side.conn.ExecContext(ctx, "INSERT INTO bulk_fts.torrents_fts (torrents_fts, rank) VALUES ('hashsize', 2048)"); err != nil {
				t.Fatal(err)
			}
			bulkScenario(t, db, false, 4, stepAfter(t, db, 1, 2, 3, 4))
			// More than FTS5's default crisismerge (16) at one level: the load merged none.
			if n := scratchSegments(t, side); n <= 16 {
				t.Fatalf("the scratch index holds %d segments after the load; want many, unmerged", n)
			}
			e := db.engine.(*localEngine)
			e.takeBulkFTS()
			defer side.close()
			if err := side.mergeWhile(ctx, make(chan struct{})); err != nil {
				t.Fatal(err)
			}
			if n := scratchSegments(t, side); n != 1 {
				t.Errorf("the scratch index holds %d segments after its merge; want 1", n)
			}
			triggers, err := readDeferred(ctx, e.writer, "SELECT type, name, sql FROM bulk_load_deferred WHERE type = 'trigger' ORDER BY type, name")
			if err != nil {
				t.Fatal(err)
			}
			if used, err := side.finish(ctx, triggers, func(string) {}); err != nil || !used {
				t.Fatalf("finish from the scratch index: %v, %v", used, err)
			}
			finish(t, db)
			// The merged one, and the finish's own: the changed rows' 'delete's, then their text now
			// (a rowid lower than the last flushes FTS5's pending entries).
			if n := scalar(t, db, "SELECT count(DISTINCT segid) FROM torrents_fts_idx"); n > 3 {
				t.Errorf("the catalog's index holds %d segments; want the merged one and the finish's two", n)
			}
		}},
		{"reading on its own as rows arrive", func(t *testing.T, db *Database) {
			began(t, db)
			sideOf(t, db).minRows.Store(1)
			bulkScenario(t, db, false, 4)
			finish(t, db)
		}},
		{"one that failed: indexed from the rows at the finish", func(t *testing.T, db *Database) {
			began(t, db)
			side := sideOf(t, db)
			halted(t, side)
			bulkScenario(t, db, false, 4, stepAfter(t, db, 1, 2))
			// Its next step fails (its table of rows left out is gone).
			if _, err := side.conn.ExecContext(ctx, "DROP TABLE bulk_fts.skipped"); err != nil {
				t.Fatal(err)
			}
			var said []string
			if err := NewBulkLoader(db).FinishBulkLoad(ctx, func(what string) { said = append(said, what) }); err != nil {
				t.Fatal(err)
			}
			if told := strings.Join(said, "\n"); !strings.Contains(told, "not using the full-text entries built during the load") || !strings.Contains(told, "no such table: bulk_fts.skipped") {
				t.Errorf("the finish said %q; want it not to use the scratch index", said)
			}
		}},
		{"none: indexed from the rows at the finish", func(t *testing.T, db *Database) {
			began(t, db)
			side := db.engine.(*localEngine).takeBulkFTS()
			_ = side.halt(false)
			side.close()
			bulkScenario(t, db, false, 4)
			finish(t, db)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := openMigrated(t, LocalOptions{})
			tc.run(t, db)
			sameCatalog(t, db, incremental)
			if n := scalar(t, db, "SELECT count(*) FROM bulk_load_changed"); n != 0 {
				t.Errorf("bulk_load_changed holds %d rows after the finish", n)
			}
			path := db.engine.(*localEngine).path + bulkFTSSuffix
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the scratch index's file stays after the finish (%v)", err)
			}
		})
	}
}

func began(t *testing.T, db *Database) {
	t.Helper()
	began, err := NewBulkLoader(db).BeginBulkLoad(context.Background())
	if err != nil || !began {
		t.Fatalf("BeginBulkLoad on an empty catalog: %v, %v; want true", began, err)
	}
}

func finish(t *testing.T, db *Database) {
	t.Helper()
	if err := NewBulkLoader(db).FinishBulkLoad(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

// halted stops the scratch index's own steps, so the test steps it.
func halted(t *testing.T, side *bulkFTS) {
	t.Helper()
	if err := side.halt(false); err != nil {
		t.Fatal(err)
	}
}

// A scratch index left by a process that died after its finish committed (before it removed the
// file) or after another process finished its load is removed by the next open, which finds no
// load under way; a live process's load keeps its own.
func TestAScratchIndexLeftBehindIsRemovedByTheNextOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	db := openAt(t, path)
	scratch := path + bulkFTSSuffix
	if err := os.WriteFile(scratch, []byte("a scratch index left behind"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	openAt(t, path).Close()
	if _, err := os.Stat(scratch); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the scratch index left behind stays after the next open (%v)", err)
	}

	// A live process's is its own: one beginning a load holds the lock before its rows say so.
	beginning := openAt(t, path)
	if err := beginning.engine.(*localEngine).lockBulk(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(scratch, []byte("a load's scratch index"), 0o600); err != nil {
		t.Fatal(err)
	}
	other, err := OpenFile(ctx, path, LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(scratch); err != nil {
		t.Errorf("an open beside a live process holding the bulk lock removed the scratch index: %v", err)
	}
}

// scratchSegments is how many segments the scratch index's full-text table holds.
func scratchSegments(t *testing.T, side *bulkFTS) int64 {
	t.Helper()
	var n int64
	if err := side.conn.QueryRowContext(context.Background(), "SELECT count(DISTINCT segid) FROM bulk_fts.torrents_fts_idx").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The finish's last transaction, on the scratch index's connection, commits the copied index into
// the catalog as durably as the writer commits (synchronous=NORMAL, local.go): a power loss may roll
// it back, and the next open then finishes the load without it. With SQLite's default (FULL) that
// commit synced the whole WAL, the copied index in it, on the finish's path.
func TestTheScratchIndexCommitsToTheCatalogAsTheWriterDoes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openMigrated(t, LocalOptions{})
	began(t, db)
	side := sideOf(t, db)
	halted(t, side)
	var scratch, writer int64
	if err := side.conn.QueryRowContext(ctx, "PRAGMA main.synchronous").Scan(&scratch); err != nil {
		t.Fatal(err)
	}
	if err := db.engine.(*localEngine).writer.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&writer); err != nil {
		t.Fatal(err)
	}
	if scratch != writer {
		t.Errorf("the scratch index's connection commits to the catalog with synchronous=%d, the writer with %d", scratch, writer)
	}
	finish(t, db)
}

// A bulk load's scratch index holds no snapshot of the catalog while it indexes the rows it read,
// so a checkpoint then copies the whole WAL, and the WAL starts over during the load. Here the
// writer commits a batch while each step indexes, as on a real load, whose steps take seconds.
// When a step read and indexed its rows in one transaction of the catalog, the snapshot it held
// kept those commits in the WAL, and the WAL grew through the whole load (786 MB at 200,000
// torrents of tests/bench's tags corpus, for a catalog of about 650 MB).
func TestABulkLoadsWALStartsOverWhileTheScratchIndexIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openMigrated(t, LocalOptions{MergeAfterIdle: -1})
	began(t, db)
	side := sideOf(t, db)
	side.minRows.Store(1)
	indexing, resume := make(chan struct{}), make(chan struct{})
	hold := func() {
		indexing <- struct{}{}
		<-resume
	}
	side.indexing.Store(&hold)
	e := db.engine.(*localEngine)
	path := e.path + "-wal"
	repo := NewTorrentRepository(db)
	write := func(round int) {
		batch := make([]domain.Torrent, 300)
		for i := range batch {
			batch[i] = newTorrent(t, round*len(batch)+i)
		}
		upsert(t, repo, batch...)
	}
	const rounds = 8
	write(0)
	first := walStarts(t, path)
	for round := 1; round <= rounds; round++ {
		<-indexing // a step indexes the rows of the last batch
		write(round)
		var busy, frames, copied int64
		if err := e.upkeep.checkpointer.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
			t.Fatal(err)
		}
		if busy != 0 || copied != frames {
			t.Errorf("round %d: a checkpoint while the scratch index indexes copied %d of the WAL's %d frames (busy %d); want all", round, copied, frames, busy)
		}
		resume <- struct{}{}
	}
	<-indexing
	side.indexing.Store(nil)
	resume <- struct{}{}
	starts := walStarts(t, path) - first
	finish(t, db)
	// The writer's first transaction after each full checkpoint starts the WAL over.
	if starts < rounds-1 {
		t.Errorf("the WAL started over %d times during a load of %d batches; want one a batch", starts, rounds+1)
	}
}

// walStarts is the WAL's checkpoint sequence number (its header's), which grows by one each time
// the WAL starts over.
func walStarts(t *testing.T, path string) uint32 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var head [16]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		t.Fatal(err)
	}
	return binary.BigEndian.Uint32(head[12:])
}
