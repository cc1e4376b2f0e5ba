package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/domain"
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

// An import into an empty local catalog is a bulk load (r1 builds the indexes and the search
// index once at the end), says so as it finishes, and leaves a catalog searched as any other; a
// second run into the catalog it filled is not one, and changes nothing.
func TestAnImportIntoAnEmptyCatalogIsABulkLoad(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "catalog.ndjson")
	var lines strings.Builder
	for i := range 300 {
		hash := fmt.Sprintf("%040x", i+1)
		fmt.Fprintf(&lines, `{"infoHash":%q,"name":"Sintel %d 2010 1080p","size":5,"seeders":%d}`+"\n", hash, i, i%17)
		if i%50 == 0 { // the same hash again, further on, renamed
			fmt.Fprintf(&lines, `{"infoHash":%q,"name":"Tears of Steel %d","size":5}`+"\n", hash, i)
		}
	}
	if err := os.WriteFile(src, []byte(lines.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{R1Database: filepath.Join(dir, "data", "streamer.db"), AuthSecret: strings.Repeat("s", 32)}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var progress strings.Builder
	report, err := Import(context.Background(), cfg, quiet, ImportOptions{From: src, Out: io.Discard, Progress: &progress})
	if err != nil || len(report.Kinds) != 1 || report.Kinds[0].Created != 300 {
		t.Fatalf("import: %+v %v", report, err)
	}
	if report.Kinds[0].BulkFinish <= 0 || !strings.Contains(progress.String(), "finishing the bulk load: indexing") {
		t.Errorf("an import into an empty catalog was not a bulk load, or did not say so (finish %s):\n%s", report.Kinds[0].BulkFinish, progress.String())
	}
	again, err := Import(context.Background(), cfg, quiet, ImportOptions{From: src, Out: io.Discard, Progress: io.Discard})
	// Each hash sent twice is renamed back and forth (12 updates), the others are unchanged.
	if err != nil || again.Kinds[0].Created != 0 || again.Kinds[0].Unchanged != 294 || again.Kinds[0].BulkFinish != 0 {
		t.Fatalf("a second import: %+v %v; want 294 unchanged, none created, no bulk load", again, err)
	}

	ctx := context.Background()
	db, err := r1.OpenFile(ctx, cfg.R1Database, r1.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	repo := r1.NewTorrentRepository(db)
	for text, want := range map[string]int{"sintel": 294, "tears steel": 6, "sintel 151": 1, "tears steel 150": 1} {
		c := domain.SearchCriteria{Text: text, Limit: 10, Sort: domain.SortSeeders, Order: domain.Descending}
		if err := c.Normalize(); err != nil {
			t.Fatal(err)
		}
		page, err := repo.Search(ctx, c)
		if err != nil || page.Total != want {
			t.Errorf("search %q: %d found (%v), want %d", text, page.Total, err, want)
		}
	}
}
