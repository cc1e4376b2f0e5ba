package r1

import (
	"slices"
	"strconv"
)

// The count of a search filtered by a minimum of seeders alone: the matches merged in id order
// with the torrents of migration 0021's partial index for the largest threshold at or under the
// minimum (at least 1, 10 or 100 seeders), which holds them in id order, so that nothing is sorted.
//
// At 1,000,000 torrents of the flat corpus, "war" (92,360 matches) with minSeeders=10 (71,370
// torrents pass, 6,586 of the matches): every match is classified for the exact total. Seeking each
// in torrents_facets cost 90 ms, merging with the passing torrents walked on torrents_seeders and
// sorted by id 27 ms (search_merge.go; 19 ms of it the sort), merging with torrents_seeded_10 14 ms.
//
// What the indexes cost a write: each starts with the id, so a new torrent's entry goes at its end.
// Seeders is the entry's second column, so every change of a torrent's seeders rewrites its entry
// (removed and added again at the same id) in each of the indexes it is in, and a change across a
// threshold adds or removes it. Migration 0021's comment says only a change across a threshold
// touches them; that is not so, and a landed migration is not edited, so it is corrected here.

// seededThresholds are migration 0021's thresholds, highest first.
var seededThresholds = []int64{100, 10, 1}

// seededSide is, for a search whose one filter the match does not carry is a minimum of seeders at
// or above the lowest threshold, the partial index of the largest threshold at or under it, and
// the condition that selects the torrents passing the filter on it, with its params: the threshold
// written out (SQLite uses a partial index only when the statement's WHERE implies the index's,
// which a bound parameter does not show), the minimum a parameter tested on the entry. ok is false
// for any other search.
func (q *searchQuery) seededSide() (index, where string, params []any, ok bool) {
	t, ok := q.seededThreshold()
	if !ok {
		return "", "", nil, false
	}
	s := strconv.FormatInt(t, 10)
	return "torrents_seeded_" + s, "t.seeders >= " + s + " AND " + q.filters[0].sql, slices.Clone(q.filters[0].params), true
}

// seededThreshold is the threshold of the partial index seededSide walks; ok as there.
func (q *searchQuery) seededThreshold() (int64, bool) {
	if len(q.filters) != 1 || q.filters[0].column != "seeders" || q.c.MinSeeders == nil {
		return 0, false
	}
	for _, t := range seededThresholds {
		if *q.c.MinSeeders >= t {
			return t, true
		}
	}
	return 0, false
}

// seededMergePays says whether the seeded merge costs less than seeking each match in
// torrents_facets, for a statement that stops once bound of the matches have passed (0: one that
// walks them all). The seeks stop after about bound/share matches, the merge after as many, and
// after the threshold index's entries among the same ids, a merge step each: the torrents with at
// least the threshold's seeders, not the minimum's (minSeeders=9 steps torrents_seeded_1, 466,471
// entries at 1,000,000 torrents of the flat corpus where 79,331 pass: 90 ms merged against 46
// sought for "war witch"). The probe's sample says what share of the matches reach the minimum
// and the threshold (thresholded), which stands for the catalog's share.
func (c Costs) seededMergePays(q *searchQuery, p probed, bound int) bool {
	matches, share := p.estimatedMatches(), p.keptShare(q)
	walked := matches
	if bound > 0 {
		walked = min(matches, float64(bound)/share)
	}
	stepped := p.thresholdShare(q) * float64(p.top) * walked / max(matches, 1)
	return (walked+stepped)*c.Merge < walked*c.Count
}

// thresholdShare is the share of the matches at or above the seeded threshold (seededThreshold),
// from the probe's sample: the kept share when the minimum is the threshold.
func (p probed) thresholdShare(q *searchQuery) float64 {
	if t, ok := q.seededThreshold(); ok && t < *q.c.MinSeeders {
		return (float64(p.thresholded) + 0.5) / float64(max(p.n, 1))
	}
	return p.keptShare(q)
}

// thresholdSample is, for the probe's sample, whether a match has at least the seeded threshold's
// seeders, when that is under the minimum (see seededMergePays); "" otherwise: a test of the row of
// torrents_facets the probe joins each sampled match to (t).
func (q *searchQuery) thresholdSample() string {
	t, ok := q.seededThreshold()
	if !ok || t >= *q.c.MinSeeders {
		return ""
	}
	return "(t.seeders >= " + strconv.FormatInt(t, 10) + ")"
}

// seededCount is the count statement (see countStatement) through the seeded merge.
func (q *searchQuery) seededCount(match, index, side string, sideParams []any) Statement {
	kept, params := passingMatches(match, index, side, sideParams)
	return Statement{
		SQL:    "SELECT count(*) AS total FROM (" + kept + " LIMIT CAST(? AS INTEGER))",
		Params: append(params, q.countLimit+1),
	}
}
