package r1

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// A reader that read the full-text index before upkeep merged it (its connection caches FTS5's
// structure: the list of segments) searches the merged index right, and the segments written after
// the merge (their ids reused) too: FTS5 reads the structure again when a statement opens the
// index and the file changed since (PRAGMA data_version), and so do the vocabulary tables the
// planner reads. Only PRAGMA integrity_check on such a
// reader checks the cached structure as it was, and reports the merged-away segments as corruption
// (logged here, not asserted: it is SQLite's to fix); run it on the writer (bulkload_test.go).
func TestAReaderSearchesRightAfterUpkeepMergedUnderIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := OpenFile(ctx, filepath.Join(t.TempDir(), "catalog.db"), LocalOptions{Readers: 1, MergeAfterIdle: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	repo := NewTorrentRepository(db)
	ingestCalls(t, repo, 0, 12)
	segs := func() string {
		return fmt.Sprint(rowsOf(t, db, "SELECT DISTINCT segid FROM torrents_fts_idx ORDER BY 1"))
	}
	before := segs()
	// The one reader reads the index: its structure is cached now.
	for text, want := range map[string]int{"orion": 24, "nebula": 12, "neb": 12, "quasar 23": 1} {
		if n := searchCount(t, repo, text); n != want {
			t.Fatalf("before the merge, %q: %d hits, want %d", text, n, want)
		}
	}
	if err := db.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	ingestCalls(t, repo, 24, 6) // new segments, in the ids the merge freed
	t.Logf("segments before the merge %s, after it and 6 more upserts %s", before, segs())
	res, err := db.query(ctx, Statement{SQL: "PRAGMA integrity_check"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("PRAGMA integrity_check on that reader, before it searched again: %v", res.Rows)
	// The vocabulary tables (the planner's word counts, search_words.go's terms) read the new
	// structure too.
	for query, want := range map[string]int64{
		"SELECT doc FROM torrents_fts_vocab WHERE term = 'orion'":                                 36,
		"SELECT doc FROM torrents_fts_vocab WHERE term = 'nebula'":                                18,
		"SELECT count(*) FROM torrents_fts_terms WHERE term = 'quasar'":                           18,
		"SELECT count(DISTINCT doc) FROM torrents_fts_terms WHERE term >= 'neb' AND term < 'nec'": 18,
	} {
		res, err := db.query(ctx, Statement{SQL: query})
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		if len(res.Rows) != 1 {
			t.Fatalf("%s: %v", query, res.Rows)
		}
		for _, v := range res.Rows[0] {
			if n, _ := asInt64(v); n != want {
				t.Errorf("after the merge, on that reader, %s: %v, want %d", query, v, want)
			}
		}
	}
	for text, want := range map[string]int{"orion": 36, "nebula": 18, "neb": 18, "quasar 23": 1, "quasar 33": 1, "nebula 24": 1} {
		if n := searchCount(t, repo, text); n != want {
			t.Errorf("after the merge, on the reader that had read the index before it, %q: %d hits, want %d", text, n, want)
		}
	}
	if _, err := db.batch(ctx, []Statement{{SQL: "INSERT INTO torrents_fts (torrents_fts) VALUES ('integrity-check')"}}); err != nil {
		t.Errorf("FTS5 integrity-check on the writer: %v", err)
	}
}
