package migration_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/adapters/metainfo"
	"github.com/torrent-streamer/streamer/adapters/ndjson"
	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/application/migration"
	"github.com/torrent-streamer/streamer/ports"
	"github.com/torrent-streamer/streamer/tests/pgtest"
)

// TestImportAtScale measures `streamer import --preset bitmagnet` (the built binary, so its peak RSS
// is its own) from a generated bitmagnet database into a local file, beside ingest's rate for the
// same torrents on the same machine in the same run. It runs only when IMPORT_SCALE names the number
// of torrents (10 files each); the figure is 1,000,000:
//
//	IMPORT_SCALE=1000000 flock /tmp/heavy.lock go test -count=1 -run TestImportAtScale -v -timeout 3h ./tests/migration/
//
// IMPORT_ROUNDS=n measures the import and the ingest n times, the order swapped every other round
// (import then ingest, then ingest then import), so that a machine whose load changes during the
// run does not favour one of them; each round gives its ratio.
//
// Both are timed alike: from the first record read to the last one stored, the full-text merge at
// the end counted; neither counts its process's start, opening the database or its migration. The
// import's figure is the report's (it also counts reading the checkpoints, PostgreSQL's estimate
// and planning, and the checkpoints it saves). Each also gives the CPU it used: the import's
// process, PostgreSQL's backend serving it, and the ingest's (this process, while it ingests).
func TestImportAtScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("IMPORT_SCALE"))
	if n <= 0 {
		t.Skip("set IMPORT_SCALE=<torrents> to measure the import at scale")
	}
	rounds, _ := strconv.Atoi(os.Getenv("IMPORT_ROUNDS"))
	rounds = max(rounds, 1)
	pg := pgtest.Start(t)
	dsn := pg.CreateDatabase(t, "bitmagnet")
	began := time.Now()
	pgtest.Exec(t, dsn, pgtest.BitmagnetSchema+pgtest.BitmagnetBulk(n, 10))
	// A long-lived bitmagnet database is vacuumed and checkpointed; a freshly generated one is
	// vacuumed by autovacuum soon after, and its buffers written by the checkpointer over the next
	// minutes, which would land in the measurement (at 250,000 torrents, autovacuum took 14 s of a
	// backend's time half a minute after the load). Before each timed run, settle() also has the
	// kernel write what the one before left dirty (gigabytes at a million torrents), so that no run
	// pays for the writes of another.
	pgtest.Exec(t, dsn, "VACUUM ANALYZE")
	pgtest.Exec(t, dsn, "CHECKPOINT")
	t.Logf("generated %d torrents with 10 files each in PostgreSQL in %v", n, time.Since(began).Round(time.Second))

	dir := t.TempDir()
	bin := filepath.Join(dir, "streamer")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/streamer").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dbPath := filepath.Join(dir, "streamer.db")
	env := append(os.Environ(), "R1_DATABASE="+dbPath, "AUTH_SECRET="+secret, "LOG_LEVEL=warn", "CI=true")
	// importRun runs the binary and returns its rate; the dry run reads and checks everything and
	// writes nothing (the rate PostgreSQL and the checks allow), the real one adds the writes.
	importRun := func(what string, args ...string) float64 {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(dbPath + suffix) // a new file each time, as the ingest's
		}
		report := filepath.Join(dir, "report.json")
		preset := []string{"--preset", "bitmagnet"}
		if slices.Contains(args, "--map") {
			preset = nil
		}
		cmd := exec.Command(bin, append(append([]string{"import", "--report", report, "--from", dsn}, preset...), args...)...)
		cmd.Env, cmd.Stderr = env, os.Stderr
		settle()
		pgBefore, loadBefore := pg.CPU(), loadAverage()
		if out, err := cmd.Output(); err != nil {
			t.Fatalf("import: %v\n%s", err, out)
		}
		pgCPU := pg.CPU() - pgBefore
		var doc struct {
			Seconds float64 `json:"seconds"` // the whole run, the full-text merge at its end included
			Kinds   []struct {
				Created     int64   `json:"created"`
				Seconds     float64 `json:"seconds"`
				ReadWaited  float64 `json:"readWaitedSeconds"`
				WriteWaited float64 `json:"writeWaitedSeconds"`
			} `json:"kinds"`
		}
		raw, _ := os.ReadFile(report)
		if err := json.Unmarshal(raw, &doc); err != nil || len(doc.Kinds) != 1 || doc.Kinds[0].Created != int64(n) {
			t.Fatalf("report: %s %v", raw, err)
		}
		// Peak RSS is the child's own here: this process is still small (the ingest, which makes it
		// grow, comes after the first import; an exec'd child starts from its parent's peak).
		rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
		k := doc.Kinds[0]
		cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		t.Logf("%s %d torrents in %v: %.0f torrents/s; peak RSS %.1f MiB; CPU %s a torrent, PostgreSQL %s; the reader waited %.0f s for the writer, the writer %.0f s for the reader; load average %s before, %s after",
			what, n, time.Duration(doc.Seconds*float64(time.Second)).Round(time.Second), float64(n)/doc.Seconds, float64(rss)/1024,
			perTorrent(cpu, n), perTorrent(pgCPU, n), k.ReadWaited, k.WriteWaited, loadBefore, loadAverage())
		return float64(n) / doc.Seconds
	}
	// Before the dry run of the preset, one of bitmagnet's catalog as the preset read it until
	// session 4 (lateralMapping: one query, each torrent's sources, content and files looked up
	// with it), given as a --map directory: PostgreSQL's CPU a torrent, beside the preset's, is what
	// reading the children as their own streams saves.
	lateral := filepath.Join(dir, "lateral")
	if err := os.MkdirAll(lateral, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(lateral, "torrents.sql"), []byte(lateralMapping), 0o600); err != nil {
		t.Fatal(err)
	}
	importRun("read and checked with the LATERAL mapping (dry run)", "--dry-run", "--map", lateral)
	importRun("read and checked (dry run)", "--dry-run")
	imported := []float64{importRun("imported from PostgreSQL")}

	// Ingest's rate on the same torrents: exported to NDJSON, then sent through the ingest use case
	// (Prepare and Store, what POST /api/ingest calls) in the import's batches into a new file, the next
	// batch decoded and prepared on the other core while one is stored, the full-text merge at the
	// end counted, as `make bench` measures ingest.
	file := filepath.Join(dir, "catalog.ndjson")
	export := exec.Command(bin, "export", "--out", file)
	export.Env = env
	if out, err := export.CombinedOutput(); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	ingestRun := func() float64 {
		settle()
		loadBefore := loadAverage()
		took, cpu := ingestFile(t, file, filepath.Join(dir, "ingest.db"), n)
		removeDB(filepath.Join(dir, "ingest.db"))
		t.Logf("ingested through the ingest use case (the same torrents, from NDJSON) %d torrents in %v: %.0f torrents/s; CPU %s a torrent; load average %s before, %s after",
			n, took.Round(time.Second), float64(n)/took.Seconds(), perTorrent(cpu, n), loadBefore, loadAverage())
		return float64(n) / took.Seconds()
	}
	removeDB(dbPath) // exported: at 1,000,000 each file is 2 GB, and no more than one is kept at once
	ingested := []float64{ingestRun()}
	for r := 1; r < rounds; r++ {
		if r%2 == 1 {
			ingested = append(ingested, ingestRun())
			imported = append(imported, importRun("imported from PostgreSQL"))
			removeDB(dbPath)
		} else {
			imported = append(imported, importRun("imported from PostgreSQL"))
			removeDB(dbPath)
			ingested = append(ingested, ingestRun())
		}
	}
	for r := range imported {
		t.Logf("round %d: import %.0f torrents/s, ingest %.0f torrents/s: the import at %.1f%% of the ingest's rate", r+1, imported[r], ingested[r], 100*imported[r]/ingested[r])
	}
}

// removeDB deletes a local database file and its WAL.
func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(path + suffix)
	}
}

// loadAverage is the machine's 1-minute load average (Linux; "?" elsewhere): the machine is shared,
// and a run's rate means little without the load beside it.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(raw)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// settle writes the file system's dirty pages (the runs before's databases) before a timed run.
func settle() { syscall.Sync() }

func perTorrent(d time.Duration, n int) string {
	return fmt.Sprintf("%.0f µs", float64(d.Microseconds())/float64(n))
}

// ingestFile ingests an NDJSON catalog of n torrents into a new local file the way `make bench`
// does, and returns the time it took and the CPU this process used meanwhile.
func ingestFile(t *testing.T, file, dbPath string, n int) (took, cpu time.Duration) {
	ctx := context.Background()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(dbPath + suffix)
	}
	db, err := r1.OpenFile(ctx, dbPath, r1.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	silent := slog.New(slog.NewTextHandler(io.Discard, nil))
	cache := caching.NewStore(memory.NewCache(memory.CacheOptions{}), ports.SystemClock{}, caching.Options{Logger: silent})
	svc := ingest.NewService(r1.NewTorrentRepository(db), metainfo.NewDecoder(), cache, ports.SystemClock{}, silent)
	src, err := ndjson.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()

	// Unbuffered, as the import's: one batch stored while the next is read and prepared.
	batches := make(chan ingest.Prepared)
	read := make(chan error, 1)
	cpuBefore := processCPU()
	start := time.Now()
	go func() {
		defer close(batches)
		var batch []ingest.Item
		send := func(items []ingest.Item) error {
			p, err := svc.Prepare(items)
			if err != nil {
				return err
			}
			batches <- p
			batch = nil
			return nil
		}
		read <- src.Read(ctx, ports.ImportTorrents, "", func(r ports.SourceRecord) error {
			if r.Torrent == nil {
				t.Errorf("record %s: %s", r.Key, r.Problem)
				return nil
			}
			x := r.Torrent
			batch = append(batch, ingest.Item{InfoHash: x.InfoHash, Magnet: x.Magnet, Name: x.Name, Size: x.Size, Category: x.Category,
				Seeders: x.Seeders, Leechers: x.Leechers, UploadedAt: x.UploadedAt, Description: x.Description, Files: x.Files,
				Trackers: x.Trackers, WebSeeds: x.WebSeeds, External: x.External})
			if len(batch) == migration.TorrentBatch { // make bench's batches, the import's
				return send(batch)
			}
			return nil
		})
		if len(batch) > 0 {
			_ = send(batch)
		}
	}()
	created := 0
	for batch := range batches {
		report, err := svc.Store(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		created += report.Created
	}
	if err := db.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	took, cpu = time.Since(start), processCPU()-cpuBefore
	if err := <-read; err != nil {
		t.Fatal(err)
	}
	if created != n {
		t.Fatalf("ingest created %d of %d torrents", created, n)
	}
	return took, cpu
}

// processCPU is the CPU this process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// lateralMapping is bitmagnet's torrents as the preset read them until session 4: one query, each
// torrent's content, external ids, sources and files looked up with it (LATERAL), its lists as
// arrays. It is still a valid mapping of one's own (a --map directory with list columns).
const lateralMapping = `SELECT t.info_hash AS key,
       t.info_hash,
       t.name,
       t.size,
       CASE c.content_type
           WHEN 'movie' THEN 'movies'
           WHEN 'tv_show' THEN 'tv'
           WHEN 'music' THEN 'music'
           WHEN 'audiobook' THEN 'music'
           WHEN 'ebook' THEN 'books'
           WHEN 'comic' THEN 'books'
           WHEN 'game' THEN 'games'
           WHEN 'software' THEN 'software'
           ELSE 'other'
       END AS category,
       coalesce(src.seeders, 0) AS seeders,
       coalesce(src.leechers, 0) AS leechers,
       coalesce(src.published_at, t.created_at) AS uploaded_at,
       CASE t.files_status
           WHEN 'single' THEN ARRAY[t.name]
           WHEN 'multi' THEN fl.paths
       END AS file_paths,
       CASE t.files_status
           WHEN 'single' THEN ARRAY[t.size]
           WHEN 'multi' THEN fl.sizes
       END AS file_sizes,
       CASE WHEN ids.imdb ~ '^tt[0-9]{7,10}$' THEN ids.imdb END AS imdb_id,
       CASE WHEN ids.tmdb ~ '^[0-9]{1,15}$' THEN ids.tmdb::bigint END AS tmdb_id,
       CASE WHEN ids.tvdb ~ '^[0-9]{1,15}$' THEN ids.tvdb::bigint END AS tvdb_id
FROM torrents t
LEFT JOIN LATERAL (
    SELECT tc.content_type, tc.content_source, tc.content_id FROM torrent_contents tc
    WHERE tc.info_hash = t.info_hash AND tc.content_type IS NOT NULL
    ORDER BY tc.updated_at DESC LIMIT 1
) c ON true
LEFT JOIN LATERAL (
    SELECT
        coalesce(CASE WHEN c.content_source = 'imdb' THEN c.content_id END, max(a.value) FILTER (WHERE a.source = 'imdb')) AS imdb,
        coalesce(CASE WHEN c.content_source = 'tmdb' THEN c.content_id END, max(a.value) FILTER (WHERE a.source = 'tmdb')) AS tmdb,
        coalesce(CASE WHEN c.content_source = 'tvdb' THEN c.content_id END, max(a.value) FILTER (WHERE a.source = 'tvdb')) AS tvdb
    FROM content_attributes a
    WHERE a.content_type = c.content_type AND a.content_source = c.content_source AND a.content_id = c.content_id
      AND a.key = 'id' AND a.source IN ('imdb', 'tmdb', 'tvdb')
) ids ON true
LEFT JOIN LATERAL (
    SELECT max(s.seeders) AS seeders, max(s.leechers) AS leechers, min(s.published_at) AS published_at
    FROM torrents_torrent_sources s WHERE s.info_hash = t.info_hash
) src ON true
LEFT JOIN LATERAL (
    SELECT array_agg(f.path) AS paths, array_agg(f.size) AS sizes
    FROM (SELECT f.path, f.size FROM torrent_files f WHERE f.info_hash = t.info_hash AND t.files_status = 'multi' ORDER BY f.index) f
) fl ON true
`
