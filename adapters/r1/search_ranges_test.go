package r1

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// inBucket says whether the token of a value (its three digits) is in the bucket an FTS5 expression
// of cover names: `"token" *` (a prefix) or `"token"`.
func inBucket(t *testing.T, expr, token string) bool {
	t.Helper()
	prefix := strings.HasSuffix(expr, " *")
	b := strings.TrimSuffix(expr, " *")
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		t.Fatalf("bucket %q is not a quoted token", expr)
	}
	b = b[1 : len(b)-1]
	if prefix {
		return strings.HasPrefix(token, b)
	}
	return token == b
}

// rangeValues are values of a scale worth testing: every bucket edge near them, and random ones.
func rangeValues(s rangeScale, r *rand.Rand) []int64 {
	var vs []int64
	if s.kind == sizeFacet {
		for p := int64(1); p > 0 && p <= math.MaxInt64/10; p *= 10 {
			for _, m := range []int64{1, 2, 5, 9, 10, 11, 19, 20, 99} {
				if v := p * m; v > 0 {
					vs = append(vs, v-1, v, v+1)
				}
			}
		}
		vs = append(vs, 0, 1<<30, 8<<30, domain.MaxSize, math.MaxInt64, math.MaxInt64-1)
		for range 200 {
			vs = append(vs, r.Int64N(1<<(1+r.IntN(54))))
		}
		return vs
	}
	day := int64(daySeconds)
	for _, d := range []int64{0, 1, 15, 16, 17, 255, 256, 257, 20000, 20479, 20480, -1, -256, -257} {
		vs = append(vs, d*day-1, d*day, d*day+1, (d+1)*day-1)
	}
	vs = append(vs, firstDateValue-1, firstDateValue, firstDateValue+day, lastDateValue-day, lastDateValue, lastDateValue+1,
		math.MinInt64, math.MaxInt64, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).Unix())
	for range 200 {
		vs = append(vs, r.Int64N(2_000_000_000)-200_000_000)
	}
	return vs
}

// A range's cover holds, of every value within the catalog's span, exactly those in the range: each
// such value's token is in one bucket (full or cut), a value in a full bucket is in the range, and a
// value outside the buckets' span [from, to] is left to the column's index. So for a cover whose
// full buckets are a coarse bucket less its parts not wholly in the range.
func TestRangeCoverIsTheRange(t *testing.T) {
	if raceEnabled {
		t.Skip("one goroutine and no database, so nothing for the race detector to watch, and 30 s of a fresh CI run under it (5 s without); make test runs it without the detector")
	}
	r := rand.New(rand.NewPCG(11, 27))
	for _, s := range []rangeScale{dateScale, sizeScale} {
		values := rangeValues(s, r)
		excepted := 0
		for i := range 3000 {
			lo, hi := values[r.IntN(len(values))], values[r.IntN(len(values))]
			if lo > hi {
				lo, hi = hi, lo
			}
			switch i % 5 {
			case 0:
				lo = math.MinInt64 // open below
			case 1:
				hi = math.MaxInt64 // open above
			}
			catalogLo, catalogHi := values[r.IntN(len(values))], values[r.IntN(len(values))]
			if catalogLo > catalogHi {
				catalogLo, catalogHi = catalogHi, catalogLo
			}
			except := i/rangeLevels%2 == 1
			c := s.cover(lo, hi, catalogLo, catalogHi, 1+i%rangeLevels, except, func(int64, int64) float64 { return 0 }, s.match)
			if slices.ContainsFunc(c.full, func(b fullBucket) bool { return len(b.except) > 0 }) {
				excepted++
			}
			for _, v := range values {
				if v < catalogLo || v > catalogHi {
					continue
				}
				token := s.rangeToken(rangeLevels, s.digits(v))
				in := lo <= v && v <= hi
				if c.empty {
					if in {
						t.Fatalf("%c [%d, %d]: %d is in it, the cover is empty", s.kind, lo, hi, v)
					}
					continue
				}
				var full, cut int
				for _, b := range c.full {
					if len(b.except) > 0 && !except {
						t.Fatalf("%c [%d, %d]: a bucket less its parts without except", s.kind, lo, hi)
					}
					if inBucket(t, b.bucket, token) && !slices.ContainsFunc(b.except, func(e string) bool { return inBucket(t, e, token) }) {
						full++
					}
				}
				for _, b := range c.cut {
					if inBucket(t, b, token) {
						cut++
					}
				}
				covered := v >= c.from && v <= c.to
				switch {
				case full+cut > 1:
					t.Fatalf("%c [%d, %d]: %d in %d buckets", s.kind, lo, hi, v, full+cut)
				case full == 1 && !in:
					t.Fatalf("%c [%d, %d]: %d in a full bucket, out of the range", s.kind, lo, hi, v)
				case in && covered && full+cut == 0:
					t.Fatalf("%c [%d, %d] (covered [%d, %d]): %d in no bucket", s.kind, lo, hi, c.from, c.to, v)
				case in && !covered && full+cut > 0:
					t.Fatalf("%c [%d, %d] (covered [%d, %d]): %d in a bucket and beyond the cover", s.kind, lo, hi, c.from, c.to, v)
				}
			}
		}
		if excepted == 0 {
			t.Fatalf("%c: no cover was a bucket less its parts", s.kind)
		}
	}
}

// The tokens migration 0027 writes (torrents_fts_rows, in SQL) are the ones search_ranges.go
// computes, for dates and sizes on every edge: bucket edges, before 1970, far in the future,
// outside the date scale's blocks, the largest sizes; and an update of the date or size re-indexes
// the torrent (its old tokens gone, the new ones found).
func TestRangeTokensAreTheMigrations(t *testing.T) {
	if raceEnabled {
		t.Skip("one goroutine of queries, so nothing of ours for the race detector to watch (SQLite's memory is not Go's), and 20 s of the race run in both modes (3 without); make test runs it without the detector")
	}
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		upsert(t, repo, newTorrent(t, 1))
		r := rand.New(rand.NewPCG(3, 5))
		dates, sizes := rangeValues(dateScale, r), rangeValues(sizeScale, r)
		n := max(len(dates), len(sizes))
		var before []string
		for i := range n {
			date, size := dates[i%len(dates)], sizes[i%len(sizes)]
			if size < 0 {
				size = 0
			}
			if _, err := db.batch(ctx, []Statement{{SQL: "UPDATE torrents SET uploaded_at = CAST(? AS INTEGER), size = CAST(? AS INTEGER)", Params: []any{date, size}}}); err != nil {
				t.Fatal(err)
			}
			dateToken, sizeToken := dateScale.rangeToken(rangeLevels, dateScale.digits(date)), sizeScale.rangeToken(rangeLevels, sizeScale.digits(size))
			res, err := db.query(ctx, Statement{SQL: "SELECT facets FROM torrents_fts_rows"})
			if err != nil {
				t.Fatal(err)
			}
			rr := rowReader{row: firstRow(res)}
			facets := strings.Fields(rr.text("facets"))
			category := scalar(t, db, "SELECT category_id FROM torrents")
			categoryToken := facetMark + string(categoryDateFacet) + string(rangeDigitRune(int(category))) + strings.TrimPrefix(dateScale.rangeToken(2, dateScale.digits(date)), facetMark+"d")
			if categories := categoryDates([]int64{category})(2, dateScale.digits(date)); categories != ftsString(categoryToken) {
				t.Fatalf("date %d: the category's dates %s, want %q", date, categories, categoryToken)
			}
			if len(facets) != 5 || facets[2] != dateToken || facets[3] != categoryToken || facets[4] != sizeToken {
				t.Fatalf("date %d size %d: the row's facets %q, want the date %q, the category's date %q and the size %q", date, size, facets, dateToken, categoryToken, sizeToken)
			}
			for _, tok := range []string{dateToken, categoryToken, sizeToken} {
				if got := scalar(t, db, "SELECT count(*) FROM torrents_fts WHERE torrents_fts MATCH ?", "{facets} : "+ftsString(tok)); got != 1 {
					t.Fatalf("date %d size %d: %d torrents in the index hold %q, want 1", date, size, got, tok)
				}
			}
			for _, tok := range before {
				if !slices.Contains([]string{dateToken, categoryToken, sizeToken}, tok) {
					if got := scalar(t, db, "SELECT count(*) FROM torrents_fts WHERE torrents_fts MATCH ?", "{facets} : "+ftsString(tok)); got != 0 {
						t.Fatalf("date %d size %d: the token %q before the update is still in the index", date, size, tok)
					}
				}
			}
			before = []string{dateToken, categoryToken, sizeToken}
		}
	})
}
