package r1

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A process killed (SIGKILL: no deferred call, no close, its files and locks let go by the system)
// in the middle of a bulk load leaves a file the next open finishes: the same catalog as an
// incremental load of the same torrents, token for token (sameCatalog), with no load pending, no
// scratch index, no lock file. The process is a child (this test binary again, bulkLoadChild); it
// says on its output where it is and waits there, and the test kills it: during the load, after
// its scratch index read rows; while the finish builds the indexes (the scratch index catching up
// beside); as the finish's last transaction begins; and in it, after the scratch index was copied
// into the catalog, before the commit.
func TestABulkLoadKilledHalfWayIsFinishedByTheNextOpen(t *testing.T) {
	if os.Getenv(bulkChildEnv) != "" {
		t.Skip("the child's own run")
	}
	t.Parallel()
	incremental := openMigrated(t, LocalOptions{})
	bulkScenario(t, incremental, false, 4)
	for _, tc := range []struct {
		name   string
		killAt string // what the child says, then waits to be killed
		steps  int    // the scenario's steps the child ran before
		rest   func(t *testing.T, db *Database)
	}{
		{"during the load", "loaded", 2, func(t *testing.T, db *Database) {
			bulkTakedown(t, NewTorrentRepository(db))
			upsert(t, NewTorrentRepository(db), bulkLastBatch(t)...)
		}},
		{"while the indexes are built", "building the index torrents_seeded_1 ", 3, lastBatch},
		{"as the copy's transaction begins", "copying the", 3, lastBatch},
		{"in the copy's transaction, after the copy", "changed during the load", 3, lastBatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "catalog.db")
			killBulkLoadChild(t, path, tc.steps, tc.killAt)
			if _, err := os.Stat(path + bulkLockSuffix); err != nil {
				t.Errorf("the killed load left no lock file (%v): was it under way?", err)
			}
			db := openAt(t, path)
			if n := scalar(t, db, "SELECT count(*) FROM bulk_load_deferred"); n != 0 {
				t.Fatalf("the open after the kill left %d deferred items", n)
			}
			for _, suffix := range []string{bulkFTSSuffix, bulkLockSuffix} {
				if _, err := os.Stat(path + suffix); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s stays after the next open (%v)", suffix, err)
				}
			}
			tc.rest(t, db)
			sameCatalog(t, db, incremental)
			if n := scalar(t, db, "SELECT count(*) FROM bulk_load_changed"); n != 0 {
				t.Errorf("bulk_load_changed holds %d rows", n)
			}
		})
	}
}

// lastBatch is the scenario's fourth step, for a load killed after its third.
func lastBatch(t *testing.T, db *Database) {
	upsert(t, NewTorrentRepository(db), bulkLastBatch(t)...)
}

const bulkChildEnv = "R1_BULK_KILL_CHILD"

// killBulkLoadChild runs the bulk load of the scenario's first steps in a child process on the
// file at path, and kills it with SIGKILL once it says killAt.
func killBulkLoadChild(t *testing.T, path string, steps int, killAt string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBulkLoadChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d|%s", bulkChildEnv, path, steps, killAt))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	said := make(chan []string, 1)
	go func() {
		var lines []string
		for sc := bufio.NewScanner(out); sc.Scan(); {
			lines = append(lines, sc.Text())
			if sc.Text() == "WAITING TO BE KILLED" {
				said <- lines
				return
			}
		}
		said <- lines
	}()
	select {
	case lines := <-said:
		if len(lines) == 0 || lines[len(lines)-1] != "WAITING TO BE KILLED" {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("the child ended before %q:\n%s\n%s", killAt, strings.Join(lines, "\n"), stderr.String())
		}
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("the child did not reach %q in 2 minutes:\n%s", killAt, stderr.String())
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("the child was killed, yet exited cleanly")
	}
}

// TestBulkLoadChild is killBulkLoadChild's child: it loads the scenario's first steps as a bulk
// load, its scratch index reading after each, and then, unless killed in the load, finishes it;
// when it says the step it is to be killed at, it waits there.
func TestBulkLoadChild(t *testing.T) {
	spec := os.Getenv(bulkChildEnv)
	if spec == "" {
		t.Skip("run by TestABulkLoadKilledHalfWayIsFinishedByTheNextOpen")
	}
	parts := strings.SplitN(spec, "|", 3)
	var steps int
	if _, err := fmt.Sscan(parts[1], &steps); err != nil {
		t.Fatal(err)
	}
	path, killAt := parts[0], parts[2]
	wait := func() {
		fmt.Println("WAITING TO BE KILLED")
		time.Sleep(time.Hour)
		t.Fatal("not killed")
	}
	db := openAt(t, path)
	began(t, db)
	side := sideOf(t, db)
	halted(t, side)
	bulkScenario(t, db, false, steps, func(int) {
		if _, err := side.step(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	})
	if killAt == "loaded" {
		if _, err := os.Stat(path + bulkFTSSuffix); err != nil {
			t.Fatalf("no scratch index under way: %v", err)
		}
		wait()
	}
	if err := NewBulkLoader(db).FinishBulkLoad(context.Background(), func(what string) {
		fmt.Println(what)
		if strings.Contains(what, killAt) {
			wait()
		}
	}); err != nil {
		t.Fatal(err)
	}
	t.Fatalf("the finish never said %q", killAt)
}
