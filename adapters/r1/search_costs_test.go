package r1

import (
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

// A relevance search whose filters keep fewer of its matches than a page walks them once and
// checks the few it keeps (keptTierPage) rather than walking them twice as tiers and once more to
// count; when they keep many, the tiers stop early and win.
func TestKeptTiersPayWhenTheFiltersKeepLessThanAPage(t *testing.T) {
	c := criteria(t, "word", 50, func(c *domain.SearchCriteria) { c.MinSize = ptrTo(int64(150 << 20)) })
	q := newSearchQuery(c, ftsQuery(c.Terms), 10000)
	q.segments = 1
	for _, tc := range []struct {
		name       string
		n, sampled int
		want       bool
	}{
		{"almost none of many kept (the sample)", 10001, 2, true},
		{"3% of 825 kept", 825, 25, true},
		{"7% of 90,000 kept", 10001, 70, false},
		{"half of 825 kept", 825, 412, false},
	} {
		p := probed{n: tc.n, complete: tc.n < 10001, low: 1, top: 1_000_000, sampled: tc.sampled}
		if tc.n > 10000 {
			p.low = 1_000_000 - 110_000 // about 90,000 matches in all
		}
		if got := q.costs.keptTiersPay(q, p); got != tc.want {
			t.Errorf("%s: keptTiersPay %v, want %v", tc.name, got, tc.want)
		}
		// A long last word not written out: each check would merge the lists it begins, so only
		// the sample's "almost none" takes the kept tiers.
		long := *q
		long.cheapCheck = false
		if got, want := long.costs.keptTiersPay(&long, p), tc.sampled < keptFewAbove; got != want {
			t.Errorf("%s, a long last word: keptTiersPay %v, want %v", tc.name, got, want)
		}
	}
}

// Walking every match takes the written-out last word when it stands for one or two words (the
// prefix would copy their lists before the first match, in each statement), the prefix otherwise.
func TestWholeMatchWritesOutAFewWords(t *testing.T) {
	c := criteria(t, "killer 1080p", 50)
	q := newSearchQuery(c, ftsQuery(c.Terms), 10000)
	if got := q.wholeMatch(1e6); got != q.prefixed {
		t.Fatalf("not written out: %q, want the prefix %q", got, q.prefixed)
	}
	for words, want := range map[int]string{1: `"killer" AND ("1080p")`, 2: `"killer" AND ("1080p" OR "1080px")`, 3: q.prefixed} {
		list := []string{"1080p", "1080px", "1080pz"}[:words]
		q.text, q.words = ftsExpanded(c.Terms, list), words
		q.match = q.withFacets(q.text)
		if got := q.wholeMatch(1e6); got != want {
			t.Errorf("%d words: %q, want %q", words, got, want)
		}
	}
}
