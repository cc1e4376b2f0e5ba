package r1

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

// bulkReadCriteria are searches of every kind: each sort, with no filter, the categories and
// resolutions of the apps' feeds, the span filters, and words, so that every statement naming an
// index (INDEXED BY) is among them.
func bulkReadCriteria(t *testing.T) []domain.SearchCriteria {
	seeders, size := int64(40), int64(1500)
	filters := []func(*domain.SearchCriteria){
		func(*domain.SearchCriteria) {},
		func(c *domain.SearchCriteria) { c.Categories = []string{"tv"} },
		func(c *domain.SearchCriteria) { c.Categories = []string{"tv"}; c.Resolutions = []string{"1080p"} },
		func(c *domain.SearchCriteria) {
			c.Categories, c.Resolutions = []string{"tv", "movies"}, []string{"1080p", "720p"}
		},
		func(c *domain.SearchCriteria) { c.MinSeeders = &seeders },
		func(c *domain.SearchCriteria) { c.MinSize = &size },
	}
	var out []domain.SearchCriteria
	for _, text := range []string{"", "alpha", "alpha bravo", "char"} {
		for _, sort := range []domain.SortField{domain.SortRelevance, domain.SortDate, domain.SortSeeders, domain.SortLeechers, domain.SortSize, domain.SortName} {
			if text == "" && sort == domain.SortRelevance {
				continue
			}
			for _, f := range filters {
				out = append(out, criteria(t, text, 20, f, func(c *domain.SearchCriteria) { c.Sort, c.Order = sort, domain.Descending }))
			}
		}
	}
	return out
}

// While a bulk load runs, a service reading the same file gets an answer to every search, or,
// where the statement needs an index the load dropped, "unavailable" (a 503 the client may retry),
// never another error (SQLite's "no such index" was a 500: the apps' feeds, a category and a
// resolution, failed so for the whole load); once the load finishes, every search answers.
func TestSearchesDuringABulkLoadAnswerOrAreUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openMigrated(t, LocalOptions{})
	loader := NewBulkLoader(db)
	if began, err := loader.BeginBulkLoad(ctx); err != nil || !began {
		t.Fatalf("BeginBulkLoad: %v, %v", began, err)
	}
	var batch []domain.Torrent
	for i := range 300 {
		batch = append(batch, bulkTorrent(t, i))
	}
	repo := NewTorrentRepository(db)
	upsert(t, repo, batch...)
	all := bulkReadCriteria(t)
	for _, c := range all {
		if _, err := repo.Search(ctx, c); err != nil && !errors.Is(err, domain.ErrUnavailable) {
			t.Errorf("during the load, search %s: %v; want an answer or unavailable", describeCriteria(c), err)
		}
	}
	if err := loader.FinishBulkLoad(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range all {
		page, err := repo.Search(ctx, c)
		if err != nil {
			t.Errorf("after the load, search %s: %v", describeCriteria(c), err)
		} else if page.Total == 0 && c.MinSize == nil {
			t.Errorf("after the load, search %s found nothing", describeCriteria(c))
		}
	}
}

func describeCriteria(c domain.SearchCriteria) string {
	return fmt.Sprintf("%q by %s, categories %v, resolutions %v, min seeders %v, min size %v", c.Text, c.Sort, c.Categories, c.Resolutions, c.MinSeeders != nil, c.MinSize != nil)
}

// Two loads of one file at once (two imports started together: the second joins the first's
// load), finishing together: each finish builds what is left when it gets to it, and neither fails
// on what the other built meanwhile ("index ... already exists" failed the import that came second,
// though the catalog was whole).
func TestTwoBulkLoadsFinishingTogetherBothSucceed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	first, second := openAt(t, path), openAt(t, path)
	for _, db := range []*Database{first, second} {
		if began, err := NewBulkLoader(db).BeginBulkLoad(ctx); err != nil || !began {
			t.Fatalf("BeginBulkLoad: %v, %v", began, err)
		}
	}
	var batch []domain.Torrent
	for i := range 300 {
		batch = append(batch, bulkTorrent(t, i))
	}
	upsert(t, NewTorrentRepository(first), batch[:150]...)
	upsert(t, NewTorrentRepository(second), batch[150:]...)
	// The second finishes whole while the first has read what is deferred and is about to build
	// its first index; then the first goes on.
	var secondErr error
	finished := false
	err := NewBulkLoader(first).FinishBulkLoad(ctx, func(string) {
		if !finished {
			finished = true
			secondErr = NewBulkLoader(second).FinishBulkLoad(ctx, nil)
		}
	})
	if secondErr != nil || err != nil {
		t.Fatalf("two loads finishing together: %v; %v", secondErr, err)
	}
	incremental := openMigrated(t, LocalOptions{})
	upsert(t, NewTorrentRepository(incremental), batch[:150]...)
	upsert(t, NewTorrentRepository(incremental), batch[150:]...)
	for _, q := range []string{
		"SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
		"SELECT term, doc, col, offset FROM torrents_fts_terms ORDER BY term, doc, col, offset",
	} {
		if a, b := rowsOf(t, first, q), rowsOf(t, incremental, q); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: the two loads left %d rows, an incremental load %d", q, len(a), len(b))
		}
	}
	if _, err := first.batch(ctx, []Statement{{SQL: "INSERT INTO torrents_fts (torrents_fts) VALUES ('integrity-check')"}}); err != nil {
		t.Errorf("FTS5 integrity-check: %v", err)
	}
}
