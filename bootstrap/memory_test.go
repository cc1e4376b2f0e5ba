package bootstrap

import (
	"context"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/adapters/r1"
)

// The service's memory budget is the sum of its parts (memory.go), and Serve sets the Go runtime's
// memory limit to it unless GOMEMLIMIT is set. Before, nothing bounded the heap but the collector's
// default target (twice what was live at the last collection): with password hashes in flight at a
// collection, the heap and RSS rose with it (the 10-minute soak: RSS +10.7 % from its middle to
// its end).
func TestServeLimitsTheGoHeapToTheMemoryBudget(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := NewInMemory(Config{CacheMaxMiB: 64}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	b := svc.memory
	want := memoryBudget{cache: 64 << 20, hashing: int64(runtime.NumCPU()) * 19 << 20, legacyHashing: 32 << 20, requests: memoryForRequests}
	if b != want {
		t.Fatalf("budget %v, want %v", b, want)
	}
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)
	t.Setenv("GOMEMLIMIT", "")
	if got := applyMemoryLimit(b, log); got != b.total() || debug.SetMemoryLimit(-1) != b.total() {
		t.Fatalf("limit %d (runtime: %d), want the budget %d", got, debug.SetMemoryLimit(-1), b.total())
	}
	// An operator's GOMEMLIMIT wins (the runtime read it at start; here, as if it had).
	debug.SetMemoryLimit(math.MaxInt64)
	t.Setenv("GOMEMLIMIT", "1GiB")
	if got := applyMemoryLimit(b, log); got != math.MaxInt64 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Fatalf("with GOMEMLIMIT set the limit became %d", debug.SetMemoryLimit(-1))
	}
	// The cache's share follows CACHE_MAX_MIB, and is none with the cache off.
	off := false
	svc2, err := NewInMemory(Config{CacheMaxMiB: 16, CacheEnabled: &off}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer svc2.Close()
	if svc2.memory.cache != 0 {
		t.Fatalf("cache off: the budget counts %d bytes for it", svc2.memory.cache)
	}
}

// The embedded default gives SQLite the page cache pool the budget declares (memory.go), and the
// budget counts what is in effect: before, SQLite's pages were outside every declared bound. It
// runs in a process of its own, as SQLite takes the pool before its first connection.
func TestTheBudgetDeclaresSQLitesPageCachePool(t *testing.T) {
	if os.Getenv("BOOTSTRAP_PAGECACHE_CHILD") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestTheBudgetDeclaresSQLitesPageCachePool$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), "BOOTSTRAP_PAGECACHE_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := New(context.Background(), Config{R1Database: filepath.Join(t.TempDir(), "streamer.db"), AuthSecret: strings.Repeat("s", 32)}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	declared := sqlitePageCache()
	inEffect, err := r1.PageCacheInEffect()
	if err != nil || inEffect < declared*9/10 || inEffect > declared {
		t.Fatalf("SQLite's page cache pool in effect: %d bytes (%v); the budget declares %d", inEffect, err, declared)
	}
	if svc.memory.sqlitePages != inEffect {
		t.Fatalf("the budget counts %d bytes of SQLite's pages, %d are in effect", svc.memory.sqlitePages, inEffect)
	}
}

// `streamer import` into the local file opens it within the import's budget (memory.go): SQLite's
// page cache pool holds the import's writer cache and its readers'. Before, it opened with no pool
// (each page about 8 KiB as it was allocated) and the service's writer cache. It runs in a process
// of its own (one for the import, one for a dry run, which writes nothing and takes no pool), as
// SQLite takes the pool before its first connection.
func TestTheImportOpensTheLocalFileWithinItsBudget(t *testing.T) {
	child := os.Getenv("BOOTSTRAP_IMPORT_POOL_CHILD")
	if child == "" {
		for _, run := range []string{"import", "dry-run"} {
			cmd := exec.Command(os.Args[0], "-test.run=^TestTheImportOpensTheLocalFileWithinItsBudget$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), "BOOTSTRAP_IMPORT_POOL_CHILD="+run)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", run, err, out)
			}
		}
		return
	}
	dry := child == "dry-run"
	dir := t.TempDir()
	src := filepath.Join(dir, "catalog.ndjson")
	line := `{"infoHash":"` + strings.Repeat("cd", 20) + `","name":"Big.Buck.Bunny.2008.1080p","size":5}` + "\n"
	if err := os.WriteFile(src, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{R1Database: filepath.Join(dir, "streamer.db"), AuthSecret: strings.Repeat("s", 32)}
	report, err := Import(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), ImportOptions{From: src, Out: io.Discard, Progress: io.Discard, DryRun: dry})
	if err != nil || len(report.Kinds) != 1 || report.Kinds[0].Created != 1 {
		t.Fatalf("import: %+v %v", report, err)
	}
	declared := r1.PageCacheForWriter(ImportWriterCache, importReaders)
	inEffect, err := r1.PageCacheInEffect()
	if dry {
		if inEffect != 0 || err != nil {
			t.Fatalf("a dry run took a page cache pool of %d bytes (%v)", inEffect, err)
		}
		return
	}
	if err != nil || inEffect < declared*9/10 || inEffect > declared {
		t.Fatalf("SQLite's page cache pool in the import: %d bytes (%v); its budget declares %d", inEffect, err, declared)
	}
	if o := importLocalOptions(); o.WriterCache <= r1.WriterCacheBytes || o.PageCache != declared || o.Readers != importReaders {
		t.Fatalf("the import's options %+v: want a writer's cache above the service's %d bytes, held by the pool", o, r1.WriterCacheBytes)
	}
}
