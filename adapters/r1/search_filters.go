package r1

import (
	"strings"

	"github.com/torrent-streamer/streamer/domain"
)

// A search's filters as SQL over the alias t, each with what shows, from the catalog's edges, that
// every torrent passes it.

// filter is one condition of a search.
type filter struct {
	sql    string
	params []any
	// vacuous is SQL that is true when every torrent of the catalog passes the filter, read from
	// the edges of the column's index (a bound at or beyond the smallest or largest value) or the
	// categories' counts (the list names every category that has torrents); "" when that cannot be
	// known without reading the torrents.
	vacuous       string
	vacuousParams []any
}

// filtersOf are the filters of c.
func filtersOf(c domain.SearchCriteria) []filter {
	var fs []filter
	switch len(c.Categories) {
	case 0:
	case 1:
		// An equality, unlike IN, lets the (category_id, uploaded_at) index give the date order too.
		slug := anySlug(c.Categories[0])
		fs = append(fs, filter{sql: "t.category_id = (SELECT id FROM categories WHERE slug = ?)", params: []any{slug},
			vacuous: "NOT EXISTS (SELECT 1 FROM categories WHERE torrent_count > 0 AND slug <> ?)", vacuousParams: []any{slug}})
	default:
		slugs := make([]any, 0, len(c.Categories))
		for _, slug := range c.Categories {
			slugs = append(slugs, anySlug(slug))
		}
		in := placeholders(len(slugs))
		fs = append(fs, filter{sql: "t.category_id IN (SELECT id FROM categories WHERE slug IN (" + in + "))", params: slugs,
			vacuous: "NOT EXISTS (SELECT 1 FROM categories WHERE torrent_count > 0 AND slug NOT IN (" + in + "))", vacuousParams: slugs})
	}
	// bound is a range filter on an indexed column: every torrent passes it when the column's
	// smallest (for a lower bound) or largest (for an upper one) value does.
	bound := func(column, op string, edge string, v *int64) {
		if v != nil {
			fs = append(fs, filter{sql: "t." + column + " " + op + " CAST(? AS INTEGER)", params: []any{*v},
				vacuous: "(SELECT " + edge + "(" + column + ") FROM torrents) " + op + " CAST(? AS INTEGER)", vacuousParams: []any{*v}})
		}
	}
	bound("size", ">=", "min", c.MinSize)
	bound("size", "<=", "max", c.MaxSize)
	bound("seeders", ">=", "min", c.MinSeeders)
	if !c.After.IsZero() {
		after := ceilUnix(c.After)
		bound("uploaded_at", ">=", "min", &after)
	}
	if !c.Before.IsZero() {
		before := ceilUnix(c.Before)
		bound("uploaded_at", "<", "max", &before)
	}
	// The release filters (search_query.go) are one filter here: few torrents pass them, so it is
	// never vacuous.
	release := &searchQuery{c: c}
	if conds := release.releaseFilters(nil); len(conds) > 0 {
		fs = append(fs, filter{sql: strings.Join(conds, " AND "), params: release.params})
	}
	return fs
}

// useFilters makes fs the search's filters: where, joinWhere and their params.
func (q *searchQuery) useFilters(fs []filter) {
	q.filters = fs
	q.where, q.joinWhere, q.params, q.filtered = "1", "1", nil, len(fs) > 0
	if len(fs) == 0 {
		return
	}
	conds := make([]string, 0, len(fs))
	for _, f := range fs {
		conds = append(conds, f.sql)
		q.params = append(q.params, f.params...)
	}
	q.where = strings.Join(conds, " AND ")
	q.joinWhere = strings.ReplaceAll(q.where, "t.category_id ", "+t.category_id ")
}

// vacuity is SQL that is true when every torrent passes every filter, and its params; "" when that
// cannot be known cheaply (no filters, or one without a vacuity test).
func (q *searchQuery) vacuity() (string, []any) {
	if len(q.filters) == 0 {
		return "", nil
	}
	conds := make([]string, 0, len(q.filters))
	var params []any
	for _, f := range q.filters {
		if f.vacuous == "" {
			return "", nil
		}
		conds = append(conds, f.vacuous)
		params = append(params, f.vacuousParams...)
	}
	return "(" + strings.Join(conds, " AND ") + ")", params
}
