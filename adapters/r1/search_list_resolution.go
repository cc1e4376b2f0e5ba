package r1

import (
	"slices"
	"strings"

	"github.com/torrent-streamer/streamer/domain"
)

// The resolution strategy of a listing: the *arr apps' RSS sync asks the newest torrents of a
// category in some resolutions (Sonarr's default is TV/SD and TV/HD; a user may tick TV/UHD only)
// with no words. Walked on the category's date index, every torrent's row is read for its
// resolution, and the resolutions asked may keep few of them: the page visits the category until
// it has its window of them and the count until ten thousand (at 1,000,000 torrents, a page of
// UHD TV took 0.7 s at the median and 3.5 s at the 99th percentile, and the search budget refused
// one). Migration 0013's index holds each resolution of each category in date order, so the page
// is one short walk per category and resolution asked, at most the window each, merged by SQLite's
// sorter; and the count is the same ranges counted from the index alone, ten thousand steps at most.

// maxResolutionRanges bounds the ranges (categories × resolutions) a listing merges: beyond it
// the sort key's index is walked as for any listing.
const maxResolutionRanges = 24

// resolutionRange is one category (by the position of its slug among the listing's) in one
// resolution ("" for a name that says none).
type resolutionRange struct {
	category   int
	resolution string
}

// resolutionRanges are the ranges of migration 0013's index a listing is, when it is one: sorted
// by date, with categories and resolutions asked, each resolution one of those a name can say (so
// it is written into the SQL as it is), and few enough parameters for D1. false otherwise.
func (q *searchQuery) resolutionRanges() ([]resolutionRange, bool) {
	c := q.c
	cats, resolutions := dedupe(c.Categories), dedupe(c.Resolutions)
	n := len(cats) * len(resolutions)
	if q.sort != domain.SortDate || n == 0 || n > maxResolutionRanges {
		return nil, false
	}
	ranges := make([]resolutionRange, 0, n)
	for i := range cats {
		for _, res := range resolutions {
			switch {
			case res == domain.UnknownResolution:
				res = ""
			case !domain.IsResolution(res):
				return nil, false
			}
			ranges = append(ranges, resolutionRange{category: i, resolution: res})
		}
	}
	// Each range repeats the other filters' parameters (none for the apps' feeds).
	if _, other := q.otherFilters(); len(cats)+3+2+n*len(other) > maxParams {
		return nil, false
	}
	return ranges, true
}

// dedupe is s without repeats, in its order.
func dedupe(s []string) []string {
	out := make([]string, 0, len(s))
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// otherFilters are the listing's filters but the categories and resolutions, which the ranges
// select: an IN beside a range's equality could lead SQLite to seek by the IN and sort.
func (q *searchQuery) otherFilters() (string, []any) {
	rest := q.c
	rest.Categories, rest.Resolutions = nil, nil
	other := &searchQuery{}
	other.useFilters(filtersOf(rest, carriedFacets{}))
	return other.where, other.params
}

const resolutionIndex = "torrents_category_resolution_uploaded_at"

// resolutionCTEs are the common table expressions the walks and the count refer to: each category's
// id by its slug (c0, c1, ...: one parameter each, however many resolutions), and the cursor.
func (q *searchQuery) resolutionCTEs(withCursor bool) (string, []any) {
	var parts []string
	var params []any
	for i, slug := range dedupe(q.c.Categories) {
		parts = append(parts, "c"+itoa(i)+" AS MATERIALIZED (SELECT id FROM categories WHERE slug = ?)")
		params = append(params, anySlug(slug))
	}
	if withCursor && q.c.Cursor != nil {
		parts = append(parts, "cur AS MATERIALIZED (SELECT CAST(? AS INTEGER) AS k, CAST(? AS INTEGER) AS id)")
		params = append(params, q.c.Cursor.Int, q.c.Cursor.ID)
	}
	return strings.Join(parts, ", "), params
}

// rangeWhere selects one range from the index, then the listing's other filters (none for the
// apps' feeds: then the index alone answers). The resolution is one of domain.Resolutions.
func (q *searchQuery) rangeWhere(r resolutionRange) (string, []any) {
	sql := "t.category_id = (SELECT id FROM c" + itoa(r.category) + ") AND "
	if r.resolution == "" {
		sql += "t.release_resolution IS NULL"
	} else {
		sql += "t.release_resolution = '" + r.resolution + "'"
	}
	other, params := q.otherFilters()
	return sql + " AND " + other, params
}

// resolutionPage is the listing's page statement: each range walked in date order from the cursor
// for the page's window (ids and dates from the index), the walks merged and paged, then the
// page's rows read, each carrying the count (resolutionCount) as total.
func (q *searchQuery) resolutionPage() Statement {
	ranges, _ := q.resolutionRanges()
	dir, after := q.dirs()
	ctes, params := q.resolutionCTEs(true)
	cursor := ""
	if q.c.Cursor != nil {
		// The plain comparison lets SQLite start the walk at the cursor; the row value, implied by
		// it, is the order's.
		cursor = " AND t.uploaded_at " + after + "= (SELECT k FROM cur) AND (t.uploaded_at, t.id) " + after + " ((SELECT k FROM cur), (SELECT id FROM cur))"
	}
	terms := make([]string, 0, len(ranges))
	for _, r := range ranges {
		where, whereParams := q.rangeWhere(r)
		terms = append(terms, "SELECT * FROM (SELECT t.id AS id, t.uploaded_at AS k FROM torrents t INDEXED BY "+resolutionIndex+
			" WHERE "+where+cursor+" ORDER BY t.uploaded_at "+dir+", t.id "+dir+" LIMIT "+itoa(q.window())+")")
		params = append(params, whereParams...)
	}
	var b strings.Builder
	b.WriteString("WITH " + ctes + ", hits AS MATERIALIZED (" + unionAll(terms, "*"))
	// The page's ids are chosen from the merged walks first; only their rows are read.
	tail, tailParams := q.pageTail("k", "id")
	b.WriteString("), page AS MATERIALIZED (SELECT id, k FROM hits" + tail + ")")
	params = append(params, tailParams...)
	count, countParams := q.resolutionCount()
	b.WriteString(" SELECT " + summaryColumns + ", p.k AS sort_key, (" + count + ") AS total FROM page p JOIN torrents t ON t.id = p.id" +
		" JOIN categories c ON c.id = t.category_id ORDER BY p.k " + dir + ", p.id " + dir)
	return Statement{SQL: b.String(), Params: append(params, countParams...)}
}

// resolutionTotal is the count on its own (for a page past the end, which has no row to carry it).
func (q *searchQuery) resolutionTotal() Statement {
	ctes, params := q.resolutionCTEs(false)
	count, countParams := q.resolutionCount()
	return Statement{SQL: "WITH " + ctes + " SELECT (" + count + ") AS total", Params: append(params, countParams...)}
}

// unionAll joins terms with UNION ALL, at most maxCompoundTerms to a compound: more are grouped
// five at a time, each group a subquery selecting columns (a subquery counts its own terms).
func unionAll(terms []string, columns string) string {
	for len(terms) > maxCompoundTerms {
		var grouped []string
		for i := 0; i < len(terms); i += maxCompoundTerms {
			group := terms[i:min(i+maxCompoundTerms, len(terms))]
			if len(group) == 1 {
				grouped = append(grouped, group[0])
				continue
			}
			grouped = append(grouped, "SELECT "+columns+" FROM ("+strings.Join(group, " UNION ALL ")+")")
		}
		terms = grouped
	}
	return strings.Join(terms, " UNION ALL ")
}

// resolutionCount counts the listing's torrents, up to one past the count bound, over the ranges
// one after another (the LIMIT of a compound stops it as a whole), from the index alone; it refers
// to the categories' CTEs (resolutionCTEs).
func (q *searchQuery) resolutionCount() (string, []any) {
	ranges, _ := q.resolutionRanges()
	terms := make([]string, 0, len(ranges))
	var params []any
	for _, r := range ranges {
		where, whereParams := q.rangeWhere(r)
		terms = append(terms, "SELECT 1 AS one FROM torrents t INDEXED BY "+resolutionIndex+" WHERE "+where)
		params = append(params, whereParams...)
	}
	return "SELECT count(*) FROM (" + unionAll(terms, "one") + " LIMIT CAST(? AS INTEGER))", append(params, q.countLimit+1)
}
