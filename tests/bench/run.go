package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/adapters/metainfo"
	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/application/catalog"
	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/application/migration"
	"github.com/torrent-streamer/streamer/ports"
)

// Config is one run of the benchmark.
type Config struct {
	N       int     // torrents in each corpus
	Seed    uint64  // corpus seed
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

	IngestOnly   bool   // stop after the ingest (tuning it)
	SearchesOnly bool   // measure the ingest and the searches only (tuning search)
	TorznabOnly  bool   // measure only the same searches through REST and Torznab over HTTP
	ProfileDir   string // where CPU profiles of the ingest and of the uncached reads go; "" for none

	Progress io.Writer // progress lines; nil for none
}

func defaultConfig() Config {
	return Config{
		N: 1_000_000, Seed: 1, Shapes: Shapes, OutDir: "bench",
		Samples: 200, LikeSamples: 5, LoadDuration: 5 * time.Second, Connections: 32, SweepQueries: 4000,
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
	dir := cfg.ReuseDB
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp(cfg.TempDir, "streamer-bench-"); err != nil {
			return nil, err
		}
		if cfg.KeepDB {
			progress("the databases stay in %s (BENCH_DB=%s reuses them)", dir, dir)
		} else {
			defer os.RemoveAll(dir)
		}
	}
	for i, shape := range cfg.Shapes {
		cr, err := runCorpus(ctx, cfg, res, shape, filepath.Join(dir, string(shape)+".db"), i == 0, progress)
		if err != nil {
			return nil, fmt.Errorf("%s corpus: %w", shape, err)
		}
		res.Corpora = append(res.Corpora, cr)
	}
	res.BenchPeakRSS = peakRSS(os.Getpid())
	res.Elapsed = time.Since(res.Started)
	return res, nil
}

// runCorpus ingests one corpus into path (unless reused) and measures it; first says to measure
// everything else on it too.
func runCorpus(ctx context.Context, cfg Config, res *Results, shape Shape, path string, first bool, progress func(string, ...any)) (CorpusResults, error) {
	cr := CorpusResults{Shape: shape}
	corpus := NewShapedCorpus(cfg.Seed, shape)
	_, statErr := os.Stat(path)
	reuse := cfg.ReuseDB != "" && statErr == nil
	db, err := r1.OpenFile(ctx, path, r1.LocalOptions{})
	if err != nil {
		return cr, err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return cr, err
	}
	repo := r1.NewTorrentRepository(db)
	if !reuse {
		progress("%s corpus: ingesting %d torrents in batches of %d", shape, cfg.N, ingestBatch)
		stopProfile := startProfile(cfg.ProfileDir, string(shape)+"-ingest")
		cr.Ingest, err = ingestCorpus(ctx, repo, db.Settle, corpus, cfg.N, progress)
		stopProfile()
		if err != nil {
			return cr, fmt.Errorf("ingest: %w", err)
		}
		progress("%s corpus: ingested %d torrents in %s: %.0f torrents/s (the last %s settling); CPU a torrent: %s in all (the corpus's making excluded), %s on the writer's thread",
			shape, cfg.N, cr.Ingest.Duration.Round(time.Millisecond), cr.Ingest.PerSecond(), cr.Ingest.Settle.Round(time.Millisecond),
			cr.Ingest.CPUPerTorrent().Round(100*time.Nanosecond), cr.Ingest.WriterCPUPerTorrent().Round(100*time.Nanosecond))
		if err := writeIngest(path, cr.Ingest); err != nil {
			return cr, err
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
	qs := buildQueries(ctx, corpus, repo, cfg.N, cfg.Samples, cfg.Seed)
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

// startProfile writes a CPU profile of what runs until the returned function is called to
// dir/<name>.cpu.pprof (go tool pprof reads it).
func startProfile(dir, name string) func() {
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, name+".cpu.pprof"))
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// ingestCorpus sends the corpus through the ingest use case (the same code POST /api/ingest and
// streamer import call), one batch of 1000 at a time, while the next batches are generated and
// prepared on the other core.
//
// settle finishes what the store left for its idle time (the full-text index's merges, see
// r1.Database.Settle): the ingest's time includes it, so deferring work does not flatter the rate.
func ingestCorpus(ctx context.Context, repo ports.TorrentRepository, settle func(context.Context) error, corpus *Corpus, n int, progress func(string, ...any)) (IngestResult, error) {
	cache := caching.NewStore(memory.NewCache(memory.CacheOptions{}), ports.SystemClock{}, caching.Options{Logger: quiet})
	svc := ingest.NewService(repo, metainfo.NewDecoder(), cache, ports.SystemClock{}, quiet)
	batches := make(chan ingest.Prepared, 2)
	genCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var generation time.Duration // CPU time spent making the corpus, read when batches is closed
	var prepareErr error         // likewise
	go func() {
		defer close(batches)
		// The generator's own thread CPU time, so the ingest's CPU time can be told without it.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		for from := 0; from < n; from += ingestBatch {
			before := threadCPU()
			batch := corpus.Batch(from, min(ingestBatch, n-from))
			generation += threadCPU() - before
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
	// The writer's thread: what one core spends storing, which bounds the rate where the other
	// core keeps up with reading and checking (an idle machine).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := time.Now()
	cpuStart := processCPU()
	lastReport := start
	for batch := range batches {
		t0, c0 := time.Now(), threadCPU()
		report, err := svc.Store(ctx, batch)
		out.InIngest += time.Since(t0)
		out.WriterCPU += threadCPU() - c0
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
	settleStart, c0 := time.Now(), threadCPU()
	if err := settle(ctx); err != nil {
		return out, fmt.Errorf("settle: %w", err)
	}
	out.Settle = time.Since(settleStart)
	out.WriterCPU += threadCPU() - c0
	out.Duration = time.Since(start)
	out.CPU = processCPU() - cpuStart - generation
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
