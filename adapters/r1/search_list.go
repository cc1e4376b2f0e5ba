package r1

import (
	"context"

	"github.com/torrent-streamer/streamer/domain"
)

// Listing: a search without text.

// list is a search without text: one statement for the page and its bounded count, over the sort
// key's index.
func (r *TorrentRepository) list(ctx context.Context, q *searchQuery) (domain.SearchPage, error) {
	count := "SELECT count(*) FROM (SELECT 1 FROM torrents t WHERE " + q.where + " LIMIT CAST(? AS INTEGER))"
	countParams := append(append([]any{}, q.params...), q.countLimit+1)
	page, err := r.page(ctx, q, q.indexWalk("", nil, count, countParams))
	if err != nil {
		return page, err
	}
	if page.Total < 0 {
		// Past the end, the page has no row to carry the total: count on its own.
		counted, err := r.db.query(ctx, Statement{SQL: "SELECT (" + count + ") AS total", Params: append(append([]any{}, q.params...), q.countLimit+1)})
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
