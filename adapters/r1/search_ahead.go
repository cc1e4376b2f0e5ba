package r1

import (
	"context"

	"github.com/torrent-streamer/streamer/domain"
)

// Pages sent ahead: where an engine call is a round trip (D1: a request to Cloudflare), the probe
// goes out in one call with the page statements of the strategies the planner chooses without
// weighing costs: few matches (search_few.go), and for a search by relevance without filters the
// name tiers (search_tiers.go), which are then the plan's only two outcomes. What the page not
// chosen adds to D1's work stays small whatever the words:
//
//   - The few-matches page takes the probe in: one statement computes the probe's row (pr) and
//     then the page, gated by the planner's own test of that row (fewTest), which makes the page
//     stop before its first match when the matches are many (scoring them all with bm25 would cost
//     hundreds of milliseconds for a common word). The gate costs nothing: it reads the probe's
//     numbers, not the index. Every row of the result carries the probe's row.
//   - The name tiers go as a statement of their own, ungated: they are not chosen only when the
//     text matches at most relevanceScored torrents, and then their walks cover at most those.
//
// When the probe chooses a strategy that weighs its numbers (a walk, a narrow filter, the kept
// tiers, the merge), the page is a second call, as before.
//
// So a text search on D1 is one request when its text matches at most relevanceScored torrents,
// or when it is by relevance without filters, and two otherwise. On the local file a call costs
// nothing: the probe runs alone and the page waits for the plan.

// probeAhead runs the probe with the pages sent ahead in one call (on an engine where a call is a
// round trip), and returns the pages' results by strategy.
func (r *TorrentRepository) probeAhead(ctx context.Context, q *searchQuery) (probed, map[strategy]Result, error) {
	if !q.costs.pagesAhead() {
		p, err := r.probe(ctx, q)
		return p, nil, err
	}
	var ahead []strategy
	first := r.probeWithFewPage(q)
	if checkStatement(first) == nil {
		ahead = append(ahead, fewMatches)
	} else {
		first = r.probeStatement(q) // over D1's limits with the page (many words and filters): the page after the probe
	}
	statements := []Statement{first}
	if q.sort == domain.SortRelevance && !q.filtered {
		if tiers := q.tierPage(); checkStatement(tiers) == nil {
			statements, ahead = append(statements, tiers), append(ahead, nameTiers)
		}
	}
	var results []Result
	if len(statements) == 1 {
		res, err := r.db.query(ctx, first)
		if err != nil {
			return probed{}, nil, err
		}
		results = []Result{res}
	} else {
		var err error
		if results, err = r.db.queryAll(ctx, statements); err != nil {
			return probed{}, nil, err
		}
	}
	p, err := r.readProbe(q, results[0])
	if err != nil {
		return probed{}, nil, err
	}
	pages := make(map[strategy]Result, len(ahead))
	for _, s := range ahead {
		if s == fewMatches {
			pages[s] = results[0]
		} else {
			pages[s] = results[len(results)-1]
		}
	}
	return p, pages, nil
}

// probeWithFewPage is one statement: the probe, and the few-matches page gated by the planner's
// test of the probe's row.
func (r *TorrentRepository) probeWithFewPage(q *searchQuery) Statement {
	test, params := r.fewTest(q)
	withProbe := *q
	withProbe.ahead = &aheadProbe{probe: r.probeQuery(q), test: test, testParams: params}
	return withProbe.fewPage(probed{})
}

// fewTest is the planner's test for fewMatches (plan) over the probe's row (pr), and its params: by
// relevance, the text matches at most relevanceScored torrents and no word of it more than
// idfLimit (rankable); otherwise the matches are at most relevanceScored.
func (r *TorrentRepository) fewTest(q *searchQuery) (string, []any) {
	if q.sort == domain.SortRelevance {
		return "pr.textn <= CAST(? AS INTEGER) AND pr.commonest <= CAST(? AS INTEGER)", []any{r.relevanceScored, idfLimit}
	}
	return "pr.n <= CAST(? AS INTEGER)", []any{r.relevanceScored}
}
