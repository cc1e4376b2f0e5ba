package r1

import (
	"slices"
	"strings"
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
// does.
func (c Costs) mergeCap(q *searchQuery, p probed) int {
	matches, share := p.estimatedMatches(), p.keptShare(q)
	seek := min(matches, float64(q.countLimit+1)/share) * c.Count
	return int((seek - matches*c.Merge) / (c.SortID + c.Merge))
}

// mergedCount is the count statement (see countStatement) that merges when at most limit torrents
// pass the filters, and seeks each match otherwise: one statement, so D1 still takes the count in
// the page's request. SQLite runs only the branch of the CASE it takes.
func (q *searchQuery) mergedCount(match string, joined Statement, index, side string, sideParams []any, limit int) Statement {
	passing := "SELECT t.id FROM torrents t INDEXED BY " + index + " WHERE " + side
	var b strings.Builder
	b.WriteString("SELECT CASE WHEN (SELECT count(*) FROM (" + passing + " LIMIT CAST(? AS INTEGER))) < CAST(? AS INTEGER)")
	params := append(append(slices.Clone(sideParams), limit), limit)
	b.WriteString(" THEN (SELECT count(*) FROM (SELECT rowid AS id FROM torrents_fts WHERE torrents_fts MATCH ? INTERSECT " + passing +
		" ORDER BY 1 LIMIT CAST(? AS INTEGER)))")
	params = append(append(append(params, match), sideParams...), q.countLimit+1)
	b.WriteString(" ELSE (" + joined.SQL + ") END AS total")
	return Statement{SQL: b.String(), Params: append(params, joined.Params...)}
}
