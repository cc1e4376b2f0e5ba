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
	// index is the index that walks the torrents passing the filter (and no others, but for the
	// rest of a category list's), "" for none; passing is SQL counting them, up to one past
	// narrowLimit, with passingParams.
	index         string
	passing       string
	passingParams []any
	// carried: the full-text match carries the filter (search_facets.go); its SQL is kept for the
	// statements that match the text alone (carriedWhere).
	carried bool
	// column is the column of torrents the filter tests, "" for the release filters (several).
	column string
	// newest: the torrents passing the filter are the newest ones, a lower bound on the upload date
	// alone (ids follow the order torrents arrive in, and that follows their dates).
	newest bool
}

// narrowLimit is how many torrents of the catalog a filter may pass for the probe to count them
// (on the filter's index, so a thousand steps cost a tenth of a millisecond) and the planner to
// consider walking them instead of the text's matches (search_narrow.go).
const narrowLimit = 4000

func ptr[T any](v T) *T { return &v }

// filtersOf are the filters of c, but for those the full-text match carries.
func filtersOf(c domain.SearchCriteria, carried carriedFacets) []filter {
	var fs []filter
	switch {
	case len(c.Categories) == 0:
	case carried.categories:
		slugs := make([]any, 0, len(c.Categories))
		for _, slug := range c.Categories {
			slugs = append(slugs, anySlug(slug))
		}
		fs = append(fs, filter{sql: "t.category_id IN (SELECT id FROM categories WHERE slug IN (" + placeholders(len(slugs)) + "))",
			params: slugs, carried: true, column: "category_id"})
	case len(c.Categories) == 1:
		// An equality, unlike IN, lets the (category_id, uploaded_at) index give the date order too.
		slug := anySlug(c.Categories[0])
		fs = append(fs, filter{sql: "t.category_id = (SELECT id FROM categories WHERE slug = ?)", params: []any{slug},
			vacuous: "NOT EXISTS (SELECT 1 FROM categories WHERE torrent_count > 0 AND slug <> ?)", vacuousParams: []any{slug},
			index: "torrents_category_uploaded_at", passing: "(SELECT coalesce(sum(torrent_count), 0) FROM categories WHERE slug = ?)", passingParams: []any{slug},
			column: "category_id"})
	default:
		slugs := make([]any, 0, len(c.Categories))
		for _, slug := range c.Categories {
			slugs = append(slugs, anySlug(slug))
		}
		in := placeholders(len(slugs))
		fs = append(fs, filter{sql: "t.category_id IN (SELECT id FROM categories WHERE slug IN (" + in + "))", params: slugs,
			vacuous: "NOT EXISTS (SELECT 1 FROM categories WHERE torrent_count > 0 AND slug NOT IN (" + in + "))", vacuousParams: slugs,
			index: "torrents_category_uploaded_at", passing: "(SELECT coalesce(sum(torrent_count), 0) FROM categories WHERE slug IN (" + in + "))", passingParams: slugs,
			column: "category_id"})
	}
	// span is a range filter on an indexed column, its lower bound, its upper one or both: every
	// torrent passes it when the column's smallest and largest values do.
	span := func(column string, lowerOp string, lower *int64, upperOp string, upper *int64) {
		var conds, vacuous []string
		var params []any
		if lower != nil {
			conds = append(conds, "t."+column+" "+lowerOp+" CAST(? AS INTEGER)")
			vacuous = append(vacuous, "(SELECT min("+column+") FROM torrents) "+lowerOp+" CAST(? AS INTEGER)")
			params = append(params, *lower)
		}
		if upper != nil {
			conds = append(conds, "t."+column+" "+upperOp+" CAST(? AS INTEGER)")
			vacuous = append(vacuous, "(SELECT max("+column+") FROM torrents) "+upperOp+" CAST(? AS INTEGER)")
			params = append(params, *upper)
		}
		if len(conds) == 0 {
			return
		}
		f := filter{sql: strings.Join(conds, " AND "), params: params, vacuous: strings.Join(vacuous, " AND "), vacuousParams: params,
			index: "torrents_" + column, column: column}
		f.passing = "(SELECT count(*) FROM (SELECT 1 FROM torrents t INDEXED BY " + f.index + " WHERE " + f.sql + " LIMIT " + itoa(narrowLimit+1) + "))"
		f.passingParams = params
		fs = append(fs, f)
	}
	span("size", ">=", c.MinSize, "<=", c.MaxSize)
	span("seeders", ">=", c.MinSeeders, "", nil)
	var after, before *int64
	if !c.After.IsZero() {
		after = ptr(ceilUnix(c.After))
	}
	if !c.Before.IsZero() {
		before = ptr(ceilUnix(c.Before))
	}
	span("uploaded_at", ">=", after, "<", before)
	if after != nil && before == nil {
		fs[len(fs)-1].newest = true
	}
	// The release filters (search_query.go) are one filter here: few torrents pass them, so it is
	// never vacuous.
	release := &searchQuery{c: c, carried: carried}
	if conds := release.releaseFilters(nil); len(conds) > 0 {
		fs = append(fs, filter{sql: strings.Join(conds, " AND "), params: release.params})
	}
	if carried.resolutions {
		sql, params := resolutionsSQL(c.Resolutions)
		fs = append(fs, filter{sql: sql, params: params, carried: true, column: "release_resolution"})
	}
	return fs
}

// useFilters makes fs the search's filters: where, joinWhere and their params, and apart from them
// those the full-text match carries (carriedWhere).
func (q *searchQuery) useFilters(fs []filter) {
	q.filters, q.carriedFilters = nil, nil
	for _, f := range fs {
		if f.carried {
			q.carriedFilters = append(q.carriedFilters, f)
		} else {
			q.filters = append(q.filters, f)
		}
	}
	q.filtered = len(q.filters) > 0
	q.where, q.params = conditions(q.filters)
	q.joinWhere = onJoin(q.where)
	where, params := conditions(q.carriedFilters)
	q.carriedWhere, q.carriedParams = onJoin(where), params
}

// conditions are the filters fs as one condition over t ("1" for none) and its params.
func conditions(fs []filter) (string, []any) {
	if len(fs) == 0 {
		return "1", nil
	}
	conds := make([]string, 0, len(fs))
	var params []any
	for _, f := range fs {
		conds = append(conds, f.sql)
		params = append(params, f.params...)
	}
	return strings.Join(conds, " AND "), params
}

// onJoin is the condition where for a statement that reaches t by id (see joinWhere).
func onJoin(where string) string {
	return strings.ReplaceAll(where, "t.category_id ", "+t.category_id ")
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
