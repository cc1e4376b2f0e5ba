package main

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
	_ "modernc.org/sqlite" // the LIKE baseline reads the file with the driver R1's local engine uses

	"github.com/torrent-streamer/streamer/application/catalog"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// Latency is the distribution of one kind of call.
type Latency struct {
	N   int           `json:"n"`
	P50 time.Duration `json:"p50Ns"`
	P99 time.Duration `json:"p99Ns"`
	Max time.Duration `json:"maxNs"`
}

func latencyOf(samples []time.Duration) Latency {
	if len(samples) == 0 {
		return Latency{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	at := func(p float64) time.Duration {
		i := int(p*float64(len(s))+0.999999) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return Latency{N: len(s), P50: at(0.50), P99: at(0.99), Max: s[len(s)-1]}
}

// cpuClock makes timed measure the CPU time of the calling thread instead of the wall clock: on a
// machine shared with other work, the wall clock counts the waits for a core, the thread's CPU time
// only the work (reading pages from the OS's cache included, as system time). BENCH_CLOCK=cpu.
var cpuClock = os.Getenv("BENCH_CLOCK") == "cpu"

func timed(f func() error) (time.Duration, error) {
	if cpuClock {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		before := threadCPU()
		err := f()
		return threadCPU() - before, err
	}
	start := time.Now()
	err := f()
	return time.Since(start), err
}

// processCPU is the whole process's user and system time, every thread's (CLOCK_PROCESS_CPUTIME_ID).
func processCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// threadCPU is the calling thread's user and system time, from the scheduler's nanosecond count
// (CLOCK_THREAD_CPUTIME_ID). getrusage(RUSAGE_THREAD) is not a clock for this: its split of the
// time into user and system is sampled at the scheduler tick and kept from going backwards, so
// the difference of two readings a few milliseconds apart can be a fraction of the time spent.
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// ioCounts are a thread's read and write system calls and the bytes they moved (/proc's io).
type ioCounts struct {
	Reads      int64 `json:"reads"`
	Writes     int64 `json:"writes"`
	ReadBytes  int64 `json:"readBytes"`
	WriteBytes int64 `json:"writeBytes"`
}

func (c ioCounts) minus(d ioCounts) ioCounts {
	return ioCounts{c.Reads - d.Reads, c.Writes - d.Writes, c.ReadBytes - d.ReadBytes, c.WriteBytes - d.WriteBytes}
}

func (c ioCounts) plus(d ioCounts) ioCounts {
	return ioCounts{c.Reads + d.Reads, c.Writes + d.Writes, c.ReadBytes + d.ReadBytes, c.WriteBytes + d.WriteBytes}
}

// threadIO reads the calling thread's read and write calls so far from /proc/thread-self/io (zero
// where there is none): SQLite reads and writes a page a call, so the writer's counts tell the pages
// it read from the OS and wrote (WAL frames, checkpoints), which the load of a shared machine does
// not change, where CPU time does.
func threadIO() ioCounts {
	b, err := os.ReadFile("/proc/thread-self/io")
	if err != nil {
		return ioCounts{}
	}
	var c ioCounts
	for _, line := range strings.Split(string(b), "\n") {
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		switch name {
		case "syscr":
			c.Reads = n
		case "syscw":
			c.Writes = n
		case "rchar":
			c.ReadBytes = n
		case "wchar":
			c.WriteBytes = n
		}
	}
	return c
}

// measureSearch calls the repository directly: no cache in front, so every search runs its SQL.
func measureSearch(ctx context.Context, repo ports.TorrentRepository, qs *queries, res *CorpusResults) error {
	// A short warm-up, untimed: the connections' statement caches and the first pages of the indexes.
	for _, kind := range searchKinds {
		for _, q := range qs.search[kind][:min(5, len(qs.search[kind]))] {
			if _, err := repo.Search(ctx, q.criteria); err != nil {
				return err
			}
		}
	}
	var all []time.Duration
	res.SearchUncached = make(map[string]Latency)
	res.SearchMatches = make(map[string]MatchStats)
	res.Slowest = make(map[string][]SlowQuery)
	for _, kind := range searchKinds {
		var samples []time.Duration
		var stats MatchStats
		for _, q := range qs.search[kind] {
			var page domain.SearchPage
			d, err := timed(func() (err error) { page, err = repo.Search(ctx, q.criteria); return err })
			if err != nil {
				return fmt.Errorf("%s %+v: %w", kind, q.criteria, err)
			}
			samples = append(samples, d)
			stats.add(page)
			res.Slowest[kind] = slowest(res.Slowest[kind], SlowQuery{Query: describe(q), Duration: d, Total: page.Total, Exact: page.TotalExact})
		}
		res.SearchUncached[kind] = latencyOf(samples)
		res.SearchMatches[kind] = stats
		all = append(all, samples...)
	}
	res.SearchUncachedMix = latencyOf(all)
	return nil
}

// measureLookups times latest and details on the repository directly, uncached.
func measureLookups(ctx context.Context, repo ports.TorrentRepository, qs *queries, res *Results) error {
	var samples []time.Duration
	for _, slug := range qs.latest {
		d, err := timed(func() error { _, err := repo.Latest(ctx, slug, 0); return err })
		if err != nil {
			return err
		}
		samples = append(samples, d)
	}
	res.LatestUncached = latencyOf(samples)
	samples = samples[:0]
	for _, id := range qs.details {
		ref, err := domain.ParseTorrentRef(id)
		if err != nil {
			return err
		}
		d, err := timed(func() error { _, err := repo.Get(ctx, ref); return err })
		if err != nil {
			return fmt.Errorf("details %s: %w", id, err)
		}
		samples = append(samples, d)
	}
	res.DetailsUncached = latencyOf(samples)
	return nil
}

// SlowQuery is one of the slowest searches of a kind, kept to show where the tail comes from.
type SlowQuery struct {
	Query    string        `json:"query"`
	Duration time.Duration `json:"durationNs"`
	Total    int           `json:"total"`
	Exact    bool          `json:"exact"`
}

const slowestKept = 3

func slowest(list []SlowQuery, q SlowQuery) []SlowQuery {
	list = append(list, q)
	slices.SortFunc(list, func(a, b SlowQuery) int { return cmp.Compare(b.Duration, a.Duration) })
	return list[:min(len(list), slowestKept)]
}

func describe(q searchQuery) string {
	c := q.criteria
	parts := []string{fmt.Sprintf("q=%q sort=%s", c.Text, c.Sort)}
	if len(c.Categories) > 0 {
		parts = append(parts, "category="+strings.Join(c.Categories, ","))
	}
	for name, v := range map[string]*int64{"minSize": c.MinSize, "maxSize": c.MaxSize, "minSeeders": c.MinSeeders} {
		if v != nil {
			parts = append(parts, fmt.Sprintf("%s=%d", name, *v))
		}
	}
	if !c.After.IsZero() {
		parts = append(parts, "after="+c.After.Format("2006-01-02"))
	}
	if c.Cursor != nil {
		parts = append(parts, fmt.Sprintf("cursor=%+v", *c.Cursor))
	}
	slices.Sort(parts[1:])
	return strings.Join(parts, " ")
}

// MatchStats describes what a kind of search found: how many of its queries hit the count bound,
// and the median total.
type MatchStats struct {
	Queries   int `json:"queries"`
	Estimated int `json:"estimated"` // totals above the count bound
	Empty     int `json:"empty"`
	totals    []int
	Median    int `json:"medianTotal"`
}

func (m *MatchStats) add(p domain.SearchPage) {
	m.Queries++
	if !p.TotalExact {
		m.Estimated++
	}
	if p.Total == 0 {
		m.Empty++
	}
	m.totals = append(m.totals, p.Total)
	s := slices.Sorted(slices.Values(m.totals))
	m.Median = s[len(s)/2]
}

// cachedRounds is how many times each cached read is timed after the call that fills it.
const cachedRounds = 3

// measureCached goes through the catalog use case with its process cache: one untimed call fills
// each key, then the same calls are timed.
func measureCached(ctx context.Context, svc *catalog.Service, qs *queries, res *Results) error {
	var reqs []catalog.SearchRequest
	for _, kind := range searchKinds {
		for _, q := range qs.search[kind] {
			if q.pagesBefore < 0 {
				continue // a position made up by the benchmark: the API only continues its own cursors
			}
			req := q.request
			for range q.pagesBefore {
				page, err := svc.Search(ctx, req)
				if err != nil {
					return err
				}
				req.Cursor = page.NextCursor
			}
			reqs = append(reqs, req)
		}
	}
	var samples []time.Duration
	for round := range cachedRounds + 1 {
		for _, req := range reqs {
			d, err := timed(func() error { _, err := svc.Search(ctx, req); return err })
			if err != nil {
				return err
			}
			if round > 0 {
				samples = append(samples, d)
			}
		}
	}
	res.SearchCached = latencyOf(samples)
	samples = samples[:0]
	for round := range cachedRounds + 1 {
		for _, slug := range qs.latest {
			d, err := timed(func() error { _, err := svc.Latest(ctx, slug, 0); return err })
			if err != nil {
				return err
			}
			if round > 0 {
				samples = append(samples, d)
			}
		}
	}
	res.LatestCached = latencyOf(samples)
	samples = samples[:0]
	for round := range cachedRounds + 1 {
		for _, id := range qs.details {
			d, err := timed(func() error { _, err := svc.Details(ctx, id); return err })
			if err != nil {
				return err
			}
			if round > 0 {
				samples = append(samples, d)
			}
		}
	}
	res.DetailsCached = latencyOf(samples)
	return nil
}

// likeKinds are the searches repeated as a LIKE scan: every kind with words and no cursor.
var likeKinds = []string{kindOneWord, kindTwoWords, kindPrefix, kindFiltered, kindSeeders}

// measureLike answers the first searches of each kind the way a catalog without full-text search
// would: every word a LIKE '%word%' over the name and the text of the file paths (file_words, the
// paths' words the name does not hold; the list's JSON where a torrent has none, as a list the
// service did not pack: migrations 0037 and 0039), the same filters and order
// (date where the search ranks by relevance, which LIKE cannot), the same bounded count. It times
// the FTS search of the same queries beside it.
func measureLike(ctx context.Context, path string, repo ports.TorrentRepository, qs *queries, perKind int, res *Results) error {
	db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var like, fts []time.Duration
	for _, kind := range likeKinds {
		for _, q := range qs.search[kind][:min(perKind, len(qs.search[kind]))] {
			page, count, params := likeSQL(q.criteria)
			d, err := timed(func() error {
				rows, err := db.QueryContext(ctx, page, params...)
				if err != nil {
					return err
				}
				for rows.Next() {
				}
				if err := rows.Close(); err != nil {
					return err
				}
				var total int
				return db.QueryRowContext(ctx, count, params...).Scan(&total)
			})
			if err != nil {
				return fmt.Errorf("LIKE %q: %w", q.criteria.Text, err)
			}
			like = append(like, d)
			d, err = timed(func() error { _, err := repo.Search(ctx, q.criteria); return err })
			if err != nil {
				return err
			}
			fts = append(fts, d)
		}
	}
	res.LikeScan, res.LikeFTS = latencyOf(like), latencyOf(fts)
	return nil
}

// likeSQL is the page and the bounded count of c as LIKE scans.
func likeSQL(c domain.SearchCriteria) (page, count string, params []any) {
	var conds []string
	for _, term := range c.Terms {
		conds = append(conds, "(t.name LIKE ? OR coalesce(t.file_words, t.files) LIKE ?)")
		pattern := "%" + term + "%"
		params = append(params, pattern, pattern)
	}
	if len(c.Categories) > 0 {
		conds = append(conds, "t.category_id IN (SELECT id FROM categories WHERE slug IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(c.Categories)), ", ")+"))")
		for _, s := range c.Categories {
			params = append(params, s)
		}
	}
	for cond, v := range map[string]*int64{"t.size >= ?": c.MinSize, "t.size <= ?": c.MaxSize, "t.seeders >= ?": c.MinSeeders} {
		if v != nil {
			conds = append(conds, cond)
			params = append(params, *v)
		}
	}
	if !c.After.IsZero() {
		conds = append(conds, "t.uploaded_at >= ?")
		params = append(params, c.After.Unix())
	}
	if !c.Before.IsZero() {
		conds = append(conds, "t.uploaded_at < ?")
		params = append(params, c.Before.Unix())
	}
	where := "1"
	if len(conds) > 0 {
		where = strings.Join(conds, " AND ")
	}
	key := map[domain.SortField]string{domain.SortSeeders: "t.seeders", domain.SortSize: "t.size", domain.SortName: "t.name_key"}[c.Sort]
	if key == "" {
		key = "t.uploaded_at"
	}
	page = "SELECT t.id, t.name, t.size, t.seeders, t.leechers, t.uploaded_at, t.trackers, c.slug FROM torrents t " +
		"JOIN categories c ON c.id = t.category_id WHERE " + where + " ORDER BY " + key + " DESC, t.id DESC LIMIT 21"
	count = fmt.Sprintf("SELECT count(*) FROM (SELECT 1 FROM torrents t WHERE %s LIMIT %d)", where, domain.SearchCountLimit+1)
	return page, count, params
}
