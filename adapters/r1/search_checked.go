package r1

// The checked-walk strategies: the sort key's index walked in order, each torrent checked against
// the text, until the page is full: against the full-text index itself (checkedPage), or against
// the set of every match, made once (matchSetPage). Listings walk the same way without a check.

// checkedPage walks the sort key's index in order, filters each torrent, and checks it against the
// full-text index; it stops when the page is full.
func (q *searchQuery) checkedPage() Statement {
	return q.indexWalk(" AND EXISTS (SELECT 1 FROM torrents_fts f WHERE f.rowid = t.id AND f.torrents_fts MATCH ?)", []any{q.match}, "", nil)
}

// matchSetPage walks the sort key's index in order, filters each torrent, and looks it up in the set
// of every match of the text, which SQLite makes once before the walk (an IN over a subquery);
// it stops when the page is full. The unary + keeps the set a check: SQLite would otherwise walk
// the set and sort what it found.
func (q *searchQuery) matchSetPage(p probed) Statement {
	return q.indexWalk(" AND +t.id IN (SELECT rowid FROM torrents_fts WHERE torrents_fts MATCH ?)", []any{q.wholeMatch(p.estimatedMatches())}, "", nil)
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
