package r1

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

// An index written in many transactions, with FTS5's own merging off, holds a segment for each;
// MergeSearchIndex merges it into one, and every search finds what it found before, in the same
// order. An index with few segments is left alone.
func TestMergeSearchIndexLeavesOneSegmentAndTheSameResults(t *testing.T) {
	for _, m := range testModes {
		opts := m.opts
		opts.MergeAfterIdle = -1 // the engine's own merging when idle would race the count below
		t.Run(m.name, func(t *testing.T) { testMergeSearchIndex(t, openMigrated(t, opts)) })
	}
}

func testMergeSearchIndex(t *testing.T, db *Database) {
	{
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		if _, err := db.batch(ctx, []Statement{{SQL: "INSERT INTO torrents_fts (torrents_fts, rank) VALUES ('automerge', 0)"}}); err != nil {
			t.Fatal(err)
		}
		words := []string{"alpha", "beta", "gamma"}
		for batch := range 12 {
			var torrents []domain.Torrent
			for i := range 4 {
				n := batch*4 + i
				torrents = append(torrents, newTorrent(t, n, func(tor *domain.Torrent) {
					tor.Name = fmt.Sprintf("%s common %s %d", words[n%3], words[(n/3)%3], n)
					tor.Seeders = int64(n % 5)
				}))
			}
			upsert(t, repo, torrents...)
		}
		searches := []domain.SearchCriteria{
			criteria(t, "common", 100),
			criteria(t, "alpha beta", 100),
			criteria(t, "gam", 100),
			criteria(t, "common", 100, func(c *domain.SearchCriteria) { c.Sort = domain.SortSeeders }),
		}
		var before [][]int64
		for _, c := range searches {
			page, err := repo.Search(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			before = append(before, ids(page.Items))
		}
		segments, err := repo.searchIndexSegments(ctx)
		if err != nil || segments <= mergeAbove {
			t.Fatalf("%d segments (%v) before the merge, want more than %d", segments, err, mergeAbove)
		}
		written, err := repo.MergeSearchIndex(ctx)
		if err != nil || written == 0 {
			t.Fatalf("merge: %d written, %v", written, err)
		}
		if segments, err := repo.searchIndexSegments(ctx); err != nil || segments != 1 {
			t.Fatalf("%d segments (%v) after the merge, want 1", segments, err)
		}
		for i, c := range searches {
			page, err := repo.Search(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(page.Items); !slices.Equal(got, before[i]) || len(got) == 0 {
				t.Fatalf("%q after the merge: %v, before %v", c.Text, got, before[i])
			}
		}
		if written, err := repo.MergeSearchIndex(ctx); err != nil || written != 0 {
			t.Fatalf("a merged index merged again: %d written, %v", written, err)
		}
	}
}
