package r1

import "os"

// A bulk load's lock: a file beside the database (<path>.bulk-load), locked by the process that
// loads for as long as it does, and let go by the system when the process ends however it ends.
// The next open finishes an unfinished load only when it can take the lock: while a live import
// loads, a service opening the file serves what is there (its searches miss the torrents loaded
// so far) instead of finishing the load under it. The file is removed when the lock is let go.

// bulkLockSuffix names the lock's file, beside the database.
const bulkLockSuffix = ".bulk-load"

// lockBulk takes the lock for this process's load, unless it holds it already or another live
// process does (two loads then share the deferred work; the first to finish builds it, the
// other finds it done).
func (e *localEngine) lockBulk() error {
	free, err := e.claimBulk()
	if err == nil && !free {
		e.notice("another process holds this database's bulk-load lock (" + e.path + bulkLockSuffix +
			"): this bulk load joins the one under way there; whichever finishes first builds the indexes and the search index for both")
	}
	return err
}

// noticeLoadingElsewhere is what an open says when another process bulk loads the file.
func (e *localEngine) noticeLoadingElsewhere() {
	e.notice("another process is bulk loading this database (it holds " + e.path + bulkLockSuffix +
		"): until it finishes, searches here miss the torrents it has loaded, and sorts are slow")
}

// notice tells LocalOptions.Notice what a person should know: taken silently, the lock left them
// wondering why searches missed a load's torrents, or why their import joined another's load.
func (e *localEngine) notice(what string) {
	if e.opts.Notice != nil {
		e.opts.Notice(what)
	}
}

// claimBulk takes the lock and says whether no other process holds it (true when this engine
// holds it already, or when the database is in memory).
func (e *localEngine) claimBulk() (bool, error) {
	e.bulkMu.Lock()
	defer e.bulkMu.Unlock()
	if e.path == "" || e.bulkLock != nil {
		return true, nil
	}
	f, ok, err := lockFile(e.path + bulkLockSuffix)
	if err != nil || !ok {
		return false, err
	}
	e.bulkLock = f
	return true, nil
}

// bulkLockedElsewhere says whether another live process holds the lock; when not, this engine
// holds it now (unlockBulk lets it go). This engine's own load counts as elsewhere: it is live.
func (e *localEngine) bulkLockedElsewhere() (bool, error) {
	e.bulkMu.Lock()
	own := e.bulkLock != nil
	e.bulkMu.Unlock()
	if own {
		return true, nil
	}
	free, err := e.claimBulk()
	return !free, err
}

// unlockBulk lets the lock go, if this engine holds it.
func (e *localEngine) unlockBulk() {
	e.bulkMu.Lock()
	defer e.bulkMu.Unlock()
	if e.bulkLock != nil {
		// Removed while locked: a process that opens it from now on makes a new one.
		_ = os.Remove(e.bulkLock.Name())
		_ = unlockFile(e.bulkLock)
		e.bulkLock = nil
	}
}
