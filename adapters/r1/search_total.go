package r1

import (
	"context"

	"github.com/torrent-streamer/streamer/domain"
)

// The total of a text search: exact up to the count bound, the bound flagged as a lower bound above it.

// countNeed is when a text search's total needs a count statement of its own.
type countNeed int

const (
	countNever         countNeed = iota // the probe settles the total
	countUnlessCarried                  // the page statement's rows may carry it; past the end they do not
	countAlways
)

// countNeed says when the total needs counting. Without filters the probe settles it: every match
// it counted, or the bound. With filters and more matches than the probe counted, a count always
// runs: the probe's sample is the newest matches, and whatever follows age (the upload date, the
// seeders of a crawled catalog, the release year, the resolution) passes them far more or far less
// often than the rest, so its estimate cannot stand for a total under the bound (the newest 1,500
// of 6,500 matches passing read as 10,000: TestSearchDateTotalIsCountedUnderTheBound,
// TestSearchAgedFilterTotalIsCountedUnderTheBound). The count stops one past the bound, and where
// the sample says the bound is far exceeded it walks newest first (countOrder), the matches the
// sample measured: when the sample is right it stops after about bound/share matches.
func (q *searchQuery) countNeed(p probed, s strategy) countNeed {
	switch {
	case !q.filtered:
		return countNever
	case p.complete && p.n <= q.countLimit, s.countsEveryMatch():
		return countUnlessCarried
	}
	return countAlways
}

// pageAndTotal runs the page statement and, when the total needs it, the count: in one engine call
// where a call costs a round trip (D1), one after the other where it costs nothing (the local
// file), so that there the count runs only when the page did not carry the total.
func (r *TorrentRepository) pageAndTotal(ctx context.Context, q *searchQuery, p probed, plan strategy, s Statement) (domain.SearchPage, error) {
	if q.countNeed(p, plan) == countNever || q.costs.RoundTrip == 0 {
		res, err := r.db.query(ctx, s)
		if err != nil {
			return domain.SearchPage{}, err
		}
		return r.finishPage(ctx, q, p, plan, res)
	}
	results, err := r.db.queryAll(ctx, []Statement{s, q.countStatement(p)})
	if err != nil {
		return domain.SearchPage{}, err
	}
	page, err := q.readPage(results[0])
	if err != nil {
		return domain.SearchPage{}, err
	}
	counted, err := readCount(results[1])
	if err != nil {
		return domain.SearchPage{}, err
	}
	page.Total, page.TotalExact = q.total(p, page.Total, counted)
	return page, nil
}

// finishPage reads a page statement's result (sent ahead with the probe, or after it) and counts
// the total when the page did not carry it and the total needs it: the strategies sent ahead carry
// it whenever it needs counting (search_ahead.go), so that is a second call only elsewhere.
func (r *TorrentRepository) finishPage(ctx context.Context, q *searchQuery, p probed, plan strategy, res Result) (domain.SearchPage, error) {
	page, err := q.readPage(res)
	if err != nil {
		return domain.SearchPage{}, err
	}
	counted := -1
	if need := q.countNeed(p, plan); need == countAlways || need == countUnlessCarried && page.Total < 0 {
		res, err := r.db.query(ctx, q.countStatement(p))
		if err != nil {
			return domain.SearchPage{}, err
		}
		if counted, err = readCount(res); err != nil {
			return domain.SearchPage{}, err
		}
	}
	page.Total, page.TotalExact = q.total(p, page.Total, counted)
	return page, nil
}

// total is the search's total from what was counted: the probe's, the page's (-1 when its rows
// did not carry it: a page that carries it counted every match that passes) and the count
// statement's (-1 when it did not run).
func (q *searchQuery) total(p probed, carried, counted int) (int, bool) {
	switch {
	case !q.filtered && p.n > q.countLimit:
		return q.countLimit, false
	case !q.filtered:
		return p.n, true
	case carried >= 0:
		return min(carried, q.countLimit), carried <= q.countLimit
	case counted < 0:
		return q.countLimit, false // unreachable: countNeed counts every filtered total the probe did not settle
	}
	return min(counted, q.countLimit), counted <= q.countLimit
}

// countStatement counts the matches that pass the filters, up to one past the bound: each match
// sought in torrents_facets, or, for size and date ranges, from the index's buckets of the ranges
// (search_bucketed.go), or merged in id order with the torrents passing a minimum of seeders
// (search_seeded.go), or, when an index holds every filter's column and few enough torrents pass
// them, with those torrents sorted by id (search_merge.go).
func (q *searchQuery) countStatement(p probed) Statement {
	match := q.wholeMatch(p.estimatedMatches())
	joined := Statement{
		SQL: "SELECT count(*) AS total FROM (SELECT 1 FROM torrents_fts f JOIN torrents t INDEXED BY torrents_facets ON t.id = f.rowid" +
			" WHERE f.torrents_fts MATCH ? AND " + q.joinWhere + q.countOrder(p) + " LIMIT CAST(? AS INTEGER))",
		Params: append(append([]any{match}, q.params...), q.countLimit+1),
	}
	if ranges, ok := q.bucketedRanges(p); ok && q.costs.bucketedPays(q, p, ranges) {
		return q.bucketedCount(match, ranges)
	}
	if index, side, params, ok := q.seededSide(); ok && q.costs.seededMergePays(q, p, q.countLimit+1) {
		return q.seededCount(match, index, side, params)
	}
	if index, side, params := q.mergeSide(); index != "" {
		if limit := q.costs.mergeCap(q, p); limit > 0 {
			return q.mergedCount(match, joined, index, side, params, limit)
		}
	}
	return joined
}

// countOrder is the order the count walks the matches in: FTS5's own (oldest first), or newest
// first when the probe's sample (the newest matches) says the bound may be reached, so that the
// count meets the passing matches the sample saw first and stops one past the bound instead of
// stepping over every older match: when a filter passes the newest torrents only ("after" a date)
// and the sample says at least half the bound pass, or when it says at least twice the bound pass
// whatever the filter (the count then stops after about bound/share matches if the sample is
// right, and walks what the exact total needs if it is not). FTS5 walks its lists backwards
// itself: no sort. When the sample says fewer pass, the count walks every match whichever the
// order, and FTS5's own is the cheaper (a word in a category after a date at 1,000,000 torrents,
// 5,857 matches: 11 ms backwards, 8.5 forwards).
func (q *searchQuery) countOrder(p probed) string {
	if q.newestFirstCount(p) {
		return " ORDER BY f.rowid DESC"
	}
	return ""
}

// newestFirstCount says whether the count walks the matches newest first (see countOrder).
func (q *searchQuery) newestFirstCount(p probed) bool {
	passing := p.keptShare(q) * p.estimatedMatches()
	if passing >= 2*float64(q.countLimit) {
		return true
	}
	for _, f := range q.filters {
		if f.newest && passing >= float64(q.countLimit)/2 {
			return true
		}
	}
	return false
}

// countWalked is about how many matches the count walks: every one, or, newest first, about
// bound/share if the sample is right.
func (q *searchQuery) countWalked(p probed) float64 {
	matches := p.estimatedMatches()
	if share := p.keptShare(q); share > 0 && q.newestFirstCount(p) {
		return min(matches, float64(q.countLimit+1)/share)
	}
	return matches
}

func readCount(res Result) (int, error) {
	rr := rowReader{row: firstRow(res)}
	total := int(rr.int("total"))
	return total, rr.err
}
