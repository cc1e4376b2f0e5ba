package r1

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

func TestMigrateFresh(t *testing.T) {
	for _, m := range testModes {
		t.Run(m.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := OpenFile(ctx, filepath.Join(t.TempDir(), "a", "b", "catalog.db"), m.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Ping(ctx); !errors.Is(err, domain.ErrUnavailable) {
				t.Fatalf("Ping before Migrate = %v, want ErrUnavailable", err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := db.Ping(ctx); err != nil {
				t.Fatalf("Ping after Migrate: %v", err)
			}
			if n := scalar(t, db, "SELECT count(*) FROM d1_migrations"); n != int64(len(migrations)) {
				t.Fatalf("d1_migrations has %d rows, want %d", n, len(migrations))
			}
			list, err := NewCategoryRepository(db).List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var slugs []string
			for _, c := range list {
				if c.TorrentCount != 0 || c.ID == 0 || c.Name == "" {
					t.Errorf("category %+v", c)
				}
				slugs = append(slugs, c.Slug)
			}
			want := []string{"anime", "books", "games", "movies", "music", "other", "software", "tv"}
			if !reflect.DeepEqual(slugs, want) {
				t.Fatalf("categories = %v, want %v", slugs, want)
			}
		})
	}
}

func TestMigrateTwice(t *testing.T) {
	db := openMigrated(t, LocalOptions{})
	ctx := context.Background()
	if err := NewCategoryRepository(db).Ensure(ctx, []domain.CategoryRef{{Slug: "movies", Name: "Films"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if n := scalar(t, db, "SELECT count(*) FROM d1_migrations"); n != int64(len(migrations)) {
		t.Fatalf("d1_migrations has %d rows", n)
	}
	if n := scalar(t, db, "SELECT count(*) FROM categories"); n != 8 {
		t.Fatalf("%d categories after migrating twice", n)
	}
}

// Several processes (here: several Databases on one file) migrating at once all succeed, and each
// migration is applied once.
func TestMigrateConcurrent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	var dbs []*Database
	for range 3 {
		db, err := OpenFile(ctx, path, LocalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs = append(dbs, db)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(dbs))
	for _, db := range dbs {
		for range 2 {
			wg.Go(func() { errs <- db.Migrate(ctx) })
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Migrate: %v", err)
		}
	}
	for _, db := range dbs {
		if err := db.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := scalar(t, dbs[0], "SELECT count(*) FROM d1_migrations"); n != int64(len(migrations)) {
		t.Fatalf("d1_migrations has %d rows, want %d", n, len(migrations))
	}
}

func TestMemoryDatabase(t *testing.T) {
	ctx := context.Background()
	db, err := OpenFile(ctx, ":memory:", LocalOptions{ParamsAsText: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	repo := NewTorrentRepository(db)
	upsert(t, repo, newTorrent(t, 1))
	page, err := repo.Search(ctx, domain.SearchCriteria{Text: "torrent", Terms: []string{"torrent"}, Limit: 10})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("Search = %+v, %v", page, err)
	}
}

func TestOpenFileRefusesBadPaths(t *testing.T) {
	for _, path := range []string{"", "a?b.db"} {
		if _, err := OpenFile(context.Background(), path, LocalOptions{}); err == nil {
			t.Errorf("OpenFile(%q) succeeded", path)
		}
	}
}

func TestEngineErrors(t *testing.T) {
	ctx := context.Background()
	db := openMigrated(t, LocalOptions{ParamsAsText: true})

	_, err := db.batch(ctx, []Statement{{SQL: "INSERT INTO categories (slug, name) VALUES (?, ?)", Params: []any{"tv", "TV"}}})
	var conflict *domain.ConflictError
	if !errors.As(err, &conflict) || !errors.Is(err, domain.ErrConflict) || conflict.Field != "slug" {
		t.Fatalf("duplicate slug: %v (%T), want a ConflictError on slug", err, err)
	}

	// A failing statement rolls the whole batch back.
	_, err = db.batch(ctx, []Statement{
		{SQL: "INSERT INTO categories (slug, name) VALUES (?, ?)", Params: []any{"new-one", "New"}},
		{SQL: "INSERT INTO categories (slug, name) VALUES (?, ?)", Params: []any{"tv", "TV"}},
	})
	if !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("batch: %v", err)
	}
	if n := scalar(t, db, "SELECT count(*) FROM categories WHERE slug = 'new-one'"); n != 0 {
		t.Fatal("a failed batch left its first statement applied")
	}

	res, err := db.batch(ctx, []Statement{
		{SQL: "INSERT INTO categories (slug, name) VALUES (?, ?), (?, ?)", Params: []any{"x1", "X1", "x2", "X2"}},
		{SQL: "SELECT count(*) AS n FROM categories"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Changes != 2 || res[0].LastRowID == 0 || res[1].Changes != 0 {
		t.Fatalf("meta = %+v / %+v", res[0], res[1])
	}

	if _, err := db.query(ctx, Statement{SQL: "SELECT ?", Params: []any{nil}}); err == nil {
		t.Fatal("a NULL parameter was accepted; D1 cannot send it")
	}
	calls := db.Calls()
	if _, err := db.query(ctx, Statement{SQL: "SELECT " + placeholders(101), Params: make([]any, 101)}); err == nil {
		t.Fatal("101 parameters were accepted")
	}
	if _, err := db.query(ctx, Statement{SQL: "SELECT 1" + strings.Repeat(" ", maxSQLBytes)}); err == nil {
		t.Fatal("a statement over 100 KB was accepted")
	}
	if db.Calls() != calls {
		t.Fatal("a statement D1 would refuse reached the engine")
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := db.query(cancelled, Statement{SQL: "SELECT 1"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled query: %v", err)
	}
	if _, err := db.batch(cancelled, []Statement{{SQL: "SELECT 1"}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled batch: %v", err)
	}

	if _, err := db.query(ctx, Statement{SQL: "SELECT nonsense FROM nowhere"}); err == nil ||
		errors.Is(err, domain.ErrUnavailable) || errors.Is(err, domain.ErrConflict) {
		t.Fatalf("bad SQL: %v", err)
	}

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("Ping after Close: %v", err)
	}
	if _, err := NewCategoryRepository(db).List(ctx); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("List after Close: %v", err)
	}
}

// A second process holding the write lock past the busy timeout makes writes unavailable, not
// failed for good.
func TestBusyIsUnavailable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	a, err := OpenFile(ctx, path, LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := OpenFile(ctx, path, LocalOptions{BusyTimeout: 50_000_000})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// Hold a's write lock by keeping a transaction open on its only write connection.
	tx, err := a.engine.(*localEngine).writer.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "UPDATE categories SET name = name"); err != nil {
		t.Fatal(err)
	}
	err = NewCategoryRepository(b).Ensure(ctx, []domain.CategoryRef{{Slug: "locked", Name: "Locked"}})
	if !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("write while another process holds the lock: %v", err)
	}
	// Readers are not blocked by a writer in WAL mode.
	if _, err := NewCategoryRepository(b).List(ctx); err != nil {
		t.Fatalf("read during a write: %v", err)
	}
}

func TestSplitStatements(t *testing.T) {
	script := `-- a comment; with a semicolon
CREATE TABLE a (x TEXT DEFAULT 'semi;colon', "we;ird" INTEGER); /* block; comment */
CREATE TRIGGER t AFTER INSERT ON a
BEGIN
    UPDATE a SET x = CASE WHEN new.x = 'END;' THEN 'y' ELSE 'z' END;
    DELETE FROM a WHERE x = 'q';
END;
-- trailing comment only
INSERT INTO a (x) VALUES ('it''s; fine')`
	got := splitStatements(script)
	if len(got) != 3 {
		t.Fatalf("got %d statements: %q", len(got), got)
	}
	if !strings.Contains(got[1], "CREATE TRIGGER") || !strings.HasSuffix(got[1], "END") {
		t.Errorf("trigger statement = %q", got[1])
	}
	if !strings.HasSuffix(got[2], "VALUES ('it''s; fine')") {
		t.Errorf("last statement = %q", got[2])
	}
	for _, m := range migrations {
		if len(m.statements) == 0 {
			t.Errorf("migration %s has no statement", m.name)
		}
	}
}
