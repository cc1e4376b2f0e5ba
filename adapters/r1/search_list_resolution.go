package r1

import (
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

// resolutionRange is one category (its slug) in one resolution ("" for a name that says none).
type resolutionRange struct {
	slug, resolution string
}

// resolutionRanges are the ranges of migration 0013's index a listing is, when it is one: sorted
// by date, with categories and resolutions asked. false otherwise.
func (q *searchQuery) resolutionRanges() ([]resolutionRange, bool) {
	c := q.c
	n := len(c.Categories) * len(c.Resolutions)
	if q.sort != domain.SortDate || n == 0 || n > maxResolutionRanges {
		return nil, false
	}
	ranges := make([]resolutionRange, 0, n)
	for _, slug := range dedupe(c.Categories) {
		for _, res := range dedupe(c.Resolutions) {
			if res == domain.UnknownResolution {
				res = ""
			}
			ranges = append(ranges, resolutionRange{slug: anySlug(slug), resolution: res})
		}
	}
	return ranges, true
}

// dedupe is s without repeats, in its order.
func dedupe(s []string) []string {
	out := make([]string, 0, len(s))
	for _, v := range s {
		seen := false
		for _, w := range out {
			seen = seen || w == v
		}
		if !seen {
			out = append(out, v)
		}
	}
	return out
}

// rangeWhere is the condition selecting one range from the index, followed by the listing's other
// filters (none for the apps' feeds: then the index alone answers). The category and resolution
// filters are left out: an IN beside the range's equality could lead SQLite to seek by the IN and
// sort.
func (q *searchQuery) rangeWhere(r resolutionRange) (string, []any) {
	rest := q.c
	rest.Categories, rest.Resolutions = nil, nil
	other := &searchQuery{}
	other.useFilters(filtersOf(rest))
	sql := "t.category_id = (SELECT id FROM categories WHERE slug = ?) AND "
	params := []any{r.slug}
	if r.resolution == "" {
		sql += "t.release_resolution IS NULL"
	} else {
		sql += "t.release_resolution = ?"
		params = append(params, r.resolution)
	}
	return sql + " AND " + other.where, append(params, other.params...)
}

const resolutionIndex = "torrents_category_resolution_uploaded_at"

// resolutionPage is the listing's page statement: each range walked in date order from the cursor
// for the page's window (ids and dates from the index), the walks merged and paged, then the
// page's rows read, each carrying count as total.
func (q *searchQuery) resolutionPage(count string, countParams []any) Statement {
	ranges, _ := q.resolutionRanges()
	dir, _ := q.dirs()
	var b strings.Builder
	var params []any
	b.WriteString("WITH hits AS MATERIALIZED (")
	for i, r := range ranges {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		where, whereParams := q.rangeWhere(r)
		cursor, cursorParams := q.afterCursor("t.uploaded_at", "t.id")
		b.WriteString("SELECT * FROM (SELECT t.id AS id, t.uploaded_at AS k FROM torrents t INDEXED BY " + resolutionIndex +
			" WHERE " + where + cursor + " ORDER BY t.uploaded_at " + dir + ", t.id " + dir + " LIMIT CAST(? AS INTEGER))")
		params = append(append(append(params, whereParams...), cursorParams...), q.window())
	}
	// The page's ids are chosen from the merged walks first; only their rows are read.
	tail, tailParams := q.pageTail("k", "id")
	b.WriteString("), page AS MATERIALIZED (SELECT id, k FROM hits" + tail + ")")
	params = append(params, tailParams...)
	b.WriteString(" SELECT " + summaryColumns + ", p.k AS sort_key, (" + count + ") AS total FROM page p JOIN torrents t ON t.id = p.id" +
		" JOIN categories c ON c.id = t.category_id ORDER BY p.k " + dir + ", p.id " + dir)
	return Statement{SQL: b.String(), Params: append(params, countParams...)}
}

// resolutionCount counts the listing's torrents, up to one past the count bound, over the ranges
// one after another (the LIMIT of a compound stops it as a whole).
func (q *searchQuery) resolutionCount() (string, []any) {
	ranges, _ := q.resolutionRanges()
	var b strings.Builder
	var params []any
	b.WriteString("SELECT count(*) FROM (")
	for i, r := range ranges {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		where, whereParams := q.rangeWhere(r)
		b.WriteString("SELECT 1 FROM torrents t INDEXED BY " + resolutionIndex + " WHERE " + where)
		params = append(params, whereParams...)
	}
	b.WriteString(" LIMIT CAST(? AS INTEGER))")
	return b.String(), append(params, q.countLimit+1)
}
