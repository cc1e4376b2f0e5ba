package bootstrap

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A dry run reads and checks everything and writes nothing, not even to a database that does not
// exist yet: it checks against a scratch database of its own. Before, it opened the configured one,
// creating the file and applying every migration there.
func TestADryRunLeavesTheConfiguredDatabaseAlone(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "catalog.ndjson")
	line := `{"infoHash":"` + strings.Repeat("ab", 20) + `","name":"Sintel.2010.1080p","size":5}` + "\n"
	if err := os.WriteFile(src, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{R1Database: filepath.Join(dir, "data", "streamer.db"), AuthSecret: strings.Repeat("s", 32)}
	report, err := Import(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)),
		ImportOptions{From: src, Out: io.Discard, Progress: io.Discard, DryRun: true})
	if err != nil || len(report.Kinds) != 1 || report.Kinds[0].Created != 1 {
		t.Fatalf("dry run: %+v %v", report, err)
	}
	if _, err := os.Stat(cfg.R1Database); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the dry run left the configured database behind (%v)", err)
	}
}
