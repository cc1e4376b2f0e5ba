// Command bench measures the catalog at scale on the embedded R1: it builds a deterministic corpus
// (BENCH_N torrents, default 1,000,000), ingests it through the ingest use case into a fresh local
// SQLite file, then measures search, latest and details uncached (the SQL runs) and cached (through
// the catalog use case), HTTP requests/s of the real app beside a bare Fiber handler, the serving
// process's peak RSS, and the same searches as a LIKE scan. It prints one Markdown table and writes
// it to bench/results-<date>.md, bench/latest.md and bench/results-<date>.json.
//
//	go run ./tests/bench                 # make bench
//	BENCH_N=100000 go run ./tests/bench  # a smaller corpus
//	BENCH_CLOCK=cpu go run ./tests/bench # reads timed by their CPU time, on a machine shared with other work
//
// It measures three corpora (BENCH_CORPORA, default zipf,flat,tags: see Shape), each in its own
// database. The databases live in a temporary directory and are removed afterwards (BENCH_KEEP=1 keeps
// them and prints where; BENCH_DB=dir reuses the databases a kept run left there, skipping the ingest,
// and reports the ingest that built them, kept beside each as <shape>.db.ingest.json; with no
// database there, it builds one and keeps it).
//
// The ingest's row gives the rate of the whole build and of its last tenth, which is the rate at the
// corpus's size (BENCH_N). To measure the ingest at a kept database's size without building one,
// BENCH_DB=dir BENCH_INGEST_MORE=50000 go run ./tests/bench ingests that many more torrents of each
// corpus into a copy of dir/<shape>.db and measures nothing else.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if os.Getenv(childEnv) != "" {
		os.Exit(serveChild())
	}
	cfg := defaultConfig()
	flag.IntVar(&cfg.N, "n", envInt("BENCH_N", cfg.N), "torrents in the corpus (env BENCH_N)")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "corpus seed")
	flag.StringVar(&cfg.OutDir, "out", envString("BENCH_OUT", cfg.OutDir), "where results go (env BENCH_OUT); empty: nowhere")
	flag.StringVar(&cfg.ReuseDB, "db", os.Getenv("BENCH_DB"), "reuse the ingested databases (<shape>.db) of this directory instead of building them (env BENCH_DB)")
	flag.BoolVar(&cfg.KeepDB, "keep", os.Getenv("BENCH_KEEP") != "", "keep the databases (env BENCH_KEEP)")
	corpora := flag.String("corpora", envString("BENCH_CORPORA", joinShapes(Shapes)), "the corpora, comma-separated: zipf, flat, tags (env BENCH_CORPORA)")
	flag.IntVar(&cfg.Samples, "samples", envInt("BENCH_SAMPLES", cfg.Samples), "timed queries per kind")
	flag.DurationVar(&cfg.LoadDuration, "load", cfg.LoadDuration, "HTTP load per target")
	flag.IntVar(&cfg.Connections, "conns", cfg.Connections, "HTTP connections of the load generator")
	flag.IntVar(&cfg.CompareQueries, "compare", envInt("BENCH_COMPARE", cfg.CompareQueries), "distinct one-word searches REST and Torznab are compared on, in three rounds (env BENCH_COMPARE)")
	flag.StringVar(&cfg.ProfileDir, "profile", os.Getenv("BENCH_PROFILE"), "write CPU profiles of the ingest and the uncached reads here (env BENCH_PROFILE)")
	flag.BoolVar(&cfg.IngestOnly, "ingest-only", false, "stop after the ingest")
	flag.BoolVar(&cfg.Bulk, "bulk", envString("BENCH_BULK", "1") != "0", "let the store take the load into an empty database as a bulk load, as streamer import does (env BENCH_BULK=0: no)")
	flag.IntVar(&cfg.WriterCacheMiB, "writer-cache-mib", envInt("BENCH_WRITER_CACHE_MIB", 0), "the writer's cache in MiB; 0: the import's for a bulk build, else the service's (env BENCH_WRITER_CACHE_MIB)")
	flag.BoolVar(&cfg.WriterThread, "writer-thread", os.Getenv("BENCH_WRITER_THREAD") != "", "lock the ingest's writer to its thread and time its CPU and I/O apart; slows the ingest (env BENCH_WRITER_THREAD)")
	flag.IntVar(&cfg.IngestMore, "ingest-more", envInt("BENCH_INGEST_MORE", 0), "with BENCH_DB: ingest this many more torrents into a copy of each kept database, and nothing else (env BENCH_INGEST_MORE)")
	dates := flag.String("dates", envString("BENCH_DATES", string(cfg.Dates)), "how upload dates follow the torrents' order: arrival, or random (as the databases kept from before were built) (env BENCH_DATES)")
	flag.BoolVar(&cfg.Redate, "redate", false, "with BENCH_DB: rewrite the upload dates of each kept database in place to the -dates law, and nothing else")
	flag.BoolVar(&cfg.SearchesOnly, "searches-only", false, "measure the ingest and the searches only")
	flag.BoolVar(&cfg.TorznabOnly, "torznab-only", false, "measure only the same searches through REST and Torznab over HTTP (on the first corpus)")
	flag.BoolVar(&cfg.HTTPOnly, "http-only", false, "measure only cached details and latest over HTTP against the bare handler (on the first corpus)")
	flag.Parse()
	shapes, err := parseShapes(*corpora)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	cfg.Shapes = shapes
	if cfg.Dates = Dates(*dates); cfg.Dates != DatesArrival && cfg.Dates != DatesRandom {
		fmt.Fprintf(os.Stderr, "bench: BENCH_DATES: no law %q (there are %s and %s)\n", *dates, DatesArrival, DatesRandom)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg.Progress = os.Stderr
	res, err := Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if cfg.Redate {
		return // the databases are rewritten: nothing was measured
	}
	table := res.Markdown()
	fmt.Println(table)
	if cfg.OutDir != "" {
		files, err := res.Write(cfg.OutDir, time.Now())
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "bench: wrote", files)
	}
}

func envInt(name string, def int) int {
	if v := os.Getenv(name); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
		fmt.Fprintf(os.Stderr, "bench: %s=%q is not a number; using %d\n", name, v, def)
	}
	return def
}

func envString(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func joinShapes(shapes []Shape) string {
	names := make([]string, len(shapes))
	for i, s := range shapes {
		names[i] = string(s)
	}
	return strings.Join(names, ",")
}

func parseShapes(list string) ([]Shape, error) {
	var out []Shape
	for _, name := range strings.Split(list, ",") {
		shape := Shape(strings.TrimSpace(name))
		if !slices.Contains(Shapes, shape) {
			return nil, fmt.Errorf("BENCH_CORPORA: no corpus %q (there are %s)", name, joinShapes(Shapes))
		}
		out = append(out, shape)
	}
	return out, nil
}
