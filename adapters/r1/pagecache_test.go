package r1

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// SQLite's pages come from the pool LocalOptions.PageCache gives, which bounds them: before, each
// page was its own malloc (about twice its size in modernc's allocator) and the one cache every
// connection shares grew into RSS over minutes of load, up to the sum of the connections'
// cache_size (the 10-minute soak: memory outside Go 59 → 94 MiB from its middle to its end). It
// runs in a process of its own: SQLite takes the pool before its first connection, and this
// package's other tests open many.
func TestThePageCachePoolHoldsEveryConnectionsPages(t *testing.T) {
	if os.Getenv("R1_PAGECACHE_CHILD") != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestThePageCachePoolHoldsEveryConnectionsPages$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), "R1_PAGECACHE_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		t.Logf("%s", out)
		return
	}
	ctx := context.Background()
	// A pool smaller than the writer's cache alone: the pool, not cache_size, is the bound.
	const pool = 8 << 20
	e, err := openLocal(ctx, filepath.Join(t.TempDir(), "pool.db"), LocalOptions{Readers: 2, PageCache: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	inEffect, err := PageCacheInEffect()
	if err != nil || inEffect < pool*9/10 || inEffect > pool {
		t.Fatalf("pool in effect: %d bytes, %v; want about %d", inEffect, err, pool)
	}
	// The connections' caches are the sizes the budget declares (PageCacheFor).
	for _, c := range []struct {
		name string
		db   querier
		want int64
	}{{"writer", e.writer, WriterCacheBytes}, {"reader", e.readers, ReaderCacheBytes}, {"checkpointer", e.upkeep.checkpointer, ReaderCacheBytes}} {
		var kib int64
		if err := c.db.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&kib); err != nil || -kib<<10 != c.want {
			t.Errorf("%s: cache_size %d KiB (%v), want %d bytes", c.name, kib, err, c.want)
		}
	}
	before := rssAnon(t)
	// 24 MiB of rows, three times the pool: written by the writer, read whole by the readers.
	if _, err := e.Batch(ctx, []Statement{{SQL: "CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT)"}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		if _, err := e.Batch(ctx, []Statement{{SQL: "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) INSERT INTO filler (body) SELECT printf('%.400c', 'x') FROM n"}}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 4; i++ {
		if _, err := e.Query(ctx, Statement{SQL: "SELECT count(*), sum(length(body)) FROM filler WHERE id > ?", Params: []any{i}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Batch(ctx, []Statement{{SQL: "SELECT count(*) FROM filler WHERE body LIKE '%y%'"}}); err != nil {
		t.Fatal(err)
	}
	used, outside := PageCacheStats()
	grew := rssAnon(t) - before
	t.Logf("pool %d KiB: %d slots in use, %d KiB of pages outside it; anonymous RSS %+d KiB", inEffect>>10, used, outside>>10, grew>>10)
	if used == 0 || outside > 64<<10 {
		t.Errorf("%d slots of the pool in use and %d KiB of pages outside it: the pages do not come from the pool", used, outside>>10)
	}
	// The pool was resident from the start; the pages read since did not add to RSS (without it,
	// the writer's cache alone grew by about twice the 24 MiB it read).
	if grew > pool {
		t.Errorf("anonymous RSS grew by %d KiB reading 24 MiB of pages through an %d KiB pool", grew>>10, pool>>10)
	}
}

// rssAnon is the process's anonymous resident memory, in bytes (/proc/self/status).
func rssAnon(t *testing.T) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "RssAnon:" {
			kib, _ := strconv.ParseInt(f[1], 10, 64)
			return kib << 10
		}
	}
	t.Skip("no RssAnon in /proc/self/status")
	return 0
}
