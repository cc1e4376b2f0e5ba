package r1

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// relevanceScale turns -bm25 into an integer key (millionths). Relevance is ordered and paged by that
// integer rather than by the float: a cursor reaches D1 as text, and SQLite's text-to-REAL
// conversion is not promised to give back the exact double, while an integer round-trips exactly.
// Scores closer than a millionth tie, and the id breaks the tie.
const relevanceScale = 1_000_000

// bm25 weights: a word in the name counts ten times one in a file path.
const relevanceSQL = "CAST(round(-bm25(torrents_fts, 10.0, 1.0) * 1000000) AS INTEGER)"

// Search returns one page of the torrents matching c (already normalized): full text when c has
// terms, the filtered catalog otherwise. One statement answers both the page and its total.
func (r *TorrentRepository) Search(ctx context.Context, c domain.SearchCriteria) (domain.SearchPage, error) {
	match := ftsQuery(c.Terms)
	if match == "" && strings.TrimSpace(c.Text) != "" {
		// The text had no word in it (only punctuation, say): nothing can match it, and listing the
		// whole catalog would answer a question nobody asked.
		return domain.SearchPage{Items: []domain.TorrentSummary{}, TotalExact: true}, nil
	}
	q := newSearchQuery(c, match, r.countLimit)
	res, err := r.db.query(ctx, q.page())
	if err != nil {
		return domain.SearchPage{}, err
	}
	page := domain.SearchPage{Items: make([]domain.TorrentSummary, 0, min(len(res.Rows), q.limit))}
	var total int64
	var last Row
	for i, row := range res.Rows {
		if i == q.limit {
			break
		}
		rr := rowReader{row: row}
		item := summaryOf(&rr)
		total = rr.int("total")
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
	if len(res.Rows) == 0 && (c.Cursor != nil || c.Offset > 0) {
		// Past the end, the page has no row to carry the total: count on its own.
		counted, err := r.db.query(ctx, q.count())
		if err != nil {
			return domain.SearchPage{}, err
		}
		rr := rowReader{row: firstRow(counted)}
		total = rr.int("total")
		if rr.err != nil {
			return domain.SearchPage{}, rr.err
		}
	}
	page.Total, page.TotalExact = int(total), true
	if total > int64(q.countLimit) {
		page.Total, page.TotalExact = q.countLimit, false
	}
	return page, nil
}

// searchQuery is the SQL of one search, assembled from parts so the page and the count share them.
type searchQuery struct {
	c          domain.SearchCriteria
	sort       domain.SortField
	desc       bool
	limit      int
	countLimit int
	with       string // the full-text CTE, or ""
	withParams []any
	from       string
	where      string
	params     []any // of where
}

func newSearchQuery(c domain.SearchCriteria, match string, countLimit int) *searchQuery {
	q := &searchQuery{c: c, sort: c.Sort, limit: pageSize(c.Limit), countLimit: countLimit, from: "torrents t"}
	if q.sort == "" || (q.sort == domain.SortRelevance && match == "") {
		q.sort = domain.SortDate
	}
	switch c.Order {
	case domain.Ascending:
	case domain.Descending:
		q.desc = true
	default:
		q.desc = q.sort != domain.SortName
	}
	if match != "" {
		// MATERIALIZED: the matches are found (and scored) once for the page and its count, not once
		// per use.
		score := ""
		if q.sort == domain.SortRelevance {
			score = ", " + relevanceSQL + " AS score"
		}
		q.with = "WITH matches AS MATERIALIZED (SELECT rowid AS id" + score +
			" FROM torrents_fts WHERE torrents_fts MATCH ?) "
		q.withParams = []any{match}
		q.from = "matches m JOIN torrents t ON t.id = m.id"
	}
	var conds []string
	switch len(c.Categories) {
	case 0:
	case 1:
		// An equality, unlike IN, lets the (category_id, uploaded_at) index give the date order too.
		conds = append(conds, "t.category_id = (SELECT id FROM categories WHERE slug = ?)")
		q.params = append(q.params, anySlug(c.Categories[0]))
	default:
		conds = append(conds, "t.category_id IN (SELECT id FROM categories WHERE slug IN ("+placeholders(len(c.Categories))+"))")
		for _, slug := range c.Categories {
			q.params = append(q.params, anySlug(slug))
		}
	}
	intFilter := func(cond string, v *int64) {
		if v != nil {
			conds = append(conds, cond)
			q.params = append(q.params, *v)
		}
	}
	intFilter("t.size >= CAST(? AS INTEGER)", c.MinSize)
	intFilter("t.size <= CAST(? AS INTEGER)", c.MaxSize)
	intFilter("t.seeders >= CAST(? AS INTEGER)", c.MinSeeders)
	if !c.After.IsZero() {
		after := ceilUnix(c.After)
		intFilter("t.uploaded_at >= CAST(? AS INTEGER)", &after)
	}
	if !c.Before.IsZero() {
		before := ceilUnix(c.Before)
		intFilter("t.uploaded_at < CAST(? AS INTEGER)", &before)
	}
	q.where = "1"
	if len(conds) > 0 {
		q.where = strings.Join(conds, " AND ")
	}
	return q
}

// ceilUnix is t in whole seconds, rounded up: uploaded_at is whole seconds, so ">= 10:00:00.5" and
// ">= 10:00:01" select the same rows, and so do "< 10:00:00.5" and "< 10:00:01".
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// key is the sort key's SQL. The name sort compares name_key (the lowercased name) as bytes.
func (q *searchQuery) key() string {
	switch q.sort {
	case domain.SortRelevance:
		return "m.score"
	case domain.SortSeeders:
		return "t.seeders"
	case domain.SortLeechers:
		return "t.leechers"
	case domain.SortSize:
		return "t.size"
	case domain.SortName:
		return "t.name_key"
	}
	return "t.uploaded_at"
}

// countSQL counts the matches up to one past the bound: enough to tell an exact total from a
// lower bound, and never a scan of everything.
func (q *searchQuery) countSQL() (string, []any) {
	params := append(append([]any{}, q.params...), q.countLimit+1)
	return "SELECT count(*) FROM (SELECT 1 FROM " + q.from + " WHERE " + q.where + " LIMIT CAST(? AS INTEGER))", params
}

func (q *searchQuery) page() Statement {
	dir, after := "ASC", ">"
	if q.desc {
		dir, after = "DESC", "<"
	}
	count, countParams := q.countSQL()
	var b strings.Builder
	params := append([]any{}, q.withParams...)
	b.WriteString(q.with)
	b.WriteString("SELECT " + summaryColumns + ", " + q.key() + " AS sort_key, (" + count + ") AS total FROM ")
	params = append(params, countParams...)
	b.WriteString(q.from + " JOIN categories c ON c.id = t.category_id WHERE " + q.where)
	params = append(params, q.params...)
	if p := q.c.Cursor; p != nil {
		var value any
		cast := "CAST(? AS INTEGER)"
		switch q.sort {
		case domain.SortName:
			// Lowercased again: a cursor made elsewhere may carry the name as written.
			value, cast = nameKey(p.Text), "?"
		case domain.SortRelevance:
			value = int64(math.Round(p.Float * relevanceScale))
		default:
			value = p.Int
		}
		// The row value compares (key, id) as a whole; the plain comparison before it, implied by it,
		// makes sure SQLite starts the index scan at the cursor.
		b.WriteString(" AND " + q.key() + " " + after + "= " + cast +
			" AND (" + q.key() + ", t.id) " + after + " (" + cast + ", CAST(? AS INTEGER))")
		params = append(params, value, value, p.ID)
	}
	b.WriteString(" ORDER BY " + q.key() + " " + dir + ", t.id " + dir)
	// One more than the page: its presence says there is a next page.
	b.WriteString(" LIMIT CAST(? AS INTEGER)")
	params = append(params, q.limit+1)
	if q.c.Cursor == nil && q.c.Offset > 0 {
		b.WriteString(" OFFSET CAST(? AS INTEGER)")
		params = append(params, q.c.Offset)
	}
	return Statement{SQL: b.String(), Params: params}
}

func (q *searchQuery) count() Statement {
	count, params := q.countSQL()
	return Statement{
		SQL:    q.with + "SELECT (" + count + ") AS total",
		Params: append(append([]any{}, q.withParams...), params...),
	}
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
