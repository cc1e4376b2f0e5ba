package r1

import (
	"context"
	"crypto/sha1"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// testModes runs every repository test twice: natively, and typed as D1 types it (every parameter a
// string, every result through JSON), which proves the SQL against D1 without D1.
var testModes = []struct {
	name string
	opts LocalOptions
}{
	{"native", LocalOptions{}},
	{"d1-typed", LocalOptions{ParamsAsText: true, JSONResults: true}},
}

func eachMode(t *testing.T, test func(t *testing.T, db *Database)) {
	t.Helper()
	for _, m := range testModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			test(t, openMigrated(t, m.opts))
		})
	}
}

func openMigrated(t testing.TB, opts LocalOptions) *Database {
	t.Helper()
	db, err := OpenFile(context.Background(), filepath.Join(t.TempDir(), "catalog.db"), opts)
	if err != nil {
		t.Fatalf("OpenFile: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return db
}

// queryPlan is SQLite's EXPLAIN QUERY PLAN of s on db: one detail a step.
func queryPlan(t testing.TB, ctx context.Context, db *Database, s Statement) []string {
	t.Helper()
	res, err := db.query(ctx, Statement{SQL: "EXPLAIN QUERY PLAN " + s.SQL, Params: s.Params})
	if err != nil {
		t.Fatalf("EXPLAIN QUERY PLAN %s: %v", s.SQL, err)
	}
	plan := make([]string, 0, len(res.Rows))
	for _, row := range res.Rows {
		rr := rowReader{row: row}
		plan = append(plan, rr.text("detail"))
	}
	return plan
}

// probedQuery is c's query under bound as Search has it before it counts: the last word
// expanded, the probe read.
func probedQuery(t testing.TB, ctx context.Context, repo *TorrentRepository, c domain.SearchCriteria, bound int) (*searchQuery, probed) {
	t.Helper()
	q := newSearchQuery(c, ftsQuery(c.Terms), bound)
	if err := repo.expandLastTerm(ctx, q); err != nil {
		t.Fatal(err)
	}
	p, err := repo.probe(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	return q, p
}

// seekCountStatement is the statement that counts c's total under bound, built as Search builds it
// with each match's filters tested by a seek.
func seekCountStatement(t testing.TB, ctx context.Context, repo *TorrentRepository, c domain.SearchCriteria, bound int) Statement {
	t.Helper()
	q, p := probedQuery(t, ctx, repo, c, bound)
	q.costs = seekForced(repo.db.costs())
	return q.countStatement(p)
}

// expectNoSort fails the test when s's plan sorts its rows (a temporary b-tree), which would read
// every match before the first.
func expectNoSort(t testing.TB, ctx context.Context, db *Database, s Statement, what string) {
	t.Helper()
	for _, detail := range queryPlan(t, ctx, db, s) {
		if strings.Contains(detail, "TEMP B-TREE") {
			t.Errorf("%s: the count sorts the matches (%s)", what, detail)
		}
	}
}

var baseTime = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func hashOf(i int) domain.InfoHash {
	return domain.InfoHash(sha1.Sum([]byte(fmt.Sprint("torrent-", i))))
}

// newTorrent is a valid, normalized torrent numbered i.
func newTorrent(t testing.TB, i int, mutate ...func(*domain.Torrent)) domain.Torrent {
	t.Helper()
	tor := domain.Torrent{
		InfoHash:    hashOf(i),
		Name:        fmt.Sprintf("Torrent %03d", i),
		Category:    domain.CategoryRef{Slug: "movies", Name: "Movies"},
		Seeders:     int64(i % 7),
		Leechers:    int64(i % 5),
		UploadedAt:  baseTime.Add(time.Duration(i) * time.Hour),
		Description: fmt.Sprintf("description %d", i),
		Files:       []domain.File{{Path: fmt.Sprintf("dir/file-%d.mkv", i), Size: int64(1000 + i)}},
		Trackers:    []string{"udp://tracker.example:1337/announce"},
	}
	for _, m := range mutate {
		m(&tor)
	}
	if err := tor.Normalize(baseTime.Add(100 * 365 * 24 * time.Hour)); err != nil {
		t.Fatalf("torrent %d: %v", i, err)
	}
	return tor
}

func upsert(t testing.TB, repo *TorrentRepository, torrents ...domain.Torrent) []domain.UpsertOutcome {
	t.Helper()
	out, err := repo.Upsert(context.Background(), torrents)
	if err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	if len(out) != len(torrents) {
		t.Fatalf("Upsert: %d outcomes for %d torrents", len(out), len(torrents))
	}
	return out
}

func categoryCounts(t testing.TB, db *Database) map[string]int64 {
	t.Helper()
	list, err := NewCategoryRepository(db).List(context.Background())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	out := make(map[string]int64, len(list))
	for _, c := range list {
		out[c.Slug] = c.TorrentCount
	}
	return out
}

// scalar runs a read and returns its single integer.
func scalar(t testing.TB, db *Database, sql string, params ...any) int64 {
	t.Helper()
	res, err := db.query(context.Background(), Statement{SQL: sql, Params: params})
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	row := firstRow(res)
	for _, v := range row {
		n, err := asInt64(v)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	t.Fatalf("%s: no value", sql)
	return 0
}

// numberedTorrents is n torrents newTorrent numbers 0 to n-1, each changed by mutate with its number.
func numberedTorrents(t testing.TB, n int, mutate func(i int, tor *domain.Torrent)) []domain.Torrent {
	t.Helper()
	torrents := make([]domain.Torrent, 0, n)
	for i := range n {
		torrents = append(torrents, newTorrent(t, i, func(tor *domain.Torrent) { mutate(i, tor) }))
	}
	return torrents
}
