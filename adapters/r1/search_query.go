package r1

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// A search as SQL pieces every strategy shares: its filters, its order, its cursor and its page window.

// searchQuery is one search: its order, its filters as SQL over the alias t, and its full-text
// expression.
type searchQuery struct {
	c          domain.SearchCriteria
	sort       domain.SortField
	desc       bool
	limit      int
	countLimit int
	match      string // the FTS5 expression, "" for a listing: text, restricted by facets
	// text is the expression of the words alone; facetMatch is the expression of the filters the index
	// carries ("" for none), and carried says which (search_facets.go).
	text       string
	facetMatch string
	// textPrefixed is prefixed for the text alone.
	textPrefixed string
	carried      carriedFacets
	// prefixed is the expression with the last word as a prefix even when match writes it out: one
	// phrase for bm25 (each word of an OR is a phrase it weighs and counts on its own), and the
	// cheaper form for walking every match (see wholeMatch).
	prefixed string
	// words is how many words match has for the last one (1 when it is not written out).
	words int
	where string // the filters over t, "1" for none
	// joinWhere is where for a statement that reaches t by id (a full-text match joined to
	// torrents_facets): the category is tested on the row found, not sought, or a list of
	// categories would seek the index once per category for every match.
	joinWhere string
	params    []any // of where
	filters   []filter
	// carriedFilters are the filters the match carries (search_facets.go), apart from filters; carriedWhere is
	// them as joinWhere is the others, with carriedParams.
	carriedFilters []filter
	carriedWhere   string
	carriedParams  []any
	// filtered: some filter may keep a torrent out. False without filters, and when the probe saw
	// that every torrent passes them (search_filters.go): they stay in the statements, which is
	// cheap, but the search is planned and counted as one without filters.
	filtered bool
	// cheapCheck: checking one torrent against match reads one list of the index per word (the
	// last word is within the prefix index, or written out by expandLastTerm).
	cheapCheck bool
	// costs are the engine's (search_costs.go); segments is how many segments the full-text index
	// has (search_index.go), which a check against it costs in proportion to.
	costs    Costs
	segments int
	// terms are the words of match one by one, each as an FTS5 expression (the last one as match
	// has it), to weigh them before bm25 does.
	terms []string
	// ahead, for a page sent with the probe (search_ahead.go), is the probe the page statement
	// takes in, and the planner's test of it that must hold for the page to walk any match (see
	// gateWith, gatedLimit and withProbe); nil for a page of its own.
	ahead *aheadProbe
}

// aheadProbe is the probe a page statement takes in, and the test over its row (pr) that gates the
// page, with its params.
type aheadProbe struct {
	probe      probeSQL
	test       string
	testParams []any
}

func newSearchQuery(c domain.SearchCriteria, match string, countLimit int) *searchQuery {
	q := &searchQuery{c: c, sort: c.Sort, limit: pageSize(c.Limit), countLimit: countLimit, text: match, words: 1, costs: localCosts}
	if match != "" {
		q.facetMatch, q.carried = facetsOf(c)
		q.match = q.withFacets(match)
		q.prefixed, q.textPrefixed = q.match, match
		last := c.Terms[len(c.Terms)-1]
		q.cheapCheck = len([]rune(last)) <= prefixIndexLength
		for _, t := range c.Terms[:len(c.Terms)-1] {
			if e := ftsQuery([]string{t}); e != "" {
				q.terms = append(q.terms, strings.TrimSuffix(e, " *"))
			}
		}
		if e := ftsQuery([]string{last}); e != "" {
			q.terms = append(q.terms, e)
		}
	}
	if q.sort == "" || (q.sort == domain.SortRelevance && match == "") {
		q.sort = domain.SortDate
	}
	switch c.Order {
	case domain.Ascending:
	case domain.Descending:
		q.desc = true
	default:
		q.desc = q.sort != domain.SortName
	}
	q.useFilters(filtersOf(c, q.carried))
	return q
}

// ceilUnix is t in whole seconds, rounded up: uploaded_at is whole seconds, so ">= 10:00:00.5" and
// ">= 10:00:01" select the same rows, and so do "< 10:00:00.5" and "< 10:00:01".
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// column is the sort key's column of torrents. The name sort compares name_key (the lowercased name)
// as bytes.
func (q *searchQuery) column() string {
	switch q.sort {
	case domain.SortSeeders:
		return "seeders"
	case domain.SortLeechers:
		return "leechers"
	case domain.SortSize:
		return "size"
	case domain.SortName:
		return "name_key"
	}
	return "uploaded_at"
}

// facets is how torrents are joined to full-text matches to filter and sort them: through the
// covering index torrents_facets (id and the filter and sort columns, a few dozen bytes an entry,
// read in id order) rather than the table's rows (a kilobyte each with their file lists). By name
// without filters, through migration 0019b's (id, name_key) alone.
func (q *searchQuery) facets() string {
	if q.sort == domain.SortName && len(q.filters) == 0 {
		return "torrents t INDEXED BY torrents_id_name_key"
	}
	return "torrents t INDEXED BY torrents_facets"
}

// sortKey is the sort key of a torrent reached by id (joined as facets says), and the join that
// reaches it after facets' ON clause, "" for none: the name sort's key is not in torrents_facets,
// and reading it from the row read a table page a match (2,400 matches at 1,000,000 torrents: 41
// ms cold, 7 ms warm); migration 0019b's (id, name_key) holds it.
func (q *searchQuery) sortKey() (key, join string) {
	if q.sort == domain.SortName && len(q.filters) > 0 {
		return "n.name_key", " JOIN torrents n INDEXED BY torrents_id_name_key ON n.id = t.id"
	}
	return "t." + q.column(), ""
}

func (q *searchQuery) dirs() (dir, after string) {
	if q.desc {
		return "DESC", "<"
	}
	return "ASC", ">"
}

// cursorValue is the cursor's sort key as SQL and its parameter.
func (q *searchQuery) cursorValue() (any, string) {
	p := q.c.Cursor
	switch q.sort {
	case domain.SortName:
		// Lowercased again: a cursor made elsewhere may carry the name as written.
		return nameKey(p.Text), "?"
	case domain.SortRelevance:
		return int64(math.Round(p.Float * relevanceScale)), "CAST(? AS INTEGER)"
	}
	return p.Int, "CAST(? AS INTEGER)"
}

// afterCursor is the condition "(key, id) comes after the cursor" in the search's direction, or ""
// without a cursor. The row value compares (key, id) as a whole; the plain comparison before it,
// implied by it, makes sure SQLite starts an index scan at the cursor.
func (q *searchQuery) afterCursor(key, id string) (string, []any) {
	if q.c.Cursor == nil {
		return "", nil
	}
	_, after := q.dirs()
	value, cast := q.cursorValue()
	return " AND " + key + " " + after + "= " + cast + " AND (" + key + ", " + id + ") " + after + " (" + cast + ", CAST(? AS INTEGER))",
		[]any{value, value, q.c.Cursor.ID}
}

// window is how many rows of the order a page statement must produce: the page, one more to tell
// whether a next page exists, and the rows an offset skips.
func (q *searchQuery) window() int {
	n := q.limit + 1
	if q.c.Cursor == nil {
		n += q.c.Offset
	}
	return n
}

// pageTail ends a page statement over rows aliased h (key k, id id): order, limit, offset.
func (q *searchQuery) pageTail(key, id string) (string, []any) {
	dir, _ := q.dirs()
	tail := " ORDER BY " + key + " " + dir + ", " + id + " " + dir + " LIMIT CAST(? AS INTEGER)"
	params := []any{q.limit + 1}
	if q.c.Cursor == nil && q.c.Offset > 0 {
		tail += " OFFSET CAST(? AS INTEGER)"
		params = append(params, q.c.Offset)
	}
	return tail, params
}

// wholeMatch is the expression to walk every one of about matches matches with: the prefix, which
// merges the lists of the words it begins once, where the written-out OR merges them at every step.
// The prefix's merge copies every one of those lists before the first match, in each statement, so
// when the last word stands for one or two words written out their OR is cheaper ("killer 1080p"
// at 1,000,000 torrents of the tags corpus, where "1080p" is in a third of the names).
func (q *searchQuery) wholeMatch(float64) string {
	if q.match != q.prefixed && q.words <= 2 {
		return q.match
	}
	return q.prefixed
}

// resolutionsSQL is the condition that t is in one of the resolutions (domain.UnknownResolution for
// a name that says none), and its params.
func resolutionsSQL(resolutions []string) (string, []any) {
	known := slices.DeleteFunc(slices.Clone(resolutions), func(r string) bool { return r == domain.UnknownResolution })
	var either []string
	var params []any
	if len(known) > 0 {
		either = append(either, "t.release_resolution IN ("+placeholders(len(known))+")")
		for _, r := range known {
			params = append(params, r)
		}
	}
	if len(known) < len(resolutions) {
		either = append(either, "t.release_resolution IS NULL")
	}
	return "(" + strings.Join(either, " OR ") + ")", params
}

// releaseFilters add what the release name and the external ids must say (migration 0006's
// columns; a span of seasons or episodes covers every number in it, as domain.Release.HasSeason).
func (q *searchQuery) releaseFilters(conds []string) []string {
	c := q.c
	span := func(min, max string, v *int) {
		if v != nil {
			conds = append(conds, "t."+min+" <= CAST(? AS INTEGER) AND t."+max+" >= CAST(? AS INTEGER)")
			q.params = append(q.params, *v, *v)
		}
	}
	if c.Season != nil && *c.Season >= 1000 {
		// A season that can be a year also takes the daily episodes that aired in it and name no
		// season (domain.Release.HasSeason).
		from, before := domain.AirDateSpan(strconv.Itoa(*c.Season))
		conds = append(conds, "(t.release_season_min <= CAST(? AS INTEGER) AND t.release_season_max >= CAST(? AS INTEGER)"+
			" OR t.release_season_min IS NULL AND t.release_air_date >= ? AND t.release_air_date < ?)")
		q.params = append(q.params, *c.Season, *c.Season, from, before)
	} else {
		span("release_season_min", "release_season_max", c.Season)
	}
	span("release_episode_min", "release_episode_max", c.Episode)
	if c.Year != nil {
		conds = append(conds, "t.release_year = CAST(? AS INTEGER)")
		q.params = append(q.params, *c.Year)
	}
	if len(c.Resolutions) > 0 && !q.carried.resolutions {
		sql, params := resolutionsSQL(c.Resolutions)
		conds = append(conds, sql)
		q.params = append(q.params, params...)
	}
	if c.AirDate != "" {
		from, before := domain.AirDateSpan(c.AirDate)
		conds = append(conds, "t.release_air_date >= ? AND t.release_air_date < ?")
		q.params = append(q.params, from, before)
	}
	if c.External.IMDb != "" {
		conds = append(conds, "t.imdb_id = ?")
		q.params = append(q.params, c.External.IMDb)
	}
	if c.External.TMDb > 0 {
		conds = append(conds, "t.tmdb_id = CAST(? AS INTEGER)")
		q.params = append(q.params, c.External.TMDb)
	}
	if c.External.TVDb > 0 {
		conds = append(conds, "t.tvdb_id = CAST(? AS INTEGER)")
		q.params = append(q.params, c.External.TVDb)
	}
	return conds
}

// gateWith is the probe and the gate as the first common tables of a page statement sent with the
// probe (the probe's own, then pr: its row, then gate: whether the page is the one the planner
// chooses), and their params; "" for a page of its own.
func (q *searchQuery) gateWith() (string, []any) {
	if q.ahead == nil {
		return "", nil
	}
	pr := q.ahead.probe
	ctes := append(slices.Clone(pr.ctes), "pr AS MATERIALIZED ("+pr.sel+")", "gate AS MATERIALIZED (SELECT "+q.ahead.test+" AS ok FROM pr)")
	return strings.Join(ctes, ", ") + ", ", append(slices.Clone(pr.params), q.ahead.testParams...)
}

// gatedLimit is the LIMIT of a walk of the matches, limit, made 0 when the gate is false: SQLite
// reads a LIMIT before it starts the walk and skips it at 0, where a false condition in the WHERE
// was still tested at every match (a walk of every match of a common word).
func (q *searchQuery) gatedLimit(limit string) string {
	if q.ahead == nil {
		return limit
	}
	return "(SELECT CASE WHEN ok THEN " + limit + " ELSE 0 END FROM gate)"
}

// withProbe makes every row of rows (a page's final select) carry the probe's row, and a page
// without rows one row of NULLs that carries it, for a page sent with the probe; rows as they are
// otherwise.
func (q *searchQuery) withProbe(rows string) string {
	if q.ahead == nil {
		return rows
	}
	dir, _ := q.dirs()
	return "SELECT pr.*, x.* FROM pr LEFT JOIN (" + rows + ") x ORDER BY x.sort_key " + dir + ", x.id " + dir
}
