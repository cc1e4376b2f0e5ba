package r1

import (
	"context"

	"github.com/torrent-streamer/streamer/domain"
)

// Listing: a search without text, one statement for the page and its bounded count, in one of two
// ways chosen from the criteria alone (no probe: a listing is one engine call).

// listing is how a search without text reaches its page.
type listing int

const (
	sortKeyWalk     listing = iota // the sort key's index walked in order, each torrent filtered (indexWalk)
	resolutionWalks                // newest first within each category and resolution asked, merged (search_list_resolution.go)
)

// listPlan chooses how to list: by resolution when the listing asks some resolutions of some
// categories newest (or oldest) first, the sort key's index otherwise.
func (q *searchQuery) listPlan() listing {
	if _, ok := q.resolutionRanges(); ok {
		return resolutionWalks
	}
	return sortKeyWalk
}

// list is a search without text: one statement for the page and its bounded count.
func (r *TorrentRepository) list(ctx context.Context, q *searchQuery) (domain.SearchPage, error) {
	var s, alone Statement // the page (its rows carry the total) and the total on its own
	switch q.listPlan() {
	case resolutionWalks:
		s, alone = q.resolutionPage(), q.resolutionTotal()
	default:
		count := "SELECT count(*) FROM (SELECT 1 FROM torrents t WHERE " + q.where + " LIMIT CAST(? AS INTEGER))"
		countParams := append(append([]any{}, q.params...), q.countLimit+1)
		s, alone = q.indexWalk("", nil, count, countParams), Statement{SQL: "SELECT (" + count + ") AS total", Params: countParams}
	}
	page, err := r.page(ctx, q, s)
	if err != nil {
		return page, err
	}
	if page.Total < 0 {
		// Past the end, the page has no row to carry the total: count on its own.
		counted, err := r.db.query(ctx, alone)
		if err != nil {
			return domain.SearchPage{}, err
		}
		rr := rowReader{row: firstRow(counted)}
		page.Total = int(rr.int("total"))
		if rr.err != nil {
			return domain.SearchPage{}, rr.err
		}
	}
	page.TotalExact = page.Total <= q.countLimit
	page.Total = min(page.Total, q.countLimit)
	return page, nil
}
