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
	complete bool  // n is every match: fewer than the window
	low      int64 // the oldest id among them (the window-th newest match when there are more)
	top      int64 // the highest id in the catalog
	sampled  int   // of the n matches counted (the filtered window's), how many pass the filters
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
	// categories are the ids and torrent counts of the categories the match carries, when the
	// search also has a date range (categoryDateSlugs).
	categories []categoryCount
}

// probe walks the newest matches of the text, ids only, as far as the count bound and the
// relevance bound need; for a filtered search, whether every torrent of the catalog passes the
// filters (search_filters.go), and otherwise how many of the newest matches pass them and, when
// the matches are many, how many torrents pass each filter (search_narrow.go); for a ranked search
// of several words, how common the commonest is.
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
	window, filteredWindow := r.probeWindows()
	var b strings.Builder
	var params []any
	vacuity, vacuityParams := q.vacuity()
	var ctes []string
	if vacuity != "" {
		ctes = append(ctes, "v AS MATERIALIZED (SELECT "+vacuity+" AS vacuous)")
		params = append(params, vacuityParams...)
	}
	// How many torrents the text alone matches (up to one past the relevance bound), when the match
	// carries filters: bm25 ranks the text's matches, not the filters' (search_few.go).
	textN := "count(*)"
	if q.sort == domain.SortRelevance && q.facetMatch != "" {
		ctes = append(ctes, "tn AS MATERIALIZED (SELECT count(*) AS n FROM (SELECT 1 FROM torrents_fts WHERE torrents_fts MATCH ? LIMIT CAST(? AS INTEGER)))")
		params = append(params, q.text, r.relevanceScored+1)
		textN = "(SELECT n FROM tn)"
	}
	b.WriteString("SELECT count(*) AS n, " + textN + " AS textn, coalesce(min(id), 0) AS low, (SELECT coalesce(max(id), 0) FROM torrents) AS top, ")
	// The sample is the matches the probe walks (the filtered window), each sought in
	// torrents_facets as it is walked: a second walk of the newest matches for it cost a third of
	// the probe (a common word in a category: 2.9 ms of the walk's, 2.5 of the seeks').
	sample := "EXISTS (SELECT 1 FROM torrents t INDEXED BY torrents_facets WHERE t.id = s.id AND " + q.joinWhere + ")"
	switch {
	case vacuity != "":
		// The sample is only taken when some torrent may fail the filters (the test is once a statement).
		b.WriteString("(SELECT vacuous FROM v) AS vacuous, sum(CASE WHEN (SELECT vacuous FROM v) THEN 0 ELSE " + sample + " END) AS sampled, ")
		params = append(params, q.params...)
	case q.filtered:
		b.WriteString("0 AS vacuous, sum(" + sample + ") AS sampled, ")
		params = append(params, q.params...)
	default:
		b.WriteString("0 AS vacuous, 0 AS sampled, ")
	}
	if q.filtered {
		tests, names, testParams := q.edgeSamples()
		for i, test := range tests {
			if vacuity != "" {
				test = "CASE WHEN (SELECT vacuous FROM v) THEN 0 ELSE " + test + " END"
			}
			b.WriteString("sum(" + test + ") AS " + names[i] + ", ")
		}
		params = append(params, testParams...)
	}
	switch th := q.thresholdSample(); {
	case th != "" && vacuity != "":
		b.WriteString("sum(CASE WHEN (SELECT vacuous FROM v) THEN 0 ELSE " + th + " END) AS thresholded, ")
	case th != "" && q.filtered:
		b.WriteString("sum(" + th + ") AS thresholded, ")
	default:
		b.WriteString("0 AS thresholded, ")
	}
	if q.filtered {
		columns, columnParams := q.passingColumns(r.relevanceScored, vacuity != "")
		b.WriteString(columns)
		params = append(params, columnParams...)
		edges, edgeParams := q.edgeColumns()
		b.WriteString(edges)
		params = append(params, edgeParams...)
	}
	if q.sort == domain.SortRelevance && len(q.terms) > 1 {
		// Only when bm25 may rank the matches (few enough of them): CASE runs the counts only then.
		b.WriteString("CASE WHEN " + textN + " <= CAST(? AS INTEGER) THEN max(0")
		params = append(params, r.relevanceScored)
		for _, term := range q.terms {
			b.WriteString(", (SELECT count(*) FROM (SELECT 1 FROM torrents_fts WHERE torrents_fts MATCH ? LIMIT CAST(? AS INTEGER)))")
			params = append(params, term, idfLimit+1)
		}
		b.WriteString(") ELSE 0 END AS commonest ")
	} else {
		b.WriteString("0 AS commonest ")
	}
	b.WriteString("FROM (SELECT rowid AS id FROM torrents_fts WHERE torrents_fts MATCH ? ORDER BY rowid DESC LIMIT ")
	params = append(params, q.match)
	switch {
	case vacuity != "":
		b.WriteString("(SELECT CASE WHEN vacuous THEN CAST(? AS INTEGER) ELSE CAST(? AS INTEGER) END FROM v)) s")
		params = append(params, window, filteredWindow)
	case q.filtered:
		b.WriteString("CAST(? AS INTEGER)) s")
		params = append(params, filteredWindow)
	default:
		b.WriteString("CAST(? AS INTEGER)) s")
		params = append(params, window)
	}
	return probeSQL{ctes: ctes, sel: b.String(), params: params}
}

// readProbe reads the probe statement's row.
func (r *TorrentRepository) readProbe(q *searchQuery, res Result) (probed, error) {
	window, filteredWindow := r.probeWindows()
	rr := rowReader{row: firstRow(res)}
	p := probed{n: int(rr.int("n")), textN: int(rr.int("textn")), low: rr.int("low"), top: rr.int("top"), sampled: int(rr.int("sampled")),
		thresholded: int(rr.int("thresholded")), commonestTerm: int(rr.int("commonest"))}
	p.vacuous = rr.int("vacuous") != 0
	if q.filtered && !p.vacuous {
		window = filteredWindow
	}
	p.complete = p.n < window
	p.passing = q.readPassing(&rr)
	if q.filtered {
		p.edges, p.categories = q.readEdges(&rr)
		p.edgeSampled = q.readEdgeSamples(&rr)
	}
	return p, rr.err
}

// estimatedMatches is how many torrents the text matches, from how densely the probe's newest
// matches sit among the newest ids.
func (p probed) estimatedMatches() float64 {
	span := float64(p.top - p.low + 1)
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
