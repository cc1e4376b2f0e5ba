package r1

import (
	"context"

	"github.com/torrent-streamer/streamer/domain"
)

// Search at scale (measured with tests/bench at 1,000,000 torrents). What a text search costs is
// decided by how many torrents its words match, so it runs in steps, each one statement:
//
//  0. A filter by up to three categories or resolutions joins the text in the full-text match: the
//     index holds each torrent's category and resolution as tokens (search_facets.go), so FTS5
//     intersects the lists instead of every match's row being read.
//  1. The last word (a prefix), when longer than the prefix index and common, is written out as the
//     words it begins (search_words.go), if the engine's round trip is worth it (search_costs.go).
//  2. The probe (search_probe.go) counts the newest matches, ids only, up to the count bound; for
//     a filtered search it also reads whether every torrent passes the filters (from the edges of
//     their indexes: then the search is planned as one without them), samples how the filters treat
//     the newest matches, and, when the matches are many, counts the torrents each indexed filter
//     passes in the whole catalog (search_filters.go).
//  3. The planner below chooses a strategy from what the probe found; each strategy is one file
//     returning its page statement: few matches (search_few.go), the relevance name tiers
//     (search_tiers.go; over every match when they are few), the sort key's index walked with a
//     check of each torrent (search_checked.go), every match walked (search_walked.go), the
//     torrents passing a narrow filter walked with a check of each (search_narrow.go), or the
//     matches merged with them (search_merge.go).
//  4. The total (search_total.go), when neither the probe nor the page settled it: a count, sent in
//     the same engine call as the page where a call costs a round trip (D1); each match sought in
//     torrents_facets, or, for size and date ranges, counted from the index's buckets of those
//     ranges, seeking only the matches in the buckets the ranges cut (migration 0027:
//     search_ranges.go, search_bucketed.go), or merged in id order with the torrents passing the
//     filters when one index holds their columns and few enough pass (search_merge.go), or, for a
//     minimum of seeders alone, with migration 0021's partial index of the seeded torrents, which
//     holds them by id (search_seeded.go).
//
// So a text search is two engine calls on the local file (one more when a long last word is
// written out, and one every 30 s to count the index's segments, which a check against it costs in
// proportion to: search_index.go, which also merges them). On D1, where a call is a request to
// Cloudflare, the pages the planner chooses without weighing costs go out with the probe
// (search_ahead.go): a search whose text matches at most relevanceScored torrents, or by relevance
// without filters, is one request; the others two.
//
// A listing (no text) is one statement (search_list.go): over the sort key's index, or, for a
// category in some resolutions by date (the apps' RSS sync), one walk of migration 0013's index per
// category and resolution, merged (search_list_resolution.go). Every order is
// total: the sort key, then the id, in the same direction. Cursors are keyset positions, so a deep
// page costs what the first one does. search_query.go holds what every statement shares (filters,
// order, cursor, window), search_page.go reads a page's rows.

// strategy is how a text search reaches its page.
type strategy int

const (
	fewMatches       strategy = iota // every match (at most relevanceScored) scored, filtered, sorted in one statement
	nameTiers                        // relevance above relevanceScored: name matches, then the rest
	fewTiers                         // the same order over every match, when they are few but bm25 may not weigh a word
	keptTiers                        // the same order when the filters keep almost none of the matches
	checkedIndex                     // the sort key's index walked, each torrent checked against the text
	matchSetIndex                    // the sort key's index walked, each torrent looked up in the set of matches
	everyMatchWalked                 // every match walked, the best page kept
	narrowFilter                     // the torrents passing the narrowest filter walked, each checked against the text
	mergedMatches                    // the matches merged with the few torrents passing the one filter
)

// Search returns one page of the torrents matching c (already normalized): full text when c has
// terms, the filtered catalog otherwise.
func (r *TorrentRepository) Search(ctx context.Context, c domain.SearchCriteria) (domain.SearchPage, error) {
	match := ftsQuery(c.Terms)
	if c.MatchesNothing() {
		// The text had no word in it (only punctuation, say): nothing can match it, and listing the
		// whole catalog would answer a question nobody asked.
		return emptyPage(), nil
	}
	q := newSearchQuery(c, match, r.countLimit)
	q.costs, q.segments = r.db.costs(), r.segments.count(ctx, r)
	if r.planCosts != nil {
		q.costs = *r.planCosts
	}
	if match == "" {
		return r.list(ctx, q)
	}
	if err := r.expandLastTerm(ctx, q); err != nil {
		return domain.SearchPage{}, err
	}
	if q.match == "" {
		return emptyPage(), nil // the last word begins no word of the index
	}
	p, ahead, err := r.probeAhead(ctx, q)
	if err != nil {
		return domain.SearchPage{}, err
	}
	if p.n == 0 {
		return emptyPage(), nil
	}
	if p.vacuous {
		q.filtered = false // plan and count it as a search without filters
	}
	plan := r.plan(q, p)
	if res, ok := ahead[plan]; ok {
		return r.finishPage(ctx, q, p, plan, res)
	}
	return r.pageAndTotal(ctx, q, p, plan, q.pageStatement(plan, p))
}

// plan chooses the strategy from what the probe found.
func (r *TorrentRepository) plan(q *searchQuery, p probed) strategy {
	switch {
	case q.sort == domain.SortRelevance && p.rankable(r.relevanceScored):
		return fewMatches
	case q.sort == domain.SortRelevance && p.complete && p.n <= min(r.relevanceScored, fewTiersWindows*q.window()) && !q.costs.pagesAhead():
		return fewTiers // where pages go ahead with the probe, the name tiers already have (search_ahead.go)
	case q.sort != domain.SortRelevance && p.n <= r.relevanceScored:
		return fewMatches
	case q.filtered && q.costs.mergedPays(q, p):
		return mergedMatches
	case q.filtered && q.costs.narrowPays(q, p):
		return narrowFilter
	case q.sort == domain.SortRelevance && q.filtered && q.costs.keptTiersPay(q, p):
		return keptTiers
	case q.sort == domain.SortRelevance:
		return nameTiers
	default:
		return q.costs.cheapestWalk(q, p)
	}
}

// pageStatement is the page statement of the strategy.
func (q *searchQuery) pageStatement(s strategy, p probed) Statement {
	switch s {
	case fewMatches:
		return q.fewPage(p)
	case nameTiers:
		return q.tierPage()
	case fewTiers:
		return q.fewTierPage()
	case keptTiers:
		return q.keptTierPage(p)
	case checkedIndex:
		return q.checkedPage()
	case matchSetIndex:
		return q.matchSetPage(p)
	case narrowFilter:
		return q.narrowPage(p)
	case mergedMatches:
		return q.mergedPage(p)
	default:
		return q.walkedPage(p)
	}
}

// countsEveryMatch says whether the strategy's page carries the count of every match that passes
// the filters (when the search has filters).
func (s strategy) countsEveryMatch() bool {
	return s == fewMatches || s == fewTiers || s == keptTiers || s == narrowFilter || s == mergedMatches
}

func emptyPage() domain.SearchPage {
	return domain.SearchPage{Items: []domain.TorrentSummary{}, TotalExact: true}
}
