package r1

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// The full-text index's upkeep. FTS5 writes each transaction's new entries as a segment of its own
// and merges them four at a time as they pile up, so an index ingested in batches keeps a dozen or
// more segments (13 for 1,000,000 torrents in batches of 1000). Reading a word's list is one merge
// across them, cheap; checking one torrent against the text seeks every segment, which is what the
// sorted and narrow-filter searches do hundreds of times: 81 µs a check with 16 segments, 4 µs with
// one (flat corpus, 100,000 torrents). So the service merges the index into one segment when it
// holds more than mergeAbove, in steps (MergeSearchIndex, run by bootstrap's periodic loop).

// mergeAbove is how many segments the index may hold before MergeSearchIndex merges them into one.
// The local engine's own upkeep (upkeep.go) merges the segments of each level as the batches add
// them, which leaves 3 at 200,000 torrents and 7 at 1,000,000; at 7 a check costs 97 µs, at one
// 25 µs. A full merge rewrites the index (38 s at 1,000,000 torrents, in steps that let writes
// through), so a catalog that never stops growing pays it at most once a loop (10 minutes).
const mergeAbove = 3

// searchMergePages is one merge step's work: one write transaction of about this many pages of the
// index (4 KiB each, a few tenths of a second), so a write waits at most one step.
const searchMergePages = 1000

// MergeSearchIndex merges the full-text index into one segment when it holds more than mergeAbove,
// in steps of searchMergePages pages, each its own write transaction (FTS5's 'merge' command with a
// negative budget: every segment moved to one level, then merged a budget at a time). It returns
// how many changes the steps wrote (pages and index entries; 0 when the index needed nothing), and
// stops early, without harm, when ctx ends.
func (r *TorrentRepository) MergeSearchIndex(ctx context.Context) (int64, error) {
	segments, err := r.searchIndexSegments(ctx)
	if err != nil || segments <= mergeAbove {
		return 0, err
	}
	var written int64
	for {
		if err := ctx.Err(); err != nil {
			return written, err
		}
		res, err := r.db.batch(ctx, []Statement{
			{SQL: "SELECT total_changes() AS n"},
			{SQL: "INSERT INTO torrents_fts (torrents_fts, rank) VALUES ('merge', CAST(? AS INTEGER))", Params: []any{-searchMergePages}},
			{SQL: "SELECT total_changes() AS n"},
		})
		if err != nil {
			return written, fmt.Errorf("r1: merge the search index: %w", err)
		}
		before, after := rowReader{row: firstRow(res[0])}, rowReader{row: firstRow(res[2])}
		step := after.int("n") - before.int("n")
		if before.err != nil || after.err != nil {
			return written, fmt.Errorf("r1: merge the search index: %w", errors.Join(before.err, after.err))
		}
		// A step that found nothing to merge writes the command's own row and nothing else.
		if step < 2 {
			r.segments.forget() // the planner counts them again
			return written, nil
		}
		written += step
	}
}

// searchIndexSegments counts the full-text index's segments: the distinct segment ids of its page
// index (torrents_fts_idx, keyed by segment id then term), one seek each.
func (r *TorrentRepository) searchIndexSegments(ctx context.Context) (int, error) {
	res, err := r.db.query(ctx, Statement{SQL: "WITH RECURSIVE s(id) AS (SELECT (SELECT min(segid) FROM torrents_fts_idx)" +
		" UNION ALL SELECT (SELECT min(segid) FROM torrents_fts_idx WHERE segid > s.id) FROM s WHERE s.id IS NOT NULL)" +
		" SELECT count(id) AS n FROM s"})
	if err != nil {
		return 0, fmt.Errorf("r1: count the search index's segments: %w", err)
	}
	rr := rowReader{row: firstRow(res)}
	n := int(rr.int("n"))
	return n, rr.err
}

// assumedSegments is the planner's count of segments where it is not counted (D1, where a count
// is one more request): what 1,000,000 torrents ingested in batches of 1000 leave.
const assumedSegments = 13

// segmentsFresh is how long a count of the index's segments stands for the planner.
const segmentsFresh = 30 * time.Second

// segmentCount is the index's segment count as the search planner last read it.
type segmentCount struct {
	mu sync.Mutex
	n  int
	at time.Time
}

// count is the index's segment count, read again when older than segmentsFresh (on the local
// file; D1 and a failed count give assumedSegments).
func (s *segmentCount) count(ctx context.Context, r *TorrentRepository) int {
	if r.db.costs().RoundTrip > 0 {
		return assumedSegments
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.at.IsZero() || time.Since(s.at) > segmentsFresh {
		n, err := r.searchIndexSegments(ctx)
		if err != nil {
			n = assumedSegments
		}
		s.n, s.at = n, time.Now()
	}
	return s.n
}

// forget makes the next count read the index again.
func (s *segmentCount) forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.at = time.Time{}
}
