package bootstrap

import (
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/torrent-streamer/streamer/adapters/r1"
)

// The service's memory budget, in one place: what each part of the Go heap may hold at once. Serve
// sets the Go runtime's soft memory limit to its total unless GOMEMLIMIT is set, so the collector
// runs before the heap passes it instead of letting the heap grow to twice what was live at the
// last collection. Why: password hashing allocates its whole memory per derivation (Argon2id 19 MiB
// each; eight sign-ins a second are 150 MiB a second of garbage), and with the collector's default
// target alone the heap, and RSS with it, rose to twice whatever was live at the collection that
// ran while hashes were in flight: the 10-minute soak's RSS grew 10.7 % from its middle to its end
// while what was live did not.
//
//	part                                   bound                                          default, 2 CPUs
//	the cache's process tier               CACHE_MAX_MIB (values weighed at ~2x their JSON) 64 MiB
//	password hashing (argon2id)            19 MiB per derivation, one per CPU at once       38 MiB
//	legacy password hashes (Better Auth)   scrypt's 32 MiB, one at a time                   32 MiB
//	requests in flight, buffers, runtime   memoryForRequests                                48 MiB
//	                                                                                        182 MiB
//
// Outside the Go heap, and so not in its limit, the embedded default's SQLite keeps its pages in one
// pool (sqlitePageCache): allocated and resident from the start, and the bound of every
// connection's cache. Before, each page was allocated as it was needed at about twice its size, and
// the caches filled into RSS over minutes of load (the soak: memory outside Go 59 → 94 MiB from its
// middle to its end, RSS +13.7 %). The binary's text is the rest, about 23 MiB.
//
//	SQLite's page cache pool (local file)  the writer's 32 MiB, 2 MiB for each reader and   54 MiB
//	                                       the checkpointer, 4 MiB for temporary tables
//	                                       (r1.PageCacheFor)
type memoryBudget struct {
	cache, hashing, legacyHashing, requests int64
	// sqlitePages is SQLite's page cache pool, outside the Go heap; 0 without a local file.
	sqlitePages int64
}

// sqlitePageCache is the pool for the local engine's connections at their default number: the
// writer's cache, each reader's and the checkpointer's, and room for temporary tables.
func sqlitePageCache() int64 { return r1.PageCacheFor(r1.DefaultReaders(runtime.GOMAXPROCS(0))) }

// memoryForRequests is what requests in flight, the HTTP response caches and buffers, the KV
// write-behind queue (at most 8 MiB, Cloudflare mode) and the runtime hold: measured at 20 to 30 MiB
// under the soak's 64 clients (heap profiles), with room. Torznab's kept answers and items are
// bounded at 16 and 8 MiB (adapters/torznab: answers.go, fragments.go), REST's kept answers at 16
// MiB (adapters/rest/responses.go); kept answers are counted as kept, gzip-compressed, with the
// plain copy made once a client without gzip asked for one.
const memoryForRequests = 48 << 20

// total is the Go heap's share: the runtime's memory limit. SQLite's pages are beside it.
func (b memoryBudget) total() int64 { return b.cache + b.hashing + b.legacyHashing + b.requests }

// applyMemoryLimit sets the Go runtime's soft memory limit to the budget, unless the operator set
// GOMEMLIMIT (the runtime read it already); it returns the limit in force.
func applyMemoryLimit(b memoryBudget, log *slog.Logger) int64 {
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		limit := debug.SetMemoryLimit(-1)
		log.Info("memory limit from GOMEMLIMIT", "limit", v, "budget_mib", b.total()>>20)
		return limit
	}
	debug.SetMemoryLimit(b.total())
	log.Info("memory limit: the service's budget (GOMEMLIMIT overrides it)", "limit_mib", b.total()>>20,
		"cache_mib", b.cache>>20, "hashing_mib", b.hashing>>20, "legacy_hashing_mib", b.legacyHashing>>20,
		"requests_mib", b.requests>>20, "sqlite_page_cache_mib", b.sqlitePages>>20)
	return b.total()
}

func (b memoryBudget) String() string {
	return fmt.Sprintf("%d MiB (cache %d, hashing %d, legacy hashing %d, requests %d), and SQLite's pages %d MiB", b.total()>>20,
		b.cache>>20, b.hashing>>20, b.legacyHashing>>20, b.requests>>20, b.sqlitePages>>20)
}

// `streamer import` on the local file is a one-shot bulk job with a memory budget of its own (its
// target: a peak RSS of at most 200 MiB at 1,000,000 torrents, tests/migration's TestImportAtScale).
// Its writer sets its pace, so it gives SQLite the service's kind of page cache pool, where a page
// costs its 4 KiB instead of about 8 KiB each as it is allocated, and spends what that frees, and a
// little more, on a writer's cache twice the service's: once the indexes outgrow the cache, each
// torrent makes the writer read back and write again fewer pages, and the bulk transactions, sized
// to half the cache, are twice as large (fewer commits and full-text segments). It serves no reads,
// so two readers do.
//
//	part                                   bound                                          import
//	SQLite's page cache pool               the writer's 64 MiB (ImportWriterCache), 2 MiB  74 MiB
//	                                       for each of 2 readers and the checkpointer, 4
//	                                       MiB for temporary tables (r1.PageCacheForWriter)
//	the rest: the Go heap (two batches of  measured, not bounded: about 95 MiB (peak RSS    95 MiB
//	2500 torrents in flight, the source's  167-169 MiB at 1,000,000 torrents of 10 files,
//	rows), SQLite's statements and pending 170 at 250,000; before, the same rest and a
//	full-text terms, the binary's text     pool-less 32 MiB cache: 160-165 MiB)
//
// At 1,000,000 torrents the import went from 96 % of ingest's rate to 112-118 % (README, "Moving
// data in and out"); caches of 80 MiB and more saved no more CPU at 250,000 and took the peak RSS
// to 186 MiB and more.
//
// A dry run (a scratch file of its own: import.go's dryRunTarget) and export keep the defaults: they
// write no record.
const (
	// ImportWriterCache is the import's writer's cache, which tests/bench gives the writer of the
	// bulk loads it measures as the import's.
	ImportWriterCache = 64 << 20
	importReaders     = 2
)

// importLocalOptions opens the local file for `streamer import` within its budget.
func importLocalOptions() r1.LocalOptions {
	return r1.LocalOptions{
		Readers: importReaders, WriterCache: ImportWriterCache,
		PageCache: r1.PageCacheForWriter(ImportWriterCache, importReaders),
	}
}
