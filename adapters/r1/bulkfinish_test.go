package r1

import (
	"context"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

// A bulk load's finish copies its scratch index merged into one segment, however long the merge
// takes beside the indexes: the copy waits for it. Cut short once the indexes were built, as it
// was, the rest of the merge fell to the catalog's upkeep after the finish, on one core, a step
// and a commit to the WAL at a time: at 200,000 zipf torrents about 5 s of settling after the
// finish, where the scratch index merges the same in about 3.5 s more before the copy.
func TestABulkLoadsFinishCopiesItsScratchIndexMergedIntoOneSegment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openMigrated(t, LocalOptions{MergeAfterIdle: -1}) // upkeep merges nothing: what the finish leaves stays
	began(t, db)
	side := sideOf(t, db)
	halted(t, side)
	// Pending entries of a few rows' worth: each step writes many segments, none merged.
	if _, err := side.conn.ExecContext(ctx, "INSERT INTO bulk_fts.torrents_fts (torrents_fts, rank) VALUES ('hashsize', 2048)"); err != nil {
		t.Fatal(err)
	}
	repo := NewTorrentRepository(db)
	for batch := range 4 {
		torrents := make([]domain.Torrent, 100)
		for k := range torrents {
			torrents[k] = bulkTorrent(t, batch*100+k)
		}
		upsert(t, repo, torrents...)
	}
	finish(t, db)
	if n := scalar(t, db, "SELECT count(DISTINCT segid) FROM torrents_fts_idx"); n != 1 {
		t.Errorf("the catalog's index holds %d segments after the finish; want the scratch index's, merged into one", n)
	}
}

// The scratch index starts with a load's first batch: a step waits for an eighth of the rows it
// holds, from an import's batch up to bulkFTSMinRows, where it waited for bulkFTSMinRows from the
// start (about 2 s of loading at 12,000 torrents a second, with the other core half idle).
func TestAScratchIndexStepWaitsForAnEighthOfWhatItHolds(t *testing.T) {
	b := &bulkFTS{}
	b.minRows.Store(bulkFTSMinRows)
	for _, c := range []struct{ upTo, want int64 }{
		{0, 2_500}, {2_500, 2_500}, {20_000, 2_500}, {40_000, 5_000}, {100_000, 12_500}, {200_000, 25_000}, {1_000_000, 25_000},
	} {
		b.upTo = c.upTo
		if got := b.stepRows(); got != c.want {
			t.Errorf("with %d rows indexed a step waits for %d; want %d", c.upTo, got, c.want)
		}
	}
	b.upTo = 0
	b.minRows.Store(1) // a test's own
	if got := b.stepRows(); got != 1 {
		t.Errorf("with minRows 1 a step waits for %d rows; want 1", got)
	}
}
