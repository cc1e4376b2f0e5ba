package r1

import (
	"context"
	"path/filepath"
	"testing"
)

// A disk that refused a write stays full, for health, until it has room again (minFreeBytes): a
// small write that still fits (a session row) does not make it "ok" while every ingest answers
// 507. Found by TestFullDisk (tests/soak) once single-statement batches stopped keeping a statement
// journal: a sign-up fitted, and health said "ok" on a full disk.
func TestASmallWriteThatFitsLeavesTheDiskFull(t *testing.T) {
	ctx := context.Background()
	e, err := openLocal(ctx, filepath.Join(t.TempDir(), "full.db"), LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	free := int64(100 << 10)
	e.free = func(string) (int64, bool) { return free, true }
	e.full.Store(true) // a write found no space left
	write := func() {
		t.Helper()
		if _, err := e.Batch(ctx, []Statement{{SQL: "CREATE TABLE IF NOT EXISTS t (x)"}, {SQL: "INSERT INTO t VALUES (1)"}}); err != nil {
			t.Fatal(err)
		}
	}
	write()
	if !e.storageFull() {
		t.Fatal("a write that fitted in 100 KiB left made the disk count as having room")
	}
	free = 2 * minFreeBytes
	write()
	if e.storageFull() {
		t.Fatal("with room again, the disk still counts as full")
	}
	// Where the free space cannot be read, a commit is the evidence of room.
	e.full.Store(true)
	e.free = func(string) (int64, bool) { return 0, false }
	write()
	if e.full.Load() {
		t.Fatal("without a free-space reading, a commit did not clear full")
	}
}
