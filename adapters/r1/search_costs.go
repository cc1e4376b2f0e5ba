package r1

import "github.com/torrent-streamer/streamer/domain"

// The cost model: what the planner weighs to choose a strategy, in the costs its engine reports.

// Costs are what an engine's work costs, in microseconds, for the search planner to choose between
// ways to the same page. Each engine reports its own (Engine.Costs).
type Costs struct {
	// CheckBase and CheckSegment are checking one torrent against the full-text index: a seek in
	// each word's list, CheckBase plus CheckSegment for each segment of the index (see
	// search_index.go). Measured at 1,000,000 torrents: 25 µs a check with one segment, 169 µs
	// with 13.
	CheckBase, CheckSegment float64
	// Walk is one step of a walk over a word's matches: the rowid from the index, the filters and
	// the sort key from torrents_facets, the sorter keeping the page's best.
	Walk float64
	// WalkRow is a walk step that reads the torrent's row from the table (a kilobyte with its
	// files): the name sort's, whose key only the table has ("escape" by name at 1,000,000
	// torrents: 33 ms walking its 6,427 matches, 7.7 ms through the match set).
	WalkRow float64
	// Lookup is reading one torrent's row from the table by its id, for the filters an index
	// walked does not hold.
	Lookup float64
	// SetBuild is what each match adds to the set of every match (a walk step and an insertion),
	// SetProbe one look-up in it.
	SetBuild, SetProbe float64
	// Count is one match counted by seeking it in torrents_facets (countStatement); SortID is one id
	// of the torrents passing the filters sorted for the merged count (search_merge.go), and Merge
	// one step of its merge. "witch" (92,407 matches) with minSeeders=10 (71,370 torrents) at
	// 1,000,000 torrents: 61 ms seeking, 19 ms sorting, 8 ms merging.
	Count, SortID, Merge float64
	// CountSparse is Count for matches far apart in the catalog (under one in a hundred torrents):
	// each seek reads a page of its own.
	CountSparse float64
	// Bucket is one entry of a list stepped by FTS5 in an intersection (the bucketed count,
	// search_bucketed.go), BucketList what each list of an OR adds at each match stepped,
	// PrefixStep one match of a long prefix's merge (every list of the words it begins copied into
	// one). At 1,000,000 torrents, what the lists added to a word's count (warm, interleaved): a
	// word of 44,000 matches and one list of 368,000 entries, 7.3 ms; 6 lists of 208,000, 7.6 ms;
	// 20 lists of 331,000, 19 ms; one of 368,000 less 7 short ones, 8.1 ms (the same with a word
	// of 92,000: 7.2, 9.4, 26 and 11.8 ms); a word of 92,000 matches and 10 lists of a category's
	// dates, 30,000 entries in all, 9 ms.
	Bucket, BucketList, PrefixStep float64
	// RoundTrip is what one more engine call costs beyond its work: nothing on the local file, a
	// network request on D1.
	RoundTrip float64
}

// localCosts are the local engine's, measured with tests/bench at 1,000,000 torrents.
var localCosts = Costs{CheckBase: 13, CheckSegment: 12, Walk: 1.4, WalkRow: 5, Lookup: 3, SetBuild: 0.5, SetProbe: 0.5,
	Count: 0.65, SortID: 0.27, Merge: 0.05, CountSparse: 2, Bucket: 0.02, BucketList: 0.012, PrefixStep: 0.1}

// d1Costs are D1's: SQLite does the same work there (the local figures stand for it; D1's machines
// are not measured here), and every statement sent on its own is an HTTPS request to Cloudflare,
// tens of milliseconds from outside it.
var d1Costs = Costs{CheckBase: 13, CheckSegment: 12, Walk: 1.4, WalkRow: 5, Lookup: 3, SetBuild: 0.5, SetProbe: 0.5,
	Count: 0.65, SortID: 0.27, Merge: 0.05, CountSparse: 2, Bucket: 0.02, BucketList: 0.012, PrefixStep: 0.1, RoundTrip: 30_000}

// nameSkew is how many times longer than an even spread a walk of the name index is counted (see
// cheapestWalk).
const nameSkew = 6

// cheapestWalk chooses how to page a text search by a column with more matches than fewMatches
// takes, by what each way costs. The sort key's index walk visits about window / (the share of the
// catalog the text and filters keep) torrents; checking one against the full-text index costs
// Check for each word the last one stands for (a prefix within the prefix index is one list, a
// longer one written out one list per word; a prefix neither way would merge lists on every check,
// so then that check is never chosen), looking it up in the set of every match costs SetProbe once
// the set is made (SetBuild a match). Walking every match costs Walk a match.
//
// The name order is not even: names that begin with a word sit together, so the share of a word's
// matches among the first names walked is not its share of the catalog (at 1,000,000 torrents,
// "final" was in 2% of the names but 0.3% of the first 3,000 by name, and in 2% of the first 3,000
// by seeders). The walk of the name index is counted nameSkew times longer.
func (c Costs) cheapestWalk(q *searchQuery, p probed) strategy {
	matches := p.estimatedMatches()
	share := matches * p.keptShare(q) / float64(max(p.top, 1))
	visits := float64(q.window()) / max(share, 1e-9)
	if q.sort == domain.SortName {
		visits *= nameSkew
	}
	walk := c.Walk
	if q.sort == domain.SortName {
		walk = c.WalkRow // name_key is not in torrents_facets: each match reads its row
	}
	best, cost := everyMatchWalked, matches*walk
	if set := matches*c.SetBuild + visits*c.SetProbe; set < cost {
		best, cost = matchSetIndex, set
	}
	if check := visits * c.check(q); q.cheapCheck && check < cost {
		best = checkedIndex
	}
	return best
}

// narrowPays says whether walking the torrents that pass the narrowest filter (search_narrow.go),
// a row and a check against the full-text index each, costs less than walking the text's matches,
// which any other way does at least once to count those that pass (fewer than the count bound
// can pass a filter this narrow). A check against a long prefix that is not written out merges the
// complete lists of every word it begins, each time (3.7 ms a check for "green" at 1,000,000
// torrents): then it never pays.
func (c Costs) narrowPays(q *searchQuery, p probed) bool {
	i, passing := p.narrowest()
	if i < 0 {
		return false
	}
	if !q.cheapCheck {
		return false
	}
	return float64(passing)*(c.Lookup+c.check(q)) < p.estimatedMatches()*c.Walk
}

// keptTiersPay says whether a relevance search with filters costs less through keptTierPage (one
// walk over every match, a check of each kept torrent for the words in its name, the count carried)
// than through the tiers (tierPage: each tier walked until the page is full, the second only when
// the first falls short, and a count walking every match when the total needs it). The tiers stop
// early when the filters keep many of the matches; they walk every match twice and count once more
// when the filters keep fewer than a page: a common word in a small category with another filter,
// once the category is carried by the match.
func (c Costs) keptTiersPay(q *searchQuery, p probed) bool {
	if p.sampled < keptFewAbove {
		return true
	}
	if !q.cheapCheck {
		return false // each check would merge every list the long last word begins (see narrowPays)
	}
	matches, share := p.estimatedMatches(), p.keptShare(q)
	kept := share * matches
	tiers := min(matches, float64(q.window())/share) * c.Walk
	if kept < float64(q.window()) {
		tiers *= 2
	}
	if q.countNeed(p, nameTiers) != countNever {
		tiers += q.countWalked(p) * c.Walk
	}
	return matches*c.Walk+kept*c.check(q) < tiers
}

// check is what checking one torrent against the search's text costs: a seek in each word's list
// (each word the last one stands for) in each segment of the index.
func (c Costs) check(q *searchQuery) float64 {
	return (c.CheckBase + c.CheckSegment*float64(max(q.segments, 1))) * float64(q.words)
}

// pagesAhead says whether page statements go out with the probe, before the plan (search_ahead.go):
// where an engine call is a round trip.
func (c Costs) pagesAhead() bool { return c.RoundTrip > 0 }

// expansionPays says whether writing a long last word out is worth the statement that asks the
// vocabulary for its words: it saves at most a merge of the lists of the words it begins (a few
// milliseconds for common words), which one more round trip to D1 costs more than.
func (c Costs) expansionPays() bool { return c.RoundTrip < 5000 }
