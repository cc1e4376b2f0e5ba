package r1

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A bulk load's full-text entries, built beside the load (bulkload.go).
//
// SQLite has one writer, and a bulk load's finish did all of its work on it, one core, while the
// other core was idle: at 1,000,000 torrents the full-text entries took 62 s of a 88 s finish,
// after 83 s of loading during which the writer waited for the other core a third of the time.
// So the process that begins a load also indexes its rows for search on a connection of its own,
// into a full-text table of the same definition in a scratch file beside the database
// (<db>.bulk-fts): a writer of that file, a reader of the catalog (WAL: it never waits for the
// catalog's writer, nor the writer for it). It takes the rows stored so far, a range of ids at a
// time, whenever enough have arrived (copied into its own file on one snapshot of the catalog,
// then indexed from there, so it holds no snapshot while FTS5 indexes, which would keep the
// catalog's WAL from starting over: step, upkeep.go), and what is left while the finish builds
// the indexes, when it also merges its segments into one (merging nothing before:
// bulkFTSCrisisMerge). The finish then copies the scratch index's tables (FTS5's shadow tables,
// its whole on-disk state) into torrents_fts's, in the transaction that makes the triggers again,
// and indexes there what the scratch index does not hold.
//
// A row indexed there and then changed or deleted (a hash sent twice, a takedown, by this process
// or another) would leave an entry the catalog no longer says. While a load runs, two triggers
// (bulkChangedTriggers) keep in bulk_load_changed (migration 0029) the indexed text of each row
// as it stood before its first change; a range read for the scratch index leaves out the rows
// already there (their first text may not be the one read: scratch's table bulk_fts.skipped lists
// them). At the finish, each changed row that the scratch index holds is removed from the copy
// with the text kept (the first change came after its range was read, so the text kept is the
// text indexed), and every changed row that still exists is indexed with its text now.
//
// The scratch index is only a head start: a load that stops (a crash, a close) leaves the catalog
// as without it, and the next open's finish (or a finish that finds the scratch index unusable)
// indexes every row from torrents_fts_rows as before.

const (
	// bulkFTSSuffix names the scratch file, beside the database.
	bulkFTSSuffix = ".bulk-fts"
	// bulkFTSMinRows is how many new rows a step of the scratch index waits for during the load:
	// each step's commit writes its entries as one segment, so larger steps leave fewer to merge.
	bulkFTSMinRows = 25_000
	// bulkFTSFirstRows is what the first steps wait for: an import's batch. A step waits for an
	// eighth of the rows indexed so far, from this up to bulkFTSMinRows (from 200,000 rows on), so
	// the scratch index starts with the load's first batch, not 25,000 rows (about 2 s) after it,
	// for about 20 more segments. Its steps and merge are the longer of the load's two paths (the
	// rows and the indexes are the other) on the zipf and tags corpora: where it starts late, the
	// load ends late.
	bulkFTSFirstRows = 2_500
	// bulkFTSMaxRows bounds one step, so a stop is seen within one.
	bulkFTSMaxRows = 100_000
	// bulkFTSPoll is how often the scratch index looks for new rows.
	bulkFTSPoll = 250 * time.Millisecond
	// bulkFTSCatalogCache and bulkFTSCache are the scratch connection's caches: the catalog's
	// pages it reads (each once, in id order) and the scratch file's it writes.
	bulkFTSCatalogCache = 2 << 20
	bulkFTSCache        = 2 << 20
	// bulkFTSHashBytes bounds the scratch index's pending entries (FTS5's 'hashsize'). It runs
	// beside the load, whose memory is at its peak then (`streamer import`: its writer's cache
	// full, two batches in flight): FTS5 counts the entries' bytes, and the allocator about twice
	// that. With the finish's 16 MiB (bulkHashBytes) the import of 1,000,000 torrents peaked at 280
	// MiB of RSS against its budget of 200.
	bulkFTSHashBytes = 4 << 20
	// bulkFTSCrisisMerge is the scratch index's crisismerge: how many segments one level holds
	// before the write that adds one merges them all. Each commit of a step, and each time the
	// pending entries reach bulkFTSHashBytes, writes a segment; with FTS5's default of 16, every 16
	// were merged into one of the next level inside the step, and every 16 of those again: at
	// 1,000,000 torrents (about 300 segments) each entry was rewritten twice during the load, 24 s
	// of CPU on the core the load was waiting for. So a load of up to about 1,500,000 torrents
	// merges nothing, a larger one a level of 500 at once; the finish merges them all once
	// (mergeWhile), on the other core while the writer builds the indexes (17 s of CPU at
	// 1,000,000). FTS5 holds at most 2000 segments: with 499 a level, four levels hold them.
	bulkFTSCrisisMerge = 500
	// bulkFTSMergePages bounds one step of the finish's merge, in pages written, so it sees
	// within one step that the indexes are built (the copy goes first).
	bulkFTSMergePages = 1024
)

// bulkChangedTriggers keep the indexed text of a row before its first change during a load. Any
// update counts (one that changes nothing indexed costs a 'delete' and an insert of the same
// text at the finish), so no list of the indexed columns is written here again.
var bulkChangedTriggers = []string{
	`CREATE TRIGGER bulk_load_changed_update BEFORE UPDATE ON torrents
BEGIN
    INSERT OR IGNORE INTO bulk_load_changed (id, name, paths, facets)
    SELECT id, name, paths, facets FROM torrents_fts_rows WHERE id = old.id;
END`,
	`CREATE TRIGGER bulk_load_changed_delete BEFORE DELETE ON torrents
BEGIN
    INSERT OR IGNORE INTO bulk_load_changed (id, name, paths, facets)
    SELECT id, name, paths, facets FROM torrents_fts_rows WHERE id = old.id;
END`,
}

// dropBulkChanged drops the triggers above and empties what they kept: the finish's last
// transaction, either way it indexes. A file whose load began before migration 0029 has neither.
func dropBulkChanged(ctx context.Context, x execer) error {
	for _, stmt := range []string{
		"DROP TRIGGER IF EXISTS bulk_load_changed_update",
		"DROP TRIGGER IF EXISTS bulk_load_changed_delete",
		"DELETE FROM bulk_load_changed",
	} {
		if _, err := x.ExecContext(ctx, stmt); err != nil {
			if strings.Contains(err.Error(), "no such table: bulk_load_changed") {
				continue
			}
			return err
		}
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// bulkFTS is the scratch index of this process's load.
type bulkFTS struct {
	db   *sql.DB
	conn *sql.Conn // the catalog as main, the scratch file attached as bulk_fts
	path string
	// upTo is the highest id the scratch index has read; minRows what a step during the load
	// waits for (a test's own).
	upTo     int64
	minRows  atomic.Int64
	stop     chan struct{} // closed: run ends after its step under way
	quit     chan struct{} // closed: run ends now, its step under way rolled back
	stopOnce sync.Once
	quitOnce sync.Once
	done     chan struct{}
	err      error // the step that failed, read once done is closed: the scratch index is not used
	// indexing, a test's, runs in a step as FTS5 is about to index the rows it read.
	indexing atomic.Pointer[func()]
	// readied is closed once the finish's ready has returned, and readyErr is what it returned
	// (written before readied is closed, read after).
	readied  chan struct{}
	readyErr error
}

// startBulkFTS opens the scratch index of a load this process began, and starts filling it. It
// fails only for what makes it unusable; the load then finishes as without it.
func (e *localEngine) startBulkFTS(ctx context.Context) (*bulkFTS, error) {
	if e.path == "" {
		return nil, errors.New("in memory")
	}
	b := &bulkFTS{path: e.path + bulkFTSSuffix, stop: make(chan struct{}), quit: make(chan struct{}), done: make(chan struct{}),
		readied: make(chan struct{})}
	b.minRows.Store(bulkFTSMinRows)
	removeBulkFTS(b.path) // a dead process's (the lock is this process's now)
	db, err := sql.Open("sqlite", e.path+"?_pragma=busy_timeout("+fmt.Sprint(e.opts.BusyTimeout.Milliseconds())+")&_pragma=foreign_keys(1)")
	if err != nil {
		return nil, err
	}
	b.db = db
	if b.conn, err = db.Conn(ctx); err != nil {
		b.close()
		return nil, err
	}
	var create string
	if err := b.conn.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'torrents_fts'").Scan(&create); err != nil {
		b.close()
		return nil, err
	}
	const head = "CREATE VIRTUAL TABLE torrents_fts "
	if !strings.HasPrefix(create, head) {
		b.close()
		return nil, fmt.Errorf("torrents_fts is made by %.60q", create)
	}
	for _, stmt := range []string{
		"ATTACH DATABASE '" + strings.ReplaceAll(b.path, "'", "''") + "' AS bulk_fts",
		// A scratch file: a crash leaves it to be thrown away, and so does a statement that fails
		// (run, halt: the finish then indexes without it). No journal: in memory, it held every
		// page FTS5's merges freed and used again within a step (`streamer import` of 1,000,000
		// torrents peaked at 294 MiB of RSS with it).
		"PRAGMA bulk_fts.journal_mode = OFF",
		"PRAGMA bulk_fts.synchronous = OFF",
		// The catalog, written by the finish's copy only: as durably as the writer writes it
		// (local.go), not with SQLite's default (FULL), which synced the WAL at that commit. The
		// checkpoint the finish then runs on the checkpointer syncs the WAL before it copies it. A
		// power loss may roll the copy back, and the next open then finishes the load without the
		// scratch index.
		"PRAGMA main.synchronous = NORMAL",
		// Its one commit to the catalog (the copy) leaves the checkpoint to the finish, which runs
		// it on the checkpointer beside the indexes still to build (finishBulkLoad).
		"PRAGMA wal_autocheckpoint = 0",
		"PRAGMA main.cache_size = " + cacheKiB(bulkFTSCatalogCache),
		"PRAGMA bulk_fts.cache_size = " + cacheKiB(bulkFTSCache),
		"CREATE VIRTUAL TABLE bulk_fts.torrents_fts " + strings.TrimPrefix(create, head),
		"CREATE TABLE bulk_fts.skipped (id INTEGER PRIMARY KEY)",
		"CREATE TABLE bulk_fts.pending (id INTEGER PRIMARY KEY, name, paths, facets)",
		fmt.Sprintf("INSERT INTO bulk_fts.torrents_fts (torrents_fts, rank) VALUES ('hashsize', %d)", bulkFTSHashBytes),
		// Not merged as it grows: neither FTS5's automerge nor its crisis merges (see
		// bulkFTSCrisisMerge); merged once at the finish, while the indexes are built (mergeWhile).
		fmt.Sprintf("INSERT INTO bulk_fts.torrents_fts (torrents_fts, rank) VALUES ('automerge', %d)", ftsAutomerge),
		fmt.Sprintf("INSERT INTO bulk_fts.torrents_fts (torrents_fts, rank) VALUES ('crisismerge', %d)", bulkFTSCrisisMerge),
	} {
		if _, err := b.conn.ExecContext(ctx, stmt); err != nil {
			b.close()
			return nil, fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return b, nil
}

// run fills the scratch index during the load, until stopped.
func (b *bulkFTS) run() {
	defer close(b.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-b.quit:
			cancel()
		case <-b.done:
		}
	}()
	poll := time.NewTicker(bulkFTSPoll)
	defer poll.Stop()
	for {
		n, err := b.step(ctx, b.stepRows())
		if err == nil && n == 0 {
			// Caught up: it waits for rows, and leaves the cores to the load. Merging meanwhile
			// (four segments at a time, as upkeep does) rewrote each entry several times, and the
			// finish merges them all once anyway.
			select {
			case <-b.stop:
				return
			case <-poll.C:
			}
			continue
		}
		if err != nil {
			// Failed or interrupted half way, its file may be inconsistent (no journal): not used.
			b.err = err
			return
		}
		select {
		case <-b.stop:
			return
		default:
		}
	}
}

// stepRows is how many new rows a step during the load waits for.
func (b *bulkFTS) stepRows() int64 {
	return min(b.minRows.Load(), max(b.upTo/8, bulkFTSFirstRows))
}

// halt stops run once its step under way is done (the finish, which would index those rows
// again), or at once when now is set (a close); it says whether the scratch index is usable.
func (b *bulkFTS) halt(now bool) error {
	if now {
		b.quitOnce.Do(func() { close(b.quit) })
	}
	b.stopOnce.Do(func() { close(b.stop) })
	<-b.done
	return b.err
}

// step indexes the next range of stored rows, if at least minRows wait: in one transaction of the
// scratch file, on one snapshot of the catalog. It says how many ids the range spanned.
func (b *bulkFTS) step(ctx context.Context, minRows int64) (n int64, err error) {
	if _, err := b.conn.ExecContext(ctx, "BEGIN"); err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			_, _ = b.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	var last int64
	if err := b.conn.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM main.torrents").Scan(&last); err != nil {
		return 0, err
	}
	if last-b.upTo < max(minRows, 1) {
		_, err := b.conn.ExecContext(ctx, "ROLLBACK")
		return 0, err
	}
	to := min(last, b.upTo+bulkFTSMaxRows)
	// The range's rows are copied into the scratch file on the catalog's snapshot, and indexed
	// from there in a transaction of the scratch file alone: the snapshot is held while the rows
	// are read, a small part of a step, not while FTS5 indexes them. Read and indexed at once
	// (INSERT INTO torrents_fts ... SELECT FROM main.torrents_fts_rows), steps of seconds that
	// follow each other almost without a gap held snapshots older than the writer's last commit
	// nearly all the time, past which no checkpoint copies the WAL: it never started over, and grew
	// through the whole load (786 MB at 200,000 torrents of tests/bench's tags corpus, about 6.5 GB
	// at 1,000,000, beside a catalog of 3.1 GB; upkeep.go).
	for _, stmt := range []string{
		`INSERT INTO bulk_fts.pending (id, name, paths, facets)
SELECT id, name, paths, facets FROM main.torrents_fts_rows
WHERE id > ?1 AND id <= ?2 AND id NOT IN (SELECT id FROM main.bulk_load_changed) ORDER BY id`,
		"INSERT INTO bulk_fts.skipped (id) SELECT id FROM main.bulk_load_changed WHERE id > ?1 AND id <= ?2",
	} {
		if _, err := b.conn.ExecContext(ctx, stmt, b.upTo, to); err != nil {
			return 0, err
		}
	}
	for _, stmt := range []string{"COMMIT", "BEGIN"} {
		if _, err := b.conn.ExecContext(ctx, stmt); err != nil {
			return 0, err
		}
	}
	if indexing := b.indexing.Load(); indexing != nil {
		(*indexing)()
	}
	for _, stmt := range []string{
		"INSERT INTO bulk_fts.torrents_fts (rowid, name, paths, facets) SELECT id, name, paths, facets FROM bulk_fts.pending ORDER BY id",
		"DELETE FROM bulk_fts.pending",
		"COMMIT",
	} {
		if _, err := b.conn.ExecContext(ctx, stmt); err != nil {
			return 0, err
		}
	}
	n, b.upTo = to-b.upTo, to
	return n, nil
}

// ready makes the scratch index ready for the finish's copy, beside the indexes the finish builds:
// its filling stopped, the rows it has not read indexed, its segments merged into one.
func (b *bulkFTS) ready(ctx context.Context) error {
	if err := b.halt(false); err != nil {
		return err
	}
	if err := b.catchUp(ctx); err != nil {
		return err
	}
	return b.mergeWhile(ctx, nil)
}

// catchUp indexes every row stored so far.
func (b *bulkFTS) catchUp(ctx context.Context) error {
	for {
		n, err := b.step(ctx, 1)
		if err != nil || n == 0 {
			return err
		}
	}
}

// mergeWhile merges the scratch index's segments into one, a step at a time, until it is one or
// busy is closed (never, when nil: the finish copies the index merged). The catalog's upkeep goes
// on with a merge left half done, which FTS5 records in the index's structure.
func (b *bulkFTS) mergeWhile(ctx context.Context, busy <-chan struct{}) error {
	for {
		select {
		case <-busy:
			return nil
		default:
		}
		if merged, err := b.mergeOnce(ctx); err != nil || !merged {
			return err
		}
	}
}

// mergeOnce runs one step of merging every segment of the scratch index into one (FTS5's 'merge'
// with a negative page count: its 'optimize', a step at a time), and says whether it found work.
func (b *bulkFTS) mergeOnce(ctx context.Context) (bool, error) {
	var before, after int64
	if err := b.conn.QueryRowContext(ctx, "SELECT total_changes()").Scan(&before); err != nil {
		return false, err
	}
	if _, err := b.conn.ExecContext(ctx, "INSERT INTO bulk_fts.torrents_fts (torrents_fts, rank) VALUES ('merge', ?)", -bulkFTSMergePages); err != nil {
		return false, err
	}
	if err := b.conn.QueryRowContext(ctx, "SELECT total_changes()").Scan(&after); err != nil {
		return false, err
	}
	return after-before >= 2, nil
}

// finish indexes the catalog for search from the scratch index, in one transaction of the
// catalog that also makes the triggers again (as finishBulkLoad's last step does without it).
// used says the catalog was indexed (by this, or by another process's finish); when not, the
// catalog is untouched and the caller indexes it without the scratch index.
func (b *bulkFTS) finish(ctx context.Context, triggers []deferredItem, step func(string)) (used bool, err error) {
	c := b.conn
	if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return false, err
	}
	committed := false
	defer func() {
		if !committed {
			_, _ = c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if left, err := stillDeferred(ctx, c, triggers[0].name); err != nil || !left {
		return err == nil, err // another process's finish did this step since the list was read
	}
	// The catalog's index holds no entry (the load began on an empty catalog, and no trigger
	// wrote it since): its tables are replaced by the scratch index's.
	var entries int64
	if err := c.QueryRowContext(ctx, "SELECT count(*) FROM main.torrents_fts_docsize").Scan(&entries); err != nil || entries != 0 {
		return false, err
	}
	var indexed, changed int64
	if err := c.QueryRowContext(ctx, "SELECT count(*) FROM bulk_fts.torrents_fts_docsize").Scan(&indexed); err != nil {
		return false, err
	}
	if err := c.QueryRowContext(ctx, "SELECT count(*) FROM main.bulk_load_changed").Scan(&changed); err != nil {
		return false, err
	}
	step(fmt.Sprintf("indexing the torrents for search: copying the %d entries built during the load", indexed))
	for _, stmt := range []string{
		"DELETE FROM main.torrents_fts_data",
		"DELETE FROM main.torrents_fts_idx",
		"INSERT INTO main.torrents_fts_data SELECT * FROM bulk_fts.torrents_fts_data",
		"INSERT INTO main.torrents_fts_idx SELECT * FROM bulk_fts.torrents_fts_idx",
		"INSERT INTO main.torrents_fts_docsize SELECT * FROM bulk_fts.torrents_fts_docsize",
	} {
		if _, err := c.ExecContext(ctx, stmt); err != nil {
			return false, fmt.Errorf("the full-text index: %w", err)
		}
	}
	restore, err := setBulkHashSize(ctx, c)
	if err != nil {
		return false, err
	}
	step(fmt.Sprintf("indexing the torrents for search: the %d changed during the load, and any stored since", changed))
	for _, stmt := range []string{
		// The entries of rows changed since the scratch index read them, with the text it read.
		`INSERT INTO main.torrents_fts (torrents_fts, rowid, name, paths, facets)
SELECT 'delete', id, name, paths, facets FROM main.bulk_load_changed
WHERE id <= ?1 AND id NOT IN (SELECT id FROM bulk_fts.skipped) ORDER BY id`,
		// Every changed row that is still there, as it is now.
		`INSERT INTO main.torrents_fts (rowid, name, paths, facets)
SELECT id, name, paths, facets FROM main.torrents_fts_rows
WHERE id IN (SELECT id FROM main.bulk_load_changed WHERE id <= ?1) ORDER BY id`,
		// The rows stored since it last read (another process's).
		`INSERT INTO main.torrents_fts (rowid, name, paths, facets)
SELECT id, name, paths, facets FROM main.torrents_fts_rows WHERE id > ?1 ORDER BY id`,
	} {
		if _, err := c.ExecContext(ctx, stmt, b.upTo); err != nil {
			return false, fmt.Errorf("the full-text index: %w", err)
		}
	}
	if err := remakeFTSTriggers(ctx, c, triggers, restore, step); err != nil {
		return false, err
	}
	if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
		return false, err
	}
	committed = true
	return true, nil
}

// close closes the scratch connection and removes its file.
func (b *bulkFTS) close() {
	if b.conn != nil {
		_ = b.conn.Close()
	}
	if b.db != nil {
		_ = b.db.Close()
	}
	removeBulkFTS(b.path)
}

// removeBulkFTS removes a scratch index's file and its journals.
func removeBulkFTS(path string) {
	for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
		_ = os.Remove(path + suffix)
	}
}
