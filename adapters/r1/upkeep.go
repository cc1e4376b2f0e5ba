package r1

import (
	"context"
	"database/sql"
	"time"
)

// The local engine's upkeep: work that SQLite would otherwise do inside the writer's transactions,
// done instead on the other core or while the writer is idle. SQLite has one writer, so whatever
// leaves its transactions makes every ingest shorter (tests/bench measures it: `make bench`).
//
//   - Checkpoints. The writer's automatic checkpoint (wal_autocheckpoint) copies the WAL into the
//     database file inside a commit. After commits, upkeep runs a PASSIVE checkpoint on a connection
//     of its own, beside the next writes; the writer's threshold is set high enough
//     (walAutocheckpointPages) that its own checkpoint is only the bound on the WAL, and finds
//     little left to copy. Nothing changes for durability: a commit is in the WAL before it
//     returns, as before. A checkpoint copies the WAL only up to the oldest snapshot a reader
//     still holds, and the WAL starts over (the writer writes it again from its first frame) only
//     when a transaction of the writer begins with every frame copied and no reader using the WAL:
//     a reader that holds snapshots nearly all the time keeps the WAL growing for as long. A bulk
//     load's scratch full-text index (bulkfts.go) so holds its snapshot of the catalog only while
//     it copies a range of rows into its own file, not while it indexes them.
//   - Full-text merges. FTS5 merges its index segments as it writes (automerge): at a million
//     torrents that was an eighth of the ingest's CPU, and each entry was rewritten once per 4x
//     growth. The local index is set not to (ftsAutomerge); upkeep merges it a step at a time once
//     the writer has been idle for LocalOptions.MergeAfterIdle, so a bulk load pays for merging once, at its end.
//     Under a load that never pauses, FTS5's crisismerge (16 segments at one level merged at once,
//     inside the write) still bounds how many segments a search reads.
//
// Settle does all of it at once (the benchmark counts it in the ingest's time). D1 does its own.
const (
	defaultMergeAfterIdle = 500 * time.Millisecond
	checkpointEvery       = 250 * time.Millisecond
	// mergeStepPages bounds one merge step (FTS5's 'merge' command, in pages written): a write that
	// arrives meanwhile waits for at most one step.
	mergeStepPages = 256
	// ftsAutomerge is the local index's automerge: off, upkeep merges.
	ftsAutomerge = 0
)

// mergeStep is one step of merging the full-text index: it merges levels holding at least four
// segments (FTS5's usermerge), and continues a merge already begun.
const mergeStep = "INSERT INTO torrents_fts (torrents_fts, rank) VALUES ('merge', ?)"

type upkeep struct {
	wrote chan struct{} // a write committed (never blocks: buffered, and sent without waiting)
	stop  chan struct{}
	done  chan struct{}
	// checkpointer is a connection for checkpoints; nil for an in-memory database, which has no WAL.
	checkpointer *sql.DB
}

// startUpkeep starts the engine's upkeep goroutine.
func (e *localEngine) startUpkeep(checkpointer *sql.DB) {
	e.upkeep = &upkeep{wrote: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}), checkpointer: checkpointer}
	go e.runUpkeep()
}

// wroteNow tells upkeep that a write committed.
func (e *localEngine) wroteNow() {
	if e.upkeep == nil {
		return
	}
	select {
	case e.upkeep.wrote <- struct{}{}:
	default:
	}
}

// stopUpkeep ends the upkeep goroutine, waiting for a step under way, and closes its connection.
func (e *localEngine) stopUpkeep() error {
	if e.upkeep == nil {
		return nil
	}
	close(e.upkeep.stop)
	<-e.upkeep.done
	if e.upkeep.checkpointer != nil {
		return e.upkeep.checkpointer.Close()
	}
	return nil
}

func (e *localEngine) runUpkeep() {
	u := e.upkeep
	defer close(u.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-u.stop
		cancel()
	}()
	idle := time.NewTimer(time.Hour)
	idle.Stop()
	afterIdle := e.opts.MergeAfterIdle
	rearm := func() {
		if afterIdle > 0 {
			idle.Reset(afterIdle)
		}
	}
	var lastCheckpoint time.Time
	unmerged := true // writes since the index was last found merged (or since the start)
	rearm()
	for {
		select {
		case <-u.stop:
			return
		case <-u.wrote:
			unmerged = true
			rearm()
			if time.Since(lastCheckpoint) >= checkpointEvery {
				e.checkpoint(ctx)
				lastCheckpoint = time.Now()
			}
		case <-idle.C:
			if !unmerged {
				continue
			}
			// A step at a time, until nothing is left to merge or a write comes.
			for {
				worked, err := e.mergeOnce(ctx)
				if err != nil || !worked {
					unmerged = err != nil && ctx.Err() == nil // a failed step is tried again at the next idle
					break
				}
				if len(u.wrote) > 0 {
					break
				}
			}
			e.checkpoint(ctx)
			lastCheckpoint = time.Now()
		}
	}
}

// checkpoint copies what the WAL holds into the database file, beside the writer (PASSIVE: it
// never waits for the writer or a reader, and copies what it can).
func (e *localEngine) checkpoint(ctx context.Context) {
	if e.upkeep.checkpointer == nil {
		return
	}
	// Its failure (a reader holding an old snapshot, a full disk) leaves the WAL to the writer's
	// own checkpoint, as before.
	_, _ = e.upkeep.checkpointer.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
}

// mergeOnce runs one merge step on the writer and says whether it found work: FTS5 tells by
// total_changes() moving by 2 or more.
func (e *localEngine) mergeOnce(ctx context.Context) (bool, error) {
	conn, err := e.writer.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	var before, after int64
	if err := conn.QueryRowContext(ctx, "SELECT total_changes()").Scan(&before); err != nil {
		return false, err
	}
	if _, err := conn.ExecContext(ctx, mergeStep, mergeStepPages); err != nil {
		return false, err
	}
	if err := conn.QueryRowContext(ctx, "SELECT total_changes()").Scan(&after); err != nil {
		return false, err
	}
	return after-before >= 2, nil
}

// settle merges the full-text index and checkpoints now, until nothing is left.
func (e *localEngine) settle(ctx context.Context) error {
	for {
		worked, err := e.mergeOnce(ctx)
		if err != nil {
			return e.mapError(ctx, err)
		}
		if !worked {
			break
		}
	}
	if e.upkeep != nil {
		e.checkpoint(ctx)
	}
	return nil
}

// setAutomerge makes the local full-text index leave merging to upkeep. Migrate calls it, once the
// index exists; it writes only when the setting differs.
func (e *localEngine) setAutomerge(ctx context.Context) error {
	var current sql.NullInt64
	err := e.writer.QueryRowContext(ctx, "SELECT v FROM torrents_fts_config WHERE k = 'automerge'").Scan(&current)
	if err != nil && err != sql.ErrNoRows {
		return e.mapError(ctx, err)
	}
	if current.Valid && current.Int64 == ftsAutomerge {
		return nil
	}
	if _, err := e.writer.ExecContext(ctx, "INSERT INTO torrents_fts (torrents_fts, rank) VALUES ('automerge', ?)", ftsAutomerge); err != nil {
		return e.mapError(ctx, err)
	}
	return nil
}
