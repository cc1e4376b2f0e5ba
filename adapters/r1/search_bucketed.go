package r1

import (
	"slices"
	"strings"
)

// The bucketed count: the total of a search whose filters the match does not carry are a size or
// date range (one of each at most), counted from the full-text index's buckets of those ranges
// (search_ranges.go) instead of seeking each match in torrents_facets. It adds three counts, each
// up to one past the bound, of disjoint sets of matches:
//
//   - full: the matches in buckets wholly inside every range, counted by FTS5 alone;
//   - cut: the other matches in the buckets that cover the ranges (those the ranges cut at their
//     edges), each sought in torrents_facets and tested;
//   - beyond: the matches whose value lies in a range but outside the buckets the cover visited
//     (beyond the catalog's edges as the probe read them: only a torrent written since), walked on
//     the column's index, each checked against the text.
//
// At 1,000,000 torrents of the zipf corpus, a size range keeping a quarter of a word's 44,000
// matches: the seeks classified 40,000 matches to count 10,001 (30-60 ms).

// bucketedRange is a filter of the search as a range of one scale's values, and its cover.
type bucketedRange struct {
	scale  rangeScale
	lo, hi int64
	cover  rangeCover
	// categories are the ids of the categories the match carries when the cover's buckets are
	// those categories' dates (categoryDates), which then stand for the categories, and
	// inCategories the share of the catalog they hold; nil and 1 otherwise.
	categories   []int64
	inCategories float64
}

// bucketedRanges are the search's uncarried filters as ranges the index buckets, each covered
// within the catalog's values the probe read, to the depth that costs least (rangeCost); ok is
// false when some filter is not such a range (seeders, the release filters), or none is.
func (q *searchQuery) bucketedRanges(p probed) ([]bucketedRange, bool) {
	if len(q.filters) == 0 {
		return nil, false
	}
	var out []bucketedRange
	for _, f := range q.filters {
		scale, lo, hi, ok := q.rangeOf(f)
		if !ok {
			return nil, false
		}
		edges, ok := p.edges[f.column]
		if !ok {
			return nil, false
		}
		r := bucketedRange{scale: scale, lo: lo, hi: hi, inCategories: 1}
		bucket, depths := scale.match, rangeLevels
		if ids, share, ok := p.categoryDates(scale); ok {
			// The categories' dates: lists of a few percent of the catalog where the category's
			// and the date's are each a tenth or more; two levels (the tokens' last digit is the
			// 16-day block).
			r.categories, r.inCategories, bucket, depths = ids, share, categoryDates(ids), 2
		}
		share := q.bucketShare(p, r, edges)
		for depth := scale.minDepth; depth <= depths; depth++ {
			for _, except := range []bool{false, true} {
				c := scale.cover(lo, hi, edges[0], edges[1], depth, except, share, bucket)
				if depth == scale.minDepth && !except || q.costs.rangeCost(q, p, r, c) < q.costs.rangeCost(q, p, r, r.cover) {
					r.cover = c
				}
			}
		}
		out = append(out, r)
	}
	return out, true
}

// categoryDates are the ids of the categories the match carries, and the share of the catalog
// they hold, when the scale is the date's and every one has an id a categoryDateFacet token tells
// apart; ok is false otherwise.
func (p probed) categoryDates(s rangeScale) (ids []int64, share float64, ok bool) {
	if s.kind != dateFacet || len(p.categories) == 0 {
		return nil, 0, false
	}
	var torrents int64
	for _, c := range p.categories {
		if c.id >= categoryDigitMax {
			return nil, 0, false
		}
		ids, torrents = append(ids, c.id), torrents+c.torrents
	}
	return ids, min(float64(torrents)/float64(max(p.top, 1)), 1), true
}

// wholeWithoutCategories is wholeMatch without the categories the match carries (the buckets of a
// range in those categories' dates stand for them), the resolutions it carries kept.
func (q *searchQuery) wholeWithoutCategories() string {
	text := q.textPrefixed
	if q.match != q.prefixed && q.words <= 2 {
		text = q.text
	}
	c := q.c
	c.Categories = nil
	if resolutions, _ := facetsOf(c); resolutions != "" {
		return "(" + text + ") AND " + resolutions
	}
	return text
}

// bucketShare is about the share of the catalog's torrents whose value of r's column is in [blo,
// bhi]: in a coarsest bucket at one of the range's ends, the probe's sample's share there (when
// the scale is sampled) divided as the scale spreads its values; elsewhere, the scale's share of
// the catalog's values [edges].
func (q *searchQuery) bucketShare(p probed, r bucketedRange, edges [2]int64) func(blo, bhi int64) float64 {
	sampled, ok := p.edgeSampled[r.scale.column]
	ends := r.scale.edgeBuckets(r.lo, r.hi)
	return func(blo, bhi int64) float64 {
		if ok {
			for i, end := range ends {
				if blo >= end[0] && bhi <= end[1] {
					return (float64(sampled[i]) + 0.5) / float64(max(p.n, 1)) * r.scale.share(blo, bhi, end[0], end[1])
				}
			}
		}
		return r.scale.share(blo, bhi, edges[0], edges[1])
	}
}

// rangeCost is what matching r's cover c costs the bucketed count: FTS5 walks the text's matches
// twice (the full buckets' count, the cut ones'), steps the buckets' entries (Bucket each),
// compares every list of an OR at each match (BucketList), and seeks the matches in cut buckets,
// which lie far apart (CountSparse). A last word longer than the prefix index and not written out
// is a merge of the lists of every word it begins, made again in each walk (PrefixStep a match:
// "prince*", 162,000 matches, 34 ms where "prince OR princess" took 14). In a category's dates the
// text is walked without the category (about matches / the categories' share), and each bucket is
// a list per category, holding that share of the bucket's torrents.
//
// When the range is the search's one filter and the probe's sample says its full buckets alone
// hold more than the bound of the matches, the full buckets' count stops past the bound, that part
// of the way through the lists, and the cut ones are not counted (bucketedCount): a common word
// in a third of a decade ("man" with 1 to 8 GiB at 1,000,000 torrents, 140,000 matches: 11 ms).
func (c Costs) rangeCost(q *searchQuery, p probed, r bucketedRange, cover rangeCover) float64 {
	matches, top := p.estimatedMatches(), float64(p.top)
	walked := matches / max(r.inCategories, 1e-6)
	perList := float64(max(len(r.categories), 1))
	fullLists, cutLists := float64(cover.lists()-len(cover.cut))*perList, float64(len(cover.cut))*perList
	step := c.Bucket
	if !q.cheapCheck {
		step = c.PrefixStep
	}
	// The full buckets' lists hold at least the range's torrents outside the cut buckets: the
	// scale's even spread of the values (cover.fullShare) misjudges a range where they gather, and
	// the probe's catalog sample, when taken, says how many the range holds ("love" in books over
	// 150 MB at 1,000,000 torrents of the zipf corpus: sizes over 150 MB, 49 % of the catalog by the
	// spread and 80 % in fact, counted through the buckets in 39 ms against 19 sought).
	fullShare := cover.fullShare
	if inRange, ok := p.inCatalog[r.scale.column]; ok {
		fullShare = max(fullShare, inRange-cover.cutShare)
	}
	full := walked*step + fullShare*r.inCategories*top*c.Bucket + walked*fullLists*c.BucketList
	if len(q.filters) == 1 && cover.fullKept+cover.cutShare > 0 {
		inFull := p.keptShare(q) * matches * cover.fullKept / (cover.fullKept + cover.cutShare)
		if bound := float64(q.countLimit + 1); inFull > bound {
			return full * bound / inFull
		}
	}
	return full + walked*step + cover.cutShare*r.inCategories*top*c.Bucket + walked*cutLists*c.BucketList +
		cover.cutShare*matches*c.CountSparse
}

// bucketedPays says whether the bucketed count costs less than seeking the matches: walking them
// (the text's list, and a category's the match carries, Bucket an entry) and seeking those the
// count reaches (countWalked), each a page of its own when they are sparse (CountSparse). Two
// ranges together test the full buckets of both once more (the cut count is the cover's matches
// NOT those).
func (c Costs) bucketedPays(q *searchQuery, p probed, ranges []bucketedRange) bool {
	lists, cost := 0, 0.0
	inCategories := 1.0
	for _, r := range ranges {
		lists += r.cover.lists() * max(len(r.categories), 1)
		cost += c.rangeCost(q, p, r, r.cover)
		inCategories = min(inCategories, r.inCategories)
	}
	if lists > bucketedListsMax {
		return false
	}
	if inCategories < 1 && c.Count > c.Bucket {
		// A category's dates: the count steps neither the category's list nor the date's, where
		// any other way steps the category's and seeks the matches (at 1,000,000 torrents, a
		// common word in a category after a date: 8 to 13 ms, against 17 to 75 sought or merged),
		// whenever a seek costs more than a list's entry. The probe's estimate of the word's
		// matches outside the category is too rough to weigh them closer.
		return true
	}
	matches := p.estimatedMatches()
	if len(ranges) > 1 {
		cost += matches * float64(lists) * c.BucketList
	}
	walked, seek := q.countWalked(p), c.Count
	if matches < sparseBelow*float64(p.top) {
		seek = c.CountSparse
	}
	return cost < walked*seek+walked/inCategories*c.Bucket
}

// sparseBelow is the share of the catalog under which a search's matches lie far apart: fewer than
// one in a hundred torrents, each in a page of torrents_facets of its own.
const sparseBelow = 0.01

// bucketedListsMax is how many bucket lists the match may OR.
const bucketedListsMax = 40

// bucketedCount is the count statement through the buckets of ranges (see the top of this file).
func (q *searchQuery) bucketedCount(match string, ranges []bucketedRange) Statement {
	// Per range: the OR of its full buckets ("" for none), and of every bucket that covers it.
	var full, cover []string
	empty := false
	for _, r := range ranges {
		if r.cover.empty {
			empty = true
			continue
		}
		if len(r.cover.full) > 0 {
			full = append(full, facetsEither(r.cover.fullExprs()))
		}
		cover = append(cover, facetsEither(slices.Concat(r.cover.fullExprs(), r.cover.cut)))
	}
	allFull := !empty && len(full) == len(ranges)
	limit := q.countLimit + 1
	bucketed := match // the text the buckets' counts take
	if slices.ContainsFunc(ranges, func(r bucketedRange) bool { return r.categories != nil }) {
		bucketed = q.wholeWithoutCategories()
	}
	var b strings.Builder
	var params []any
	// full: the matches in every range's full buckets, counted by FTS5 alone, first; when they are
	// past the bound the total is, and the rest is not counted (SQLite runs only the CASE's branch
	// it takes).
	b.WriteString("WITH f AS MATERIALIZED (SELECT ")
	if allFull {
		b.WriteString("(SELECT count(*) FROM (SELECT 1 FROM torrents_fts WHERE torrents_fts MATCH ? LIMIT CAST(? AS INTEGER)))")
		params = append(params, "("+bucketed+") AND "+strings.Join(full, " AND "), limit)
	} else {
		b.WriteString("0")
	}
	b.WriteString(" AS n) SELECT n + CASE WHEN n > CAST(? AS INTEGER) THEN 0 ELSE 0")
	params = append(params, q.countLimit)
	// cut: the cover's other matches, tested on the row.
	if !empty && (len(ranges) > 1 || len(ranges[0].cover.cut) > 0) {
		cut := "(" + bucketed + ") AND " + strings.Join(cover, " AND ")
		if len(ranges) == 1 {
			cut = "(" + bucketed + ") AND " + facetsEither(ranges[0].cover.cut) // the cover's buckets hold no value twice
		} else if allFull {
			cut = "(" + cut + ") NOT (" + strings.Join(full, " AND ") + ")"
		}
		b.WriteString(" + (SELECT count(*) FROM (SELECT 1 FROM torrents_fts f JOIN torrents t INDEXED BY torrents_facets ON t.id = f.rowid" +
			" WHERE f.torrents_fts MATCH ? AND " + q.joinWhere + " LIMIT CAST(? AS INTEGER)))")
		params = append(append(append(params, cut), q.params...), limit)
	}
	// beyond: a range's values outside its cover, on the column's index, checked against the text.
	var beyond []string
	for _, r := range ranges {
		col := "t." + r.scale.column
		walk := "SELECT t.id FROM torrents t INDEXED BY torrents_" + r.scale.column + " WHERE "
		check := " AND " + q.where + " AND EXISTS (SELECT 1 FROM torrents_fts f WHERE f.rowid = t.id AND f.torrents_fts MATCH ?)"
		switch {
		case r.cover.empty:
			beyond = append(beyond, walk+col+" >= CAST(? AS INTEGER) AND "+col+" <= CAST(? AS INTEGER)"+check)
			params = append(append(append(params, r.lo, r.hi), q.params...), match)
			continue
		case r.lo < r.cover.from:
			beyond = append(beyond, walk+col+" >= CAST(? AS INTEGER) AND "+col+" < CAST(? AS INTEGER)"+check)
			params = append(append(append(params, r.lo, r.cover.from), q.params...), match)
		}
		if r.cover.to < r.hi {
			beyond = append(beyond, walk+col+" > CAST(? AS INTEGER) AND "+col+" <= CAST(? AS INTEGER)"+check)
			params = append(append(append(params, r.cover.to, r.hi), q.params...), match)
		}
	}
	if len(beyond) > 0 {
		b.WriteString(" + (SELECT count(*) FROM (" + strings.Join(beyond, " UNION ") + " LIMIT CAST(? AS INTEGER)))")
		params = append(params, limit)
	}
	b.WriteString(" END AS total FROM f")
	return Statement{SQL: b.String(), Params: params}
}

// facetsEither is the FTS5 expression of a torrent in any of the buckets (expressions of the facets
// column).
func facetsEither(buckets []string) string {
	return "{facets} : (" + strings.Join(buckets, " OR ") + ")"
}
