package r1

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// How bucketForced makes the bucketed count cover its ranges.
type coverForced int

const (
	coverFewest    coverForced = iota // with as few lists as may be
	coverFinest                       // to the finest level
	coverFinestFew                    // to the finest level, with as few lists as that may be (a bucket less its parts)
)

// bucketForced are costs under which the bucketed count always pays (when its lists are few enough),
// its ranges covered as mode says.
func bucketForced(c Costs, mode coverForced) Costs {
	c.Bucket, c.BucketList, c.Count = 0, 1, 1000
	switch mode {
	case coverFinest:
		c.BucketList = 0
	case coverFinestFew:
		c.Count, c.CountSparse = 1e9, 1e9
	}
	return c
}

// bucketedCountStatement is the statement that counts c's total under bound as Search builds it
// (the probe read), with costs under which the bucketed count pays; bucketed says whether it is
// the one built.
func bucketedCountStatement(t testing.TB, ctx context.Context, repo *TorrentRepository, c domain.SearchCriteria, bound int, mode coverForced) (s Statement, bucketed bool) {
	t.Helper()
	q, p := probedQuery(t, ctx, repo, c, bound)
	if p.vacuous {
		q.filtered = false
	}
	q.costs = bucketForced(repo.db.costs(), mode)
	s = q.countStatement(p)
	return s, strings.Contains(fmt.Sprint(s.Params...), "{facets}")
}

// The bucketed count is the count of the matches in every range, for ranges on every edge of the
// buckets (a torrent exactly on a day's, a block's, a decade's first or last value), inside one
// bucket, open above or below, on dates before 1970 and beyond the date scale's blocks and on the
// largest sizes, alone, together and beside a category the match carries, covered to the finest
// level or the coarsest, or a coarse bucket less its parts: against the torrents counted one by
// one, in both modes.
func TestBucketedCountIsTheRangesCount(t *testing.T) {
	if raceEnabled {
		t.Skip("one goroutine of queries, so nothing of ours for the race detector to watch (SQLite's memory is not Go's), and 30 s of the race run in both modes (5 without); make test runs it without the detector")
	}
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		r := rand.New(rand.NewPCG(7, 9))
		dates, sizes := rangeValues(dateScale, r), rangeValues(sizeScale, r)
		type stored struct {
			date, size int64
			books      bool
		}
		var torrents []domain.Torrent
		var all []stored
		for i := range 500 {
			torrents = append(torrents, newTorrent(t, i, func(tor *domain.Torrent) {
				tor.Name, tor.Files = fmt.Sprintf("common %d", i), nil
				if i%3 == 0 {
					tor.Category = domain.CategoryRef{Slug: "books", Name: "Books"}
				}
			}))
			all = append(all, stored{date: dates[i%len(dates)], size: max(sizes[(i*7)%len(sizes)], 0), books: i%3 == 0})
		}
		upsert(t, repo, torrents...)
		var updates []Statement
		for i, s := range all {
			updates = append(updates, Statement{SQL: "UPDATE torrents SET uploaded_at = CAST(? AS INTEGER), size = CAST(? AS INTEGER) WHERE info_hash = ?",
				Params: []any{s.date, s.size, torrents[i].InfoHash.String()}})
		}
		if _, err := db.batch(ctx, updates); err != nil {
			t.Fatal(err)
		}
		const bound = 10_000
		checked, bucketed, inCategory, excepted := 0, 0, 0, 0
		for i := range 400 {
			var minSize, maxSize *int64
			var after, before time.Time
			lo, hi := sizes[r.IntN(len(sizes))], sizes[r.IntN(len(sizes))]
			lo, hi = max(min(lo, hi), 0), max(lo, hi, 0)
			if i%4 != 1 {
				if i%3 != 0 {
					minSize = ptr(lo)
				}
				if i%3 != 1 {
					maxSize = ptr(hi)
				}
				if i%8 == 0 {
					maxSize = ptr(lo + int64(r.IntN(3))) // inside one bucket
				}
			}
			dlo, dhi := dates[r.IntN(len(dates))], dates[r.IntN(len(dates))]
			dlo, dhi = min(dlo, dhi), max(dlo, dhi)
			inTime := func(v int64) bool { return v > -1<<40 && v < 1<<40 } // bounds a time.Time and the API can carry
			if i%4 != 0 {
				if i%3 != 0 && inTime(dlo) {
					after = time.Unix(dlo, 0)
				}
				if i%3 != 1 && inTime(dhi) && dhi > dlo {
					before = time.Unix(dhi, 0)
				}
			}
			if minSize == nil && maxSize == nil && after.IsZero() && before.IsZero() {
				continue
			}
			books := i%5 == 0
			c := criteria(t, "common", 5, func(c *domain.SearchCriteria) {
				c.MinSize, c.MaxSize, c.After, c.Before = minSize, maxSize, after, before
				if books {
					c.Categories = []string{"books"}
				}
			})
			want := 0
			for _, s := range all {
				if (minSize == nil || s.size >= *minSize) && (maxSize == nil || s.size <= *maxSize) &&
					(after.IsZero() || s.date >= after.Unix()) && (before.IsZero() || s.date < before.Unix()) && (!books || s.books) {
					want++
				}
			}
			mode := coverForced(i % 3)
			s, ok := bucketedCountStatement(t, ctx, repo, c, bound, mode)
			if !ok {
				continue // every torrent passes, or too many lists: not this count
			}
			bucketed++
			if strings.Contains(fmt.Sprint(s.Params...), facetMark+string(categoryDateFacet)) {
				inCategory++
			}
			if strings.Contains(fmt.Sprint(s.Params...), `) NOT ("`) {
				excepted++
			}
			res, err := db.query(ctx, s)
			if err != nil {
				t.Fatalf("%v\n%s", err, s.SQL)
			}
			got, err := readCount(res)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			if got != want {
				t.Fatalf("size [%v, %v] date [%v, %v) books %v: counted %d, want %d\n%s\n%q", deref(minSize), deref(maxSize), after, before, books, got, want, s.SQL, s.Params)
			}
			// Under a bound of 30 the count stops past it (the full buckets' count alone, when it
			// passes the bound, is the total), and counts a total at or under it exactly.
			if s, ok := bucketedCountStatement(t, ctx, repo, c, 30, mode); ok {
				res, err := db.query(ctx, s)
				if err != nil {
					t.Fatalf("%v\n%s", err, s.SQL)
				}
				under, err := readCount(res)
				if err != nil {
					t.Fatal(err)
				}
				if want > 30 && under <= 30 || want <= 30 && under != want {
					t.Fatalf("size [%v, %v] date [%v, %v) books %v, bound 30: counted %d, want %d", deref(minSize), deref(maxSize), after, before, books, under, want)
				}
			}
		}
		if excepted < 20 {
			t.Fatalf("only %d of the searches were counted through a bucket less its parts", excepted)
		}
		if inCategory < 5 {
			t.Fatalf("only %d of the searches were counted through a category's dates", inCategory)
		}
		if bucketed < 150 { // the others: too many lists (dates from year 535 to 3405), or every torrent passes
			t.Fatalf("only %d of the searches were counted through the buckets", bucketed)
		}
	})
}

func deref(p *int64) any {
	if p == nil {
		return "open"
	}
	return *p
}

var _ = math.MaxInt64

// The probe reads the share of the catalog a size or date range holds from torrents spread evenly
// over the ids (catalogSample): the same torrents counted one by one, in both modes; not read when
// the matches are few.
func TestTheProbeSamplesTheCatalogsRanges(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		torrents := numberedTorrents(t, 150, func(i int, tor *domain.Torrent) {
			tor.Name = "word " + fmt.Sprint(i)
			tor.Files, tor.Size = nil, int64(1000+(i*7919)%100_000)
			tor.UploadedAt = baseTime.Add(time.Duration((i*104729)%1000) * time.Hour)
		})
		out := upsert(t, repo, torrents...)
		byID := map[int64]domain.Torrent{}
		top := int64(0)
		for i := range out {
			torrents[i].ID = out[i].ID
			byID[out[i].ID] = torrents[i]
			top = max(top, out[i].ID)
		}
		minSize, maxSize, after := int64(20_000), int64(70_000), baseTime.Add(300*time.Hour)
		read, inSize, inDate := 0, 0, 0
		for i := int64(1); i <= catalogSampleSize; i++ {
			tor, ok := byID[i*top/(catalogSampleSize+1)]
			if !ok {
				continue
			}
			read++
			if tor.Size >= minSize && tor.Size <= maxSize {
				inSize++
			}
			if !tor.UploadedAt.Before(after) {
				inDate++
			}
		}
		if read < catalogSampleSize/2 || inSize == 0 || inSize == read || inDate == 0 || inDate == read {
			t.Fatalf("a sample that tells nothing: %d read, %d in the size range, %d in the dates", read, inSize, inDate)
		}
		c := criteria(t, "word", 5, func(c *domain.SearchCriteria) { c.MinSize, c.MaxSize, c.After = &minSize, &maxSize, after })
		repo.relevanceScored = 5
		q, p := probedQuery(t, ctx, repo, c, 10_000)
		if !q.filtered || p.vacuous {
			t.Fatal("the filters are passed by every torrent")
		}
		want := map[string]float64{"size": float64(inSize) / float64(read), "uploaded_at": float64(inDate) / float64(read)}
		if len(p.inCatalog) != 2 || p.inCatalog["size"] != want["size"] || p.inCatalog["uploaded_at"] != want["uploaded_at"] {
			t.Errorf("the probe sampled %v of the catalog in the ranges, want %v", p.inCatalog, want)
		}
		repo.relevanceScored = 1000 // the matches are few: no sample
		if _, p = probedQuery(t, ctx, repo, c, 10_000); p.inCatalog != nil {
			t.Errorf("the probe sampled the catalog for %d matches: %v", p.n, p.inCatalog)
		}
	})
}

// A size range that holds more of the catalog than the scale's even spread says is weighed by the
// catalog sample: "love" in books over 150 MB at 1,000,000 torrents of the zipf corpus (the probe's
// figures), counted through the buckets in 39 ms against 19 sought, is sought; without the sample
// the buckets were chosen.
func TestTheCatalogSampleWeighsTheBuckets(t *testing.T) {
	c := criteria(t, "love", 20, func(c *domain.SearchCriteria) { c.Categories, c.MinSize = []string{"books"}, ptr(int64(150<<20)) })
	q := newSearchQuery(c, ftsQuery(c.Terms), 10_000)
	q.segments = 1
	love := probed{n: 1001, textN: 1001, low: 828_821, high: 999_695, top: 1_000_000, sampled: 54, passing: []int{narrowLimit + 1},
		edges: map[string][2]int64{"size": {512_040, 128_848_815_740}}, edgeSampled: map[string][2]int{"size": {121, 0}}}
	ranges, ok := q.bucketedRanges(love)
	if !ok || !q.costs.bucketedPays(q, love, ranges) {
		t.Fatal("without the catalog sample the buckets are not chosen: the case no longer shows the sample's use")
	}
	love.inCatalog = map[string]float64{"size": 0.78}
	if ranges, _ = q.bucketedRanges(love); q.costs.bucketedPays(q, love, ranges) {
		t.Error("sizes over 150 MB in 78 % of the catalog: the buckets are chosen")
	}
}
