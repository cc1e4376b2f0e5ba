package r1

import (
	"context"

	"github.com/torrent-streamer/streamer/domain"
)

// Reading a page statement's rows: the items, the cursor after the last, the total when carried.

// page runs a page statement and reads its rows: the items, the position after the last, and the
// total when the rows carry one (-1 when none does).
func (r *TorrentRepository) page(ctx context.Context, q *searchQuery, s Statement) (domain.SearchPage, error) {
	res, err := r.db.query(ctx, s)
	if err != nil {
		return domain.SearchPage{}, err
	}
	return q.readPage(res)
}

// readPage reads a page statement's rows (see page).
func (q *searchQuery) readPage(res Result) (domain.SearchPage, error) {
	page := domain.SearchPage{Items: make([]domain.TorrentSummary, 0, min(len(res.Rows), q.limit)), Total: -1}
	var last Row
	for i, row := range res.Rows {
		if i == q.limit {
			break
		}
		rr := rowReader{row: row}
		item := summaryOf(&rr)
		if _, ok := row["total"]; ok {
			page.Total = int(rr.int("total"))
		}
		if rr.err != nil {
			return domain.SearchPage{}, rr.err
		}
		page.Items = append(page.Items, item)
		last = row
	}
	if len(res.Rows) > q.limit {
		pos, err := q.position(last)
		if err != nil {
			return domain.SearchPage{}, err
		}
		page.Next = &pos
	}
	return page, nil
}

// position is where a page ending at row stops, in the fields of domain.Position that match the sort.
func (q *searchQuery) position(row Row) (domain.Position, error) {
	rr := rowReader{row: row}
	pos := domain.Position{ID: rr.int("id")}
	switch q.sort {
	case domain.SortName:
		pos.Text = rr.text("sort_key")
	case domain.SortRelevance:
		pos.Float = float64(rr.int("sort_key")) / relevanceScale
	default:
		pos.Int = rr.int("sort_key")
	}
	return pos, rr.err
}
