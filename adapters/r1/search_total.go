package r1

import (
	"context"

	"github.com/torrent-streamer/streamer/domain"
)

// The total of a text search: exact up to the count bound, the bound flagged as a lower bound above it.

// count counts the matches that pass the filters, up to one past the bound.
func (r *TorrentRepository) count(ctx context.Context, q *searchQuery, matches float64) (int, error) {
	res, err := r.db.query(ctx, q.countStatement(matches))
	if err != nil {
		return 0, err
	}
	rr := rowReader{row: firstRow(res)}
	total := int(rr.int("total"))
	return total, rr.err
}

// countStatement counts the matches that pass the filters, up to one past the bound.
func (q *searchQuery) countStatement(matches float64) Statement {
	return Statement{
		SQL: "SELECT count(*) AS total FROM (SELECT 1 FROM torrents_fts f JOIN torrents t INDEXED BY torrents_facets ON t.id = f.rowid" +
			" WHERE f.torrents_fts MATCH ? AND " + q.where + " LIMIT CAST(? AS INTEGER))",
		Params: append(append([]any{q.wholeMatch(matches)}, q.params...), q.countLimit+1),
	}
}

// countMany is the total of a search whose text has more than countLimit matches. Without filters
// it is the bound. With filters, the probe's sample of the newest matches estimates how many pass
// them; a count, which may walk every match, runs only when the estimate is under twice the bound,
// so a total under the bound is always exact and the common case (a common word and a filter that
// keeps many of its matches) costs nothing more.
func (r *TorrentRepository) countMany(ctx context.Context, q *searchQuery, p probed) (int, bool, error) {
	if !q.filtered {
		return q.countLimit, false, nil
	}
	sampled := min(p.n, countSampleSize)
	if float64(p.sampled)/float64(sampled)*p.estimatedMatches() >= 2*float64(q.countLimit) {
		return q.countLimit, false, nil
	}
	total, err := r.count(ctx, q, p.estimatedMatches())
	if err != nil {
		return 0, false, err
	}
	return min(total, q.countLimit), total <= q.countLimit, nil
}

// withTotal gives the page its total: from the probe when it counted every match and nothing
// filters them, from the page's rows when they carried it, otherwise counted (countMany).
func (r *TorrentRepository) withTotal(ctx context.Context, q *searchQuery, p probed, page domain.SearchPage) (domain.SearchPage, error) {
	var err error
	switch {
	case p.n > q.countLimit:
		page.Total, page.TotalExact, err = r.countMany(ctx, q, p)
	case !q.filtered:
		page.Total, page.TotalExact = p.n, true
	case page.Total < 0:
		// A page without a row to carry the count (past the end), or a statement without one.
		page.Total, err = r.count(ctx, q, float64(p.n))
		page.TotalExact = true
	default:
		page.TotalExact = true
	}
	if err != nil {
		return domain.SearchPage{}, err
	}
	return page, nil
}
