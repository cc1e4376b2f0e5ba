package r1

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// LocalOptions tunes the local SQLite engine.
type LocalOptions struct {
	// ParamsAsText sends every parameter as its string form, as D1's REST API does, so the SQL is
	// proven against D1's typing without D1. NULL parameters are refused in this mode, as D1 would.
	ParamsAsText bool
	// JSONResults passes every result through JSON, as D1 answers it: numbers come back as float64.
	JSONResults bool
	// BusyTimeout is how long a write waits for another process's write lock. Default 5 s.
	BusyTimeout time.Duration
	// Readers bounds the pool of read connections. Default: 4 per GOMAXPROCS, at least 8. More
	// connections than cores: with one per core, two slow searches held both and every read of one
	// row queued behind them (BenchmarkDetailsBesideSlowSearches: 84 ms a details read beside four
	// slow scans with 2 readers, 4.2 ms with 8, on 2 cores). Each costs its page cache
	// (ReaderCacheBytes at most).
	Readers int
	// PageCache is the bytes of SQLite's page cache pool (pagecache.go): every connection's pages
	// come from it, resident from the first open, and it bounds them all. SQLite takes it once per
	// process, before its first connection, so the first file opened with it sets it; 0: none
	// (each page is allocated as it is needed, at about twice its size). PageCacheFor(Readers)
	// holds every connection's cache at its bound.
	PageCache int64
	// WriterCache is the writer connection's cache_size in bytes; 0: WriterCacheBytes. A bulk job
	// with a memory budget of its own (streamer import, bootstrap/memory.go) gives a larger one:
	// once the indexes outgrow the cache, each torrent makes the writer read back and write again
	// fewer pages, and the bulk transactions, sized to half of it (bulkchunk.go), grow with it.
	// With a pool, the pool should hold it (PageCacheForWriter).
	WriterCache int64
	// Progress, when set, is told what a long step of Migrate does as it begins: finishing a bulk
	// load that a process left unfinished (bulkload.go) takes tens of seconds at a million torrents.
	Progress func(what string)
	// Notice, when set, is told what a person using the file should know that no error says:
	// another process holds its bulk-load lock (bulklock.go), so this process's searches miss that
	// load's torrents until it finishes, or this process's bulk load joins that one.
	Notice func(what string)
	// MergeAfterIdle is how long the writer must have been idle before the full-text index's
	// segments are merged (see upkeep.go). Default 500 ms; negative: only when Settle is called.
	MergeAfterIdle time.Duration
}

// OpenFile opens (creating it and its directory if missing) the SQLite database at path: WAL, so
// readers never wait for the writer; one write connection, because SQLite has one writer anyway and
// queueing in the process beats spinning on SQLITE_BUSY; a pool of read-only readers. The path
// ":memory:" gives a private in-memory database on a single connection (each connection would
// otherwise see its own empty database). The database is not migrated: call Migrate.
func OpenFile(ctx context.Context, path string, opts LocalOptions) (*Database, error) {
	engine, err := openLocal(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	return New(engine), nil
}

type localEngine struct {
	writer  *sql.DB
	readers *sql.DB    // the writer itself for ":memory:"
	stmts   *stmtCache // the readers' prepared statements
	// readerTurns hands out the readers (Readers of them), so a query that waits for one waits here,
	// where its budget is told (ports.WaitingForTurn) and what a client waits for goes first, not in
	// database/sql's pool, which can say neither; nil in memory (one connection, the writer's too).
	readerTurns *turns
	opts        LocalOptions
	closed      atomic.Bool
	// dir is the database's directory ("" in memory); full is set when a write found no space left
	// on it, and cleared once there is room again (storageFull, roomAgain): a small write that still
	// fits does not clear it, or health said "ok" while every ingest answered 507.
	dir  string
	full atomic.Bool
	// free tells the space left on dir's filesystem (freeBytes; a test's own).
	free func(dir string) (int64, bool)
	// upkeep checkpoints and merges the full-text index off the writer's path (upkeep.go).
	upkeep *upkeep
	// bulk sizes the transactions of bulk upserts (bulkchunk.go).
	bulk *bulkChunks
	// path is the database's file ("" in memory); bulkLock, when set, is this process's lock on a
	// bulk load of it (bulklock.go).
	path     string
	bulkMu   sync.Mutex
	bulkLock *os.File
	// bulkFTS is the scratch full-text index of the bulk load this process began (bulkfts.go).
	bulkFTS *bulkFTS
	// bulkKept is the partial indexes that load keeps while they are empty (bulkload.go), under
	// bulkKeptMu (not bulkMu, which beginBulkLoad takes inside a write transaction, where
	// deferFilledIndexes takes one inside bulkKeptMu).
	bulkKeptMu sync.Mutex
	bulkKept   []deferredItem
}

func openLocal(ctx context.Context, path string, opts LocalOptions) (*localEngine, error) {
	if path == "" {
		return nil, errors.New("r1: the database path is empty")
	}
	if strings.ContainsRune(path, '?') {
		// The driver reads everything after '?' as its own options.
		return nil, fmt.Errorf("r1: the database path %q must not contain '?'", path)
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	if opts.MergeAfterIdle == 0 {
		opts.MergeAfterIdle = defaultMergeAfterIdle
	}
	if opts.Readers <= 0 {
		opts.Readers = DefaultReaders(runtime.GOMAXPROCS(0))
	}
	if opts.WriterCache <= 0 {
		opts.WriterCache = WriterCacheBytes
	}
	busy := "_pragma=busy_timeout(" + strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10) + ")"
	common := busy + "&_pragma=foreign_keys(1)"

	if path == ":memory:" {
		db, err := sql.Open("sqlite", ":memory:?"+common)
		if err != nil {
			return nil, fmt.Errorf("r1: open in-memory database: %w", err)
		}
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		e := &localEngine{writer: db, readers: db, stmts: newStmtCache(db), opts: opts, bulk: newBulkChunks(opts.WriterCache)}
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("r1: open in-memory database: %w", e.mapError(ctx, err))
		}
		e.startUpkeep(nil)
		return e, nil
	}

	if opts.PageCache > 0 {
		// Before the first connection, or not at all (PageCacheInEffect tells which).
		_, _ = usePageCache(opts.PageCache)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("r1: create the directory of %s: %w", path, err)
		}
	}
	// BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
	// writes can fail with SQLITE_BUSY at once (no busy wait) when another process wrote meanwhile.
	// synchronous=NORMAL is the usual WAL pairing: durable against crashes of the process, may lose
	// the last commits on power loss, never corrupts.
	writer, err := sql.Open("sqlite", path+"?"+common+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_pragma=cache_size("+cacheKiB(opts.WriterCache)+")&_pragma=wal_autocheckpoint("+strconv.Itoa(walAutocheckpointPages)+")"+
		"&_pragma=journal_size_limit("+strconv.FormatInt(walSizeLimit, 10)+")&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("r1: open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxIdleTime(0)
	writer.SetConnMaxLifetime(0)
	e := &localEngine{writer: writer, opts: opts, dir: filepath.Dir(path), path: path, bulk: newBulkChunks(opts.WriterCache)}
	// The writer connects first, so the file exists and is in WAL mode before any reader opens it.
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("r1: open %s: %w", path, e.mapError(ctx, err))
	}
	readers, err := sql.Open("sqlite", path+"?"+common+"&_pragma=cache_size("+cacheKiB(ReaderCacheBytes)+")&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("r1: open %s: %w", path, err)
	}
	readers.SetMaxOpenConns(opts.Readers)
	readers.SetMaxIdleConns(opts.Readers)
	readers.SetConnMaxIdleTime(5 * time.Minute)
	e.readers, e.stmts, e.readerTurns = readers, newStmtCache(readers), newTurns(opts.Readers)
	checkpointer, err := sql.Open("sqlite", path+"?"+common+"&_pragma=cache_size("+cacheKiB(ReaderCacheBytes)+")")
	if err != nil {
		e.stmts.close()
		writer.Close()
		readers.Close()
		return nil, fmt.Errorf("r1: open %s: %w", path, err)
	}
	checkpointer.SetMaxOpenConns(1)
	checkpointer.SetMaxIdleConns(1)
	checkpointer.SetConnMaxIdleTime(time.Minute)
	e.startUpkeep(checkpointer)
	return e, nil
}

// The WAL's bounds on the local file. Upkeep checkpoints beside the writer after its commits
// (upkeep.go); the writer's own checkpoint (wal_autocheckpoint) runs inside a commit, on the
// writer's thread, so it is only the bound on the WAL for when upkeep's checkpoint still runs as
// the next write begins and the WAL cannot start over. At 1,000,000 torrents a bulk batch of 2500
// writes about 16,000 pages to the WAL: with the threshold at 10,000 pages the writer checkpointed
// at every such commit and copied the whole batch itself (a quarter of its reads and writes through
// the OS); at 40,000 it does so every third batch or so and copies only what upkeep had not yet
// (tests/bench, BENCH_INGEST_MORE: 19.1 reads and 26.9 writes a torrent before, 14.8 and 22.4 after).
const walAutocheckpointPages = 40000

// walSizeLimit is where the WAL's file is cut back when it starts over (journal_size_limit), so
// the WAL of a bulk load does not stay on disk. It is above what a load writes between two
// restarts (below): cut back to 64 MiB at each restart, the file was written again past its end
// every few seconds, each page a new block of the file system, and a million-torrent load was
// slower (tests/bench, 1,000,000 tags, two pairs in one window: 8,700 and 8,697 torrents/s,
// 174.3 and 176.5 µs of CPU a torrent, against 8,581 and 8,159/s, 180.0 and 190.5 µs; the load
// before the finish 70-72 s against 76-81 s).
// The WAL starts over only once every frame is copied and no reader uses it, and no checkpoint
// copies past the oldest snapshot a reader holds: a reader that always holds one keeps it growing
// past any threshold. A bulk load's scratch full-text index reads the catalog step after step, so
// it holds its snapshot only while it copies a range's rows into its own file (bulkfts.go): the
// WAL of a load starts over every few seconds (tests/bench: peaks of 173-224 MB at 200,000
// torrents, 366 MB at 1,000,000; 787 MB and about 6.5 GB before). The finish's copy of the
// full-text index is one transaction, which the WAL holds whole (1.16 GB at 1,000,000 tags).
// A variable for the tests.
var walSizeLimit int64 = 512 << 20

// cacheKiB is a cache_size pragma's value for bytes: negative, in KiB.
func cacheKiB(bytes int64) string { return strconv.FormatInt(-bytes>>10, 10) }

// readerTurn waits for a reader's turn (when readers are limited) and returns what gives it back.
// More readers than cores: the query's wall time is shared, and its budget told so.
func (e *localEngine) readerTurn(ctx context.Context) (done func(), err error) {
	if e.readerTurns == nil {
		return func() {}, nil
	}
	if err := e.readerTurns.take(ctx); err != nil {
		return nil, e.mapError(ctx, err)
	}
	restore := func() {}
	if share := e.readerTurns.coreShare(runtime.GOMAXPROCS(0)); share < 1 {
		restore = ports.SharingCores(ctx, share)
	}
	return func() { restore(); e.readerTurns.release() }, nil
}

func (e *localEngine) Query(ctx context.Context, s Statement) (Result, error) {
	if e.closed.Load() {
		return Result{}, errClosed
	}
	params, err := e.params(s.Params)
	if err != nil {
		return Result{}, err
	}
	done, err := e.readerTurn(ctx)
	if err != nil {
		return Result{}, err
	}
	defer done()
	rows, err := e.stmts.query(ctx, s.SQL, params...)
	if err != nil {
		return Result{}, e.mapError(ctx, err)
	}
	read, err := readRows(rows)
	if err != nil {
		return Result{}, e.mapError(ctx, err)
	}
	return e.shape(Result{Rows: read})
}

// QueryBatch runs the statements one after the other on one reader, inside one read transaction:
// they see one snapshot of the file, as the statements of a D1 batch (one transaction) do (the
// search sends its probe and the pages it may choose from it in one batch: search_ahead.go).
func (e *localEngine) QueryBatch(ctx context.Context, statements []Statement) ([]Result, error) {
	if e.closed.Load() {
		return nil, errClosed
	}
	bound, err := e.bindAll(statements)
	if err != nil {
		return nil, err
	}
	done, err := e.readerTurn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	tx, err := e.readers.BeginTx(ctx, nil)
	if err != nil {
		return nil, e.mapError(ctx, err)
	}
	defer tx.Rollback() //nolint:errcheck // a read transaction: nothing to keep
	results := make([]Result, len(statements))
	run := batchRun{on: tx, statements: statements, bound: bound}
	defer run.close()
	for i := range statements {
		rows, err := run.query(ctx, i)
		if err != nil {
			return nil, e.mapError(ctx, err)
		}
		read, err := readRows(rows)
		if err != nil {
			return nil, e.mapError(ctx, err)
		}
		if results[i], err = e.shape(Result{Rows: read}); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// bindAll converts every statement's parameters before any runs, so a bad one fails the batch
// before it takes a connection.
func (e *localEngine) bindAll(statements []Statement) ([][]any, error) {
	bound := make([][]any, len(statements))
	for i, s := range statements {
		params, err := e.params(s.Params)
		if err != nil {
			return nil, err
		}
		bound[i] = params
	}
	return bound, nil
}

// Costs are the local file's; in ParamsAsText mode, which stands for D1 in the tests, D1's, so the
// search planner takes the paths it takes on D1 (one call for a page and its count).
func (e *localEngine) Costs() Costs {
	if e.opts.ParamsAsText {
		return d1Costs
	}
	return localCosts
}

func (e *localEngine) Batch(ctx context.Context, statements []Statement) ([]Result, error) {
	return e.batch(ctx, statements, false)
}

// batch is Batch; checksOff runs the statements with SQLite's CHECK constraints off, for rows the
// caller checked itself (rowchecks.go), and on again after.
func (e *localEngine) batch(ctx context.Context, statements []Statement, checksOff bool) ([]Result, error) {
	if e.closed.Load() {
		return nil, errClosed
	}
	if len(statements) == 0 {
		return nil, nil
	}
	bound, err := e.bindAll(statements)
	if err != nil {
		return nil, err
	}
	// One statement is a transaction by itself, so it runs as one (autocommit, on the writer held
	// for it): SQLite then keeps no statement journal, the copy of every page the statement changes
	// that it keeps inside a transaction to undo the statement alone (6% of the CPU of an ingest at
	// a million torrents, where the upsert of a bulk batch is the only statement). A writing
	// statement takes the write lock as it begins, as BEGIN IMMEDIATE does.
	conn, err := e.writer.Conn(ctx)
	if err != nil {
		return nil, e.mapError(ctx, err)
	}
	defer conn.Close()
	pageWrites(conn) // what came before (a merge, say) is not this batch's
	if checksOff {
		if _, err := conn.ExecContext(ctx, "PRAGMA ignore_check_constraints = ON"); err != nil {
			return nil, e.mapError(ctx, err)
		}
		defer func() {
			if _, err := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA ignore_check_constraints = OFF"); err != nil {
				// A connection that may still skip the checks is not used again: database/sql
				// closes it.
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}()
	}
	var tx preparer = conn
	commit := func() error { return nil }
	if len(statements) > 1 {
		t, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return nil, e.mapError(ctx, err)
		}
		defer t.Rollback() //nolint:errcheck // after Commit it is a no-op; on failure the batch error wins
		tx, commit = t, t.Commit
	}
	results := make([]Result, len(statements))
	var total int64
	if err := tx.QueryRowContext(ctx, "SELECT total_changes()").Scan(&total); err != nil {
		return nil, e.mapError(ctx, err)
	}
	run := batchRun{on: tx, statements: statements, bound: bound}
	defer run.close()
	for i := range statements {
		rows, err := run.query(ctx, i)
		if err != nil {
			return nil, e.mapError(ctx, err)
		}
		read, err := readRows(rows)
		if err != nil {
			return nil, e.mapError(ctx, err)
		}
		// D1's meta: changes() alone would repeat the previous write's count after a SELECT, so it
		// counts only when total_changes() moved.
		var changes, lastID, newTotal int64
		if err := tx.QueryRowContext(ctx, "SELECT changes(), last_insert_rowid(), total_changes()").
			Scan(&changes, &lastID, &newTotal); err != nil {
			return nil, e.mapError(ctx, err)
		}
		if newTotal == total {
			changes = 0
		}
		total = newTotal
		results[i], err = e.shape(Result{Rows: read, Changes: changes, LastRowID: lastID})
		if err != nil {
			return nil, err
		}
	}
	if err := commit(); err != nil {
		return nil, e.mapError(ctx, err)
	}
	e.bulk.batchWrote(pageWrites(conn))
	e.roomAgain()
	e.wroteNow()
	return results, nil
}

// batchRun runs a batch's statements on one transaction or connection. A statement that runs
// more than once in a row (a bulk load's bound upserts, rowvalues.go) is prepared once.
type batchRun struct {
	on         preparer
	statements []Statement
	bound      [][]any
	prepared   map[string]*sql.Stmt
}

// query runs the batch's statement i.
func (b *batchRun) query(ctx context.Context, i int) (*sql.Rows, error) {
	s := b.statements[i]
	if st := b.prepared[s.SQL]; st != nil {
		return st.QueryContext(ctx, b.bound[i]...)
	}
	if i+1 < len(b.statements) && b.statements[i+1].SQL == s.SQL {
		st, err := b.on.PrepareContext(ctx, s.SQL)
		if err != nil {
			return nil, err
		}
		if b.prepared == nil {
			b.prepared = map[string]*sql.Stmt{}
		}
		b.prepared[s.SQL] = st
		return st.QueryContext(ctx, b.bound[i]...)
	}
	return b.on.QueryContext(ctx, s.SQL, b.bound[i]...)
}

// close closes the statements it prepared.
func (b *batchRun) close() {
	for _, st := range b.prepared {
		st.Close()
	}
}

// querier is a transaction or a connection.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// preparer is a transaction or a connection, which prepares statements.
type preparer interface {
	querier
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// minFreeBytes is the free space under which a disk that already refused a write still counts as
// full: a page or two would fit, a batch with its WAL frames would not.
const minFreeBytes = 1 << 20

// storageFull reports whether the last write found the disk full and it still is: once space is
// freed (at least minFreeBytes), health says so before any write has to try.
func (e *localEngine) storageFull() bool {
	if !e.full.Load() {
		return false
	}
	if free, ok := e.freeSpace(); ok && free >= minFreeBytes {
		e.full.Store(false)
		return false
	}
	return true
}

// roomAgain clears full after a write committed, unless the filesystem still has less than
// minFreeBytes: a session row fits where a batch of torrents does not, and the disk is still full
// for the writes that matter. Where the free space cannot be read, the commit is the evidence.
func (e *localEngine) roomAgain() {
	if !e.full.Load() {
		return
	}
	if free, ok := e.freeSpace(); !ok || free >= minFreeBytes {
		e.full.Store(false)
	}
}

func (e *localEngine) freeSpace() (int64, bool) {
	if e.free != nil {
		return e.free(e.dir)
	}
	return freeBytes(e.dir)
}

func (e *localEngine) Close() error {
	if e.closed.Swap(true) {
		return nil
	}
	e.stmts.close()
	if side := e.takeBulkFTS(); side != nil {
		_ = side.halt(true) // a load left unfinished: the next open finishes it without
		side.close()
	}
	err := errors.Join(e.stopUpkeep(), e.writer.Close())
	e.unlockBulk()
	if e.readers != e.writer {
		err = errors.Join(err, e.readers.Close())
	}
	if err != nil {
		return fmt.Errorf("r1: close: %s", err.Error())
	}
	return nil
}

var errClosed = fmt.Errorf("r1: database is closed: %w", domain.ErrUnavailable)

func (e *localEngine) params(in []any) ([]any, error) {
	if !e.opts.ParamsAsText {
		return in, nil // as they are: no copy (a bulk batch's 3,200 parameters a statement)
	}
	out := make([]any, len(in))
	for i, p := range in {
		text, err := paramText(p)
		if err != nil {
			return nil, fmt.Errorf("parameter %d: %w", i+1, err)
		}
		out[i] = text
	}
	return out, nil
}

// shape passes a result through JSON when the engine emulates D1's answers.
func (e *localEngine) shape(r Result) (Result, error) {
	if !e.opts.JSONResults {
		return r, nil
	}
	raw, err := json.Marshal(struct {
		Results []Row `json:"results"`
		Changes int64 `json:"changes"`
		LastID  int64 `json:"last_row_id"`
	}{r.Rows, r.Changes, r.LastRowID})
	if err != nil {
		return Result{}, fmt.Errorf("r1: encode result: %w", err)
	}
	var back struct {
		Results []Row   `json:"results"`
		Changes float64 `json:"changes"`
		LastID  float64 `json:"last_row_id"`
	}
	if err := json.Unmarshal(raw, &back); err != nil {
		return Result{}, fmt.Errorf("r1: decode result: %w", err)
	}
	return Result{Rows: back.Results, Changes: int64(back.Changes), LastRowID: int64(back.LastID)}, nil
}

func readRows(rows *sql.Rows) ([]Row, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []Row
	values := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range values {
		ptrs[i] = &values[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make(Row, len(cols))
		for i, c := range cols {
			row[c] = plainValue(values[i])
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, rows.Close()
}

// plainValue keeps row values to what D1's JSON can carry.
func plainValue(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case time.Time:
		// The driver parses columns declared TIMESTAMP; D1 returns SQLite's text.
		return x.UTC().Format(time.DateTime)
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	}
	return v
}

// mapError turns a driver error into the domain's words; the core never sees database/sql or the
// driver.
func (e *localEngine) mapError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if e.closed.Load() || errors.Is(err, sql.ErrConnDone) || errors.Is(err, sql.ErrTxDone) ||
		strings.Contains(err.Error(), "sql: database is closed") {
		return errClosed
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("r1: %s", err.Error())
	}
	code := se.Code()
	switch code & 0xff {
	case sqlite3.SQLITE_CONSTRAINT:
		return constraintConflict(code, se.Error())
	case sqlite3.SQLITE_FULL:
		// ENOSPC, or the size limit of the file: nothing was written (the transaction rolls back).
		e.full.Store(true)
		return fmt.Errorf("r1: no space left for the database: %w", domain.ErrStorageFull)
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_READONLY,
		sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_PERM, sqlite3.SQLITE_NOLFS:
		return fmt.Errorf("r1: %s: %w", se.Error(), domain.ErrUnavailable)
	case sqlite3.SQLITE_INTERRUPT:
		return fmt.Errorf("r1: statement interrupted: %w", domain.ErrUnavailable)
	case sqlite3.SQLITE_ERROR:
		if strings.Contains(se.Error(), "no such index:") {
			// An index a search names (INDEXED BY) that a bulk load dropped until it finishes
			// (bulkload.go), in this process or another: the catalog is being loaded, come back.
			return fmt.Errorf("r1: %s (a bulk load of the database has not finished): %w", se.Error(), domain.ErrUnavailable)
		}
	}
	// A logic error (bad SQL, missing table) is a bug or an unmigrated database: its text only.
	return fmt.Errorf("r1: %s", se.Error())
}

// constraintConflict reads SQLite's "UNIQUE constraint failed: torrents.info_hash" into a conflict
// naming the column.
func constraintConflict(code int, msg string) error {
	field := ""
	if i := strings.LastIndex(msg, "failed: "); i >= 0 {
		field = msg[i+len("failed: "):]
		if j := strings.Index(field, " ("); j >= 0 {
			field = field[:j]
		}
		if j := strings.Index(field, ","); j >= 0 {
			field = field[:j]
		}
		if j := strings.LastIndex(field, "."); j >= 0 {
			field = field[j+1:]
		}
	}
	switch code {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return &domain.ConflictError{Field: field, Message: "already exists"}
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return &domain.ConflictError{Field: field, Message: "refers to something that does not exist"}
	}
	return &domain.ConflictError{Field: field, Message: "violates a constraint of the store"}
}
