package r1

import (
	"slices"
	"strings"

	"github.com/torrent-streamer/streamer/domain"
)

// The few-matches strategy: every match is known and they are few, so one statement scores them
// (bm25, when ranked), filters, sorts, counts and pages them.

// relevanceScale turns -bm25 into an integer key (millionths). Relevance is ordered and paged by that
// integer rather than by the float: a cursor reaches D1 as text, and SQLite's text-to-REAL
// conversion is not promised to give back the exact double, while an integer round-trips exactly.
// Scores closer than a millionth tie, and the id breaks the tie.
const relevanceScale = 1_000_000

// relevanceSQL is the score of a full-text match: bm25 with a word in the name counting ten times
// one in a file path (the facets, migration 0014, weigh nothing), at least 1 (the score of the name tier below).
const relevanceSQL = "max(1, CAST(round(-bm25(torrents_fts, 10.0, 1.0, 0.0) * 1000000) AS INTEGER))"

// relevanceScored bounds the work of relevance. bm25 costs two things: a pass over every match of
// each word to weigh it (its IDF), and a few microseconds per match scored (it reads the match's
// column sizes). For a word in a third of a million torrents that is tens of milliseconds before
// the first row, whatever is scored. So relevance is bm25 over every match when there are at most
// relevanceScored of them, which is most searches; above that it is the part of bm25 that decides
// most of its order, the name's weight: first the torrents whose name holds every word (score 2),
// then the others (score 1), newest first within each. That keeps the order total and stable
// (score, then id) and is walked from the full-text index page by page like any other order.
const relevanceScored = 1000

// fewPage pages a text search whose matches are few: one statement scores them (by relevance),
// filters, counts and pages them.
func (q *searchQuery) fewPage(p probed) Statement {
	var b strings.Builder
	var params []any
	key, keyJoin := q.sortKey()
	score := ""
	if q.sort == domain.SortRelevance {
		score, key = ", "+relevanceSQL+" AS score", "m.score"
	}
	match, where, whereParams := q.wholeMatch(float64(p.n)), q.joinWhere, q.params
	if q.sort == domain.SortRelevance {
		// bm25 weighs every phrase of the match by a pass over its list, and a carried filter's list
		// is a whole category: the text alone is scored, and the carried filters tested on the row.
		match = q.textPrefixed
		if q.facetMatch != "" {
			where, whereParams = where+" AND "+q.carriedWhere, append(slices.Clone(whereParams), q.carriedParams...)
		}
	}
	gate, gateParams := q.gateWith()
	limit := ""
	if gate != "" {
		limit = " LIMIT " + q.gatedLimit("-1")
	}
	b.WriteString("WITH " + gate + "m AS MATERIALIZED (SELECT rowid AS id" + score + " FROM torrents_fts WHERE torrents_fts MATCH ?" + limit + "), ")
	params = append(append(params, gateParams...), match)
	if q.sort == domain.SortRelevance && len(q.filters) == 0 && q.facetMatch == "" {
		// Nothing to test on the row and the key is the score: the join sought every match's entry
		// in torrents_facets for nothing (728 matches at 1,000,000 torrents: 1.7 ms, spread over
		// as many pages of the index). Filters every torrent passed at the probe stay tested: a
		// torrent written since may not.
		b.WriteString("hits AS MATERIALIZED (SELECT id, score AS k FROM m) ")
	} else {
		b.WriteString("hits AS MATERIALIZED (SELECT m.id AS id, " + key + " AS k FROM m JOIN " + q.facets() + " ON t.id = m.id" + keyJoin + " WHERE " + where + ") ")
		params = append(params, whereParams...)
	}
	rows, rowParams := q.hitsPage()
	if q.filtered {
		rows = q.withTotal(rows) // without filters, the probe counted every match
	}
	b.WriteString(q.withProbe(rows))
	return Statement{SQL: b.String(), Params: append(params, rowParams...)}
}
