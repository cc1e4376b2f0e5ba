package r1

import (
	"strings"

	"github.com/torrent-streamer/streamer/domain"
)

// The narrow-filter strategy: when a filter passes few torrents of the whole catalog (thousands of
// seeders, the first weeks of the catalog, a small category), walking those on the filter's index
// and checking each against the text costs less than walking the text's many matches; the few
// that pass are then ordered, counted and paged in one statement.

// passingColumns are the probe's columns counting, for each filter an index walks, the torrents
// of the catalog that pass it (up to one past narrowLimit): only when the matches are more than
// scored (fewer are cheaper to walk than to plan for) and, with vacuity, not every torrent passes.
func (q *searchQuery) passingColumns(scored int, vacuity bool) (string, []any) {
	var b strings.Builder
	var params []any
	for i, f := range q.filters {
		if f.passing == "" {
			continue
		}
		b.WriteString("CASE WHEN count(*) > CAST(? AS INTEGER)")
		params = append(params, scored)
		if vacuity {
			b.WriteString(" AND NOT (SELECT vacuous FROM v)")
		}
		b.WriteString(" THEN " + f.passing + " ELSE -1 END AS passing" + itoa(i) + ", ")
		params = append(params, f.passingParams...)
	}
	return b.String(), params
}

// readPassing reads the columns of passingColumns.
func (q *searchQuery) readPassing(rr *rowReader) []int {
	passing := make([]int, len(q.filters))
	for i, f := range q.filters {
		passing[i] = -1
		if f.passing != "" {
			passing[i] = int(rr.int("passing" + itoa(i)))
		}
	}
	return passing
}

// narrowest is the filter passing the fewest torrents of the catalog, at most narrowLimit, and how
// many; -1 when no filter is that narrow.
func (p probed) narrowest() (filter, passing int) {
	filter, passing = -1, narrowLimit+1
	for i, n := range p.passing {
		if n >= 0 && n < passing {
			filter, passing = i, n
		}
	}
	if filter < 0 {
		return -1, 0
	}
	return filter, passing
}

// narrowPage pages a search through its narrowest filter: the torrents passing it, walked on its
// index, each tested against the other filters and checked against the full-text index, are the
// hits, ordered by the sort key (for relevance, the name tiers: see tierPage), counted and paged.
func (q *searchQuery) narrowPage(p probed) Statement {
	i, _ := p.narrowest()
	check := "EXISTS (SELECT 1 FROM torrents_fts f WHERE f.rowid = t.id AND f.torrents_fts MATCH ?)"
	key, keyParams := "t."+q.column(), []any(nil)
	if q.sort == domain.SortRelevance {
		key = "CASE WHEN EXISTS (SELECT 1 FROM torrents_fts n WHERE n.rowid = t.id AND n.torrents_fts MATCH ?) THEN " +
			itoa(nameTier) + " ELSE " + itoa(otherTier) + " END"
		keyParams = []any{q.inName()} // the hits pass the carried filters: q.match checks them
	}
	var b strings.Builder
	b.WriteString("WITH hits AS MATERIALIZED (SELECT t.id AS id, " + key + " AS k FROM torrents t INDEXED BY " + q.filters[i].index +
		" WHERE " + q.where + " AND " + check + ") ")
	params := append(append(append([]any{}, keyParams...), q.params...), q.match)
	rows, rowParams := q.hitsPage()
	b.WriteString(q.withTotal(rows))
	return Statement{SQL: b.String(), Params: append(params, rowParams...)}
}
