package r1

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// Search at scale (measured with tests/bench at 1,000,000 torrents). What a text search costs is
// decided by how many torrents its words match (M), so it runs in steps, each one statement:
//
//  1. When the last word (a prefix) is longer than the prefix index and common, it is written out
//     as the words it begins, from the index's vocabulary (expandLastTerm, ftsExpanded).
//  2. The probe walks the newest matches, ids only, at most countLimit+1 (about a millisecond for
//     10,000), and for a filtered search counts how many of the newest 1,000 pass the filters.
//  3. The page:
//     - M ≤ countLimit (any order but relevance), or M ≤ relevanceScored (relevance, every word
//     rare enough for bm25): every match is known and they are few. One statement scores them
//     (bm25) when ranked, joins them to their torrents through torrents_facets (a narrow covering
//     index, not the wide rows), filters, counts, sorts and pages them.
//     - more, by relevance: the name tiers (see relevanceScored), walked from the full-text index.
//     - more than countLimit, by a column: either the column's index is walked in order and each
//     torrent is checked against the full-text index (cheap when the words are common, which is
//     when M is large), or every match is walked and the best page kept; whichever the cost model
//     says is cheaper (checkIsCheap).
//  4. The total, when the page did not give it: exact up to countLimit, otherwise countLimit
//     flagged as a lower bound. Without filters the probe settles it; with filters the probe's
//     sample estimates it, and only an estimate under twice the bound is counted (countMany).
//
// A search is so two to four statements (one or two engine calls more than a listing, which is
// one statement over the sort key's index). Every order is total: the sort key, then the id, in
// the same direction. Cursors are keyset positions, so a deep page costs what the first one does.

// relevanceScale turns -bm25 into an integer key (millionths). Relevance is ordered and paged by that
// integer rather than by the float: a cursor reaches D1 as text, and SQLite's text-to-REAL
// conversion is not promised to give back the exact double, while an integer round-trips exactly.
// Scores closer than a millionth tie, and the id breaks the tie.
const relevanceScale = 1_000_000

// relevanceSQL is the score of a full-text match: bm25 with a word in the name counting ten times
// one in a file path, at least 1 (the score of the name tier below).
const relevanceSQL = "max(1, CAST(round(-bm25(torrents_fts, 10.0, 1.0) * 1000000) AS INTEGER))"

// relevanceScored bounds the work of relevance. bm25 costs two things: a pass over every match of
// each word to weigh it (its IDF), and a few microseconds per match scored (it reads the match's
// column sizes). For a word in a third of a million torrents that is tens of milliseconds before
// the first row, whatever is scored. So relevance is bm25 over every match when there are at most
// relevanceScored of them, which is most searches; above that it is the part of bm25 that decides
// most of its order, the name's weight: first the torrents whose name holds every word (score 2),
// then the others (score 1), newest first within each. That keeps the order total and stable
// (score, then id) and is walked from the full-text index page by page like any other order.
const relevanceScored = 1000

// The scores of the two tiers of relevance above relevanceScored matches.
const (
	nameTier  = 2
	otherTier = 1
)

// prefixIndexLength is the longest prefix the full-text index keeps its own entries for (see
// migration 0003). The last word of a search is a prefix; one up to this length reads one list of
// the index, a longer one merges the lists of every word it begins, which makes checking a single
// torrent against it dear.
const prefixIndexLength = 4

// maxExpansion is how many words a long last word may begin and still be written out as an OR of
// them (see ftsExpanded); past it the prefix stays a prefix.
const maxExpansion = 16

// expandAbove is how many torrents the words a long last word begins must hold between them for
// writing it out to pay. A prefix costs a merge of all their lists up front (a tenth of a
// microsecond a torrent), after which the walk is as cheap as one word's; an OR costs nothing up
// front but merges its words' lists at every step of the walk, on every segment of the index. So
// the OR wins when the lists are long and the walk short (a common word, a page of it), and the
// prefix when the lists are short.
const expandAbove = 50000

// idfLimit is how many torrents each word of a search may match for bm25 to rank it: bm25 weighs a
// word by a pass over all of its matches, which for a word in a quarter of the catalog takes longer
// than the rest of the search. A search with a commoner word is ranked by the name tiers.
const idfLimit = 20000

// countSampleSize is how many of the newest matches stand for all of them when a filtered search
// has more matches than the count bound.
const countSampleSize = 1000

// The cost model's units, in microseconds, measured on the local engine at 1,000,000 torrents: a
// check of one torrent against the full-text index, and a walk step over one match (rowid from the
// index, filters from torrents_facets).
const (
	probeCost = 40.0
	walkCost  = 0.5
)

// Search returns one page of the torrents matching c (already normalized): full text when c has
// terms, the filtered catalog otherwise.
func (r *TorrentRepository) Search(ctx context.Context, c domain.SearchCriteria) (domain.SearchPage, error) {
	match := ftsQuery(c.Terms)
	if match == "" && strings.TrimSpace(c.Text) != "" {
		// The text had no word in it (only punctuation, say): nothing can match it, and listing the
		// whole catalog would answer a question nobody asked.
		return domain.SearchPage{Items: []domain.TorrentSummary{}, TotalExact: true}, nil
	}
	q := newSearchQuery(c, match, r.countLimit)
	if match == "" {
		return r.list(ctx, q)
	}
	if err := r.expandLastTerm(ctx, q); err != nil {
		return domain.SearchPage{}, err
	}
	if q.match == "" {
		// The last word begins no word of the index: nothing matches.
		return domain.SearchPage{Items: []domain.TorrentSummary{}, TotalExact: true}, nil
	}
	p, err := r.probe(ctx, q, r.relevanceScored)
	if err != nil {
		return domain.SearchPage{}, err
	}
	if p.n == 0 {
		return domain.SearchPage{Items: []domain.TorrentSummary{}, TotalExact: true}, nil
	}
	few := p.n <= q.countLimit
	ranked := p.n <= r.relevanceScored && p.commonestTerm <= idfLimit
	var s Statement
	switch {
	case q.sort == domain.SortRelevance && ranked, q.sort != domain.SortRelevance && few:
		s = q.fewPage(p)
	case q.sort == domain.SortRelevance:
		s = q.tierPage()
	case q.checkIsCheap(p):
		s = q.checkedPage()
	default:
		s = q.walkedPage(p)
	}
	page, err := r.page(ctx, q, s)
	if err != nil {
		return domain.SearchPage{}, err
	}
	switch {
	case !few:
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

// searchQuery is one search: its order, its filters as SQL over the alias t, and its full-text
// expression.
type searchQuery struct {
	c          domain.SearchCriteria
	sort       domain.SortField
	desc       bool
	limit      int
	countLimit int
	match      string // the FTS5 expression, "" for a listing
	// prefixed is the expression with the last word as a prefix even when match writes it out: one
	// phrase for bm25 (each word of an OR is a phrase it weighs and counts on its own), and the
	// cheaper form for walking every match (see wholeMatch).
	prefixed string
	// words is how many words match has for the last one (1 when it is not written out), and
	// lastDocs how many torrents those words hold between them (0 when not written out).
	words    int
	lastDocs int64
	where    string // the filters over t, "1" for none
	params   []any  // of where
	filtered bool
	// cheapCheck: checking one torrent against match reads one list of the index per word (the
	// last word is within the prefix index, or written out by expandLastTerm).
	cheapCheck bool
	// terms are the words of match one by one, each as an FTS5 expression (the last one as match
	// has it), to weigh them before bm25 does.
	terms []string
}

func newSearchQuery(c domain.SearchCriteria, match string, countLimit int) *searchQuery {
	q := &searchQuery{c: c, sort: c.Sort, limit: pageSize(c.Limit), countLimit: countLimit, match: match, prefixed: match, words: 1}
	if match != "" {
		last := c.Terms[len(c.Terms)-1]
		q.cheapCheck = len([]rune(last)) <= prefixIndexLength
		for _, t := range c.Terms[:len(c.Terms)-1] {
			if e := ftsQuery([]string{t}); e != "" {
				q.terms = append(q.terms, strings.TrimSuffix(e, " *"))
			}
		}
		if e := ftsQuery([]string{last}); e != "" {
			q.terms = append(q.terms, e)
		}
	}
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
		q.filtered = true
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

// column is the sort key's column of torrents. The name sort compares name_key (the lowercased name)
// as bytes.
func (q *searchQuery) column() string {
	switch q.sort {
	case domain.SortSeeders:
		return "seeders"
	case domain.SortLeechers:
		return "leechers"
	case domain.SortSize:
		return "size"
	case domain.SortName:
		return "name_key"
	}
	return "uploaded_at"
}

// facets is how torrents are joined to full-text matches to filter and sort them: through the
// covering index torrents_facets (id and the filter and sort columns, a few dozen bytes an entry,
// read in id order) rather than the table's rows (a kilobyte each with their file lists). The name
// sort needs name_key, which only the table has.
func (q *searchQuery) facets() string {
	if q.sort == domain.SortName {
		return "torrents t"
	}
	return "torrents t INDEXED BY torrents_facets"
}

func (q *searchQuery) dirs() (dir, after string) {
	if q.desc {
		return "DESC", "<"
	}
	return "ASC", ">"
}

// cursorValue is the cursor's sort key as SQL and its parameter.
func (q *searchQuery) cursorValue() (any, string) {
	p := q.c.Cursor
	switch q.sort {
	case domain.SortName:
		// Lowercased again: a cursor made elsewhere may carry the name as written.
		return nameKey(p.Text), "?"
	case domain.SortRelevance:
		return int64(math.Round(p.Float * relevanceScale)), "CAST(? AS INTEGER)"
	}
	return p.Int, "CAST(? AS INTEGER)"
}

// afterCursor is the condition "(key, id) comes after the cursor" in the search's direction, or ""
// without a cursor. The row value compares (key, id) as a whole; the plain comparison before it,
// implied by it, makes sure SQLite starts an index scan at the cursor.
func (q *searchQuery) afterCursor(key, id string) (string, []any) {
	if q.c.Cursor == nil {
		return "", nil
	}
	_, after := q.dirs()
	value, cast := q.cursorValue()
	return " AND " + key + " " + after + "= " + cast + " AND (" + key + ", " + id + ") " + after + " (" + cast + ", CAST(? AS INTEGER))",
		[]any{value, value, q.c.Cursor.ID}
}

// window is how many rows of the order a page statement must produce: the page, one more to tell
// whether a next page exists, and the rows an offset skips.
func (q *searchQuery) window() int {
	n := q.limit + 1
	if q.c.Cursor == nil {
		n += q.c.Offset
	}
	return n
}

// pageTail ends a page statement over rows aliased h (key k, id id): order, limit, offset.
func (q *searchQuery) pageTail(key, id string) (string, []any) {
	dir, _ := q.dirs()
	tail := " ORDER BY " + key + " " + dir + ", " + id + " " + dir + " LIMIT CAST(? AS INTEGER)"
	params := []any{q.limit + 1}
	if q.c.Cursor == nil && q.c.Offset > 0 {
		tail += " OFFSET CAST(? AS INTEGER)"
		params = append(params, q.c.Offset)
	}
	return tail, params
}

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

// expandLastTerm writes a long last word out as the words of the index it begins (see ftsExpanded),
// when there are at most maxExpansion of them and they are common enough (expandAbove); with none,
// q.match becomes "".
func (r *TorrentRepository) expandLastTerm(ctx context.Context, q *searchQuery) error {
	last := q.c.Terms[len(q.c.Terms)-1]
	if !expandable(last) {
		return nil
	}
	// Every word that begins with last sorts from last (included) to last with its final byte one
	// higher (excluded): the terms are ASCII letters and digits.
	upper := last[:len(last)-1] + string(last[len(last)-1]+1)
	res, err := r.db.query(ctx, Statement{
		SQL:    "SELECT term, doc FROM torrents_fts_vocab WHERE term >= ? AND term < ? LIMIT CAST(? AS INTEGER)",
		Params: []any{last, upper, maxExpansion + 1},
	})
	if err != nil {
		return err
	}
	if len(res.Rows) > maxExpansion {
		return nil
	}
	words := make([]string, 0, len(res.Rows))
	docs := int64(0)
	for _, row := range res.Rows {
		rr := rowReader{row: row}
		words = append(words, rr.text("term"))
		docs += rr.int("doc")
		if rr.err != nil {
			return rr.err
		}
	}
	if len(words) > 0 && docs <= r.expandAbove {
		return nil
	}
	q.match, q.words, q.lastDocs = ftsExpanded(q.c.Terms, words), max(1, len(words)), docs
	if len(q.terms) > 0 {
		q.terms[len(q.terms)-1] = ftsExpanded(q.c.Terms[len(q.c.Terms)-1:], words)
	}
	q.cheapCheck = true
	return nil
}

// probed is what the probe learnt of a text search's matches.
type probed struct {
	n        int   // matches, counted up to the probe's window
	complete bool  // n is every match: fewer than the window
	low      int64 // the oldest id among them (the window-th newest match when there are more)
	top      int64 // the highest id in the catalog
	sampled  int   // of the countSampleSize newest matches, how many pass the filters
	// commonestTerm is how many torrents the commonest word matches, counted up to idfLimit+1, for
	// a ranked search of several words (bm25 weighs each); 0 otherwise.
	commonestTerm int
}

// probe walks the newest matches of the text, ids only, as far as the count bound and the
// relevance bound need; for a filtered search, how many of the newest pass the filters; for a
// ranked search of several words, how common the commonest is.
func (r *TorrentRepository) probe(ctx context.Context, q *searchQuery, scored int) (probed, error) {
	window := max(q.countLimit, scored) + 1
	var b strings.Builder
	var params []any
	b.WriteString("SELECT count(*) AS n, coalesce(min(id), 0) AS low, (SELECT coalesce(max(id), 0) FROM torrents) AS top, ")
	if q.filtered {
		b.WriteString("(SELECT count(*) FROM (SELECT rowid AS id FROM torrents_fts WHERE torrents_fts MATCH ? ORDER BY rowid DESC LIMIT CAST(? AS INTEGER)) s" +
			" JOIN torrents t INDEXED BY torrents_facets ON t.id = s.id WHERE " + q.where + ") AS sampled, ")
		params = append(append(params, q.match, countSampleSize), q.params...)
	} else {
		b.WriteString("0 AS sampled, ")
	}
	if q.sort == domain.SortRelevance && len(q.terms) > 1 {
		b.WriteString("max(0")
		for _, term := range q.terms {
			b.WriteString(", (SELECT count(*) FROM (SELECT 1 FROM torrents_fts WHERE torrents_fts MATCH ? LIMIT CAST(? AS INTEGER)))")
			params = append(params, term, idfLimit+1)
		}
		b.WriteString(") AS commonest ")
	} else {
		b.WriteString("0 AS commonest ")
	}
	b.WriteString("FROM (SELECT rowid AS id FROM torrents_fts WHERE torrents_fts MATCH ? ORDER BY rowid DESC LIMIT CAST(? AS INTEGER))")
	params = append(params, q.match, window)
	res, err := r.db.query(ctx, Statement{SQL: b.String(), Params: params})
	if err != nil {
		return probed{}, err
	}
	rr := rowReader{row: firstRow(res)}
	p := probed{n: int(rr.int("n")), low: rr.int("low"), top: rr.int("top"), sampled: int(rr.int("sampled")),
		commonestTerm: int(rr.int("commonest"))}
	p.complete = p.n < window
	return p, rr.err
}

// estimatedMatches is how many torrents the text matches, from how densely the probe's newest
// matches sit among the newest ids.
func (p probed) estimatedMatches() float64 {
	span := float64(p.top - p.low + 1)
	if p.complete || span <= 0 || p.top <= 0 {
		return float64(p.n)
	}
	return float64(p.n) * float64(p.top) / span
}

// fewPage pages a text search whose matches are few: one statement scores them (by relevance),
// filters, counts and pages them.
func (q *searchQuery) fewPage(p probed) Statement {
	var b strings.Builder
	var params []any
	score, key := "", "t."+q.column()
	if q.sort == domain.SortRelevance {
		score, key = ", "+relevanceSQL+" AS score", "m.score"
	}
	match := q.wholeMatch(float64(p.n))
	if q.sort == domain.SortRelevance {
		match = q.prefixed
	}
	b.WriteString("WITH m AS MATERIALIZED (SELECT rowid AS id" + score + " FROM torrents_fts WHERE torrents_fts MATCH ?), ")
	params = append(params, match)
	b.WriteString("hits AS MATERIALIZED (SELECT m.id AS id, " + key + " AS k FROM m JOIN " + q.facets() + " ON t.id = m.id WHERE " + q.where + ") ")
	params = append(params, q.params...)
	b.WriteString("SELECT " + summaryColumns + ", h.k AS sort_key, (SELECT count(*) FROM hits) AS total ")
	b.WriteString("FROM hits h JOIN torrents t ON t.id = h.id JOIN categories c ON c.id = t.category_id WHERE 1")
	cursor, cursorParams := q.afterCursor("h.k", "h.id")
	b.WriteString(cursor)
	params = append(params, cursorParams...)
	tail, tailParams := q.pageTail("h.k", "h.id")
	b.WriteString(tail)
	return Statement{SQL: b.String(), Params: append(params, tailParams...)}
}

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

// wholeMatch is the expression to walk every one of about matches matches with: the prefix merges
// the lists of the words it begins once (about a tenth of a microsecond a torrent they hold), the
// written-out OR merges them at every step (a few tenths of a microsecond per word), so the prefix
// is the cheaper for walking everything unless the words are far commoner than the search.
func (q *searchQuery) wholeMatch(matches float64) string {
	if q.words == 1 || float64(q.lastDocs)*0.13 <= matches*float64(q.words)*0.3 {
		return q.prefixed
	}
	return q.match
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

// tierPage pages a relevance search with more matches than relevanceScored (see there): the torrents
// whose name holds every word, then the others, newest first within each, both walked from the
// full-text index in id order as far as the page needs, the second only when the first falls short.
func (q *searchQuery) tierPage() Statement {
	dir, after := q.dirs()
	tier := func(score int, match string) (string, []any) {
		sql := "SELECT f.rowid AS id, " + itoa(score) + " AS k FROM torrents_fts f JOIN torrents t INDEXED BY torrents_facets ON t.id = f.rowid" +
			" WHERE f.torrents_fts MATCH ? AND " + q.where
		params := append([]any{match}, q.params...)
		if cur := q.c.Cursor; cur != nil {
			value, _ := q.cursorValue()
			switch k := value.(int64); {
			case k == int64(score):
				sql += " AND f.rowid " + after + " CAST(? AS INTEGER)"
				params = append(params, cur.ID)
			case (int64(score) > k) == q.desc:
				sql += " AND 0" // the whole tier comes before the cursor
			}
		}
		return sql, params
	}
	name, nameParams := tier(nameTier, "{name} : ("+q.match+")")
	other, otherParams := tier(otherTier, "("+q.match+") NOT {name} : ("+q.match+")")
	first, firstParams, second, secondParams := name, nameParams, other, otherParams
	if !q.desc {
		first, firstParams, second, secondParams = other, otherParams, name, nameParams
	}
	order := " ORDER BY f.rowid " + dir + " LIMIT "
	// The second part's LIMIT is 0 when the first fills the window: SQLite reads a LIMIT before it
	// starts the scan and skips the scan at 0, where a WHERE term would be tested on every row.
	var b strings.Builder
	b.WriteString("WITH first AS MATERIALIZED (" + first + order + "CAST(? AS INTEGER)), ")
	params := append(append([]any{}, firstParams...), q.window())
	b.WriteString("second AS MATERIALIZED (" + second + order +
		"(SELECT CASE WHEN count(*) < CAST(? AS INTEGER) THEN CAST(? AS INTEGER) ELSE 0 END FROM first)), ")
	params = append(append(append(params, secondParams...), q.window()), q.window())
	b.WriteString("hits AS (SELECT id, k FROM first UNION ALL SELECT id, k FROM second) ")
	b.WriteString("SELECT " + summaryColumns + ", h.k AS sort_key FROM hits h JOIN torrents t ON t.id = h.id JOIN categories c ON c.id = t.category_id")
	tail, tailParams := q.pageTail("h.k", "h.id")
	b.WriteString(tail)
	return Statement{SQL: b.String(), Params: append(params, tailParams...)}
}

func itoa(n int) string { return strconv.Itoa(n) }

// checkIsCheap says whether walking the sort key's index and checking each torrent against the
// full-text index costs less than walking every match. The walk visits about window / (share of
// the catalog the text and filters keep) torrents; checking one costs probeCost for each word the
// last one stands for (a prefix within the prefix index is one list; a longer one written out is
// one list per word), and a prefix neither way would merge lists on every check, so then the check
// is never chosen.
func (q *searchQuery) checkIsCheap(p probed) bool {
	if !q.cheapCheck {
		return false
	}
	matches := p.estimatedMatches()
	kept := 1.0
	if q.filtered {
		kept = (float64(p.sampled) + 0.5) / float64(min(p.n, countSampleSize))
	}
	share := matches * kept / float64(max(p.top, 1))
	checks := float64(q.window()) / max(share, 1e-9)
	return checks*probeCost*float64(q.words) < matches*walkCost
}

// checkedPage walks the sort key's index in order, filters each torrent, and checks it against the
// full-text index; it stops when the page is full.
func (q *searchQuery) checkedPage() Statement {
	return q.indexWalk(" AND EXISTS (SELECT 1 FROM torrents_fts f WHERE f.rowid = t.id AND f.torrents_fts MATCH ?)", []any{q.match}, "", nil)
}

// indexWalk is a page statement that walks the sort key's index in order from the cursor, keeping
// the torrents that pass the filters and extra, with the bounded count total as a column when
// total is not "". After a cursor it is two walks: the rest of the cursor's tie (key equal, id
// beyond) and the keys beyond. SQLite seeks an index on (key) to "key = ? AND id < ?" but not to
// the row value "(key, id) < (?, ?)", which it would start at the top of the tie and scan: half
// the catalog when the tie is every torrent without seeders.
func (q *searchQuery) indexWalk(extra string, extraParams []any, total string, totalParams []any) Statement {
	key := "t." + q.column()
	dir, after := q.dirs()
	head := "SELECT " + summaryColumns + ", " + key + " AS sort_key FROM torrents t JOIN categories c ON c.id = t.category_id WHERE " + q.where
	totalColumn := ""
	if total != "" {
		totalColumn = ", (" + total + ") AS total"
	}
	tail, tailParams := q.pageTail("sort_key", "id")
	if q.c.Cursor == nil {
		params := append(append(append(append([]any{}, totalParams...), q.params...), extraParams...), tailParams...)
		return Statement{SQL: "SELECT *" + totalColumn + " FROM (" + head + extra + ")" + tail, Params: params}
	}
	value, cast := q.cursorValue()
	tie := head + " AND " + key + " = " + cast + " AND t.id " + after + " CAST(? AS INTEGER)" + extra +
		" ORDER BY t.id " + dir + " LIMIT CAST(? AS INTEGER)"
	beyond := head + " AND " + key + " " + after + " " + cast + extra +
		" ORDER BY " + key + " " + dir + ", t.id " + dir + " LIMIT CAST(? AS INTEGER)"
	var params []any
	params = append(params, totalParams...)
	params = append(append(append(params, q.params...), value, q.c.Cursor.ID), extraParams...)
	params = append(params, q.window())
	params = append(append(append(params, q.params...), value), extraParams...)
	params = append(params, q.window())
	return Statement{
		SQL:    "SELECT *" + totalColumn + " FROM (SELECT * FROM (" + tie + ") UNION ALL SELECT * FROM (" + beyond + "))" + tail,
		Params: append(params, tailParams...),
	}
}

// walkedPage walks every match of the text, filters it and keeps the page's best rows (SQLite's
// sorter keeps only the LIMIT best).
func (q *searchQuery) walkedPage(p probed) Statement {
	dir, _ := q.dirs()
	key := "t." + q.column()
	var b strings.Builder
	b.WriteString("WITH hits AS MATERIALIZED (SELECT f.rowid AS id, " + key + " AS k FROM torrents_fts f JOIN " + q.facets() +
		" ON t.id = f.rowid WHERE f.torrents_fts MATCH ? AND " + q.where)
	params := append([]any{q.wholeMatch(p.estimatedMatches())}, q.params...)
	cursor, cursorParams := q.afterCursor(key, "f.rowid")
	b.WriteString(cursor)
	params = append(params, cursorParams...)
	b.WriteString(" ORDER BY k " + dir + ", id " + dir + " LIMIT CAST(? AS INTEGER)) ")
	params = append(params, q.window())
	b.WriteString("SELECT " + summaryColumns + ", h.k AS sort_key FROM hits h JOIN torrents t ON t.id = h.id JOIN categories c ON c.id = t.category_id")
	tail, tailParams := q.pageTail("h.k", "h.id")
	b.WriteString(tail)
	return Statement{SQL: b.String(), Params: append(params, tailParams...)}
}

// page runs a page statement and reads its rows: the items, the position after the last, and the
// total when the rows carry one (-1 when none does).
func (r *TorrentRepository) page(ctx context.Context, q *searchQuery, s Statement) (domain.SearchPage, error) {
	res, err := r.db.query(ctx, s)
	if err != nil {
		return domain.SearchPage{}, err
	}
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
