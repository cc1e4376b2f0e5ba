package r1

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// noticeBoard records what an engine's LocalOptions.Notice is told.
type noticeBoard struct {
	mu   sync.Mutex
	said []string
}

func (b *noticeBoard) notice(what string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.said = append(b.said, what)
}

func (b *noticeBoard) text() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.said, "\n")
}

// An open, and a bulk load, finding another process's bulk load under way (its lock held) say
// so: taken silently, a service's searches missed that load's torrents with nothing in its log,
// and a second import joined the first's load without a word. Regression test: fails before the
// notices (nothing is said). An open with no other process's load says nothing.
func TestAnotherProcesssBulkLoadIsNoticed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	alone := &noticeBoard{}
	first := openNoticed(t, path, alone)
	if began, err := NewBulkLoader(first).BeginBulkLoad(ctx); err != nil || !began {
		t.Fatalf("BeginBulkLoad: %v, %v", began, err)
	}
	if said := alone.text(); said != "" {
		t.Errorf("a load alone on its file said %q", said)
	}

	board := &noticeBoard{}
	second := openNoticed(t, path, board) // Migrate finds the first's load under way
	if said := board.text(); !strings.Contains(said, "another process is bulk loading this database") ||
		!strings.Contains(said, path+bulkLockSuffix) || !strings.Contains(said, "searches here miss") {
		t.Errorf("an open beside another process's bulk load said %q", said)
	}
	board.said = nil
	if began, err := NewBulkLoader(second).BeginBulkLoad(ctx); err != nil || !began {
		t.Fatalf("the second BeginBulkLoad: %v, %v", began, err)
	}
	if said := board.text(); !strings.Contains(said, "this bulk load joins the one under way there") {
		t.Errorf("a bulk load joining another process's said %q", said)
	}
	upsert(t, NewTorrentRepository(second), bulkTorrent(t, 1))
	for _, db := range []*Database{second, first} {
		if err := NewBulkLoader(db).FinishBulkLoad(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	board.said = nil
	if err := second.Migrate(ctx); err != nil || board.text() != "" {
		t.Errorf("Migrate after both loads finished: %v, said %q", err, board.text())
	}
}

// openNoticed opens and migrates the file at path, telling board what the engine notices.
func openNoticed(t *testing.T, path string, board *noticeBoard) *Database {
	t.Helper()
	return openWith(t, path, LocalOptions{Notice: board.notice})
}
