package r1

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// bulkTorrent is torrent i of the bulk-load scenario: names of a few common words (so searches
// match many), three categories, resolutions, several files.
func bulkTorrent(t testing.TB, i int, mutate ...func(*domain.Torrent)) domain.Torrent {
	words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"}
	res := []string{"1080p", "720p", "2160p", ""}
	cats := []domain.CategoryRef{{Slug: "movies", Name: "Movies"}, {Slug: "tv", Name: "TV"}, {Slug: "music", Name: "Music"}}
	return newTorrent(t, i, append([]func(*domain.Torrent){func(tor *domain.Torrent) {
		tor.Name = strings.TrimSpace(fmt.Sprintf("%s %s %d %s", words[i%7], words[(i/7)%7], i, res[i%4]))
		tor.Category = cats[i%3]
		tor.Seeders = int64(i * 37 % 101)
		tor.Files = []domain.File{{Path: fmt.Sprintf("%s/part-%d.mkv", words[(i+3)%7], i), Size: int64(1000 + i*13%997)}, {Path: "extras/readme.txt", Size: 1}}
		tor.Size = tor.Files[0].Size + 1
		if i >= 300 && i%10 == 3 {
			// Ids from the scenario's second batch on: a partial index kept empty so far is
			// deferred then (bulkload.go); the TMDb and TVDb ones stay empty, and kept.
			tor.External.IMDb = fmt.Sprintf("tt%07d", 1000000+i)
		}
	}}, mutate...)...)
}

// bulkScenario loads the same torrents into repo, through a bulk load when bulk is set: a batch
// holding one hash twice, a second batch overlapping the first (updates, renames, unchanged
// ones), a takedown during the load, a blocked hash sent again, moves to another category.
// between, when given, runs after each of the steps (1 to 4).
func bulkScenario(t *testing.T, db *Database, bulk bool, steps int, between ...func(step int)) {
	t.Helper()
	ctx := context.Background()
	repo := NewTorrentRepository(db)
	loader := NewBulkLoader(db)
	if bulk {
		began, err := loader.BeginBulkLoad(ctx)
		if err != nil || !began {
			t.Fatalf("BeginBulkLoad on an empty catalog: %v, %v; want true", began, err)
		}
	}
	var batch []domain.Torrent
	step := 0
	next := func() bool {
		if step > 0 && step <= steps {
			for _, f := range between {
				f(step)
			}
		}
		step++
		return step <= steps
	}
	if next() {
		batch = nil
		for i := range 200 {
			batch = append(batch, bulkTorrent(t, i))
		}
		// The same hash twice in one batch, renamed the second time.
		batch = append(batch, bulkTorrent(t, 5, func(tor *domain.Torrent) { tor.Name = "hotel india renamed" }))
		upsert(t, repo, batch...)
	}
	if next() {
		batch = nil
		for i := 150; i < 350; i++ {
			if i < 175 {
				batch = append(batch, bulkTorrent(t, i, func(tor *domain.Torrent) { tor.Name += " juliet" })) // renamed
			} else {
				batch = append(batch, bulkTorrent(t, i)) // new, or (175..199) unchanged
			}
		}
		upsert(t, repo, batch...)
	}
	if next() {
		bulkTakedown(t, repo)
	}
	if next() {
		upsert(t, repo, bulkLastBatch(t)...)
	}
	next()
	if bulk && steps >= 4 {
		var said []string
		if err := loader.FinishBulkLoad(ctx, func(what string) { said = append(said, what) }); err != nil {
			t.Fatal(err)
		}
		if len(said) == 0 {
			t.Error("FinishBulkLoad told no step")
		}
	}
}

// bulkTakedown is the scenario's third step: a takedown of three stored torrents and one never seen.
func bulkTakedown(t *testing.T, repo *TorrentRepository) {
	t.Helper()
	if _, err := repo.TakeDown(context.Background(), []domain.InfoHash{hashOf(10), hashOf(160), hashOf(300), hashOf(9999)}); err != nil {
		t.Fatal(err)
	}
}

// bulkLastBatch is the scenario's fourth step: a blocked hash sent again, new torrents, and moves
// to another category with the seeders refreshed.
func bulkLastBatch(t *testing.T) []domain.Torrent {
	batch := []domain.Torrent{bulkTorrent(t, 10)}
	for i := 350; i < 450; i++ {
		batch = append(batch, bulkTorrent(t, i))
	}
	for i := 20; i < 30; i++ {
		batch = append(batch, bulkTorrent(t, i, func(tor *domain.Torrent) {
			tor.Category, tor.Seeders = domain.CategoryRef{Slug: "books", Name: "Books"}, 500
		}))
	}
	return batch
}

// rowsOf reads every row of a query as text, for comparing two databases.
func rowsOf(t *testing.T, db *Database, query string) []string {
	t.Helper()
	res, err := db.query(context.Background(), Statement{SQL: query})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	out := make([]string, 0, len(res.Rows))
	for _, row := range res.Rows {
		out = append(out, fmt.Sprint(row))
	}
	return out
}

// sameCatalog fails unless a and b hold the same catalog, searched the same way: the same rows,
// schema, category counts, the very same full-text entries (every token of every torrent, with
// its column and offset), the same search pages; and both pass SQLite's and FTS5's checks.
func sameCatalog(t *testing.T, a, b *Database) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{
		"SELECT id, info_hash, name, category_id, seeders, files, release_resolution, revision, imdb_id, tmdb_id, tvdb_id FROM torrents ORDER BY id",
		"SELECT imdb_id, id FROM torrents INDEXED BY torrents_imdb_id WHERE imdb_id IS NOT NULL ORDER BY imdb_id",
		"SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
		"SELECT slug, torrent_count FROM categories ORDER BY slug",
		"SELECT term, doc, col, offset FROM torrents_fts_terms ORDER BY term, doc, col, offset",
		"SELECT info_hash FROM blocked_torrents ORDER BY 1",
		"SELECT count(*) FROM bulk_load_deferred",
	} {
		ra, rb := rowsOf(t, a, q), rowsOf(t, b, q)
		if !reflect.DeepEqual(ra, rb) {
			t.Errorf("%s: the databases differ:\n%d rows: %.600v\n%d rows: %.600v", q, len(ra), ra, len(rb), rb)
		}
	}
	if n := scalar(t, a, "SELECT count(*) FROM torrents_fts_terms"); n < 1000 {
		t.Errorf("the full-text index holds %d entries: the scenario indexed nothing", n)
	}
	for i, db := range []*Database{a, b} {
		// On the writer: a reader that read the full-text index before the writer's upkeep merged
		// it (upkeep.go) can report the merged-away segment as corruption here (seen under -race,
		// on the incremental database: FTS5's integrity check on a reader's cached structure),
		// while its searches and FTS5's own 'integrity-check' are right.
		res, err := db.batch(ctx, []Statement{{SQL: "PRAGMA integrity_check"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(res[0].Rows); len(res[0].Rows) != 1 || !strings.Contains(got, "ok") {
			t.Errorf("database %d: integrity_check: %v", i, got)
		}
		if _, err := db.batch(ctx, []Statement{{SQL: "INSERT INTO torrents_fts (torrents_fts) VALUES ('integrity-check')"}}); err != nil {
			t.Errorf("FTS5 integrity-check: %v", err)
		}
	}
	seeders := int64(40)
	for _, c := range []domain.SearchCriteria{
		criteria(t, "alpha", 20),
		criteria(t, "alpha bravo", 20),
		criteria(t, "juliet", 50),
		criteria(t, "hotel", 5),
		criteria(t, "char", 20), // a prefix
		criteria(t, "part", 20), // a file path's word
		criteria(t, "delta", 20, func(c *domain.SearchCriteria) { c.Sort, c.Order = domain.SortSeeders, domain.Descending }),
		criteria(t, "echo", 20, func(c *domain.SearchCriteria) { c.Sort, c.Order = domain.SortName, domain.Ascending }),
		criteria(t, "", 30, func(c *domain.SearchCriteria) { c.Sort, c.Order = domain.SortSize, domain.Descending }),
		criteria(t, "golf", 20, func(c *domain.SearchCriteria) { c.Categories = []string{"tv", "books"} }),
		criteria(t, "foxtrot", 20, func(c *domain.SearchCriteria) { c.Resolutions = []string{"1080p"}; c.MinSeeders = &seeders }),
		criteria(t, "", 20, func(c *domain.SearchCriteria) { c.Categories = []string{"books"}; c.Sort = domain.SortDate }),
	} {
		pa, err := NewTorrentRepository(a).Search(ctx, c)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		pb, err := NewTorrentRepository(b).Search(ctx, c)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if !reflect.DeepEqual(pa, pb) {
			t.Errorf("search %q (%s %s, %v): the pages differ:\n%+v\n%+v", c.Text, c.Sort, c.Order, c.Categories, pa, pb)
		}
		if c.Text != "" && c.Text != "hotel" && len(pa.Items) == 0 {
			t.Errorf("search %q found nothing", c.Text)
		}
	}
}

// A bulk load into an empty catalog leaves exactly what the same torrents stored one batch at a
// time leave: the same rows, indexes and triggers, full-text entries token for token, searches.
func TestBulkLoadLeavesWhatIncrementalLoadLeaves(t *testing.T) {
	t.Parallel()
	bulk, incremental := openMigrated(t, LocalOptions{}), openMigrated(t, LocalOptions{})
	bulkScenario(t, bulk, true, 4)
	bulkScenario(t, incremental, false, 4)
	if n := scalar(t, bulk, "SELECT count(*) FROM torrents_fts_terms WHERE doc NOT IN (SELECT id FROM torrents)"); n != 0 {
		t.Errorf("%d full-text entries of torrents not in the catalog (taken down during the load)", n)
	}
	sameCatalog(t, bulk, incremental)
	for _, pragma := range []string{"PRAGMA cache_size", "PRAGMA temp_store"} {
		a, err := bulk.batch(context.Background(), []Statement{{SQL: pragma}})
		if err != nil {
			t.Fatal(err)
		}
		b, err := incremental.batch(context.Background(), []Statement{{SQL: pragma}})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a[0].Rows, b[0].Rows) {
			t.Errorf("%s: the writer's after a bulk load %v, without one %v", pragma, a[0].Rows, b[0].Rows)
		}
	}
	plan := strings.Join(queryPlan(t, context.Background(), bulk, Statement{SQL: bulkIndexSQL, Params: []any{1, 100}}), "; ")
	if strings.Contains(plan, "TEMP B-TREE") || !strings.Contains(plan, "INTEGER PRIMARY KEY") {
		t.Errorf("the full-text step does not read an id range in order: %s", plan)
	}

	// The entries indexed from torrents_fts_rows are the triggers' to the byte: a takedown of
	// every torrent, whose triggers 'delete' each entry with the text they compute, empties the
	// (contentless) index.
	ctx := context.Background()
	var all []domain.InfoHash
	for i := range 450 {
		all = append(all, hashOf(i))
	}
	if _, err := NewTorrentRepository(bulk).TakeDown(ctx, all); err != nil {
		t.Fatal(err)
	}
	if _, err := bulk.batch(ctx, []Statement{{SQL: "INSERT INTO torrents_fts (torrents_fts) VALUES ('optimize')"}}); err != nil {
		t.Fatal(err)
	}
	if n := scalar(t, bulk, "SELECT count(*) FROM torrents_fts_terms"); n != 0 {
		t.Errorf("after every torrent was deleted, the full-text index still holds %d entries", n)
	}
}

// A bulk load keeps a partial index while the load leaves it empty, and defers it (drops it, to
// build at the finish) once a stored torrent is in it: the external ids' stay through a load of
// torrents without any, the seeders' go with the first batch.
func TestABulkLoadKeepsAPartialIndexWhileItIsEmpty(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openMigrated(t, LocalOptions{})
	repo, loader := NewTorrentRepository(db), NewBulkLoader(db)
	if began, err := loader.BeginBulkLoad(ctx); err != nil || !began {
		t.Fatalf("BeginBulkLoad: %v, %v", began, err)
	}
	deferred := func() []string {
		return rowsOf(t, db, "SELECT name FROM bulk_load_deferred WHERE name IN ('torrents_imdb_id', 'torrents_tmdb_id', 'torrents_seeded_1', 'torrents_seeded_100') ORDER BY name")
	}
	indexed := func(name string) bool {
		return scalar(t, db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?", name) == 1
	}
	if got := deferred(); len(got) != 0 {
		t.Errorf("partial indexes deferred as the load begins: %v; want none (the catalog is empty)", got)
	}
	var batch []domain.Torrent
	for i := range 50 {
		batch = append(batch, bulkTorrent(t, i, func(tor *domain.Torrent) { tor.Seeders = 5 }))
	}
	upsert(t, repo, batch...)
	if got, want := deferred(), []string{"map[name:torrents_seeded_1]"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after a batch with seeders and no id, deferred %v; want %v", got, want)
	}
	for _, name := range []string{"torrents_imdb_id", "torrents_tmdb_id", "torrents_seeded_100"} {
		if !indexed(name) {
			t.Errorf("%s was dropped, with no row in it", name)
		}
	}
	upsert(t, repo, bulkTorrent(t, 303)) // an IMDb id
	if got, want := deferred(), []string{"map[name:torrents_imdb_id]", "map[name:torrents_seeded_1]"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after a torrent with an IMDb id, deferred %v; want %v", got, want)
	}
	if indexed("torrents_imdb_id") || !indexed("torrents_tmdb_id") {
		t.Errorf("torrents_imdb_id there: %v (want dropped), torrents_tmdb_id there: %v (want kept)", indexed("torrents_imdb_id"), indexed("torrents_tmdb_id"))
	}
	if err := loader.FinishBulkLoad(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"torrents_imdb_id", "torrents_tmdb_id", "torrents_seeded_1", "torrents_seeded_100"} {
		if !indexed(name) {
			t.Errorf("%s missing after the finish", name)
		}
	}
	if got := rowsOf(t, db, "SELECT imdb_id FROM torrents INDEXED BY torrents_imdb_id WHERE imdb_id IS NOT NULL"); !reflect.DeepEqual(got, []string{"map[imdb_id:tt1000303]"}) {
		t.Errorf("torrents_imdb_id holds %v; want [tt1000303]", got)
	}
	if n := scalar(t, db, "SELECT count(*) FROM bulk_load_deferred"); n != 0 {
		t.Errorf("%d items still deferred after the finish", n)
	}
}

// Two processes load one file (the second joins the first's load); the joiner finishes first and
// builds everything, and the catalog is finished (bulk_load_deferred empty, every index made). The
// first process's next bulk upsert must not take the finished catalog apart again: it still holds
// the partial indexes it kept as "empty", which the joiner's rows filled meanwhile.
func TestAJoinedLoadFinishedFirstStaysFinished(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	first, second := joinedLoads(t)
	if err := NewBulkLoader(second).FinishBulkLoad(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n := scalar(t, second, "SELECT count(*) FROM bulk_load_deferred"); n != 0 {
		t.Fatalf("%d items deferred after the joiner's finish", n)
	}
	// The first process goes on with its load (its import's next batch).
	upsert(t, NewTorrentRepository(first), bulkTorrent(t, 500))
	if got := rowsOf(t, second, "SELECT type, name FROM bulk_load_deferred ORDER BY name"); len(got) != 0 {
		t.Errorf("after the load was finished, the first process's upsert deferred again: %v", got)
	}
	for _, name := range []string{"torrents_seeded_1", "torrents_seeded_100", "torrents_imdb_id"} {
		if scalar(t, second, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?", name) != 1 {
			t.Errorf("%s dropped from a catalog whose load had finished", name)
		}
	}
	// A search of the finished catalog (the joiner's process, a service say) naming the index.
	if _, err := second.query(ctx, Statement{SQL: "SELECT count(*) AS n FROM torrents INDEXED BY torrents_seeded_100 WHERE seeders >= 100"}); err != nil {
		t.Errorf("a seeded read of the finished catalog: %v", err)
	}
}

// joinedLoads begins a bulk load of a new file in one process (first) and joins it from another
// (second: the lock is an flock of its own open), which stores torrents with seeders and an IMDb
// id: the partial indexes first keeps as empty hold rows now.
func joinedLoads(t *testing.T) (first, second *Database) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	first = openWith(t, path, LocalOptions{})
	if began, err := NewBulkLoader(first).BeginBulkLoad(ctx); err != nil || !began {
		t.Fatalf("first BeginBulkLoad: %v, %v", began, err)
	}
	second = openWith(t, path, LocalOptions{})
	if began, err := NewBulkLoader(second).BeginBulkLoad(ctx); err != nil || !began {
		t.Fatalf("second BeginBulkLoad (joins): %v, %v", began, err)
	}
	var batch []domain.Torrent
	for i := range 20 {
		batch = append(batch, bulkTorrent(t, i, func(tor *domain.Torrent) {
			tor.Seeders, tor.External.IMDb = 150, "tt0000001"
		}))
	}
	upsert(t, NewTorrentRepository(second), batch...)
	return first, second
}

// The same two loads, the first process's upsert landing while the joiner's finish builds its
// indexes (after it read what was deferred): the joiner's finish must still leave the catalog
// finished, or the indexes the first process deferred then stay dropped under the joiner's service
// (until the first process finishes, or, if it gives up, until an open finishes them).
func TestAnIndexDeferredDuringAnotherProcesssFinishIsBuiltByIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	first, second := joinedLoads(t)
	once := false
	if err := NewBulkLoader(second).FinishBulkLoad(ctx, func(what string) {
		if !once {
			once = true
			upsert(t, NewTorrentRepository(first), bulkTorrent(t, 500)) // the first's next batch
		}
	}); err != nil {
		t.Fatal(err)
	}
	if got := rowsOf(t, second, "SELECT type, name FROM bulk_load_deferred ORDER BY name"); len(got) != 0 {
		t.Errorf("the joiner's finish returned with items still deferred: %v", got)
	}
	if _, err := second.query(ctx, Statement{SQL: "SELECT count(*) AS n FROM torrents INDEXED BY torrents_seeded_100 WHERE seeders >= 100"}); err != nil {
		t.Errorf("a seeded read after the joiner's finish: %v", err)
	}
}

// A load that stops half way (the process killed, or it gave up) is finished by the next open:
// the reopened store searches, sorts and filters as one loaded incrementally, and takes the rest
// of the load incrementally (the catalog is no longer empty).
func TestAnInterruptedBulkLoadIsFinishedByTheNextOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	db, err := OpenFile(ctx, path, LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	bulkScenario(t, db, true, 2) // begun, two batches stored, never finished
	if n := scalar(t, db, "SELECT count(*) FROM bulk_load_deferred"); n == 0 {
		t.Fatal("a bulk load in progress left nothing deferred")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// While another process holds the load's lock, an open leaves its work alone.
	other, ok, err := lockFile(path + bulkLockSuffix)
	if err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	db = openAt(t, path)
	if n := scalar(t, db, "SELECT count(*) FROM bulk_load_deferred"); n == 0 {
		t.Error("an open finished a bulk load another process still holds")
	}
	// Nor does it apply a migration the file lacks (it could make again an index the load dropped).
	if _, err := db.batch(ctx, []Statement{{SQL: "DELETE FROM d1_migrations WHERE name = '0021_seeded_torrents.sql'"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); !errors.Is(err, domain.ErrUnavailable) || !strings.Contains(err.Error(), "0021_seeded_torrents.sql waits") {
		t.Errorf("Migrate during another process's bulk load, a migration missing: %v; want it refused", err)
	}
	if _, err := db.batch(ctx, []Statement{{SQL: "INSERT INTO d1_migrations (name) VALUES ('0021_seeded_torrents.sql')"}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := unlockFile(other); err != nil {
		t.Fatal(err)
	}

	var said []string
	db = openAt(t, path, func(what string) { said = append(said, what) })
	if n := scalar(t, db, "SELECT count(*) FROM bulk_load_deferred"); n != 0 {
		t.Fatalf("the reopened store left %d deferred items", n)
	}
	if !strings.Contains(strings.Join(said, "\n"), "finishing a bulk load left unfinished: indexing") {
		t.Errorf("the open that finished the load did not say so: %q", said)
	}
	if _, err := os.Stat(path + bulkLockSuffix); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the lock's file stays beside the database (%v)", err)
	}
	if began, err := NewBulkLoader(db).BeginBulkLoad(ctx); err != nil || began {
		t.Errorf("BeginBulkLoad on a catalog that is not empty: %v, %v; want false", began, err)
	}
	// The rest of the scenario, incrementally now.
	bulkTakedown(t, NewTorrentRepository(db))
	upsert(t, NewTorrentRepository(db), bulkLastBatch(t)...)
	incremental := openMigrated(t, LocalOptions{})
	bulkScenario(t, incremental, false, 4)
	sameCatalog(t, db, incremental)
}

// openAt opens and migrates the file at path, telling progress (when given) what Migrate does.
func openAt(t *testing.T, path string, progress ...func(string)) *Database {
	t.Helper()
	opts := LocalOptions{}
	if len(progress) > 0 {
		opts.Progress = progress[0]
	}
	return openWith(t, path, opts)
}

// openWith opens the file at path with opts and migrates it, closing it when the test ends.
func openWith(t *testing.T, path string, opts LocalOptions) *Database {
	t.Helper()
	db, err := OpenFile(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// The rule: a bulk load applies to the local file with an empty catalog, never on D1 (nor the
// local engine standing for it), and never to a catalog already holding torrents.
func TestBulkLoadAppliesToAnEmptyLocalCatalogOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d1 := openMigrated(t, LocalOptions{ParamsAsText: true, JSONResults: true})
	if began, err := NewBulkLoader(d1).BeginBulkLoad(ctx); err != nil || began {
		t.Errorf("d1-typed: BeginBulkLoad = %v, %v; want false", began, err)
	}
	if err := NewBulkLoader(d1).FinishBulkLoad(ctx, nil); err != nil {
		t.Errorf("d1-typed: FinishBulkLoad: %v", err)
	}
	stored := openMigrated(t, LocalOptions{})
	upsert(t, NewTorrentRepository(stored), bulkTorrent(t, 1))
	before := rowsOf(t, stored, "SELECT name FROM sqlite_master ORDER BY name")
	if began, err := NewBulkLoader(stored).BeginBulkLoad(ctx); err != nil || began {
		t.Errorf("a catalog of one torrent: BeginBulkLoad = %v, %v; want false", began, err)
	}
	if after := rowsOf(t, stored, "SELECT name FROM sqlite_master ORDER BY name"); !reflect.DeepEqual(before, after) {
		t.Errorf("a bulk load that did not apply changed the schema:\n%v\n%v", before, after)
	}
	// Finishing with nothing deferred does nothing.
	if err := NewBulkLoader(stored).FinishBulkLoad(ctx, nil); err != nil {
		t.Error(err)
	}
}

// A finish that stops half way leaves the rest to the next open, which builds it once: stopped in
// its full-text step (the indexes built, or some of them when the scratch index was copied between
// two, their rows gone from bulk_load_deferred, the full-text transaction rolled back), or at an
// index built after the scratch index's copy committed (the full-text index whole, its triggers
// made again, the indexes still to build deferred).
func TestABulkLoadFinishStoppedHalfWayIsFinishedByTheNextOpen(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		scratch bool   // the load's scratch index (bulkfts.go) read some rows
		stopAt  string // a step the finish tells, where its context ends
	}{
		{"indexed from the rows", false, "(30 %)"},
		{"copied from the scratch index", true, "copying the"},
		{"after the copy from the scratch index", true, "changed during the load"},
		{"at an index after the copy", true, "building the index"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "catalog.db")
			db := openAt(t, path)
			var read func(int)
			if tc.scratch {
				read = func(step int) {
					if step == 1 {
						side := sideOf(t, db)
						_ = side.halt(false)
						if _, err := side.step(context.Background(), 1); err != nil {
							t.Fatal(err)
						}
					}
				}
			} else {
				read = func(step int) {
					if step == 1 {
						side := db.engine.(*localEngine).takeBulkFTS()
						_ = side.halt(false)
						side.close()
					}
				}
			}
			bulkScenario(t, db, true, 3, read)
			afterCopy := tc.stopAt == "building the index"
			var side *bulkFTS
			if afterCopy {
				side = sideOf(t, db)
			}
			ctx, cancel := context.WithCancel(context.Background())
			var said []string
			copied := false
			err := NewBulkLoader(db).FinishBulkLoad(ctx, func(what string) {
				said = append(said, what)
				switch {
				case afterCopy && strings.Contains(what, "(1 of "):
					// The scratch index is ready before the second index: it is copied there.
					select {
					case <-side.readied:
					case <-time.After(time.Minute):
						t.Error("the scratch index was not ready within a minute")
					}
				case afterCopy && strings.HasPrefix(what, "making the full-text index's triggers again"):
					copied = true
				case afterCopy && copied && strings.HasPrefix(what, tc.stopAt):
					cancel()
				case !afterCopy && strings.HasPrefix(what, "indexing") && strings.Contains(what, tc.stopAt):
					cancel()
				}
			})
			if err == nil {
				t.Fatalf("a finish whose context ended returned no error (it said %q)", said)
			}
			indexes := scalar(t, db, "SELECT count(*) FROM bulk_load_deferred WHERE type = 'index'")
			triggers := scalar(t, db, "SELECT count(*) FROM bulk_load_deferred WHERE type = 'trigger'")
			entries := scalar(t, db, "SELECT count(*) FROM torrents_fts_terms")
			switch {
			case afterCopy:
				if indexes == 0 || triggers != 0 || entries == 0 {
					t.Errorf("stopped after the copy: %d indexes and %d triggers deferred, %d entries; want some indexes, no trigger, the entries (it said %q)",
						indexes, triggers, entries, said)
				}
			default:
				// Built before the full-text step, unless the scratch index was ready first: its copy
				// then goes between two indexes (finishBulkLoad), and the next open builds the rest.
				if indexes != 0 && !tc.scratch {
					t.Errorf("%d indexes still deferred: the finish had built them", indexes)
				}
				if triggers != 4 {
					t.Errorf("%d triggers deferred, want the four of the full-text index (migration 0027's)", triggers)
				}
				if entries != 0 {
					t.Errorf("the stopped full-text step left %d entries", entries)
				}
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path + bulkFTSSuffix); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the scratch index's file stays after the finish stopped (%v)", err)
			}
			db = openAt(t, path)
			upsert(t, NewTorrentRepository(db), bulkLastBatch(t)...)
			incremental := openMigrated(t, LocalOptions{})
			bulkScenario(t, incremental, false, 4)
			sameCatalog(t, db, incremental)
		})
	}
}
