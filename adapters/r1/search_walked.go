package r1

import "strings"

// The walk-every-match strategy: every match of the text walked, the best page kept.

// walkedPage walks every match of the text, filters it and keeps the page's best rows (SQLite's
// sorter keeps only the LIMIT best).
func (q *searchQuery) walkedPage(p probed) Statement {
	dir, _ := q.dirs()
	key, keyJoin := q.sortKey()
	var b strings.Builder
	b.WriteString("WITH hits AS MATERIALIZED (SELECT f.rowid AS id, " + key + " AS k FROM torrents_fts f JOIN " + q.facets() +
		" ON t.id = f.rowid" + keyJoin + " WHERE f.torrents_fts MATCH ? AND " + q.joinWhere)
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
