package bootstrap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/torrent-streamer/streamer/adapters/argon2id"
	"github.com/torrent-streamer/streamer/adapters/betterauth"
	"github.com/torrent-streamer/streamer/adapters/cfapi"
	"github.com/torrent-streamer/streamer/adapters/kv"
	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/adapters/metainfo"
	"github.com/torrent-streamer/streamer/adapters/ndjson"
	"github.com/torrent-streamer/streamer/adapters/postgres"
	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/adapters/randtoken"
	"github.com/torrent-streamer/streamer/application/accounts"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/application/migration"
	"github.com/torrent-streamer/streamer/ports"
)

// ImportOptions are `streamer import`'s flags.
type ImportOptions struct {
	From    string   // a PostgreSQL URL or DSN, or an NDJSON file
	Presets []string // better-auth, bitmagnet
	MapDir  string
	DryRun  bool
	// ReportFile, when set, receives the report as JSON.
	ReportFile string
	// Out receives the summary; Progress the bars (a terminal) or a line every few seconds.
	Out, Progress io.Writer
	// Terminal says Progress is a person's terminal: bars rather than lines.
	Terminal bool
	// CheckpointEvery overrides how often the position is saved (tests: every batch).
	CheckpointEvery time.Duration
	// Interrupt, for tests, wraps the source: it may fail a read half way, as a lost connection does.
	Interrupt func(ports.ImportSource) ports.ImportSource
}

// On D1 the import fills each request up to a little under R1's 1 MiB bound (its size estimate
// errs high), and checkpoints every 30 s: a resumed run reads at most that again.
const (
	D1ImportBatchBytes = 1<<20 - 32<<10
	D1CheckpointEvery  = 30 * time.Second
)

// target is the database an import or export writes to or reads from, as the configuration names it.
type target struct {
	db       *r1.Database
	upstream *cfapi.Upstream // nil on the local file
	shared   ports.Cache     // Workers KV, nil without it
	close    func()
}

// calls counts the requests sent to Cloudflare so far.
func (t target) calls() int64 {
	if t.upstream == nil {
		return 0
	}
	st := t.upstream.UpstreamStats()
	return int64(st.R1.Calls + st.KV.Calls)
}

// openTarget opens the configured database: the local file with local's options, or D1.
func openTarget(ctx context.Context, cfg Config, log *slog.Logger, local r1.LocalOptions) (target, error) {
	if !cfg.Cloudflare() {
		local.Progress = migrateProgress(log)
		if local.Notice == nil {
			local.Notice = databaseNotice(log)
		}
		db, err := r1.OpenFile(ctx, cfg.DatabasePath(), local)
		if err != nil {
			return target{}, fmt.Errorf("open the database %s: %w", cfg.DatabasePath(), err)
		}
		if err := db.Migrate(ctx); err != nil {
			_ = db.Close()
			return target{}, fmt.Errorf("migrate the database %s: %w", cfg.DatabasePath(), err)
		}
		return target{db: db, close: func() { _ = db.Close() }}, nil
	}
	client, up := cloudflareClient(cfg)
	db, err := openD1(ctx, cfg, client)
	if err != nil {
		return target{}, err
	}
	t := target{db: db, upstream: up, close: func() { _ = db.Close() }}
	if cfg.KVNamespaceID != "" {
		cache := kv.New(client, cfg.CFAccountID, cfg.KVNamespaceID, kv.Options{WriteBehind: KVWriteBehind, Logger: log})
		t.shared = cache
		t.close = func() { _ = cache.Close(); _ = db.Close() }
	}
	return t, nil
}

// dryRunTarget is the database a dry run checks against: a throwaway local file, with the
// defaults, gone when the run ends. A dry run reads no record of the configured database and writes
// none, so it never opens it: not even a migration it lacks, nor the file's creation, happens there,
// and on Cloudflare it sends no request.
func dryRunTarget(ctx context.Context, log *slog.Logger) (target, error) {
	dir, err := os.MkdirTemp("", "streamer-dry-run-")
	if err != nil {
		return target{}, fmt.Errorf("a dry run's scratch database: %w", err)
	}
	t, err := openTarget(ctx, Config{R1Database: filepath.Join(dir, "dry-run.db")}, log, r1.LocalOptions{})
	if err != nil {
		_ = os.RemoveAll(dir)
		return target{}, fmt.Errorf("a dry run's scratch database: %w", err)
	}
	closeDB := t.close
	t.close = func() { closeDB(); _ = os.RemoveAll(dir) }
	return t, nil
}

// Import runs `streamer import`: it reads the source and writes through the service's own stores
// and ingest rules into the configured database, then prints (and with ReportFile writes) the report.
func Import(ctx context.Context, cfg Config, log *slog.Logger, opts ImportOptions) (migration.Report, error) {
	secret, err := authSecret(cfg)
	if err != nil {
		return migration.Report{}, err
	}
	src, err := openSource(ctx, opts)
	if err != nil {
		return migration.Report{}, err
	}
	defer src.Close()
	if opts.Interrupt != nil {
		src = opts.Interrupt(src)
	}
	progress := newProgress(opts.Progress, opts.Terminal)
	defer progress.close()
	var tgt target
	if opts.DryRun {
		tgt, err = dryRunTarget(ctx, log)
	} else {
		local := importLocalOptions()
		// Another process's bulk load under way: logged, and shown where the person watches.
		local.Notice = func(what string) {
			databaseNotice(log)(what)
			progress.note(what)
		}
		tgt, err = openTarget(ctx, cfg, log, local)
	}
	if err != nil {
		return migration.Report{}, err
	}
	defer tgt.close()

	clock := ports.SystemClock{}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var shared ports.Cache = memory.NewCache(memory.CacheOptions{})
	if tgt.shared != nil {
		shared = tgt.shared
	}
	cache := caching.NewStore(shared, clock, caching.Options{Logger: log})
	// Ingest invalidates its cache after every batch: here that cache is this process's alone, and
	// the shared one is invalidated once, at the end.
	local := caching.NewStore(memory.NewCache(memory.CacheOptions{}), clock, caching.Options{Logger: quiet})
	hasher, err := argon2id.New(argon2id.OWASP, 1)
	if err != nil {
		return migration.Report{}, err
	}
	legacy := betterauth.NewScrypt(1)
	acc, err := accounts.NewService(accounts.Deps{
		Users: r1.NewUserRepository(tgt.db), Sessions: r1.NewSessionRepository(tgt.db), Hasher: hasher, Legacy: legacy,
		Tokens: randtoken.Source{}, Cache: local, Clock: clock, Logger: quiet,
	}, secret)
	if err != nil {
		return migration.Report{}, err
	}
	store := r1.NewImportStore(tgt.db)
	var bulk ports.BulkLoader
	if tgt.upstream == nil && !opts.DryRun {
		// The local file: a run into an empty catalog is a bulk load (r1 decides; D1 never is).
		bulk = r1.NewBulkLoader(tgt.db)
	}
	im := migration.NewImporter(migration.Deps{
		Accounts: store, Categories: store, Checkpoints: store, ActivityRetention: cfg.ActivityRetention,
		Ingest: ingest.NewService(r1.NewTorrentRepository(tgt.db), metainfo.NewDecoder(), local, clock, quiet), Bulk: bulk,
		Legacy: legacy, SessionID: acc.SessionIDOf, Cache: cache, Clock: clock, Logger: log,
	})
	callsBefore := tgt.calls()
	run := migration.Options{DryRun: opts.DryRun, Progress: progress, CheckpointEvery: opts.CheckpointEvery}
	if tgt.upstream != nil {
		// On D1 a batch that fits one request (1 MiB) is one call, and a checkpoint is one call too.
		run.BatchBytes = D1ImportBatchBytes
		if run.CheckpointEvery == 0 {
			run.CheckpointEvery = D1CheckpointEvery
		}
	}
	report, runErr := im.Run(ctx, src, run)
	progress.close()
	if runErr == nil && !opts.DryRun {
		// A bulk load leaves the local file's full-text index in many small segments, merged when
		// the writer is idle: merge them now, so the file is as quick to search as it will be, and
		// the import's time counts it (as make bench counts it in ingest's). On D1 it does nothing.
		began := time.Now()
		runErr = tgt.db.Settle(ctx)
		report.Took += time.Since(began)
	}
	// The cache's invalidation is written behind: write it now, so it is counted (closing twice is fine).
	if c, ok := tgt.shared.(io.Closer); ok {
		_ = c.Close()
	}
	var calls int64 = -1
	if tgt.upstream != nil {
		calls = tgt.calls() - callsBefore
		report.UpstreamCalls = calls
	}
	printReport(opts.Out, report, calls)
	if opts.ReportFile != "" {
		if err := writeReport(opts.ReportFile, report, calls, runErr); err != nil {
			return report, errors.Join(runErr, err)
		}
	}
	return report, runErr
}

func openSource(ctx context.Context, opts ImportOptions) (ports.ImportSource, error) {
	from := strings.TrimSpace(opts.From)
	switch {
	case from == "":
		return nil, errors.New("--from is required: a PostgreSQL URL (postgres://...) or an NDJSON file")
	case strings.HasPrefix(from, "postgres://"), strings.HasPrefix(from, "postgresql://"), strings.Contains(from, "host="), strings.Contains(from, "dbname="):
		return postgres.Open(ctx, from, opts.Presets, opts.MapDir)
	}
	if len(opts.Presets) > 0 || opts.MapDir != "" {
		return nil, errors.New("--preset and --map apply to a PostgreSQL source, not to an NDJSON file")
	}
	return ndjson.Open(from)
}

// progress shows an import's progress: a bar per kind (rows per second, time left) on a terminal,
// a plain line every few seconds otherwise.
type progress struct {
	mu        sync.Mutex
	w         io.Writer
	terminal  bool
	bar       *progressbar.ProgressBar
	kind      ports.ImportKind
	total     int64
	done      int64
	began     time.Time
	stop      chan struct{}
	stopped   sync.WaitGroup
	closeOnce sync.Once
}

// ProgressEvery is how often a plain progress line is written.
const ProgressEvery = 5 * time.Second

func newProgress(w io.Writer, terminal bool) *progress {
	if w == nil {
		w = io.Discard
	}
	p := &progress{w: w, terminal: terminal, stop: make(chan struct{})}
	if !terminal {
		p.stopped.Add(1)
		go p.lines()
	}
	return p
}

func (p *progress) Begin(kind ports.ImportKind, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.kind, p.total, p.done, p.began = kind, total, 0, time.Now()
	if p.terminal {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(p.w), progressbar.OptionSetDescription(fmt.Sprintf("%-8s", kind)),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"),
			progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionFullWidth(), progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }))
	}
}

func (p *progress) Advance(kind ports.ImportKind, n int) {
	p.mu.Lock()
	p.done += int64(n)
	bar := p.bar
	p.mu.Unlock()
	if bar != nil {
		_ = bar.Add(n)
	}
}

func (p *progress) Step(kind ports.ImportKind, what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Describe(fmt.Sprintf("%-8s %s", kind, what))
		return
	}
	fmt.Fprintf(p.w, "import: %s: %s\n", kind, what)
}

func (p *progress) End(kind ports.ImportKind) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	} else {
		p.line()
	}
	p.kind = ""
}

// line writes where the import is; the caller holds mu.
func (p *progress) line() {
	if p.kind == "" {
		return
	}
	elapsed := time.Since(p.began)
	rate := float64(p.done) / max(elapsed.Seconds(), 0.001)
	msg := fmt.Sprintf("import: %s: %d read, %.0f rows/s", p.kind, p.done, rate)
	if p.total > 0 && rate > 0 && p.done < p.total {
		left := time.Duration(float64(p.total-p.done) / rate * float64(time.Second))
		msg += fmt.Sprintf(", about %d left (%s)", p.total-p.done, left.Round(time.Second))
	}
	fmt.Fprintln(p.w, msg)
}

func (p *progress) lines() {
	defer p.stopped.Done()
	tick := time.NewTicker(ProgressEvery)
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
			p.mu.Lock()
			p.line()
			p.mu.Unlock()
		}
	}
}

// note shows a line the person should read (another process's bulk load), above the bar on a
// terminal.
func (p *progress) note(what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintf(p.w, "import: %s\n", what)
}

// close stops the plain lines; a second call does nothing.
func (p *progress) close() {
	p.closeOnce.Do(func() {
		close(p.stop)
		p.stopped.Wait()
	})
}

func printReport(w io.Writer, r migration.Report, calls int64) {
	if w == nil {
		return
	}
	mode := ""
	if r.DryRun {
		mode = " (dry run: nothing written)"
	}
	fmt.Fprintf(w, "import from %s%s, %s\n", r.Source, mode, r.Took.Round(time.Millisecond))
	for _, k := range r.Kinds {
		fmt.Fprintf(w, "  %-8s read %d, created %d, updated %d, unchanged %d, skipped %d in %s",
			k.Kind, k.Read, k.Created, k.Updated, k.Unchanged, k.Skipped, k.Took.Round(time.Millisecond))
		if k.ResumedAfter != "" {
			fmt.Fprintf(w, " (resumed after key %s)", k.ResumedAfter)
		}
		if k.BulkFinish > 0 {
			fmt.Fprintf(w, " (a bulk load: %s of it building the indexes and the search index at the end)", k.BulkFinish.Round(time.Millisecond))
		}
		fmt.Fprintln(w)
		if k.WithoutPassword > 0 {
			fmt.Fprintf(w, "    %d without a password (OAuth only; they sign in by resetting it): %s\n",
				k.WithoutPassword, strings.Join(k.NoPassword, ", "))
		}
		for _, s := range k.Reasons {
			fmt.Fprintf(w, "    skipped %s: %s\n", s.Key, s.Reason)
		}
		if k.Skipped > int64(len(k.Reasons)) {
			fmt.Fprintf(w, "    ... and %d more skipped\n", k.Skipped-int64(len(k.Reasons)))
		}
	}
	if calls >= 0 {
		fmt.Fprintf(w, "  upstream calls to Cloudflare: %d\n", calls)
	}
}

// reportJSON is --report's document.
type reportJSON struct {
	Source        string           `json:"source"`
	DryRun        bool             `json:"dryRun"`
	Seconds       float64          `json:"seconds"`
	UpstreamCalls *int64           `json:"upstreamCalls,omitempty"`
	Error         string           `json:"error,omitempty"`
	Kinds         []kindReportJSON `json:"kinds"`
}

type kindReportJSON struct {
	Kind            string     `json:"kind"`
	Read            int64      `json:"read"`
	Created         int64      `json:"created"`
	Updated         int64      `json:"updated"`
	Unchanged       int64      `json:"unchanged"`
	Skipped         int64      `json:"skipped"`
	FirstSkipped    []skipJSON `json:"firstSkipped"`
	WithoutPassword int64      `json:"withoutPassword,omitempty"`
	NoPassword      []string   `json:"firstWithoutPassword,omitempty"`
	ResumedAfter    string     `json:"resumedAfter,omitempty"`
	Seconds         float64    `json:"seconds"`
	// The reader's wait for the writer and the writer's for the reader: which side is the bottleneck.
	ReadWaitedSeconds  float64 `json:"readWaitedSeconds"`
	WriteWaitedSeconds float64 `json:"writeWaitedSeconds"`
	// BulkFinishSeconds is the store's finish of a bulk load (in seconds too); absent when none.
	BulkFinishSeconds float64 `json:"bulkFinishSeconds,omitempty"`
}

type skipJSON struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
}

func writeReport(path string, r migration.Report, calls int64, runErr error) error {
	doc := reportJSON{Source: r.Source, DryRun: r.DryRun, Seconds: r.Took.Seconds(), Kinds: []kindReportJSON{}}
	if calls >= 0 {
		doc.UpstreamCalls = &calls
	}
	if runErr != nil {
		doc.Error = runErr.Error()
	}
	for _, k := range r.Kinds {
		kr := kindReportJSON{Kind: string(k.Kind), Read: k.Read, Created: k.Created, Updated: k.Updated, Unchanged: k.Unchanged, Skipped: k.Skipped,
			FirstSkipped: []skipJSON{}, WithoutPassword: k.WithoutPassword, NoPassword: k.NoPassword,
			ResumedAfter: k.ResumedAfter, Seconds: k.Took.Seconds(),
			ReadWaitedSeconds: k.ReadWaited.Seconds(), WriteWaitedSeconds: k.WriteWaited.Seconds(), BulkFinishSeconds: k.BulkFinish.Seconds()}
		for _, s := range k.Reasons {
			kr.FirstSkipped = append(kr.FirstSkipped, skipJSON(s))
		}
		doc.Kinds = append(doc.Kinds, kr)
	}
	raw, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(raw, '\n'), 0o644)
}

// Export runs `streamer export`: the catalog as NDJSON on w, one torrent a line.
func Export(ctx context.Context, cfg Config, log *slog.Logger, w io.Writer) (int64, error) {
	tgt, err := openTarget(ctx, cfg, log, r1.LocalOptions{})
	if err != nil {
		return 0, err
	}
	defer tgt.close()
	out := ndjson.NewWriter(w)
	n, err := migration.Export(ctx, r1.NewImportStore(tgt.db), out.Write)
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	return n, err
}
