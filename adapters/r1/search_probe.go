package r1

import (
	"context"
	"strings"

	"github.com/torrent-streamer/streamer/domain"
)

// The probe: the first statement of a text search, which tells the planner how many torrents the
// words match and how the filters treat them.

// idfLimit is how many torrents each word of a search may match for bm25 to rank it: bm25 weighs a
// word by a pass over all of its matches, which for a word in a quarter of the catalog takes longer
// than the rest of the search. A search with a commoner word is ranked by the name tiers.
const idfLimit = 5000

// countSampleSize is how many of the newest matches (one more, the probe's filtered window) stand
// for all of them when a filtered search has more matches than the count bound.
const countSampleSize = 1000

// probed is what the probe learnt of a text search's matches.
type probed struct {
	n int // matches, counted up to the probe's window
	// textN is how many torrents the text alone matches, counted up to one past the relevance bound
	// when the match carries filters for a relevance search (search_facets.go), n otherwise.
	textN    int
	complete bool // n is every match: fewer than the window
	// oldestFirst: the probe walked the oldest matches (a search without filters), not the newest
	// (a filtered search's, whose sample they are: see probeQuery).
	oldestFirst bool
	low, high   int64 // the lowest and the highest id among the matches walked
	top         int64 // the highest id in the catalog
	sampled     int   // of the n matches counted (the filtered window's), how many pass the filters
	// thresholded is, of the same matches, how many have at least the seeded threshold's seeders
	// when a minimum of seeders over it is the one filter (thresholdSample); 0 otherwise.
	thresholded int
	vacuous     bool // every torrent of the catalog passes the filters
	// passing is, for each filter, how many torrents of the catalog pass it, counted up to one
	// past narrowLimit; -1 when not counted (no index walks it, or the matches are few).
	passing []int
	// commonestTerm is how many torrents the commonest word matches, counted up to idfLimit+1, for
	// a ranked search of several words (bm25 weighs each); 0 otherwise.
	commonestTerm int
	// edges are, for each column a filter of the search ranges over that the index buckets (size,
	// uploaded_at: search_ranges.go), its smallest and largest value in the catalog.
	edges map[string][2]int64
	// edgeSampled are, for each sampled range (search_ranges.go), how many of the sampled matches
	// have values in the coarsest bucket at its lower end and at its upper end.
	edgeSampled map[string][2]int
	// inCatalog is, for each column of those ranges, the share of the catalog's torrents with a
	// value in the search's range, from catalogSample torrents spread evenly over the ids (the
	// lists a bucketed count steps: search_bucketed.go); absent when not sampled.
	inCatalog map[string]float64
	// categories are the ids and torrent counts of the categories the match carries, when the
	// search also has a date range (categoryDateSlugs).
	categories []categoryCount
}

// probe walks the matches of the text, ids only (the newest for a filtered search, the oldest
// otherwise: see probeQuery), as far as the count bound and the relevance bound need; for a
// filtered search, whether every torrent of the catalog passes the filters (search_filters.go), and
// otherwise how many of the newest matches pass them and, when the matches are many, how many
// torrents pass each filter (search_narrow.go); for a ranked search of several words, how common
// the commonest is.
//
// Without filters the matches it counts are the total, so it counts up to the bound. With filters
// the total comes from the page or a count of those that pass, and the probe only estimates how
// many match from how densely its newest sit among the newest ids: it counts as many as its
// sample and the relevance bound need (a common word in a category the match carries, 10,001
// matches of an intersection, was a walk of tens of thousands of entries of both lists at
// 1,000,000 torrents), unless the filters turn out to be passed by every torrent.
func (r *TorrentRepository) probe(ctx context.Context, q *searchQuery) (probed, error) {
	res, err := r.db.query(ctx, r.probeStatement(q))
	if err != nil {
		return probed{}, err
	}
	return r.readProbe(q, res)
}

// probeWindows are how many of the newest matches the probe walks: window without filters (or when
// every torrent passes them), filteredWindow with them (see probe).
func (r *TorrentRepository) probeWindows() (window, filteredWindow int) {
	window = max(r.countLimit, r.relevanceScored) + 1
	return window, min(window, max(countSampleSize, r.relevanceScored)+1)
}

// probeStatement is the probe's statement (see probe).
func (r *TorrentRepository) probeStatement(q *searchQuery) Statement {
	pq := r.probeQuery(q)
	sql := pq.sel
	if len(pq.ctes) > 0 {
		sql = "WITH " + strings.Join(pq.ctes, ", ") + " " + sql
	}
	return Statement{SQL: sql, Params: pq.params}
}

// probeSQL is the probe as SQL: its common tables, its one-row select, and the params of both in
// that order. A page sent ahead takes it in as common tables (search_ahead.go).
type probeSQL struct {
	ctes   []string
	sel    string
	params []any
}

// probeQuery is the probe's SQL (see probe).
func (r *TorrentRepository) probeQuery(q *searchQuery) probeSQL {
	if !q.filtered {
		return r.plainProbeQuery(q)
	}
	_, filteredWindow := r.probeWindows()
	var b strings.Builder
	var params []any
	vacuity, vacuityParams := q.vacuity()
	var ctes []string
	if vacuity != "" {
		ctes = append(ctes, "v AS MATERIALIZED (SELECT "+vacuity+" AS vacuous)")
		params = append(params, vacuityParams...)
	}
	// When every torrent passes the filters, the search is planned as one without them and its probe
	// is such a search's (plainCount: the oldest matches, up to the window); the walk of the newest
	// below then stops before its first match (its LIMIT is 0).
	n, low, high := "count(*)", "coalesce(min(s.id), 0)", "coalesce(max(s.id), 0)"
	if vacuity != "" {
		n = "(CASE WHEN (SELECT vacuous FROM v) THEN (SELECT n FROM pn) ELSE count(*) END)"
		low = "(CASE WHEN (SELECT vacuous FROM v) THEN 0 ELSE " + low + " END)"
		high = "(CASE WHEN (SELECT vacuous FROM v) THEN (SELECT high FROM pn) ELSE " + high + " END)"
	}
	textCTEs, textParams, textN := r.textCount(q, n)
	ctes, params = append(ctes, textCTEs...), append(params, textParams...)
	if vacuity != "" {
		plainCTEs, plainParams := r.plainCount(q)
		ctes, params = append(ctes, plainCTEs...), append(params, plainParams...)
	}
	catalogCTEs, catalogParams := q.catalogSample()
	ctes, params = append(ctes, catalogCTEs...), append(params, catalogParams...)
	b.WriteString("SELECT " + n + " AS n, " + textN + " AS textn, " + low + " AS low, " + high + " AS high, (SELECT coalesce(max(id), 0) FROM torrents) AS top, ")
	// The sample is the matches the probe walks (the filtered window), each sought in
	// torrents_facets once as it is walked (the join below), for every test of the sample: a second
	// walk of the newest matches for it cost a third of the probe (a common word in a category:
	// 2.9 ms of the walk's, 2.5 of the seeks'), and a seek of its own for each test (the filters,
	// each end of a size range, the seeded threshold) cost as much again for each.
	sample := "(" + q.joinWhere + ")"
	if vacuity != "" {
		// The sample is only taken when some torrent may fail the filters (the test is once a statement).
		b.WriteString("(SELECT vacuous FROM v) AS vacuous, sum(CASE WHEN (SELECT vacuous FROM v) THEN 0 ELSE " + sample + " END) AS sampled, ")
	} else {
		b.WriteString("0 AS vacuous, sum(" + sample + ") AS sampled, ")
	}
	params = append(params, q.params...)
	tests, names, testParams := q.edgeSamples()
	for i, test := range tests {
		if vacuity != "" {
			test = "CASE WHEN (SELECT vacuous FROM v) THEN 0 ELSE " + test + " END"
		}
		b.WriteString("sum(" + test + ") AS " + names[i] + ", ")
	}
	params = append(params, testParams...)
	switch th := q.thresholdSample(); {
	case th != "" && vacuity != "":
		b.WriteString("sum(CASE WHEN (SELECT vacuous FROM v) THEN 0 ELSE " + th + " END) AS thresholded, ")
	case th != "":
		b.WriteString("sum(" + th + ") AS thresholded, ")
	default:
		b.WriteString("0 AS thresholded, ")
	}
	columns, columnParams := q.passingColumns(r.relevanceScored, vacuity != "")
	b.WriteString(columns)
	params = append(params, columnParams...)
	edges, edgeParams := q.edgeColumns()
	b.WriteString(edges)
	params = append(params, edgeParams...)
	inCatalog, inCatalogParams := q.catalogColumns(r.relevanceScored, vacuity != "")
	b.WriteString(inCatalog)
	params = append(params, inCatalogParams...)
	commonest, commonestParams := r.commonestColumn(q, textN)
	b.WriteString(commonest + " ")
	params = append(params, commonestParams...)
	// The sample is the newest matches, which a count newest first meets first (countOrder).
	b.WriteString("FROM (SELECT rowid AS id FROM torrents_fts WHERE torrents_fts MATCH ? ORDER BY rowid DESC LIMIT ")
	params = append(params, q.match)
	if vacuity != "" {
		b.WriteString("(SELECT CASE WHEN vacuous THEN 0 ELSE CAST(? AS INTEGER) END FROM v)) s")
		params = append(params, filteredWindow)
	} else {
		b.WriteString("CAST(? AS INTEGER)) s")
		params = append(params, filteredWindow)
	}
	b.WriteString(" LEFT JOIN torrents t INDEXED BY torrents_facets ON t.id = s.id")
	return probeSQL{ctes: ctes, sel: b.String(), params: params}
}

// plainProbeQuery is the probe of a search without filters: how many torrents the text matches, up
// to the window, and the window-th oldest match's id when there are more (the matches' density).
// It walks the oldest: FTS5 walks an intersection backwards by stepping back through the longer
// list's page index one entry at a time, each step decoding that index from its start, so a rare
// word beside a word in a third of the catalog cost 13 ms newest first and 0.2 ms oldest first at
// 1,000,000 torrents (the tags corpus's "prumgeegrour web", 48 matches).
//
// The matches of one list (one word, or the words a long last one is written out as) are walked
// past the window's first (an OFFSET, which reads nothing of them: 0.55 ms for the first 10,000 of
// a word in 9 % of the names, where counting them and reading their ids took 1.2), and counted
// (0.75 ms) only when there is no match past them. An intersection costs its walk, which the
// reads add little to: it is counted once, its last id read (4.0 ms for two words of 9 % each,
// where skipping and counting would walk it twice).
func (r *TorrentRepository) plainProbeQuery(q *searchQuery) probeSQL {
	ctes, params, textN := r.textCount(q, "pn.n")
	plainCTEs, plainParams := r.plainCount(q)
	ctes, params = append(ctes, plainCTEs...), append(params, plainParams...)
	commonest, commonestParams := r.commonestColumn(q, textN)
	sel := "SELECT pn.n AS n, " + textN + " AS textn, 0 AS low, pn.high AS high, (SELECT coalesce(max(id), 0) FROM torrents) AS top, 0 AS vacuous, 0 AS sampled, 0 AS thresholded, " +
		commonest + " FROM pn"
	return probeSQL{ctes: ctes, sel: sel, params: append(params, commonestParams...)}
}

// plainCount is the common tables of plainProbeQuery's walk, the last pn(n, high), and their params.
func (r *TorrentRepository) plainCount(q *searchQuery) ([]string, []any) {
	window, _ := r.probeWindows()
	if len(q.terms) > 1 || q.facetMatch != "" {
		return []string{"pn AS MATERIALIZED (SELECT count(*) AS n, coalesce(max(id), 0) AS high" +
			" FROM (SELECT rowid AS id FROM torrents_fts WHERE torrents_fts MATCH ? ORDER BY rowid ASC LIMIT CAST(? AS INTEGER)))"}, []any{q.match, window}
	}
	return []string{
		"px AS MATERIALIZED (SELECT (SELECT rowid FROM torrents_fts WHERE torrents_fts MATCH ? ORDER BY rowid ASC LIMIT 1 OFFSET CAST(? AS INTEGER)) AS r)",
		"pn AS MATERIALIZED (SELECT CASE WHEN r IS NULL THEN (SELECT count(*) FROM torrents_fts WHERE torrents_fts MATCH ?) ELSE CAST(? AS INTEGER) END AS n," +
			" coalesce(r, 0) AS high FROM px)",
	}, []any{q.match, window - 1, q.match, window}
}

// textCount is how many torrents the text alone matches (up to one past the relevance bound) when
// the match carries filters, for a relevance search (bm25 ranks the text's matches, not the
// filters': search_few.go): its common table, its params and the column that reads it; or no
// table and the column matches, which counts the match's.
func (r *TorrentRepository) textCount(q *searchQuery, matches string) (ctes []string, params []any, column string) {
	if q.sort != domain.SortRelevance || q.facetMatch == "" {
		return nil, nil, matches
	}
	return []string{"tn AS MATERIALIZED (SELECT count(*) AS n FROM (SELECT 1 FROM torrents_fts WHERE torrents_fts MATCH ? LIMIT CAST(? AS INTEGER)))"},
		[]any{q.text, r.relevanceScored + 1}, "(SELECT n FROM tn)"
}

// commonestColumn is the probe's column of how many torrents the commonest word matches (up to
// idfLimit+1), for a ranked search of several words when bm25 may rank the matches (textN, the
// text's, at most relevanceScored: CASE runs the counts only then), 0 otherwise; and its params.
func (r *TorrentRepository) commonestColumn(q *searchQuery, textN string) (string, []any) {
	if q.sort != domain.SortRelevance || len(q.terms) < 2 {
		return "0 AS commonest", nil
	}
	var b strings.Builder
	b.WriteString("CASE WHEN " + textN + " <= CAST(? AS INTEGER) THEN max(0")
	params := []any{r.relevanceScored}
	for _, term := range q.terms {
		b.WriteString(", (SELECT count(*) FROM (SELECT 1 FROM torrents_fts WHERE torrents_fts MATCH ? LIMIT CAST(? AS INTEGER)))")
		params = append(params, term, idfLimit+1)
	}
	b.WriteString(") ELSE 0 END AS commonest")
	return b.String(), params
}

// readProbe reads the probe statement's row.
func (r *TorrentRepository) readProbe(q *searchQuery, res Result) (probed, error) {
	window, filteredWindow := r.probeWindows()
	rr := rowReader{row: firstRow(res)}
	p := probed{n: int(rr.int("n")), textN: int(rr.int("textn")), low: rr.int("low"), high: rr.int("high"), top: rr.int("top"), sampled: int(rr.int("sampled")),
		thresholded: int(rr.int("thresholded")), commonestTerm: int(rr.int("commonest")), oldestFirst: !q.filtered}
	p.vacuous = rr.int("vacuous") != 0
	p.oldestFirst = p.oldestFirst || p.vacuous
	if q.filtered && !p.vacuous {
		window = filteredWindow
	}
	p.complete = p.n < window
	p.passing = q.readPassing(&rr)
	if q.filtered {
		p.edges, p.categories = q.readEdges(&rr)
		p.edgeSampled = q.readEdgeSamples(&rr)
		p.inCatalog = q.readCatalogSample(&rr)
	}
	return p, rr.err
}

// estimatedMatches is how many torrents the text matches, from how densely the matches the probe
// walked sit among the ids: the newest among the newest ids, the oldest among the oldest.
func (p probed) estimatedMatches() float64 {
	span := float64(p.top - p.low + 1)
	if p.oldestFirst {
		span = float64(p.high)
	}
	if p.complete || span <= 0 || p.top <= 0 {
		return float64(p.n)
	}
	return float64(p.n) * float64(p.top) / span
}

// rankable says whether bm25 can rank every match: the text matches at most scored torrents, and no
// word so common that weighing it would cost more than the search (idfLimit).
func (p probed) rankable(scored int) bool {
	return p.textN <= scored && p.commonestTerm <= idfLimit
}

// keptShare is the share of the matches the filters keep, from the probe's sample (1 without
// filters).
func (p probed) keptShare(q *searchQuery) float64 {
	if !q.filtered {
		return 1
	}
	return (float64(p.sampled) + 0.5) / float64(max(p.n, 1))
}
