package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"time"

	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/adapters/metainfo"
	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/application/catalog"
	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/application/migration"
	"github.com/torrent-streamer/streamer/bootstrap"
	"github.com/torrent-streamer/streamer/ports"
)

// Config is one run of the benchmark.
type Config struct {
	N       int     // torrents in each corpus
	Seed    uint64  // corpus seed
	Dates   Dates   // how the corpus's upload dates follow its torrents' order
	Shapes  []Shape // the corpora, each measured on its own database; the first also for the rest
	OutDir  string  // where the results go; "" for nowhere
	TempDir string  // where the databases are made; "" for the system's
	ReuseDB string  // a directory of ingested databases (<shape>.db) to measure instead of building them
	KeepDB  bool    // keep the databases made

	Samples      int           // timed queries per kind of search
	LikeSamples  int           // searches repeated as a LIKE scan, per kind
	LoadDuration time.Duration // HTTP load per target
	Connections  int           // HTTP connections of the load generator
	SweepQueries int           // distinct searches and details sent to the server before its RSS is read
	// CompareQueries is how many distinct one-word searches REST and Torznab are compared on, in
	// rounds of compareRound (each round's ratios are reported: the spread of the pooled figure).
	CompareQueries int

	IngestOnly bool // stop after the ingest (tuning it)
	// Bulk lets the store take a load into an empty catalog as a bulk load (ports.BulkLoader), as
	// `streamer import` does; false: every batch stored as POST /api/ingest stores it.
	Bulk bool
	// IngestMore, with ReuseDB: ingest this many more torrents of each corpus into a copy of its kept
	// database (the ingest at that database's size, without building it), and nothing else.
	IngestMore int
	// WriterCacheMiB gives the writer of each corpus's database this cache, in MiB, for the load
	// and the searches alike; 0: the cache writerCache picks.
	WriterCacheMiB int
	// WriterThread locks the ingest's writer to one thread, so its CPU time and its reads and writes
	// are told apart from the rest of the process's (the writer's columns of the ingest). Off, they
	// are not timed: a locked goroutine hands its core to its own thread each time it wakes, which
	// cost the ingest 5 to 10 % on a 2-core VM (200,000 zipf, two pairs: 11,197 and 11,025 torrents/s
	// unlocked against 10,678 and 9,973), and `streamer import`, whose rate this is, locks nothing.
	WriterThread bool
	// Redate, with ReuseDB: rewrite the upload dates of each kept database, in place, to the
	// corpus's law (Dates), and nothing else.
	Redate       bool
	SearchesOnly bool   // measure the ingest and the searches only (tuning search)
	TorznabOnly  bool   // measure only the same searches through REST and Torznab over HTTP
	HTTPOnly     bool   // measure only cached details and latest over HTTP against the bare handler
	ProfileDir   string // where CPU profiles of the ingest and of the uncached reads go; "" for none

	Progress io.Writer // progress lines; nil for none
}

func defaultConfig() Config {
	return Config{
		N: 1_000_000, Seed: 1, Dates: DatesArrival, Shapes: Shapes, OutDir: "bench", Bulk: true,
		Samples: 200, LikeSamples: 5, LoadDuration: 5 * time.Second, Connections: 32, SweepQueries: 4000,
		CompareQueries: 600,
	}
}

// ingestBatch is what one ingest call takes: the bulk batch `streamer import` sends (up to
// ingest.MaxBulkBatch; the import keeps it smaller for its memory).
const ingestBatch = migration.TorrentBatch

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// Run builds (or reuses) a database for each corpus and measures it: ingest and search on every
// corpus; latest, details, the cached reads, the LIKE baseline and HTTP on the first.
func Run(ctx context.Context, cfg Config) (*Results, error) {
	if cfg.N < 1 {
		return nil, errors.New("the corpus needs at least one torrent")
	}
	if len(cfg.Shapes) == 0 {
		return nil, errors.New("no corpus to measure")
	}
	progress := func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "bench: "+format+"\n", args...)
		}
	}
	res := &Results{N: cfg.N, Seed: cfg.Seed, Started: time.Now().UTC(), GoVersion: runtime.Version(),
		CPUs: runtime.NumCPU(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}
	if cfg.Redate {
		if cfg.ReuseDB == "" {
			return nil, errors.New("-redate needs the kept databases (BENCH_DB)")
		}
		for _, shape := range cfg.Shapes {
			if err := redate(ctx, cfg, shape, progress); err != nil {
				return nil, fmt.Errorf("%s corpus: %w", shape, err)
			}
		}
		res.Elapsed = time.Since(res.Started)
		return res, nil
	}
	if cfg.IngestMore > 0 {
		if cfg.ReuseDB == "" {
			return nil, errors.New("-ingest-more needs the kept databases (BENCH_DB)")
		}
		for _, shape := range cfg.Shapes {
			cr, err := ingestMore(ctx, cfg, shape, progress)
			if err != nil {
				return nil, fmt.Errorf("%s corpus: %w", shape, err)
			}
			res.Corpora = append(res.Corpora, cr)
			res.N = cr.Ingest.Into
		}
		res.BenchPeakRSS = peakRSS(os.Getpid())
		res.Elapsed = time.Since(res.Started)
		return res, nil
	}
	dir := cfg.ReuseDB
	scratch := false // the databases are this run's, and go once measured
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp(cfg.TempDir, "streamer-bench-"); err != nil {
			return nil, err
		}
		if cfg.KeepDB {
			progress("the databases stay in %s (BENCH_DB=%s reuses them)", dir, dir)
		} else {
			scratch = true
			defer os.RemoveAll(dir)
		}
	}
	for i, shape := range cfg.Shapes {
		path := filepath.Join(dir, string(shape)+".db")
		cr, err := runCorpus(ctx, cfg, res, shape, path, i == 0, progress)
		if err != nil {
			return nil, fmt.Errorf("%s corpus: %w", shape, err)
		}
		res.Corpora = append(res.Corpora, cr)
		if scratch {
			freeCorpus(path)
		}
	}
	res.BenchPeakRSS = peakRSS(os.Getpid())
	res.Elapsed = time.Since(res.Started)
	return res, nil
}

// freeCorpus removes a measured corpus's database (path and the files beside it) and returns the
// process's free memory to the system, so the next corpus is measured as the first is: not on a
// machine whose page cache holds the gigabytes the corpora before it wrote (session 12 saw the
// kernel's share of the later corpora's loads at 21-22 % against 13-15 % in the first's). The
// ingest of 1,000,000 torrents each of zipf, flat and tags (-ingest-only, one run each way,
// 03:10-03:21 UTC 2026-11-30): tags, third, 7,974/s (199.7 µs of CPU a torrent, its finish 39.7 s)
// with the two databases before it left in place, 9,918/s (161.5 µs, 28.2 s) with them removed;
// flat then tags, alternated (03:22-03:36): tags 9,249 and 8,570/s left, 9,603 and 9,122 removed.
func freeCorpus(path string) {
	matches, _ := filepath.Glob(path + "*")
	for _, m := range matches {
		_ = os.Remove(m)
	}
	debug.FreeOSMemory()
}

// runCorpus ingests one corpus into path (unless reused) and measures it; first says to measure
// everything else on it too.
func runCorpus(ctx context.Context, cfg Config, res *Results, shape Shape, path string, first bool, progress func(string, ...any)) (CorpusResults, error) {
	cr := CorpusResults{Shape: shape}
	corpus := NewShapedCorpus(cfg.Seed, shape).WithDates(cfg.Dates, cfg.N)
	_, statErr := os.Stat(path)
	reuse := cfg.ReuseDB != "" && statErr == nil
	loadCache := writerCache(cfg, !reuse)
	db, err := openMigrated(ctx, path, loadCache)
	if err != nil {
		return cr, err
	}
	defer func() { // the database open at the end (reopened below)
		if db != nil {
			db.Close()
		}
	}()
	repo := r1.NewTorrentRepository(db)
	if !reuse {
		progress("%s corpus: ingesting %d torrents in batches of %d", shape, cfg.N, ingestBatch)
		stopProfile := startProfile(cfg.ProfileDir, string(shape)+"-ingest")
		cr.Ingest, err = ingestCorpus(ctx, repo, bulkLoader(cfg, db), db.Settle, corpus, 0, cfg.N, cfg.N/10, cfg.WriterThread, progress)
		stopProfile()
		if err != nil {
			return cr, fmt.Errorf("ingest: %w", err)
		}
		progress("%s corpus: ingested %d torrents in %s: %.0f torrents/s (the last %s settling); CPU a torrent: %s in all (the corpus's making excluded), %s on the writer's thread",
			shape, cfg.N, cr.Ingest.Duration.Round(time.Millisecond), cr.Ingest.PerSecond(), cr.Ingest.Settle.Round(time.Millisecond),
			cr.Ingest.CPUPerTorrent().Round(100*time.Nanosecond), writerText(cr.Ingest.WriterCPUPerTorrent()))
		if last := cr.Ingest.Last; last.Torrents > 0 {
			progress("%s corpus: its last %d torrents (the rate at %d): %.0f torrents/s; CPU a torrent: %s in all, %s on the writer's thread; the writer's I/O a torrent: %s",
				shape, last.Torrents, cfg.N, last.PerSecond(), last.CPUPerTorrent().Round(100*time.Nanosecond), writerText(last.WriterCPUPerTorrent()), last.IOText())
		}
		if err := writeIngest(path, cr.Ingest); err != nil {
			return cr, err
		}
		// Loaded as the import loads, the catalog is then served as the service serves it: the
		// merge and the searches below run with the service's writer, as after `streamer import`.
		if serveCache := writerCache(cfg, false); serveCache != loadCache {
			closeErr := db.Close()
			db = nil
			if closeErr != nil {
				return cr, closeErr
			}
			if db, err = openMigrated(ctx, path, serveCache); err != nil {
				return cr, err
			}
			repo = r1.NewTorrentRepository(db)
		}
	} else if built, err := readIngest(path); err == nil {
		cr.Ingest, cr.IngestReused = built, true // the ingest that built the database, for the table
	}
	// What the service does in the background within minutes of a load (bootstrap's periodic
	// loop): the full-text index, left in many segments by the batches, merged into one.
	start := time.Now()
	merged, err := repo.MergeSearchIndex(ctx)
	if err != nil {
		return cr, err
	}
	if merged > 0 {
		cr.Ingest.Merge = time.Since(start)
		progress("%s corpus: merged the search index into one segment in %s", shape, cr.Ingest.Merge.Round(time.Millisecond))
		if err := writeIngest(path, cr.Ingest); err != nil {
			return cr, err
		}
	}
	if info, err := os.Stat(path); err == nil {
		cr.DatabaseBytes = info.Size()
	}
	if cfg.IngestOnly {
		return cr, nil
	}
	qs := buildQueries(ctx, corpus, repo, cfg.N, cfg.Samples, cfg.CompareQueries, cfg.Seed)
	if cfg.HTTPOnly {
		if !first {
			return cr, nil
		}
		if err := db.Close(); err != nil {
			return cr, err
		}
		progress("%s corpus: cached details and latest over HTTP against a bare Fiber handler, %d connections, %s each", shape, cfg.Connections, cfg.LoadDuration)
		return cr, measureHTTPOnly(ctx, path, qs, cfg, res)
	}
	if cfg.TorznabOnly {
		if !first {
			return cr, nil
		}
		if err := db.Close(); err != nil {
			return cr, err
		}
		progress("%s corpus: the same searches through REST and Torznab over HTTP", shape)
		return cr, measureTorznabOnly(ctx, path, qs, cfg, res)
	}
	progress("%s corpus: uncached searches, %d of each kind", shape, cfg.Samples)
	stopProfile := startProfile(cfg.ProfileDir, string(shape)+"-search")
	err = measureSearch(ctx, repo, qs, &cr)
	stopProfile()
	if err != nil {
		return cr, fmt.Errorf("uncached: %w", err)
	}
	progress("%s corpus: the slowest uncached searches:\n%s", shape, cr.SlowestText())
	if !first || cfg.SearchesOnly {
		return cr, nil
	}
	progress("uncached latest and details")
	if err := measureLookups(ctx, repo, qs, res); err != nil {
		return cr, fmt.Errorf("uncached: %w", err)
	}
	progress("cached reads")
	cache := caching.NewStore(memory.NewCache(memory.CacheOptions{}), ports.SystemClock{}, caching.Options{Logger: quiet})
	svc := catalog.NewService(repo, r1.NewCategoryRepository(db), cache, nil, nil)
	if err := measureCached(ctx, svc, qs, res); err != nil {
		return cr, fmt.Errorf("cached: %w", err)
	}
	progress("the same searches as a LIKE scan (%d of each kind)", cfg.LikeSamples)
	if err := measureLike(ctx, path, repo, qs, cfg.LikeSamples, res); err != nil {
		return cr, fmt.Errorf("like: %w", err)
	}
	if err := db.Close(); err != nil {
		return cr, err
	}
	progress("HTTP: the app and a bare Fiber handler in a child process, %d connections, %s each", cfg.Connections, cfg.LoadDuration)
	if err := measureHTTP(ctx, path, qs, cfg, res); err != nil {
		return cr, fmt.Errorf("http: %w", err)
	}
	return cr, nil
}

// ingestMore copies the corpus's kept database (cfg.ReuseDB) and ingests the corpus's next
// cfg.IngestMore torrents into the copy: the ingest at the kept database's size (a million, say)
// measured in a minute, where building the database takes a quarter of an hour. The copy goes
// afterwards, so every run starts from the same database.
func ingestMore(ctx context.Context, cfg Config, shape Shape, progress func(string, ...any)) (CorpusResults, error) {
	cr := CorpusResults{Shape: shape}
	dir, err := os.MkdirTemp(cfg.TempDir, "streamer-bench-")
	if err != nil {
		return cr, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, string(shape)+".db")
	if err := copyFile(filepath.Join(cfg.ReuseDB, string(shape)+".db"), path); err != nil {
		return cr, err
	}
	// The corpus's torrent i has id i+1: the kept database holds torrents [0, its largest id).
	from, err := largestID(ctx, path)
	if err != nil {
		return cr, err
	}
	db, err := openMigrated(ctx, path, writerCache(cfg, false))
	if err != nil {
		return cr, err
	}
	defer db.Close()
	repo := r1.NewTorrentRepository(db)
	progress("%s corpus: ingesting %d more torrents into a copy of the kept database of %d", shape, cfg.IngestMore, from)
	stopProfile := startProfile(cfg.ProfileDir, string(shape)+"-ingest-more")
	// The first half warms the writer's page cache, as a running service's is: the second half is
	// the rate at this size.
	cr.Ingest, err = ingestCorpus(ctx, repo, bulkLoader(cfg, db), db.Settle, NewShapedCorpus(cfg.Seed, shape).WithDates(cfg.Dates, from), from, cfg.IngestMore, cfg.IngestMore/2, cfg.WriterThread, progress)
	stopProfile()
	if err != nil {
		return cr, fmt.Errorf("ingest: %w", err)
	}
	cr.Ingest.Into = from
	progress("%s corpus: ingested %d torrents into %d in %s: %.0f torrents/s (the last %s settling); CPU a torrent: %s in all (the corpus's making excluded), %s on the writer's thread",
		shape, cfg.IngestMore, from, cr.Ingest.Duration.Round(time.Millisecond), cr.Ingest.PerSecond(), cr.Ingest.Settle.Round(time.Millisecond),
		cr.Ingest.CPUPerTorrent().Round(100*time.Nanosecond), writerText(cr.Ingest.WriterCPUPerTorrent()))
	last := cr.Ingest.Last
	progress("%s corpus: the last %d of them: %.0f torrents/s; CPU a torrent: %s in all, %s on the writer's thread; the writer's I/O a torrent: %s",
		shape, last.Torrents, last.PerSecond(), last.CPUPerTorrent().Round(100*time.Nanosecond), writerText(last.WriterCPUPerTorrent()), last.IOText())
	return cr, nil
}

// largestID reads the largest torrent id of the database at path.
func largestID(ctx context.Context, path string) (int, error) {
	db, err := sql.Open("sqlite", path+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var id sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT max(id) FROM torrents").Scan(&id); err != nil {
		return 0, err
	}
	if !id.Valid {
		return 0, errors.New("the kept database is empty")
	}
	return int(id.Int64), nil
}

// copyFile copies the file at from to a new file at to.
func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// startProfile writes a CPU profile of what runs until the returned function is called to
// dir/<name>.cpu.pprof (go tool pprof reads it), making dir if need be. A profile that cannot be
// written is said on stderr, and the run goes on without it.
func startProfile(dir, name string) func() {
	if dir == "" {
		return func() {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "bench: no CPU profile:", err)
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, name+".cpu.pprof"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: no CPU profile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "bench: no CPU profile:", err)
		f.Close()
		return func() {}
	}
	stopTrace := startTrace(dir, name)
	return func() {
		stopTrace()
		pprof.StopCPUProfile()
		f.Close()
	}
}

// startTrace writes an execution trace (go tool trace) beside the CPU profile when BENCH_TRACE is
// set: where each goroutine ran, waited for a core, or blocked (on a lock, a channel, a system
// call), which tells when a core idles during the ingest and why.
func startTrace(dir, name string) func() {
	if os.Getenv("BENCH_TRACE") == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, name+".trace"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: no trace:", err)
		return func() {}
	}
	if err := trace.Start(f); err != nil {
		fmt.Fprintln(os.Stderr, "bench: no trace:", err)
		f.Close()
		return func() {}
	}
	return func() {
		trace.Stop()
		f.Close()
	}
}

// bulkLoader is the store's bulk load when cfg allows it (the store decides whether a load is one:
// into a kept database, -ingest-more, it never is), nil otherwise.
func bulkLoader(cfg Config, db *r1.Database) ports.BulkLoader {
	if !cfg.Bulk {
		return nil
	}
	return r1.NewBulkLoader(db)
}

// ingestCorpus sends torrents [from, from+n) of the corpus through the ingest use case (the same
// code POST /api/ingest and streamer import call), one batch at a time, while the next batches are
// generated and prepared on the other core.
//
// settle finishes what the store left for its idle time (the full-text index's merges, see
// r1.Database.Settle): the ingest's time includes it, so deferring work does not flatter the rate.
// So does a bulk load's finish (bulk, when not nil and the store takes the load as one), timed
// apart too.
//
// Its Last part is the last torrents (at least last of them, in whole batches; settling included):
// for a build, the rate at the database's final size, where the average over a build from empty
// flatters it (the indexes outgrow the writer's page cache as they grow).
func ingestCorpus(ctx context.Context, repo ports.TorrentRepository, bulk ports.BulkLoader, settle func(context.Context) error, corpus *Corpus, from, n, last int, writerThread bool, progress func(string, ...any)) (IngestResult, error) {
	cache := caching.NewStore(memory.NewCache(memory.CacheOptions{}), ports.SystemClock{}, caching.Options{Logger: quiet})
	svc := ingest.NewService(repo, metainfo.NewDecoder(), cache, ports.SystemClock{}, quiet)
	batches := make(chan ingest.Prepared, 2)
	genCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var generation time.Duration           // CPU time spent making the corpus, read when batches is closed
	var generationBeforeLast time.Duration // of it, the batches before the last tenth's
	var prepareErr error                   // likewise
	go func() {
		defer close(batches)
		for at := from; at < from+n; at += ingestBatch {
			// The corpus's making, timed on its thread so the ingest's CPU time can be told without
			// it: locked only while it makes a batch, which never blocks (Prepare below does).
			runtime.LockOSThread()
			before := threadCPU()
			batch := corpus.Batch(at, min(ingestBatch, from+n-at))
			generation += threadCPU() - before
			runtime.UnlockOSThread()
			if at-from < n-last {
				generationBeforeLast = generation
			}
			// Prepared here, on the other core, as an import prepares its next batch while the
			// store writes the last (see ingest.Service.Prepare).
			prepared, err := svc.Prepare(batch)
			if err != nil {
				prepareErr = err
				return
			}
			select {
			case batches <- prepared:
			case <-genCtx.Done():
				return
			}
		}
	}()
	var out IngestResult
	// The writer's thread, when timed (writerThread): what one core spends storing, which bounds
	// the rate where the other core keeps up with reading and checking (an idle machine).
	writerCPU, writerIO := func() time.Duration { return 0 }, func() ioCounts { return ioCounts{} }
	if writerThread {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		writerCPU, writerIO = threadCPU, threadIO
	}
	start := time.Now()
	cpuStart := processCPU()
	lastReport := start
	if bulk != nil {
		var err error
		if out.Bulk, err = bulk.BeginBulkLoad(ctx); err != nil {
			return out, err
		}
		if out.Bulk {
			progress("  a bulk load: the store builds its indexes and full-text entries at the end")
		}
	}
	// Where the last tenth began: the wall clock, the process's CPU and the writer's.
	var lastStart time.Time
	var lastCPU, lastWriter time.Duration
	for batch := range batches {
		if done := out.Created + out.Updated; lastStart.IsZero() && done >= n-last {
			lastStart, lastCPU, lastWriter = time.Now(), processCPU(), out.WriterCPU
			out.Last.Torrents = n - done
		}
		t0, c0, io0 := time.Now(), writerCPU(), writerIO()
		report, err := svc.Store(ctx, batch)
		out.InIngest += time.Since(t0)
		out.WriterCPU += writerCPU() - c0
		io := writerIO().minus(io0)
		out.WriterIO = out.WriterIO.plus(io)
		if !lastStart.IsZero() {
			out.Last.WriterIO = out.Last.WriterIO.plus(io)
		}
		if err != nil {
			return out, err
		}
		if report.Failed > 0 {
			for _, r := range report.Results {
				if r.Status == ingest.Failed {
					return out, fmt.Errorf("torrent %s failed: %+v", r.InfoHash, r.Problem)
				}
			}
		}
		out.Created += report.Created
		out.Updated += report.Updated
		if time.Since(lastReport) > 10*time.Second {
			lastReport = time.Now()
			done := out.Created + out.Updated
			progress("  %d torrents, %.0f/s", done, float64(done)/time.Since(start).Seconds())
		}
	}
	if prepareErr != nil {
		return out, prepareErr
	}
	settleStart, c0, io0 := time.Now(), writerCPU(), writerIO()
	if out.Bulk {
		if err := bulk.FinishBulkLoad(ctx, func(what string) {
			progress("  finishing the bulk load (%s in): %s", time.Since(settleStart).Round(time.Millisecond), what)
		}); err != nil {
			return out, fmt.Errorf("finish the bulk load: %w", err)
		}
		out.Finish = time.Since(settleStart)
		progress("  finished the bulk load in %s", out.Finish.Round(time.Millisecond))
	}
	if err := settle(ctx); err != nil {
		return out, fmt.Errorf("settle: %w", err)
	}
	out.Settle = time.Since(settleStart) - out.Finish
	out.WriterCPU += writerCPU() - c0
	io := writerIO().minus(io0)
	out.WriterIO = out.WriterIO.plus(io)
	if !lastStart.IsZero() {
		out.Last.WriterIO = out.Last.WriterIO.plus(io)
	}
	out.Duration = time.Since(start)
	end := processCPU()
	out.CPU = end - cpuStart - generation
	if !lastStart.IsZero() {
		// The generator runs ahead of the writer by the channel's two batches, so the last tenth's
		// share of the corpus's making is told by the batches generated, not the batches stored:
		// at most two batches' generation off, a few percent of the corpus's making, which is a
		// small part of the CPU.
		out.Last.Duration = time.Since(lastStart)
		out.Last.CPU = end - lastCPU - (generation - generationBeforeLast)
		out.Last.WriterCPU = out.WriterCPU - lastWriter
	}
	if out.Created+out.Updated != n {
		return out, fmt.Errorf("ingested %d of %d torrents", out.Created+out.Updated, n)
	}
	return out, nil
}

// writeIngest keeps the ingest's figures beside the database (<db>.ingest.json), so a run that
// reuses the database (BENCH_DB) reports the ingest that built it.
func writeIngest(dbPath string, in IngestResult) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return os.WriteFile(dbPath+".ingest.json", b, 0o644)
}

// readIngest reads what writeIngest kept.
func readIngest(dbPath string) (IngestResult, error) {
	var in IngestResult
	b, err := os.ReadFile(dbPath + ".ingest.json")
	if err != nil {
		return in, err
	}
	return in, json.Unmarshal(b, &in)
}

// openMigrated opens the local file at path with the service's defaults and applies every migration.
func openMigrated(ctx context.Context, path string, writerCache int64) (*r1.Database, error) {
	db, err := r1.OpenFile(ctx, path, r1.LocalOptions{WriterCache: writerCache})
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// writerCache is the writer's cache of a corpus's database, in bytes (0: the service's,
// r1.WriterCacheBytes): cfg.WriterCacheMiB when set; else, for a build that is a bulk load
// (cfg.Bulk, an empty database), the cache `streamer import` gives its writer, since only the
// import loads in bulk and the ingest row is its rate (1,000,000 tags torrents, two alternated
// pairs, 04:01-04:09 UTC 2026-11-30: 9,497 and 9,344/s with it, 9,035 and 8,964/s with the
// service's 32 MiB, 167-171 µs of CPU a torrent against 178); else (a build batch by batch as POST
// /api/ingest stores, or more into a kept database) the service's.
func writerCache(cfg Config, build bool) int64 {
	if cfg.WriterCacheMiB > 0 {
		return int64(cfg.WriterCacheMiB) << 20
	}
	if build && cfg.Bulk {
		return bootstrap.ImportWriterCache
	}
	return 0
}
