package r1

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/torrent-streamer/streamer/ports"
)

// A bulk load (ports.BulkLoader) on the local file. At a million torrents the writer spends about
// 200 µs a torrent, most of it on what only reads need: the full-text entry (about 40 %: the
// tokens and their 1- to 4-character prefixes, flushed at each commit, merged in crises) and the
// sort and filter indexes, whose random keys each cost a b-tree insert and a page (about 40 %).
// A load into an empty catalog stores the rows with only what its writes need (the table, the
// unique info hash the upsert's ON CONFLICT relies on, the category counts' triggers), then builds
// every index with CREATE INDEX (SQLite sorts the keys, then writes each page once) and the
// full-text entries with one INSERT ... SELECT in id order (FTS5 writes large segments, no merge
// in between): pg_restore's order, and SQLite's own advice.
//
// The rule, here only: the local engine (D1, and the local engine standing for it, keep their
// path) and an empty catalog when the load begins. With no torrent in the catalog, the full-text
// index holds no entry, so none of the triggers that keep it is needed during the load: a row
// updated meanwhile is indexed at the end as it is then, a row deleted (a takedown) is never
// indexed. Indexing every row at the end is exactly what the triggers would have left. A catalog
// that is not empty holds entries a later 'delete' must find with their exact text (the index is
// contentless), and an update during the load would need the old text of some rows and not of
// others: not worth its risk for a load that is not the first.
//
// A partial index (CREATE INDEX ... WHERE) is kept while the load leaves it empty: the external
// ids' (torrents_imdb_id and the others) of a catalog whose torrents carry none cost the load
// nothing, where building each at the finish read the whole table for nothing (about 0.8 s each
// at 1,000,000 torrents, on the finish's longest path). After each of its bulk upserts the loading
// process looks (one seek each) whether a kept index holds a row now, and defers it then as the
// others were at the beginning: so an index the load writes to costs it about one transaction of
// random inserts (the seeders' partial indexes, filled by the first; a process that joined the
// load writes into a kept index until the one that began it upserts again). A finish builds, last,
// any index another process deferred while it ran.
//
// What was dropped is kept in bulk_load_deferred (migration 0025) with the SQL that made it, in
// the transaction that drops it; finishing makes each index again from its SQL and deletes its
// row in one transaction, and indexes every torrent for search (the view torrents_fts_rows) and
// makes the triggers again in one more: after the indexes, or between two of them when the scratch
// index (bulkfts.go) is ready first. A load that dies half way leaves rows there, and the next
// Migrate finishes it (finishBulkLoad) before anything else, unless a live process still loads
// (a lock beside the file, bulklock_*.go).

// BulkLoader is ports.BulkLoader on an R1 database; on D1 it never applies.
type BulkLoader struct {
	db *Database
}

var _ ports.BulkLoader = (*BulkLoader)(nil)

// NewBulkLoader returns the bulk loads of db.
func NewBulkLoader(db *Database) *BulkLoader { return &BulkLoader{db: db} }

// local is the engine a bulk load applies to: the local file, not standing for D1.
func (b *BulkLoader) local() *localEngine {
	if e, ok := b.db.engine.(*localEngine); ok && !e.opts.ParamsAsText {
		return e
	}
	return nil
}

// BeginBulkLoad defers the catalog's read-side work when the catalog is empty (see above): an
// empty catalog is smaller than any load, so the load's size does not enter the rule.
func (b *BulkLoader) BeginBulkLoad(ctx context.Context) (bool, error) {
	e := b.local()
	if e == nil {
		return false, nil
	}
	began, err := e.beginBulkLoad(ctx)
	if err != nil {
		return false, fmt.Errorf("r1: begin a bulk load: %w", e.mapError(ctx, err))
	}
	return began, nil
}

// FinishBulkLoad builds what the load deferred.
func (b *BulkLoader) FinishBulkLoad(ctx context.Context, step func(what string)) error {
	e := b.local()
	if e == nil {
		return nil
	}
	if step == nil {
		step = func(string) {}
	}
	if err := e.finishBulkLoad(ctx, step); err != nil {
		return fmt.Errorf("r1: finish the bulk load: %w", e.mapError(ctx, err))
	}
	e.unlockBulk()
	return nil
}

// deferredSQL reads what a bulk load drops: every index of torrents that SQLite did not make for a
// constraint (those have no SQL) and that is not UNIQUE (a unique index is what a write checks),
// and every trigger on torrents that writes the full-text index; the partial indexes among them are
// kept while they are empty (see above). Indexes come first. Even those
// whose new keys go at their end (they start with the id) are dropped: kept, at 1,000,000
// torrents the load took 114 s where it took 83 without them, and building them again took 5 s
// (make bench, zipf).
const deferredSQL = `SELECT type, name, sql FROM sqlite_master
WHERE tbl_name = 'torrents' AND sql IS NOT NULL
  AND (type = 'index' AND sql NOT LIKE 'CREATE UNIQUE%' OR type = 'trigger' AND sql LIKE '%torrents_fts%' AND name NOT LIKE 'bulk_load_changed_%')
ORDER BY type, name`

type deferredItem struct{ typ, name, sql string }

func (e *localEngine) beginBulkLoad(ctx context.Context) (began bool, err error) {
	dropped := false // this call dropped what the load defers and took the lock for it
	var kept []deferredItem
	err = e.inWriteTx(ctx, func(tx *sql.Tx) error {
		var pending int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM bulk_load_deferred").Scan(&pending); err != nil {
			return err
		}
		if pending > 0 {
			// A load under way, in this process or another, and not finished: the catalog holds no
			// full-text entry, or the load's own (its finish stopped after the scratch index's copy,
			// with indexes left to build: the triggers index what comes now), so this load joins it.
			began = true
			return e.lockBulk()
		}
		var stored bool
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM torrents)").Scan(&stored); err != nil {
			return err
		}
		if stored {
			return nil
		}
		items, err := readDeferred(ctx, tx, deferredSQL)
		if err != nil {
			return err
		}
		for _, it := range items {
			if partialIndexWhere(it) != "" {
				kept = append(kept, it) // empty, as the catalog is
				continue
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO bulk_load_deferred (name, type, sql) VALUES (?, ?, ?)", it.name, it.typ, it.sql); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "DROP "+strings.ToUpper(it.typ)+" "+quoteIdent(it.name)); err != nil {
				return err
			}
		}
		if err := dropBulkChanged(ctx, tx); err != nil {
			return err
		}
		for _, stmt := range bulkChangedTriggers {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
		// Locked before the drop commits, so no open finishes the load under this process.
		began, dropped = true, true
		return e.lockBulk()
	})
	if err != nil {
		if dropped {
			e.unlockBulk()
		}
		return false, err
	}
	if dropped {
		e.bulkKeptMu.Lock()
		e.bulkKept = kept
		e.bulkKeptMu.Unlock()
		// Its scratch index, without which the load still finishes (as before it existed).
		if side, err := e.startBulkFTS(ctx); err == nil {
			e.bulkMu.Lock()
			e.bulkFTS = side
			e.bulkMu.Unlock()
			go side.run()
		}
	}
	return began, nil
}

// partialIndexWhere is the condition of a partial index's SQL (CREATE INDEX ... WHERE condition),
// "" for any other item.
func partialIndexWhere(it deferredItem) string {
	if it.typ != "index" {
		return ""
	}
	const where = " WHERE "
	i := strings.LastIndex(strings.ToUpper(it.sql), where)
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(it.sql[i+len(where):])
}

// deferFilledIndexes defers the kept partial indexes (see above) that hold a row now: dropped,
// and listed in bulk_load_deferred, in one transaction. Keeping an index is always right (SQLite
// keeps it up to date), so a failure here leaves it kept, for the next call to look again: the
// rows the caller stored are committed either way. Only while the load is under way: another
// process that joined it may have finished it, and a finished catalog is not taken apart again.
func (e *localEngine) deferFilledIndexes(ctx context.Context) {
	e.bulkKeptMu.Lock()
	defer e.bulkKeptMu.Unlock()
	if len(e.bulkKept) == 0 {
		return
	}
	var filled []deferredItem
	for _, it := range e.bulkKept {
		var holds bool
		q := "SELECT EXISTS (SELECT 1 FROM torrents INDEXED BY " + quoteIdent(it.name) + " WHERE " + partialIndexWhere(it) + ")"
		if err := e.writer.QueryRowContext(ctx, q).Scan(&holds); err != nil {
			continue // kept, looked at again after the next upsert
		}
		if holds {
			filled = append(filled, it)
		}
	}
	if len(filled) == 0 {
		return
	}
	finished := false
	if err := e.inWriteTx(ctx, func(tx *sql.Tx) error {
		// The load is under way only while its full-text triggers are deferred: once a finish
		// (another process's, a joiner's) made them again, nothing may be deferred any more.
		var loading bool
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM bulk_load_deferred WHERE type = 'trigger')").Scan(&loading); err != nil {
			return err
		}
		if !loading {
			finished = true
			return nil
		}
		for _, it := range filled {
			var exists bool
			if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?)", it.name).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				continue // dropped by another process's load, which deferred it
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO bulk_load_deferred (name, type, sql) VALUES (?, ?, ?)", it.name, it.typ, it.sql); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "DROP INDEX "+quoteIdent(it.name)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return
	}
	if finished {
		e.bulkKept = nil
		return
	}
	e.bulkKept = slices.DeleteFunc(e.bulkKept, func(it deferredItem) bool { return slices.Contains(filled, it) })
}

// takeBulkKept ends the keeping of empty partial indexes (the finish reads what is deferred next).
func (e *localEngine) takeBulkKept() {
	e.bulkKeptMu.Lock()
	defer e.bulkKeptMu.Unlock()
	e.bulkKept = nil
}

// takeBulkFTS takes this process's scratch index from the engine (nil when it has none).
func (e *localEngine) takeBulkFTS() *bulkFTS {
	e.bulkMu.Lock()
	defer e.bulkMu.Unlock()
	side := e.bulkFTS
	e.bulkFTS = nil
	return side
}

func readDeferred(ctx context.Context, q querier, query string) ([]deferredItem, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []deferredItem
	for rows.Next() {
		var it deferredItem
		if err := rows.Scan(&it.typ, &it.name, &it.sql); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// bulkIndexChunks is how many statements the full-text step is cut into, to tell its progress;
// each statement ends with a flush of FTS5's pending entries, a segment at most.
const bulkIndexChunks = 10

// bulkHashBytes is FTS5's pending entries' bound (its 'hashsize') while the full-text step runs:
// each time they reach it they are written as a segment, so larger means fewer segments to merge,
// and more memory outside SQLite's page cache (the import's budget, bootstrap/memory.go). At
// 200,000 torrents the finish and its merge took 14.2 + 3.3 s with 64 MiB, 16.2 + 0.7 s with 16,
// 18.9 s with FTS5's default of 1 MiB, which is restored after; at 1,000,000 the import's
// full-text step took 74 s with 64 MiB, 75 s with 16, and its final merge 3.5 s against 22 s:
// the price of the import's memory bound (64 MiB took it over, see finishBulkLoad).
const bulkHashBytes = 16 << 20

// bulkSortCache is the writer's cache while a bulk load finishes, and so the size of CREATE
// INDEX's sorted runs in memory.
const bulkSortCache = 8 << 20

// bulkIndexSQL indexes the torrents of an id range for search, in id order: a range of the table
// read by rowid, no sort.
const bulkIndexSQL = `INSERT INTO torrents_fts (rowid, name, paths, facets)
SELECT id, name, paths, facets FROM torrents_fts_rows WHERE id >= ? AND id < ? ORDER BY id`

// finishBulkLoad builds every deferred index, then the full-text entries and their triggers; then
// any index another process's load deferred after the list was read (deferFilledIndexes defers
// only while the triggers are deferred, so none comes after the full-text step's commit).
func (e *localEngine) finishBulkLoad(ctx context.Context, step func(string)) error {
	if err := e.finishBulkLoadListed(ctx, step); err != nil {
		return err
	}
	left, err := readDeferred(ctx, e.writer, "SELECT type, name, sql FROM bulk_load_deferred WHERE type = 'index' ORDER BY name")
	if err != nil {
		return err
	}
	for _, it := range left {
		step("building the index " + it.name + " (deferred during the finish)")
		if err := e.buildDeferredIndex(ctx, it); err != nil {
			return err
		}
	}
	return nil
}

// buildDeferredIndex makes a deferred index again from its SQL, in the transaction that deletes
// its row; unless another process's finish built it since the list was read (two loads of one
// file, finishing together).
func (e *localEngine) buildDeferredIndex(ctx context.Context, it deferredItem) error {
	if err := e.inWriteTx(ctx, func(tx *sql.Tx) error {
		if left, err := stillDeferred(ctx, tx, it.name); err != nil || !left {
			return err
		}
		_, err := tx.ExecContext(ctx, it.sql)
		return err
	}); err != nil {
		return fmt.Errorf("index %s: %w", it.name, err)
	}
	return nil
}

// finishBulkLoadListed builds what bulk_load_deferred lists as it begins: the indexes, then the
// full-text entries and their triggers (between two indexes when the scratch index is ready first).
func (e *localEngine) finishBulkLoadListed(ctx context.Context, step func(string)) error {
	e.takeBulkKept() // kept now stays kept: this reads what is deferred
	items, err := readDeferred(ctx, e.writer, "SELECT type, name, sql FROM bulk_load_deferred ORDER BY type, name")
	if err != nil {
		return err
	}
	// The memory of the finish stays within the process's budget (the import's, bootstrap/memory.go):
	// CREATE INDEX sorts in memory runs of up to the cache's size (a run in a block that grows by
	// doubling, so up to twice that) and writes each to a temporary file, which with the writer's
	// temp_store (memory) stayed in memory too. So the finish writes them to files and sorts in
	// runs of bulkSortCache: `streamer import` of 1,000,000 torrents peaked at 517 MiB of RSS with
	// neither (and FTS5's 64 MiB of pending entries), 313 MiB with the files alone, 195 MiB with
	// both (its budget is 200; its writer's cache is 64 MiB). Both settings are the connection's,
	// restored after.
	var cacheSize int64
	if err := e.writer.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cacheSize); err != nil {
		return err
	}
	for _, pragma := range []string{"PRAGMA temp_store = FILE", "PRAGMA cache_size = " + cacheKiB(bulkSortCache)} {
		if _, err := e.writer.ExecContext(ctx, pragma); err != nil {
			return err
		}
	}
	defer func() {
		// The writer's own settings (openLocal); a failure leaves the smaller ones, which work.
		restore := context.WithoutCancel(ctx)
		_, _ = e.writer.ExecContext(restore, "PRAGMA temp_store = MEMORY")
		_, _ = e.writer.ExecContext(restore, "PRAGMA cache_size = "+strconv.FormatInt(cacheSize, 10))
	}()
	var indexes, triggers []deferredItem
	for _, it := range items {
		if it.typ == "index" {
			indexes = append(indexes, it)
		} else {
			triggers = append(triggers, it)
		}
	}
	// This process's scratch index (bulkfts.go) indexes what it has not yet on the other core,
	// while the indexes are built here, and merges its segments into one, which the copy waits
	// for: cut short once the indexes were built, the rest of the merge fell to the catalog's
	// upkeep after the finish, on one core, a step and a commit to the WAL at a time (at 200,000
	// zipf torrents about 5 s of settling after the finish, against about 3.5 s more of merging
	// the same in the scratch file before the copy).
	side := e.takeBulkFTS()
	var sideReady <-chan struct{} // the scratch index's readied, until the finish has used it
	if side != nil {
		sideReady = side.readied
		defer func() {
			<-side.readied
			side.close()
		}()
		sideCtx, cancelSide := context.WithCancel(ctx)
		defer cancelSide() // first: a finish that fails stops it
		go func() {
			side.readyErr = side.ready(sideCtx)
			close(side.readied)
		}()
	}
	// The scratch index's copy makes the full-text step as soon as the scratch index is merged,
	// between two indexes: its commit leaves its checkpoint (about 1 GB of WAL at 1,000,000
	// torrents, 5-7 s of copying, nearly all of it system calls) to run on the checkpointer beside
	// the indexes still to build, where it ran on the copy's connection after the last of them.
	// usedSide says the step is done; whyNot, when the scratch index could not do it, why.
	var usedSide bool
	var whyNot error
	var checkpointed chan struct{}
	defer func() {
		if checkpointed != nil {
			<-checkpointed // the finish includes it
		}
	}()
	copySide := func() error {
		sideReady = nil
		err := side.readyErr
		if err == nil {
			// The copy is the finish's largest transaction: begun with every frame of the WAL
			// copied (no snapshot holds any back now), it writes the WAL from its start, not after
			// the frames of the indexes (upkeep.go).
			e.checkpoint(ctx)
			var used bool
			if used, err = side.finish(ctx, triggers, step); used {
				usedSide = true
				if err == nil {
					checkpointed = make(chan struct{})
					go func() {
						defer close(checkpointed)
						e.checkpoint(context.WithoutCancel(ctx))
					}()
				}
				return err
			}
			if err != nil && ctx.Err() != nil {
				return err
			}
		}
		whyNot = err
		return nil
	}
	for i, it := range indexes {
		if sideReady != nil && len(triggers) > 0 {
			select {
			case <-sideReady:
				if err := copySide(); err != nil {
					return err
				}
			default:
			}
		}
		step(fmt.Sprintf("building the index %s (%d of %d)", it.name, i+1, len(indexes)))
		if err := e.buildDeferredIndex(ctx, it); err != nil {
			return err
		}
	}
	if len(triggers) == 0 {
		return nil
	}
	if side != nil {
		if sideReady != nil {
			<-sideReady
			if err := copySide(); err != nil {
				return err
			}
		}
		if usedSide {
			return nil
		}
		// Unusable (a step failed, or the catalog's index is not empty): indexed as without it.
		why := "the catalog's full-text index is not empty"
		if whyNot != nil {
			why = whyNot.Error()
		}
		step("not using the full-text entries built during the load (" + why + ")")
	}
	return e.inWriteTx(ctx, func(tx *sql.Tx) error {
		if left, err := stillDeferred(ctx, tx, triggers[0].name); err != nil || !left {
			return err // another process's finish did this step since the list was read
		}
		var count, first, last int64
		if err := tx.QueryRowContext(ctx, "SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM torrents").Scan(&count, &first, &last); err != nil {
			return err
		}
		restore, err := setBulkHashSize(ctx, tx)
		if err != nil {
			return err
		}
		span := (last - first + bulkIndexChunks) / bulkIndexChunks
		for k := range int64(bulkIndexChunks) {
			from := first + k*span
			if from > last {
				break
			}
			step(fmt.Sprintf("indexing %d torrents for search (%d %%)", count, k*100/bulkIndexChunks))
			// In id order, so FTS5 appends to its pending entries (a rowid lower than the last
			// flushes them).
			if _, err := tx.ExecContext(ctx, bulkIndexSQL, from, from+span); err != nil {
				return fmt.Errorf("the full-text index: %w", err)
			}
		}
		return remakeFTSTriggers(ctx, tx, triggers, restore, step)
	})
}

// setBulkHashSize sets the full-text index's bound on pending entries for the finish, and returns
// the one to restore after.
func setBulkHashSize(ctx context.Context, x interface {
	execer
	querier
}) (restore int64, err error) {
	var hashSize sql.NullInt64
	if err := x.QueryRowContext(ctx, "SELECT v FROM main.torrents_fts_config WHERE k = 'hashsize'").Scan(&hashSize); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	if _, err := x.ExecContext(ctx, "INSERT INTO main.torrents_fts (torrents_fts, rank) VALUES ('hashsize', ?)", bulkHashBytes); err != nil {
		return 0, err
	}
	if hashSize.Valid {
		return hashSize.Int64, nil
	}
	return 1 << 20, nil // FTS5's default
}

// remakeFTSTriggers ends the full-text step, in its transaction: the triggers that keep the index
// are made again (and leave bulk_load_deferred), the load's own are dropped, the hash size
// restored.
func remakeFTSTriggers(ctx context.Context, x execer, triggers []deferredItem, restoreHash int64, step func(string)) error {
	step("making the full-text index's triggers again")
	for _, it := range triggers {
		if _, err := x.ExecContext(ctx, it.sql); err != nil {
			return fmt.Errorf("trigger %s: %w", it.name, err)
		}
		if _, err := stillDeferred(ctx, x, it.name); err != nil {
			return err
		}
	}
	if err := dropBulkChanged(ctx, x); err != nil {
		return err
	}
	_, err := x.ExecContext(ctx, "INSERT INTO main.torrents_fts (torrents_fts, rank) VALUES ('hashsize', ?)", restoreHash)
	return err
}

// stillDeferred deletes the deferred item name, in the transaction that makes it again, and says
// whether it was still there.
func stillDeferred(ctx context.Context, x execer, name string) (bool, error) {
	res, err := x.ExecContext(ctx, "DELETE FROM bulk_load_deferred WHERE name = ?", name)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// inWriteTx runs fn in a write transaction on the writer (BEGIN IMMEDIATE), committed when fn
// returns nil.
func (e *localEngine) inWriteTx(ctx context.Context, fn func(*sql.Tx) error) error {
	conn, err := e.writer.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit a no-op
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	e.wroteNow()
	return nil
}

// finishInterruptedBulkLoad finishes a bulk load that no live process is doing any more (one
// killed half way): Migrate calls it before any migration, which might change what it made again.
// loading says a live process still loads (it finishes): meanwhile searches here miss its
// torrents, and no migration may run (it could make again what the load dropped, or drop what the
// load will make again).
func (e *localEngine) finishInterruptedBulkLoad(ctx context.Context) (loading bool, err error) {
	if e.opts.ParamsAsText {
		return false, nil
	}
	var pending int
	if err := e.writer.QueryRowContext(ctx, "SELECT count(*) FROM bulk_load_deferred").Scan(&pending); err != nil {
		return false, e.mapError(ctx, err)
	}
	if pending == 0 {
		e.removeLeftBulkFTS()
		return false, nil
	}
	if held, err := e.bulkLockedElsewhere(); err != nil || held {
		return held, err
	}
	defer e.unlockBulk()
	removeBulkFTS(e.path + bulkFTSSuffix) // the scratch index of the process that left the load
	step := func(string) {}
	if e.opts.Progress != nil {
		step = func(what string) { e.opts.Progress("finishing a bulk load left unfinished: " + what) }
	}
	if err := e.finishBulkLoad(ctx, step); err != nil {
		return false, fmt.Errorf("r1: finish an interrupted bulk load: %w", e.mapError(ctx, err))
	}
	return false, nil
}

// removeLeftBulkFTS removes a scratch index (bulkfts.go) that no load needs: with no load under
// way, one a process left when it died between its finish's commit and the file's removal, or
// when another process finished its load. Not while a live process holds the lock (a load that
// is beginning).
func (e *localEngine) removeLeftBulkFTS() {
	if e.path == "" {
		return
	}
	path := e.path + bulkFTSSuffix
	if _, err := os.Stat(path); err != nil {
		return
	}
	if held, err := e.bulkLockedElsewhere(); err != nil || held {
		return
	}
	defer e.unlockBulk()
	removeBulkFTS(path)
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// bulkLoadMigration makes bulk_load_deferred.
const bulkLoadMigration = "0025_bulk_load.sql"
