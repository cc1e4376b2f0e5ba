package r1

import (
	"context"
	"strings"

	"github.com/torrent-streamer/streamer/domain"
)

// Pages sent ahead: where an engine call is a round trip (D1: a request to Cloudflare), the probe
// goes out in one call with the page statements of the strategies the planner chooses without
// weighing costs: few matches (search_few.go), and for a search by relevance without filters the
// name tiers (search_tiers.go), which are then the plan's only two outcomes. What the page not
// chosen adds to D1's work is bounded whatever the words:
//
//   - The few-matches page is gated in SQL by the planner's own test of the probe (fewTest), which
//     makes it stop before its first match when the matches are many (scoring them all with bm25
//     would cost hundreds of milliseconds for a common word). The test is a count of at most
//     relevanceScored+1 matches (and, ranked by several words, of idfLimit+1 of each word's), as
//     the probe counts them: about half the probe's own cost for a common word at 1,000,000
//     torrents (5 ms of its 10), little for a rare one.
//   - The name tiers need no gate: they are not chosen only when the text matches at most
//     relevanceScored torrents, and then their walks cover at most those.
//
// The batch is one snapshot (Engine.QueryBatch), so the gate and the probe agree. When the probe
// chooses a strategy that weighs its numbers (a walk, a narrow filter, the kept tiers), the page is
// a second call, as before.
//
// So a text search on D1 is one request when its text matches at most relevanceScored torrents,
// or when it is by relevance without filters, and two otherwise. On the local file a call costs
// nothing: the probe runs alone and the page waits for the plan.

// aheadStrategies are the strategies whose pages go out with the probe.
func aheadStrategies(q *searchQuery) []strategy {
	switch {
	case q.costs.RoundTrip == 0:
		return nil
	case q.sort == domain.SortRelevance && !q.filtered:
		return []strategy{fewMatches, nameTiers}
	}
	return []strategy{fewMatches}
}

// probeAhead runs the probe, with the pages sent ahead (see aheadStrategies) in the same call, and
// returns those pages' results by strategy.
func (r *TorrentRepository) probeAhead(ctx context.Context, q *searchQuery) (probed, map[strategy]Result, error) {
	statements := []Statement{r.probeStatement(q)}
	var ahead []strategy
	for _, s := range aheadStrategies(q) {
		page := r.aheadPage(q, s)
		if checkStatement(page) != nil {
			continue // over D1's limits with its gate (many words and filters): sent after the probe
		}
		statements, ahead = append(statements, page), append(ahead, s)
	}
	if len(ahead) == 0 {
		p, err := r.probe(ctx, q)
		return p, nil, err
	}
	results, err := r.db.queryAll(ctx, statements)
	if err != nil {
		return probed{}, nil, err
	}
	p, err := r.readProbe(q, results[0])
	if err != nil {
		return probed{}, nil, err
	}
	pages := make(map[strategy]Result, len(ahead))
	for i, s := range ahead {
		pages[s] = results[i+1]
	}
	return p, pages, nil
}

// aheadPage is the page statement of s as it goes out with the probe: the few-matches page gated
// by the planner's test for it (see above). Only strategies whose statement does not read the
// probe's numbers can be sent ahead.
func (r *TorrentRepository) aheadPage(q *searchQuery, s strategy) Statement {
	if s != fewMatches {
		return q.pageStatement(s, probed{})
	}
	gated := *q
	gated.gate, gated.gateParams = r.fewTest(q)
	return gated.pageStatement(s, probed{})
}

// fewTest is the planner's test for fewMatches (plan) as SQL, and its params: the probe's counts,
// with the probe's bounds. The text matches at most relevanceScored torrents (by relevance, the
// text alone when filters ride in the match: textN) and, ranked by several words, none of them
// more than idfLimit (rankable).
func (r *TorrentRepository) fewTest(q *searchQuery) (string, []any) {
	// Whether a match has at most n torrents: (match, n+1, n).
	const atMost = "(SELECT count(*) FROM (SELECT 1 FROM torrents_fts WHERE torrents_fts MATCH ? LIMIT CAST(? AS INTEGER))) <= CAST(? AS INTEGER)"
	text := q.match
	if q.sort == domain.SortRelevance && q.facetMatch != "" {
		text = q.text
	}
	conds := []string{atMost}
	params := []any{text, r.relevanceScored + 1, r.relevanceScored}
	if q.sort == domain.SortRelevance && len(q.terms) > 1 {
		for _, term := range q.terms {
			conds = append(conds, atMost)
			params = append(params, term, idfLimit+1, idfLimit)
		}
	}
	return "(" + strings.Join(conds, " AND ") + ")", params
}
