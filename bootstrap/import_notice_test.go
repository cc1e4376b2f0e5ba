package bootstrap

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/adapters/r1"
)

// An import into a database another process is bulk loading (its lock held) says so, in its
// progress output and in the log: before, it joined that load without a word. Regression test:
// fails before r1's notices.
func TestAnImportBesideAnotherBulkLoadSaysSo(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "catalog.ndjson")
	var lines strings.Builder
	for i := range 20 {
		fmt.Fprintf(&lines, `{"infoHash":"%040x","name":"Sintel %d 2010 1080p","size":5}`+"\n", i+1, i)
	}
	if err := os.WriteFile(src, []byte(lines.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{R1Database: filepath.Join(dir, "streamer.db"), AuthSecret: strings.Repeat("s", 32)}
	other, err := r1.OpenFile(ctx, cfg.R1Database, r1.LocalOptions{}) // the other process's load
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if began, err := r1.NewBulkLoader(other).BeginBulkLoad(ctx); err != nil || !began {
		t.Fatalf("BeginBulkLoad: %v, %v", began, err)
	}
	var progress, logged strings.Builder
	log := slog.New(slog.NewTextHandler(&logged, nil))
	report, err := Import(ctx, cfg, log, ImportOptions{From: src, Out: io.Discard, Progress: &progress})
	if err != nil || report.Kinds[0].Created != 20 {
		t.Fatalf("import: %+v %v", report, err)
	}
	for what, out := range map[string]string{"progress": progress.String(), "log": logged.String()} {
		if !strings.Contains(out, "another process is bulk loading this database") || !strings.Contains(out, "this bulk load joins the one under way there") {
			t.Errorf("the import's %s does not say another process is bulk loading:\n%s", what, out)
		}
	}
	if !strings.Contains(logged.String(), "level=WARN") {
		t.Errorf("not logged as a warning:\n%s", logged.String())
	}
	if err := r1.NewBulkLoader(other).FinishBulkLoad(ctx, nil); err != nil {
		t.Fatal(err)
	}
}
