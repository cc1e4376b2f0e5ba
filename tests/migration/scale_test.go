package migration_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/tests/pgtest"
)

// TestImportAtScale measures `streamer import --preset bitmagnet` (the built binary, so its peak RSS
// is its own) from a generated bitmagnet database into a local file. It runs only when
// IMPORT_SCALE names the number of torrents (10 files each); the figure is 1,000,000:
//
//	IMPORT_SCALE=1000000 flock /tmp/heavy.lock go test -run TestImportAtScale -v -timeout 2h ./tests/migration/
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
	// The dry run reads and checks everything and writes nothing: the rate PostgreSQL and the checks
	// allow. The real run adds the writes into the local file. Then the same catalog, exported to
	// NDJSON, goes through ingest into a new file: ingest's rate on the same torrents, the same
	// machine, the same minute, beside which the import's is judged.
	ndjsonFile := filepath.Join(dir, "catalog.ndjson")
	runs := []struct {
		what string
		db   string
		args []string
	}{
		{"read and checked (dry run)", "streamer.db", []string{"--from", dsn, "--preset", "bitmagnet", "--dry-run"}},
		{"imported from PostgreSQL", "streamer.db", []string{"--from", dsn, "--preset", "bitmagnet"}},
		{"ingested from NDJSON (the same torrents)", "ingest.db", []string{"--from", ndjsonFile}},
	}
	for i, run := range runs {
		if i == 2 {
			export := exec.Command(bin, "export", "--out", ndjsonFile)
			export.Env = append(os.Environ(), "R1_DATABASE="+filepath.Join(dir, "streamer.db"), "AUTH_SECRET="+secret, "LOG_LEVEL=warn")
			if out, err := export.CombinedOutput(); err != nil {
				t.Fatalf("export: %v\n%s", err, out)
			}
		}
		report := filepath.Join(dir, "report.json")
		what := run.what
		cmd := exec.Command(bin, append([]string{"import", "--report", report}, run.args...)...)
		cmd.Env = append(os.Environ(), "R1_DATABASE="+filepath.Join(dir, run.db), "AUTH_SECRET="+secret, "LOG_LEVEL=warn", "CI=true")
		cmd.Stderr = os.Stderr
		if out, err := cmd.Output(); err != nil {
			t.Fatalf("import: %v\n%s", err, out)
		}
		var doc struct {
			Kinds []struct {
				Created int64   `json:"created"`
				Seconds float64 `json:"seconds"`
			} `json:"kinds"`
		}
		raw, _ := os.ReadFile(report)
		if err := json.Unmarshal(raw, &doc); err != nil || len(doc.Kinds) != 1 || doc.Kinds[0].Created != int64(n) {
			t.Fatalf("report: %s %v", raw, err)
		}
		rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
		t.Logf("%s %d torrents in %v: %.0f torrents/s; peak RSS %.1f MiB", what, n,
			time.Duration(doc.Kinds[0].Seconds*float64(time.Second)).Round(time.Second), float64(n)/doc.Kinds[0].Seconds, float64(rss)/1024)
	}
}
