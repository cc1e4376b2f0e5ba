package r1

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// The ranges the full-text index carries in buckets (migration 0027): each torrent's upload date
// and size are a token of its facets column, so that a range is an OR of the lists of the buckets
// it covers, which FTS5 intersects with a word's list (search_bucketed.go).
//
// A token is facetMark, the kind ('d' or 's'), then three digits, each a private-use character
// (U+E001 + the digit). Each digit is a level of buckets: the token's first three characters name
// the coarsest bucket, its first four the next, the whole token the finest, and the index's prefix
// lists (prefix = '1 2 3 4', counted in characters) hold the first three and four characters of
// every token, so each bucket of every level is one list of the index with no token of its own.

// Range facet kinds: the letter after facetMark.
const (
	dateFacet = 'd'
	sizeFacet = 's'
	// categoryDateFacet is a category's dates: the category's id as one digit, then the date's
	// first two ('d''s 256-day and 16-day blocks), so that a category after a date is the lists of
	// the category's blocks (migration 0027).
	categoryDateFacet = 'e'
)

// categoryDigitMax is the largest category id a categoryDateFacet token tells apart: every id from
// it on is written as it.
const categoryDigitMax = 6398

// rangeLevels is how many digits a range token has: its levels of buckets.
const rangeLevels = 3

// rangeDigits are a value's digits in its token, coarsest first.
type rangeDigits [rangeLevels]int

// rangeScale is how one column's values are bucketed: the digits of a value, the values a bucket
// holds, the digits under a bucket. Each level's buckets hold consecutive values, in the digits'
// order, so a range is the buckets between its ends.
type rangeScale struct {
	kind   byte
	column string
	digits func(v int64) rangeDigits
	// span is the values the bucket of level (1 to rangeLevels) named by d's first level digits holds.
	span func(level int, d rangeDigits) (lo, hi int64)
	// children is the digits of the next level under the bucket of level named by d.
	children func(level int, d rangeDigits) (first, last int)
	// whole says whether the bucket of level named by d holds only the values of its span (not the
	// values a scale clamps into its edge buckets): only then may it count as inside a range.
	whole func(level int, d rangeDigits) bool
	// share is about the share of the values in [catalogLo, catalogHi] that are in [lo, hi]: dates
	// spread evenly, sizes evenly on a logarithmic scale.
	share func(lo, hi, catalogLo, catalogHi int64) float64
	// minDepth is the coarsest level a range's edges are cut at. A date range's edge cut at the
	// 256-day block sought every match of the block: at 1,000,000 torrents, a common word in a
	// category after a date counted in 17 to 28 ms where 16-day blocks took 8 to 13.
	minDepth int
	// sampled: the probe samples how many of the matches have values in the coarsest buckets at a
	// range's ends (edgeSamples), for the share of the matches a cut bucket holds. Sizes gather in
	// a few decades, unevenly; dates follow the newest matches the probe samples, so the scale's own
	// share stands for them.
	sampled bool
}

// rangeToken is the token (its first level digits) that names the bucket of level of d.
func (s rangeScale) rangeToken(level int, d rangeDigits) string {
	var b strings.Builder
	b.WriteString(facetMark)
	b.WriteByte(s.kind)
	for i := range level {
		b.WriteRune(rangeDigitRune(d[i]))
	}
	return b.String()
}

// rangeDigitRune is a digit as the character of the token: U+E001 + the digit (migration 0027's
// char(57345 + digit)).
func rangeDigitRune(digit int) rune { return rune(0xE001 + digit) }

// rangeCover is how a range [lo, hi] is matched in the index: the buckets every value of which is
// in the range (full), the buckets the range cuts (cut, FTS5 expressions: their matches are checked
// on the row), and the values the buckets cover, [from, to]; the range's values outside [from, to]
// are found on the column's index (search_bucketed.go). empty: no bucket is needed ([from, to] is
// empty). fullShare and cutShare are about the shares of the catalog's torrents in the lists the
// full and the cut buckets step (a bucket less its parts steps the bucket's list and the parts'),
// fullKept the share in the full buckets' values.
type rangeCover struct {
	full                          []fullBucket
	cut                           []string
	from, to                      int64
	empty                         bool
	fullShare, cutShare, fullKept float64
}

// fullBucket is a bucket of a cover whose every value is in the range: a bucket's list (an FTS5
// expression), less the lists of its parts in except (its parts the range cuts or leaves out).
type fullBucket struct {
	bucket string
	except []string
}

// expr is the bucket as an FTS5 expression.
func (b fullBucket) expr() string {
	if len(b.except) == 0 {
		return b.bucket
	}
	return "((" + b.bucket + ") NOT (" + strings.Join(b.except, " OR ") + "))"
}

// lists is how many lists of the index the cover's buckets are.
func (c rangeCover) lists() int {
	n := len(c.cut)
	for _, b := range c.full {
		n += 1 + len(b.except)
	}
	return n
}

// fullExprs are the full buckets as FTS5 expressions.
func (c rangeCover) fullExprs() []string {
	out := make([]string, len(c.full))
	for i, b := range c.full {
		out[i] = b.expr()
	}
	return out
}

// cover is the cover of [lo, hi] within the values [catalogLo, catalogHi] the catalog holds (the
// probe reads them from the column's index): the buckets cover the range's values there, and only
// the coarsest buckets from the first such value to the last are visited. A bucket the range cuts
// is divided into the next level's down to depth, and checked on the row there: each level deeper
// adds lists to the match (which FTS5 compares at every step) and saves the seeks of the matches
// in the coarser bucket. share is about the share of the catalog's torrents with values in
// [blo, bhi].
//
// With except, a coarsest bucket the range cuts is written as that bucket less its parts that are
// not wholly in the range (those the range leaves out and those it cuts, which are also cut), not
// as the parts wholly in it: one long list and a few short ones where a range keeps most of the
// bucket ("1 GiB to 8 GiB": the decade of 1 to 10 GB less 7 lists, against 20 lists).
//
// bucket is the FTS5 expression of the bucket of level named by d (rangeScale.match, or a category's
// dates: categoryDates).
func (s rangeScale) cover(lo, hi, catalogLo, catalogHi int64, depth int, except bool, share func(blo, bhi int64) float64, bucket func(level int, d rangeDigits) string) rangeCover {
	first, last := max(lo, catalogLo), min(hi, catalogHi)
	if first > last {
		return rangeCover{empty: true}
	}
	var c rangeCover
	d0, d1 := s.digits(first), s.digits(last)
	from, _ := s.span(1, d0)
	_, to := s.span(1, d1)
	c.from, c.to = max(lo, from), min(hi, to)
	// visit adds the bucket of level named by d to the cover, and returns the buckets under it that
	// are not wholly in the range, and their share.
	var visit func(level int, d rangeDigits) ([]string, float64)
	visit = func(level int, d rangeDigits) ([]string, float64) {
		blo, bhi := s.span(level, d)
		switch {
		case bhi < lo || blo > hi:
			return []string{bucket(level, d)}, share(blo, bhi)
		case lo <= blo && bhi <= hi && s.whole(level, d):
			c.full = append(c.full, fullBucket{bucket: bucket(level, d)})
			c.fullShare += share(blo, bhi)
			c.fullKept += share(blo, bhi)
			return nil, 0
		case level >= depth || !s.whole(level, d):
			c.cut = append(c.cut, bucket(level, d))
			c.cutShare += share(blo, bhi)
			return []string{bucket(level, d)}, share(blo, bhi)
		}
		full, fullShare := len(c.full), c.fullShare
		var others []string
		othersShare := 0.0
		a, b := s.children(level, d)
		for digit := a; digit <= b; digit++ {
			d[level] = digit
			o, share := visit(level+1, d)
			others, othersShare = append(others, o...), othersShare+share
		}
		if except && level == 1 && len(c.full) > full {
			c.full = append(c.full[:full], fullBucket{bucket: bucket(level, d), except: others})
			c.fullShare = fullShare + share(blo, bhi) + othersShare
		}
		return others, othersShare
	}
	for digit := d0[0]; digit <= d1[0]; digit++ {
		visit(1, rangeDigits{digit})
	}
	return c
}

// match is the FTS5 expression of the bucket of level named by d: the prefix list of its token, or
// the whole token at the finest level.
func (s rangeScale) match(level int, d rangeDigits) string {
	if level < rangeLevels {
		return ftsString(s.rangeToken(level, d)) + " *"
	}
	return ftsString(s.rangeToken(level, d))
}

// categoryDates is the FTS5 expression of the bucket of level (1 or 2) of the date scale named by d,
// within the categories of the ids: the prefix list of each one's categoryDateFacet token at level
// 1, the whole token at level 2, either.
func categoryDates(ids []int64) func(level int, d rangeDigits) string {
	return func(level int, d rangeDigits) string {
		either := make([]string, len(ids))
		for i, id := range ids {
			var b strings.Builder
			b.WriteString(facetMark)
			b.WriteByte(categoryDateFacet)
			b.WriteRune(rangeDigitRune(int(id)))
			for j := range level {
				b.WriteRune(rangeDigitRune(d[j]))
			}
			either[i] = ftsString(b.String())
			if level < 2 {
				either[i] += " *"
			}
		}
		return strings.Join(either, " OR ")
	}
}

// The date scale: the UTC day, counted from dayOrigin, as its 256-day block, its 16-day block in
// that, its day in that. Days outside the 4096 blocks are clamped into the first or the last block,
// which therefore never counts as inside a range.
const (
	dayOrigin      = -524288 // the first day of block 0, in days from 1970-01-01 (whole blocks before it)
	dateBlocks     = 4096
	daySeconds     = 86400
	firstDateValue = dayOrigin * daySeconds                    // -45298483200
	lastDateValue  = (dayOrigin+dateBlocks*256)*daySeconds - 1 // 45298483199
)

var dateScale = rangeScale{
	kind:   dateFacet,
	column: "uploaded_at",
	digits: func(v int64) rangeDigits {
		day := (min(max(v, firstDateValue), lastDateValue) - firstDateValue) / daySeconds
		return rangeDigits{int(day / 256), int(day / 16 % 16), int(day % 16)}
	},
	span: func(level int, d rangeDigits) (int64, int64) {
		first, days := int64(d[0])*256, int64(256)
		if level >= 2 {
			first, days = first+int64(d[1])*16, 16
		}
		if level >= 3 {
			first, days = first+int64(d[2]), 1
		}
		lo, hi := firstDateValue+first*daySeconds, firstDateValue+(first+days)*daySeconds-1
		if d[0] == 0 {
			lo = math.MinInt64
		}
		if d[0] == dateBlocks-1 {
			hi = math.MaxInt64
		}
		return lo, hi
	},
	children: func(int, rangeDigits) (int, int) { return 0, 15 },
	whole:    func(_ int, d rangeDigits) bool { return d[0] != 0 && d[0] != dateBlocks-1 },
	minDepth: 2,
	share: func(lo, hi, catalogLo, catalogHi int64) float64 {
		return spanShare(float64(lo), float64(hi), float64(catalogLo), float64(catalogHi))
	},
}

// The size scale: its number of decimal digits, its first digit, its second (0 for a size of one
// digit): a decade, a tenth of it, a hundredth. A decimal bound (1 GB, 150 MB) is a bucket's edge.
var sizeScale = rangeScale{
	kind:   sizeFacet,
	column: "size",
	digits: func(v int64) rangeDigits {
		s := strconv.FormatInt(max(v, 0), 10) + "0"
		return rangeDigits{len(s) - 1, int(s[0] - '0'), int(s[1] - '0')}
	},
	span: func(level int, d rangeDigits) (int64, int64) {
		n := d[0]
		if n == 1 {
			if level == 1 {
				return 0, 9
			}
			return int64(d[1]), int64(d[1])
		}
		// The bucket is [lead, next) * 10^exp.
		lead, next, exp := int64(1), int64(10), n-1
		switch level {
		case 2:
			lead, next = int64(d[1]), int64(d[1]+1)
		case 3:
			lead, exp = int64(d[1]*10+d[2]), n-2
			next = lead + 1
		}
		return scaled(lead, exp), satSub1(scaled(next, exp))
	},
	children: func(level int, d rangeDigits) (int, int) {
		switch {
		case d[0] == 1 && level == 1:
			return 0, 9
		case d[0] == 1:
			return 0, 0
		case level == 1:
			return 1, 9
		}
		return 0, 9
	},
	whole:    func(int, rangeDigits) bool { return true },
	minDepth: 1,
	sampled:  true,
	share: func(lo, hi, catalogLo, catalogHi int64) float64 {
		log := func(v int64) float64 { return math.Log1p(float64(max(v, 0))) }
		return spanShare(log(lo), log(hi), log(catalogLo), log(catalogHi))
	},
}

// spanShare is the share of [catalogLo, catalogHi] that [lo, hi] overlaps (1 for a catalog of one
// value in it).
func spanShare(lo, hi, catalogLo, catalogHi float64) float64 {
	overlap := min(hi, catalogHi) - max(lo, catalogLo)
	switch {
	case overlap < 0:
		return 0
	case catalogHi <= catalogLo:
		return 1
	}
	return min(overlap/(catalogHi-catalogLo), 1)
}

// scaled is lead * 10^exp, math.MaxInt64 when it is larger.
func scaled(lead int64, exp int) int64 {
	v := lead
	for range exp {
		if v > math.MaxInt64/10 {
			return math.MaxInt64
		}
		v *= 10
	}
	return v
}

// satSub1 is v-1, or v when v is math.MaxInt64 (a bound that saturated).
func satSub1(v int64) int64 {
	if v == math.MaxInt64 {
		return v
	}
	return v - 1
}

// edgeBound is the largest edge the probe reads, negated (see edgeColumns).
const edgeBound = "-9007199254740992"

// rangedColumns are the columns the index buckets (search_ranges.go) that the search's uncarried
// filters range over.
func (q *searchQuery) rangedColumns() []string {
	var columns []string
	for _, f := range q.filters {
		if (f.column == sizeScale.column || f.column == dateScale.column) && !slices.Contains(columns, f.column) {
			columns = append(columns, f.column)
		}
	}
	return columns
}

// edgeColumns are the probe's columns reading, for each column of rangedColumns, its smallest and
// largest value in the catalog: the edges of the column's index, a seek each. They are brought
// within ±2^53, which D1's JSON carries exactly: a value beyond is found on the column's index like
// one written since the probe (search_bucketed.go). With a date range and categories the match
// carries, also each category's id and torrents (for categoryDates), and their params.
func (q *searchQuery) edgeColumns() (string, []any) {
	var b strings.Builder
	var params []any
	for _, c := range q.rangedColumns() {
		b.WriteString("max((SELECT min(" + c + ") FROM torrents), " + edgeBound + ") AS lo_" + c + ", min((SELECT max(" + c + ") FROM torrents), " + edgeBound[1:] + ") AS hi_" + c + ", ")
	}
	for i, slug := range q.categoryDateSlugs() {
		b.WriteString("(SELECT id FROM categories WHERE slug = ?) AS category_id_" + itoa(i) + ", (SELECT torrent_count FROM categories WHERE slug = ?) AS category_n_" + itoa(i) + ", ")
		params = append(params, slug, slug)
	}
	return b.String(), params
}

// catalogSampleSize is how many torrents, spread evenly over the catalog's ids, the probe reads to
// weigh the share of the catalog a range holds (catalogColumns): a seek each in torrents_facets.
const catalogSampleSize = 64

// catalogSample is the common tables of catalogColumns, and their params: cg, the sample's ranks,
// and cs, for each column of rangedColumns how many of the sampled torrents have a value in the
// search's range, and n, how many were read (an id no torrent has any more reads none). cs is made
// when a column reads it (the probe's CASE), once.
func (q *searchQuery) catalogSample() ([]string, []any) {
	columns := q.rangedColumns()
	if len(columns) == 0 {
		return nil, nil
	}
	var b strings.Builder
	var params []any
	b.WriteString("cs AS MATERIALIZED (SELECT count(*) AS n")
	for _, c := range columns {
		lo, hi := q.columnRange(c)
		b.WriteString(", coalesce(sum(t." + c + " >= CAST(? AS INTEGER) AND t." + c + " <= CAST(? AS INTEGER)), 0) AS " + c)
		params = append(params, lo, hi)
	}
	b.WriteString(" FROM cg JOIN torrents t INDEXED BY torrents_facets ON t.id = cg.i * (SELECT coalesce(max(id), 0) FROM torrents) / " + itoa(catalogSampleSize+1) + ")")
	return []string{"cg(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM cg WHERE i < " + itoa(catalogSampleSize) + ")", b.String()}, params
}

// catalogColumns are the probe's columns of the catalog sample (catalogSample): for each column of
// rangedColumns, how many sampled torrents have a value in the search's range (in_<column>), and
// how many were read (in_n); -1 when not sampled: only when the matches are more than scored (a
// bucketed count weighs them against the seeks of fewer), and, with vacuity, not every torrent
// passes the filters.
func (q *searchQuery) catalogColumns(scored int, vacuity bool) (string, []any) {
	columns := q.rangedColumns()
	if len(columns) == 0 {
		return "", nil
	}
	when := "count(*) > CAST(? AS INTEGER)"
	if vacuity {
		when += " AND NOT (SELECT vacuous FROM v)"
	}
	var b strings.Builder
	var params []any
	for _, c := range append([]string{"n"}, columns...) {
		b.WriteString("CASE WHEN " + when + " THEN (SELECT " + c + " FROM cs) ELSE -1 END AS in_" + c + ", ")
		params = append(params, scored)
	}
	return b.String(), params
}

// readCatalogSample reads the columns of catalogColumns: each column's share of the sampled
// torrents in the range; nil when not sampled.
func (q *searchQuery) readCatalogSample(rr *rowReader) map[string]float64 {
	columns := q.rangedColumns()
	if len(columns) == 0 {
		return nil
	}
	n := rr.int("in_n")
	if n <= 0 {
		return nil
	}
	shares := map[string]float64{}
	for _, c := range columns {
		shares[c] = float64(rr.int("in_"+c)) / float64(n)
	}
	return shares
}

// columnRange is the search's range of a column of rangedColumns, [lo, hi] (the filters of one
// column are one range: rangeOf).
func (q *searchQuery) columnRange(column string) (lo, hi int64) {
	for _, f := range q.filters {
		if f.column == column {
			if _, lo, hi, ok := q.rangeOf(f); ok {
				return lo, hi
			}
		}
	}
	return math.MinInt64, math.MaxInt64
}

// categoryDateSlugs are the categories the match carries when the search also has a date range
// (whose buckets may then be the categories' dates: categoryDates); none otherwise.
func (q *searchQuery) categoryDateSlugs() []string {
	if !q.carried.categories || !slices.Contains(q.rangedColumns(), dateScale.column) {
		return nil
	}
	slugs := make([]string, len(q.c.Categories))
	for i, s := range q.c.Categories {
		slugs[i] = anySlug(s)
	}
	return slugs
}

// rangeOf is f as a range of a scale the index buckets, [lo, hi]; ok is false for any other filter.
func (q *searchQuery) rangeOf(f filter) (s rangeScale, lo, hi int64, ok bool) {
	switch f.column {
	case sizeScale.column:
		lo, hi = 0, math.MaxInt64
		if q.c.MinSize != nil {
			lo = *q.c.MinSize
		}
		if q.c.MaxSize != nil {
			hi = *q.c.MaxSize
		}
		return sizeScale, lo, hi, true
	case dateScale.column:
		lo, hi = math.MinInt64, math.MaxInt64
		if !q.c.After.IsZero() {
			lo = ceilUnix(q.c.After)
		}
		if !q.c.Before.IsZero() {
			hi = ceilUnix(q.c.Before) - 1
		}
		return dateScale, lo, hi, true
	}
	return rangeScale{}, 0, 0, false
}

// edgeBuckets are the spans of the coarsest buckets that hold a range's ends, lo's and hi's.
func (s rangeScale) edgeBuckets(lo, hi int64) [2][2]int64 {
	var out [2][2]int64
	for i, v := range []int64{lo, hi} {
		out[i][0], out[i][1] = s.span(1, s.digits(v))
	}
	return out
}

// edgeSamples are, for each end of each range of a sampled scale, the test that a sampled match
// (joined as t) has its value in the coarsest bucket at that end, and the column's name
// (edge_<column>_0 for the lower end, _1 for the upper), with the tests' params in order.
func (q *searchQuery) edgeSamples() (tests, names []string, params []any) {
	for _, f := range q.filters {
		s, lo, hi, ok := q.rangeOf(f)
		if !ok || !s.sampled {
			continue
		}
		for i, span := range s.edgeBuckets(lo, hi) {
			tests = append(tests, "(t."+s.column+" >= CAST(? AS INTEGER) AND t."+s.column+" <= CAST(? AS INTEGER))")
			names = append(names, "edge_"+s.column+"_"+itoa(i))
			params = append(params, span[0], span[1])
		}
	}
	return tests, names, params
}

// readEdges reads the columns of edgeColumns: the edges, and the categories' ids and torrents
// (an id of 0 for a category that does not exist).
func (q *searchQuery) readEdges(rr *rowReader) (map[string][2]int64, []categoryCount) {
	edges := map[string][2]int64{}
	for _, c := range q.rangedColumns() {
		edges[c] = [2]int64{rr.int("lo_" + c), rr.int("hi_" + c)}
	}
	var categories []categoryCount
	for i := range q.categoryDateSlugs() {
		categories = append(categories, categoryCount{id: rr.int("category_id_" + itoa(i)), torrents: rr.int("category_n_" + itoa(i))})
	}
	return edges, categories
}

// categoryCount is a category's id and how many torrents it holds.
type categoryCount struct{ id, torrents int64 }

// readEdgeSamples reads the columns of edgeSamples.
func (q *searchQuery) readEdgeSamples(rr *rowReader) map[string][2]int {
	sampled := map[string][2]int{}
	for _, f := range q.filters {
		if s, _, _, ok := q.rangeOf(f); ok && s.sampled {
			sampled[s.column] = [2]int{int(rr.int("edge_" + s.column + "_0")), int(rr.int("edge_" + s.column + "_1"))}
		}
	}
	return sampled
}
