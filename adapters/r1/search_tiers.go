package r1

import (
	"strconv"
	"strings"
)

// The name-tiers strategy: relevance over more matches than bm25 can afford (see relevanceScored).

// The scores of the two tiers of relevance above relevanceScored matches.
const (
	nameTier  = 2
	otherTier = 1
)

// tierPage pages a relevance search with more matches than relevanceScored (see there): the torrents
// whose name holds every word, then the others, newest first within each, both walked from the
// full-text index in id order as far as the page needs, the second only when the first falls short.
func (q *searchQuery) tierPage() Statement {
	dir, after := q.dirs()
	tier := func(score int, match string) (string, []any) {
		sql := "SELECT f.rowid AS id, " + itoa(score) + " AS k FROM torrents_fts f JOIN torrents t INDEXED BY torrents_facets ON t.id = f.rowid" +
			" WHERE f.torrents_fts MATCH ? AND " + q.joinWhere
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
	name, nameParams := tier(nameTier, q.withFacets(q.inName()))
	other, otherParams := tier(otherTier, "("+q.match+") NOT "+q.inName())
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

// fewTierPage pages a relevance search in the tiers' order (see tierPage) when the probe saw every
// match, bm25 may not rank them (a word of the text too common to weigh: rankable), and they are
// so few (fewTiersWindows pages' windows) that the tiers would walk most of them: one statement
// walks every match oldest first, as the probe did, gives each its tier (whether it is among the
// matches in the name, a set made once, walked oldest first too), and sorts them. The tiers' walks
// newest first step an intersection backwards, which FTS5 does slowly beside a long list (see
// plainProbeQuery): "prumgeegrour web" (48 matches, "web" in a third of the names) on the tags
// corpus at 1,000,000 torrents, 20 ms against 0.9. With more matches the tiers stop early where
// this walks them all twice: two words of the flat corpus with 127 to 831 matches together, 7 to
// 12 ms here against 0.5 to 2.
func (q *searchQuery) fewTierPage() Statement {
	var b strings.Builder
	b.WriteString("WITH m AS MATERIALIZED (SELECT rowid AS id, CASE WHEN rowid IN (SELECT rowid FROM torrents_fts WHERE torrents_fts MATCH ?) THEN " +
		itoa(nameTier) + " ELSE " + itoa(otherTier) + " END AS k FROM torrents_fts WHERE torrents_fts MATCH ?), ")
	params := []any{q.withFacets(q.inName()), q.match}
	if len(q.filters) == 0 {
		b.WriteString("hits AS MATERIALIZED (SELECT id, k FROM m) ")
	} else {
		b.WriteString("hits AS MATERIALIZED (SELECT m.id AS id, m.k AS k FROM m JOIN torrents t INDEXED BY torrents_facets ON t.id = m.id WHERE " + q.joinWhere + ") ")
		params = append(params, q.params...)
	}
	rows, rowParams := q.hitsPage()
	if q.filtered {
		rows = q.withTotal(rows) // without filters, the probe counted every match
	}
	b.WriteString(rows)
	return Statement{SQL: b.String(), Params: append(params, rowParams...)}
}

// fewTiersWindows is how many pages' windows of matches fewTierPage takes at most.
const fewTiersWindows = 4

// keptFewAbove is how few of the probe's sample of the newest matches may pass the filters for a
// relevance search to be paged by keptTierPage: the filters keep so few of the matches that the
// tiers would walk every match (twice) to fill a page, and a count would walk them again.
const keptFewAbove = 5

// keptTierPage pages a relevance search whose filters keep almost none of its many matches, in the
// tiers' order (see tierPage): one walk over every match keeps those that pass, each of the few
// kept is then checked for the words in its name, and the kept are counted.
func (q *searchQuery) keptTierPage(p probed) Statement {
	match := q.wholeMatch(p.estimatedMatches())
	kept := "SELECT f.rowid AS id FROM torrents_fts f JOIN torrents t INDEXED BY torrents_facets ON t.id = f.rowid WHERE f.torrents_fts MATCH ? AND " + q.joinWhere
	params := append([]any{match}, q.params...)
	if index, side, sideParams, ok := q.seededSide(); ok && q.costs.seededMergePays(q, p, 0) {
		kept, params = passingMatches(match, index, side, sideParams) // search_merge.go
	}
	var b strings.Builder
	b.WriteString("WITH kept AS MATERIALIZED (" + kept + "), ")
	b.WriteString("hits AS MATERIALIZED (SELECT h.id AS id, CASE WHEN EXISTS (SELECT 1 FROM torrents_fts n WHERE n.rowid = h.id AND n.torrents_fts MATCH ?)" +
		" THEN " + itoa(nameTier) + " ELSE " + itoa(otherTier) + " END AS k FROM kept h) ")
	params = append(params, q.inName()) // the kept passed the carried filters
	rows, rowParams := q.hitsPage()
	b.WriteString(q.withTotal(rows))
	return Statement{SQL: b.String(), Params: append(params, rowParams...)}
}
