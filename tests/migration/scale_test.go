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
	"strconv"
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
		cmd := exec.Command(bin, append([]string{"import", "--report", report, "--from", dsn, "--preset", "bitmagnet"}, args...)...)
		cmd.Env, cmd.Stderr = env, os.Stderr
		settle()
		pgBefore := pg.CPU()
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
		t.Logf("%s %d torrents in %v: %.0f torrents/s; peak RSS %.1f MiB; CPU %s a torrent, PostgreSQL %s; the reader waited %.0f s for the writer, the writer %.0f s for the reader",
			what, n, time.Duration(doc.Seconds*float64(time.Second)).Round(time.Second), float64(n)/doc.Seconds, float64(rss)/1024,
			perTorrent(cpu, n), perTorrent(pgCPU, n), k.ReadWaited, k.WriteWaited)
		return float64(n) / doc.Seconds
	}
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
		took, cpu := ingestFile(t, file, filepath.Join(dir, "ingest.db"), n)
		t.Logf("ingested through the ingest use case (the same torrents, from NDJSON) %d torrents in %v: %.0f torrents/s; CPU %s a torrent",
			n, took.Round(time.Second), float64(n)/took.Seconds(), perTorrent(cpu, n))
		return float64(n) / took.Seconds()
	}
	ingested := []float64{ingestRun()}
	for r := 1; r < rounds; r++ {
		if r%2 == 1 {
			ingested = append(ingested, ingestRun())
			imported = append(imported, importRun("imported from PostgreSQL"))
		} else {
			imported = append(imported, importRun("imported from PostgreSQL"))
			ingested = append(ingested, ingestRun())
		}
	}
	for r := range imported {
		t.Logf("round %d: import %.0f torrents/s, ingest %.0f torrents/s: the import at %.1f%% of the ingest's rate", r+1, imported[r], ingested[r], 100*imported[r]/ingested[r])
	}
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
