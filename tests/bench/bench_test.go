package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/bootstrap"
)

// TestMain lets the test binary be the benchmark's server child too, as the built program is.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(serveChild())
	}
	os.Exit(m.Run())
}

// The whole pipeline at a small N: every code path `make bench` takes, in a few seconds. It checks
// that every row is there with sane numbers, never a timing target: those are for the real run.
func TestPipelineAtSmallN(t *testing.T) {
	if raceEnabled {
		t.Skip("under the race detector the pipeline takes minutes; make test runs it without the detector")
	}
	out := t.TempDir()
	cfg := defaultConfig()
	cfg.N, cfg.OutDir, cfg.TempDir = 2000, out, t.TempDir()
	cfg.Samples, cfg.LikeSamples, cfg.SweepQueries, cfg.CompareQueries = 10, 2, 100, 30
	cfg.LoadDuration, cfg.Connections = 200*time.Millisecond, 4
	// A guard against a hang, not a timing target: a loaded CI machine takes a minute here.
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Corpora) != len(Shapes) {
		t.Fatalf("%d corpora measured, want %d", len(res.Corpora), len(Shapes))
	}
	for _, c := range res.Corpora {
		if c.Ingest.Created != cfg.N || c.Ingest.PerSecond() <= 0 {
			t.Errorf("%s ingest: %+v", c.Shape, c.Ingest)
		}
		if last := c.Ingest.Last; last.Torrents != 0 {
			// The corpus is one batch: its last tenth is not a part of its own.
			t.Errorf("%s ingest's last tenth: %+v", c.Shape, last)
		}
		// The writer is not locked to a thread by default, so its CPU and I/O are not timed apart
		// (a locked writer slowed the ingest it measured: Config.WriterThread); TestIngestMoreGoesIntoACopy
		// times them.
		if c.Ingest.WriterCPU != 0 || c.Ingest.WriterIO != (ioCounts{}) {
			t.Errorf("%s ingest: the writer was timed on its thread though WriterThread is off: %+v", c.Shape, c.Ingest)
		}
		for _, kind := range searchKinds {
			if l := c.SearchUncached[kind]; l.N == 0 || l.P50 <= 0 || l.P99 < l.P50 {
				t.Errorf("%s search %s: %+v", c.Shape, kind, l)
			}
			if kind != kindDeep && kind != kindKeepsFew && c.SearchMatches[kind].Empty == c.SearchMatches[kind].Queries {
				t.Errorf("%s search %s: no query found anything: %+v", c.Shape, kind, c.SearchMatches[kind])
			}
		}
		if l := c.SearchUncachedMix; l.N == 0 || l.P50 <= 0 || l.P99 < l.P50 {
			t.Errorf("%s mix: %+v", c.Shape, l)
		}
	}
	for name, l := range map[string]Latency{
		"latest": res.LatestUncached, "details": res.DetailsUncached,
		"search cached": res.SearchCached, "latest cached": res.LatestCached, "details cached": res.DetailsCached,
		"like": res.LikeScan, "like fts": res.LikeFTS,
		"rest uncached": res.SearchHTTP.RESTUncached, "torznab uncached": res.SearchHTTP.TorznabUncached,
		"rest cached": res.SearchHTTP.RESTCached, "torznab cached": res.SearchHTTP.TorznabCached,
		"torznab rss": res.SearchHTTP.TorznabRSS, "bare torznab": res.SearchHTTP.BareTorznab, "bare rest": res.SearchHTTP.BareREST,
		"bare rss": res.SearchHTTP.BareRSS, "bare listing": res.SearchHTTP.BareListing,
		"rest again received": res.SearchHTTP.AgainReceived[0], "torznab again received": res.SearchHTTP.AgainReceived[1],
		"bare again rest": res.SearchHTTP.BareAgain[0], "bare again torznab": res.SearchHTTP.BareAgain[1],
		"rest cached received": res.SearchHTTP.CachedReceived[0], "torznab cached received": res.SearchHTTP.CachedReceived[1],
		"rest listing received": res.SearchHTTP.RSSReceived[0], "torznab rss received": res.SearchHTTP.RSSReceived[1],
	} {
		if l.N == 0 || l.P50 <= 0 || l.P99 < l.P50 {
			t.Errorf("%s: %+v", name, l)
		}
	}
	// The comparison: every distinct search through both routes, cut into its rounds.
	// Each search twice through each route (none over its budget at this size), the faster kept.
	if h := res.SearchHTTP; h.Queries != cfg.CompareQueries || h.Refused != [2]int{} || h.RESTUncached.N != 2*h.Queries || h.TorznabUncached.N != 2*h.Queries ||
		h.RESTUncachedBest.N != h.Queries || h.TorznabUncachedBest.N != h.Queries || h.RESTUncachedBest.P50 > h.RESTUncached.P50 ||
		len(h.UncachedRounds) != compareRounds || h.UncachedPaired <= 0 || h.ReadFirst.N != h.Queries ||
		h.UncachedFirst[0].N+h.UncachedSecond[0].N != h.RESTUncached.N || h.UncachedFirst[0].N+h.UncachedFirst[1].N != h.Queries {
		t.Errorf("the uncached comparison: %d searches (want %d), refused %v, REST %+v (best %+v), Torznab %+v (best %+v), rounds %+v, paired %v, first %+v, others %+v",
			h.Queries, cfg.CompareQueries, h.Refused, h.RESTUncached, h.RESTUncachedBest, h.TorznabUncached, h.TorznabUncachedBest,
			h.UncachedRounds, h.UncachedPaired, h.UncachedFirst, h.UncachedSecond)
	}
	// Each app's feed read twice: its pages' first reading, then as the app asks.
	if feeds := res.SearchHTTP.AppFeeds; len(feeds) != len(appFeeds) {
		t.Errorf("%d feeds measured, want %d", len(feeds), len(appFeeds))
	}
	for _, f := range res.SearchHTTP.AppFeeds {
		if f.FirstRead.N+f.FirstFailed != appFeedPages || f.Latency.N+f.Failed != appFeedPages || f.FirstRead.P50 <= 0 {
			t.Errorf("feed %s: %+v", f.Name, f)
		}
	}
	for name, tp := range map[string]Throughput{"details": res.HTTPDetails, "latest": res.HTTPLatest} {
		if tp.Bytes < 100 || tp.App <= 0 || tp.Bare <= 0 || len(tp.Rounds) != loadRounds || tp.AppHeader <= tp.BareHeader || tp.BareHeader <= 0 || tp.BareWire <= 0 {
			t.Errorf("http %s: %+v", name, tp)
		}
	}
	// The client asks as the apps do (Accept-Encoding), and both routes' answers come gzipped.
	if h := res.SearchHTTP; h.TorznabWire <= 0 || h.TorznabWire*3 > h.TorznabBytes || h.RESTWire <= 0 || h.RESTWire*2 > h.RESTBytes || h.TorznabInflate.N == 0 {
		t.Errorf("the answers were not sent compressed: Torznab %d of %d bytes, REST %d of %d", h.TorznabWire, h.TorznabBytes, h.RESTWire, h.RESTBytes)
	}
	if res.ServerPeakRSS < 1<<20 || res.ServerPeakRSS > 4<<30 {
		t.Errorf("server peak RSS %d bytes", res.ServerPeakRSS)
	}

	table := res.Markdown()
	for _, want := range append([]string{"Ingest", "the mix above", "Latest, uncached", "Details, uncached",
		"Search, cached", "Latest, cached", "Details, cached", "HTTP cached details", "HTTP cached latest",
		"Peak RSS", "LIKE scan vs FTS", "Torznab (XML) vs REST (JSON)", "round by round", "over a bare Fiber handler sending its wire bytes", "the client's inflate"}, searchKinds...) {
		if !strings.Contains(table, want) {
			t.Errorf("the table has no row %q:\n%s", want, table)
		}
	}
	if rows := strings.Count(table, "\n| "); rows != len(res.rows())+1 {
		t.Errorf("the table has %d lines, want %d rows and a header:\n%s", rows, len(res.rows()), table)
	}
	files, err := res.Write(out, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if info, err := os.Stat(f); err != nil || info.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "results-20260102-030405.md")); err != nil {
		t.Error(err)
	}
	t.Logf("\n%s", table)
}

// -ingest-more ingests the corpus's next torrents into a copy of a kept database, and leaves the
// kept one as it was.
func TestIngestMoreGoesIntoACopy(t *testing.T) {
	if raceEnabled {
		t.Skip("under the race detector the ingest takes minutes; make test runs it without the detector")
	}
	kept := t.TempDir()
	cfg := defaultConfig()
	cfg.N, cfg.OutDir, cfg.ReuseDB, cfg.KeepDB, cfg.IngestOnly = 1000, "", kept, true, true
	cfg.Shapes = []Shape{ShapeZipf}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute) // a guard against a hang
	defer cancel()
	if _, err := Run(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(kept, string(ShapeZipf)+".db")
	before, err := largestID(ctx, path)
	if err != nil || before != cfg.N {
		t.Fatalf("the kept database holds up to id %d (%v), want %d", before, err, cfg.N)
	}
	// Three batches: the last one is the second half's (in whole batches).
	cfg.IngestMore, cfg.TempDir, cfg.WriterThread = 2*ingestBatch+500, t.TempDir(), true
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	in := res.Corpora[0].Ingest
	if in.Into != cfg.N || in.Created != cfg.IngestMore || in.Updated != 0 || in.Last.Torrents != 500 || in.Last.WriterIO.Writes <= 0 || in.Last.WriterCPU <= 0 {
		t.Errorf("ingest more: %+v", in)
	}
	if after, err := largestID(ctx, path); err != nil || after != before {
		t.Errorf("the kept database changed: largest id %d (%v), was %d", after, err, before)
	}
	if table := res.Markdown(); !strings.Contains(table, "5,500 more into 1,000") {
		t.Errorf("the table does not say what was measured:\n%s", table)
	}
}

// Each corpus is measured as the first is: when the next one's ingest begins, the database of the
// one before (and the files beside it) is gone, unless the run keeps them.
func TestACorpusBeginsWithTheOneBeforeRemoved(t *testing.T) {
	if raceEnabled {
		t.Skip("under the race detector the ingest takes minutes; make test runs it without the detector")
	}
	for _, keep := range []bool{false, true} {
		temp := t.TempDir()
		cfg := defaultConfig()
		cfg.N, cfg.OutDir, cfg.TempDir, cfg.KeepDB, cfg.IngestOnly = 500, "", temp, keep, true
		cfg.Shapes = []Shape{ShapeZipf, ShapeTags}
		var left []string // the first corpus's files when the second's ingest began
		began := false
		cfg.Progress = progressFunc(func(line string) {
			if !began && strings.Contains(line, string(ShapeTags)+" corpus: ingesting") {
				began = true
				left, _ = filepath.Glob(filepath.Join(temp, "*", string(ShapeZipf)+".db*"))
			}
		})
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute) // a guard against a hang
		_, err := Run(ctx, cfg)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if !began {
			t.Fatal("the second corpus's ingest never began")
		}
		if keep && len(left) == 0 {
			t.Errorf("kept: the first corpus's database was removed before the second's ingest")
		}
		if !keep && len(left) > 0 {
			t.Errorf("not kept: the first corpus's files were still there when the second's ingest began: %v", left)
		}
	}
}

// progressFunc is a Config.Progress that hands each write to f.
type progressFunc func(string)

func (f progressFunc) Write(p []byte) (int, error) {
	f(string(p))
	return len(p), nil
}

// A bulk build is measured with the writer's cache `streamer import` gives its writer, since the
// import's is the only bulk load; the rest (a build batch by batch, more into a kept database,
// the searches after a load) with the service's, unless BENCH_WRITER_CACHE_MIB (Config.WriterCacheMiB)
// says otherwise.
func TestTheBulkBuildHasTheImportsWriterCache(t *testing.T) {
	bulk, batches := defaultConfig(), defaultConfig()
	batches.Bulk = false
	for _, c := range []struct {
		name  string
		cfg   Config
		build bool
		want  int64
	}{
		{"a bulk build", bulk, true, bootstrap.ImportWriterCache},
		{"a build batch by batch", batches, true, 0},
		{"more into a kept database, or the searches after a load", bulk, false, 0},
	} {
		if got := writerCache(c.cfg, c.build); got != c.want {
			t.Errorf("%s: the writer's cache %d, want %d", c.name, got, c.want)
		}
	}
	bulk.WriterCacheMiB = 48 // BENCH_WRITER_CACHE_MIB=48
	if got := writerCache(bulk, true); got != 48<<20 {
		t.Errorf("BENCH_WRITER_CACHE_MIB=48: the writer's cache %d", got)
	}
}

// The CPU clock measures what the thread spent: twice the work reads about twice the time, at
// any size. getrusage(RUSAGE_THREAD), the clock before, read a fraction of it now and then (1.42
// ms of spinning as 124 µs), which made BENCH_CLOCK=cpu's medians noise.
func TestThreadCPUClockFollowsTheWork(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	spin := func(n int) time.Duration {
		before := threadCPU()
		x := 0
		for i := range n {
			x += i * i % 7
		}
		sink = x
		return threadCPU() - before
	}
	// The least of a few spins: on a busy machine a spin that straddles a preemption reads the
	// switch's cost and a colder cache too (2 of 6 runs failed at load 4 with one spin each).
	least := func(n int) time.Duration {
		best := spin(n)
		for range 4 {
			best = min(best, spin(n))
		}
		return best
	}
	spin(1 << 20) // warm up
	// A few attempts: in a virtual machine the thread's clock also counts the time the host took
	// the CPU away (steal), which on a loaded host inflated every spin of a size (a fresh CI run:
	// 2^19 iterations read 1.22 ms, as long as 2^20). A clock that reads a fraction of the work
	// (the defect this guards against) still fails; one that does so only rarely is likelier to
	// slip through three attempts than one.
	bad := 0
	for range 3 {
		bad = 0
		for n := 1 << 18; n <= 1<<22; n <<= 1 {
			one, two := least(n), least(2*n)
			if ratio := float64(two) / float64(one); one <= 0 || ratio < 1.3 || ratio > 3.2 {
				t.Logf("%d iterations: %v, twice as many: %v", n, one, two)
				bad++
			}
		}
		if bad <= 1 { // one pair may straddle a preemption
			return
		}
	}
	t.Fatalf("the thread's CPU clock did not follow the work in %d of 5 pairs, three attempts running", bad)
}

var sink int
