//go:build unix

package r1

import (
	"path/filepath"
	"syscall"
	"testing"
)

// A lock let go is free at once, even while a copy of its descriptor lives on: a child process
// forked by another goroutine holds one until it runs its program. Closing the descriptor alone
// left the lock held for that while, so an open in the same moment took the load for another
// process's and left it unfinished (TestAnInterruptedBulkLoadIsFinishedByTheNextOpen failed once
// so, beside the tests that start processes). Regression test: fails before unlockFile unlocked
// before it closed. The copy is made here with dup, as a fork makes it.
func TestALockLetGoIsFreeWhileACopyOfItsDescriptorLives(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "catalog.db"+bulkLockSuffix)
	held, ok, err := lockFile(path)
	if err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	copyFd, err := syscall.Dup(int(held.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(copyFd)
	if _, ok, err := lockFile(path); err != nil || ok {
		t.Fatalf("a second lock while the first is held: %v %v; want refused", ok, err)
	}
	if err := unlockFile(held); err != nil {
		t.Fatal(err)
	}
	again, ok, err := lockFile(path)
	if err != nil || !ok {
		t.Fatalf("the lock let go, a copy of its descriptor open: taken %v (%v); want taken", ok, err)
	}
	if err := unlockFile(again); err != nil {
		t.Fatal(err)
	}
}
