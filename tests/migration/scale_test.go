package migration_test

import (
	"context"
	"encoding/json"
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
func TestImportAtScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("IMPORT_SCALE"))
	if n <= 0 {
		t.Skip("set IMPORT_SCALE=<torrents> to measure the import at scale")
	}
	pg := pgtest.Start(t)
	dsn := pg.CreateDatabase(t, "bitmagnet")
	began := time.Now()
	pgtest.Exec(t, dsn, pgtest.BitmagnetSchema+pgtest.BitmagnetBulk(n, 10))
	t.Logf("generated %d torrents with 10 files each in PostgreSQL in %v", n, time.Since(began).Round(time.Second))

	dir := t.TempDir()
	bin := filepath.Join(dir, "streamer")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/streamer").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	env := append(os.Environ(), "R1_DATABASE="+filepath.Join(dir, "streamer.db"), "AUTH_SECRET="+secret, "LOG_LEVEL=warn", "CI=true")
	// The dry run reads and checks everything and writes nothing: the rate PostgreSQL and the checks
	// allow. The real run adds the writes into the local file.
	for _, run := range []struct {
		what string
		args []string
	}{
		{"read and checked (dry run)", []string{"--dry-run"}},
		{"imported from PostgreSQL", nil},
	} {
		report := filepath.Join(dir, "report.json")
		cmd := exec.Command(bin, append([]string{"import", "--report", report, "--from", dsn, "--preset", "bitmagnet"}, run.args...)...)
		cmd.Env, cmd.Stderr = env, os.Stderr
		if out, err := cmd.Output(); err != nil {
			t.Fatalf("import: %v\n%s", err, out)
		}
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
		rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
		k := doc.Kinds[0]
		t.Logf("%s %d torrents in %v: %.0f torrents/s; peak RSS %.1f MiB; the reader waited %.0f s for the writer, the writer %.0f s for the reader",
			run.what, n, time.Duration(doc.Seconds*float64(time.Second)).Round(time.Second), float64(n)/doc.Seconds, float64(rss)/1024, k.ReadWaited, k.WriteWaited)
	}

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
	took := ingestFile(t, file, filepath.Join(dir, "ingest.db"), n)
	t.Logf("ingested through the ingest use case (the same torrents, from NDJSON) %d torrents in %v: %.0f torrents/s",
		n, took.Round(time.Second), float64(n)/took.Seconds())
}

// ingestFile ingests an NDJSON catalog of n torrents into a new local file the way `make bench`
// does, and returns the time it took.
func ingestFile(t *testing.T, file, dbPath string, n int) time.Duration {
	ctx := context.Background()
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

	batches := make(chan ingest.Prepared, 2)
	read := make(chan error, 1)
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
	took := time.Since(start)
	if err := <-read; err != nil {
		t.Fatal(err)
	}
	if created != n {
		t.Fatalf("ingest created %d of %d torrents", created, n)
	}
	return took
}
