package r1

import (
	"slices"
	"strings"

	"github.com/torrent-streamer/streamer/domain"
)

// The merged count: the total of a search whose filters keep a share of a common word's many
// matches (a word in a tenth of the catalog with minSeeders, say) counted by merging two lists in id
// order, the text's matches (the full-text index gives them so) and the torrents passing the
// filters (walked on one index that holds every column they test, then sorted), instead of seeking
// each match in torrents_facets.
//
// At 1,000,000 torrents of the flat corpus, "witch" (92,407 matches) with minSeeders=10 (71,370
// torrents): 61 ms seeking each match, 27 ms merged (19 ms of it sorting the 71,370 ids; the
// merge itself steps both lists at about 0.05 µs a step). A sort costs in proportion to the
// torrents passing the filters, so the statement counts them first, up to the number the merge
// pays for (mergeCap), and seeks each match when they are more.

// The same merge pages a search whose one filter passes few torrents of the catalog (a narrow
// filter, counted by the probe: see search_narrow.go) when checking each of them against the
// full-text index costs more than merging ("green", which begins more than maxExpansion words,
// so that each check merges all their lists, with minSeeders=5000 at 1,000,000 torrents: 84
// torrents pass, and the kept tiers walked the word's 32,000 matches seeking each, 35 ms).

// mergeSide is the index on which the torrents passing every filter of the search (the carried ones
// included) are walked without reading their rows, and the condition and params that select them;
// "" when no index holds every column the filters test: a category list (with or without a date
// range) on (category_id, uploaded_at), or a range of one column on its own index.
func (q *searchQuery) mergeSide() (index, where string, params []any) {
	all := slices.Concat(q.filters, q.carriedFilters)
	if len(all) == 0 {
		return "", "", nil
	}
	columns := make([]string, 0, len(all))
	for _, f := range all {
		columns = append(columns, f.column)
	}
	switch {
	case slices.Contains(columns, "category_id") &&
		!slices.ContainsFunc(columns, func(c string) bool { return c != "category_id" && c != "uploaded_at" }):
		index = "torrents_category_uploaded_at"
	case len(all) == 1 && all[0].column != "" && all[0].column != "category_id" && all[0].column != "release_resolution":
		index = "torrents_" + all[0].column
	default:
		return "", "", nil
	}
	where, params = conditions(all)
	return index, where, params
}

// mergeCap is how many torrents may pass the filters for the merged count to cost less than
// seeking each match (which stops once one past the bound have passed); 0 or less when it never
// does. Without carried filters the sample also says about how many pass in the whole catalog
// (its share of the newest matches, of every torrent): when that is over twice the cap, counting
// them up to the cap first is wasted (a size range passing a third of the catalog, beside a word
// of 44,000 matches at 1,000,000 torrents: 80,000 entries of the size index, 5 to 8 ms), and the
// cap is 0.
func (c Costs) mergeCap(q *searchQuery, p probed) int {
	matches, share := p.estimatedMatches(), p.keptShare(q)
	seek := min(matches, float64(q.countLimit+1)/share) * c.Count
	limit := (seek - matches*c.Merge) / (c.SortID + c.Merge)
	if len(q.carriedFilters) == 0 && share*float64(p.top) > 2*limit {
		return 0
	}
	return int(limit)
}

// passingMatches are the matches of match that pass side, the condition on the torrents walked on
// index, merged in id order (the full-text index's ids INTERSECT the index's, nothing sorted when
// the index starts with the id), and their params: the one merge the merged count and page and
// the seeded count and tiers are built on.
func passingMatches(match, index, side string, sideParams []any) (string, []any) {
	return "SELECT rowid AS id FROM torrents_fts WHERE torrents_fts MATCH ? INTERSECT SELECT t.id FROM torrents t INDEXED BY " +
		index + " WHERE " + side + " ORDER BY 1", append([]any{match}, sideParams...)
}

// mergedCount is the count statement (see countStatement) that merges when at most limit torrents
// pass the filters, and seeks each match otherwise: one statement, so D1 still takes the count in
// the page's request. SQLite runs only the branch of the CASE it takes.
func (q *searchQuery) mergedCount(match string, joined Statement, index, side string, sideParams []any, limit int) Statement {
	passing := "SELECT t.id FROM torrents t INDEXED BY " + index + " WHERE " + side
	var b strings.Builder
	// At most limit pass: no limit+1-th (an OFFSET steps the index without producing rows, 3.3 ms
	// for 80,000 entries where counting them through a subquery took 5.4).
	b.WriteString("SELECT CASE WHEN NOT EXISTS (" + passing + " LIMIT 1 OFFSET CAST(? AS INTEGER))")
	params := append(slices.Clone(sideParams), limit)
	kept, keptParams := passingMatches(match, index, side, sideParams)
	b.WriteString(" THEN (SELECT count(*) FROM (" + kept + " LIMIT CAST(? AS INTEGER)))")
	params = append(append(params, keptParams...), q.countLimit+1)
	b.WriteString(" ELSE (" + joined.SQL + ") END AS total")
	return Statement{SQL: b.String(), Params: append(params, joined.Params...)}
}

// mergedPays says whether paging through the merge (mergedPage) costs less than every other way
// to the page of a search with one filter that passes few torrents: those walk every match at
// least once to count the kept (Count a match), or check each torrent passing the filter (narrowPage,
// only when a check is cheap). The filter is the search's only one, none carried, so the probe's
// count of the torrents passing it is the number the merge sorts.
func (c Costs) mergedPays(q *searchQuery, p probed) bool {
	i, passing := p.narrowest()
	if i < 0 || len(q.filters) != 1 || len(q.carriedFilters) != 0 {
		return false
	}
	if index, _, _ := q.mergeSide(); index != q.filters[i].index {
		return false
	}
	matches, sorted := p.estimatedMatches(), float64(passing)
	kept := min(sorted, matches*p.keptShare(q))
	merged := matches*c.Merge + sorted*c.SortID + kept*c.Count
	if q.sort == domain.SortRelevance {
		merged += matches*c.Merge + kept*c.SortID // the kept merged again with the name's matches
	}
	other := matches * c.Count
	if q.cheapCheck {
		other = min(other, sorted*(c.Lookup+c.check(q)))
	}
	return merged < other
}

// mergedPage pages a search through the merge of its matches with the torrents passing its filter
// (see mergedPays): those in both are the hits, keyed by the sort column from torrents_facets, or
// for relevance by the name tiers (see tierPage), the hits with every word in their name found by
// merging them with the name's matches; then ordered, counted and paged.
func (q *searchQuery) mergedPage(p probed) Statement {
	index, side, sideParams := q.mergeSide()
	var b strings.Builder
	kept, params := passingMatches(q.wholeMatch(p.estimatedMatches()), index, side, sideParams)
	b.WriteString("WITH m AS MATERIALIZED (" + kept + "), ")
	if q.sort == domain.SortRelevance {
		b.WriteString("n AS MATERIALIZED (SELECT id FROM m INTERSECT SELECT rowid FROM torrents_fts WHERE torrents_fts MATCH ? ORDER BY 1), ")
		params = append(params, q.inName())
		b.WriteString("hits AS MATERIALIZED (SELECT id, CASE WHEN id IN (SELECT id FROM n) THEN " + itoa(nameTier) + " ELSE " + itoa(otherTier) + " END AS k FROM m) ")
	} else {
		key, keyJoin := q.sortKey()
		b.WriteString("hits AS MATERIALIZED (SELECT m.id AS id, " + key + " AS k FROM m JOIN " + q.facets() + " ON t.id = m.id" + keyJoin + ") ")
	}
	rows, rowParams := q.hitsPage()
	b.WriteString(q.withTotal(rows))
	return Statement{SQL: b.String(), Params: append(params, rowParams...)}
}
