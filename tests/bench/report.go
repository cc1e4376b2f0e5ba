package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Results are one run's numbers.
type Results struct {
	N         int       `json:"n"`
	Seed      uint64    `json:"seed"`
	Started   time.Time `json:"started"`
	GoVersion string    `json:"goVersion"`
	GOOS      string    `json:"goos"`
	GOARCH    string    `json:"goarch"`
	CPUs      int       `json:"cpus"`

	// Corpora are the ingest and the uncached searches of each corpus, in Config.Shapes' order;
	// the rest is measured on the first.
	Corpora []CorpusResults `json:"corpora"`

	LatestUncached  Latency `json:"latestUncached"`
	DetailsUncached Latency `json:"detailsUncached"`
	SearchCached    Latency `json:"searchCached"`
	LatestCached    Latency `json:"latestCached"`
	DetailsCached   Latency `json:"detailsCached"`

	HTTPDetails Throughput `json:"httpDetails"`
	HTTPLatest  Throughput `json:"httpLatest"`
	// SearchHTTP is the same searches through REST and Torznab.
	SearchHTTP SearchOverHTTP `json:"searchHttp"`

	SweepRequests int           `json:"sweepRequests"`
	SweepDuration time.Duration `json:"sweepNs"`
	ServerPeakRSS int64         `json:"serverPeakRssBytes"`
	ServerRSS     int64         `json:"serverRssBytes"`
	BenchPeakRSS  int64         `json:"benchPeakRssBytes"`

	LikeScan Latency `json:"likeScan"`
	LikeFTS  Latency `json:"likeFts"`

	Elapsed time.Duration `json:"elapsedNs"`
}

// CorpusResults are one corpus's numbers.
type CorpusResults struct {
	Shape         Shape        `json:"shape"`
	DatabaseBytes int64        `json:"databaseBytes"`
	Ingest        IngestResult `json:"ingest"`
	// IngestReused: the database was reused (BENCH_DB) and Ingest is the run that built it.
	IngestReused bool `json:"ingestReused,omitempty"`

	SearchUncached    map[string]Latency     `json:"searchUncached"`
	SearchMatches     map[string]MatchStats  `json:"searchMatches"`
	SearchUncachedMix Latency                `json:"searchUncachedMix"`
	Slowest           map[string][]SlowQuery `json:"slowestSearches"`
}

// IngestResult is the ingest of the corpus.
type IngestResult struct {
	Created  int           `json:"created"`
	Updated  int           `json:"updated"`
	Duration time.Duration `json:"durationNs"` // wall clock, generation overlapping on the other core
	InIngest time.Duration `json:"inIngestNs"` // inside ingest.Service.Store
	Settle   time.Duration `json:"settleNs"`   // the store's deferred merges at the end, in Duration too
	// Bulk says the store took the load as a bulk load (ports.BulkLoader: an empty catalog on the
	// local file), and Finish is its finish, in Duration too: the indexes and the full-text
	// entries it deferred, built at the end.
	Bulk   bool          `json:"bulk,omitempty"`
	Finish time.Duration `json:"finishNs,omitempty"`
	// CPU is the process's CPU time (every core's) during the ingest, less what making the corpus
	// took: what the ingest costs, which a shared machine's wall clock does not tell.
	CPU time.Duration `json:"cpuNs"`
	// WriterCPU is the CPU time of the thread that stored the batches and settled: the writer's
	// share, on one core.
	WriterCPU time.Duration `json:"writerCpuNs"`
	// Merge is the full-text index's merge into one segment after the load (r1's
	// MergeSearchIndex, which the service runs in the background), not in Duration.
	Merge time.Duration `json:"mergeNs,omitempty"`
	// WriterIO is what the writer's thread read and wrote through the OS: pages of the database and
	// its WAL, one call each.
	WriterIO ioCounts `json:"writerIo"`
	// Last is the last tenth of the torrents, settling included: the rate at the final size.
	Last IngestPart `json:"last,omitzero"`
	// Into is the size of the database the torrents went into (-ingest-more), 0 for an empty one.
	Into int `json:"into,omitempty"`
}

// IngestPart is a part of an ingest: how many torrents, in what wall clock, at what CPU.
type IngestPart struct {
	Torrents  int           `json:"torrents"`
	Duration  time.Duration `json:"durationNs"`
	CPU       time.Duration `json:"cpuNs"`
	WriterCPU time.Duration `json:"writerCpuNs"`
	WriterIO  ioCounts      `json:"writerIo"`
}

// PerSecond is torrents per second of wall clock.
func (p IngestPart) PerSecond() float64 {
	if p.Duration <= 0 {
		return 0
	}
	return float64(p.Torrents) / p.Duration.Seconds()
}

// CPUPerTorrent is the part's CPU time (every core's) per torrent.
func (p IngestPart) CPUPerTorrent() time.Duration {
	if p.Torrents > 0 {
		return p.CPU / time.Duration(p.Torrents)
	}
	return 0
}

// IOText tells the writer's reads and writes through the OS per torrent (each a page, mostly).
func (p IngestPart) IOText() string {
	if p.WriterIO == (ioCounts{}) {
		return untimedWriter
	}
	n := float64(max(p.Torrents, 1))
	return fmt.Sprintf("%.1f reads (%.1f KiB), %.1f writes (%.1f KiB)", float64(p.WriterIO.Reads)/n, float64(p.WriterIO.ReadBytes)/n/1024,
		float64(p.WriterIO.Writes)/n, float64(p.WriterIO.WriteBytes)/n/1024)
}

// untimedWriter stands for the writer's figures when its thread was not timed (Config.WriterThread).
const untimedWriter = "not timed (BENCH_WRITER_THREAD=1 times it)"

// writerText is a writer's CPU time a torrent as the report writes it: 0 when it was not timed.
func writerText(d time.Duration) string {
	if d == 0 {
		return untimedWriter
	}
	return d.Round(100 * time.Nanosecond).String()
}

// WriterCPUPerTorrent is the writer's thread's CPU time per torrent.
func (p IngestPart) WriterCPUPerTorrent() time.Duration {
	if p.Torrents > 0 {
		return p.WriterCPU / time.Duration(p.Torrents)
	}
	return 0
}

// WriterCPUPerTorrent is the writer's CPU time per torrent: an idle machine whose other core keeps
// up with preparing the batches ingests about a second's worth of it a second.
func (i IngestResult) WriterCPUPerTorrent() time.Duration {
	if n := i.Created + i.Updated; n > 0 {
		return i.WriterCPU / time.Duration(n)
	}
	return 0
}

// CPUPerTorrent is the ingest's CPU time per torrent.
func (i IngestResult) CPUPerTorrent() time.Duration {
	if n := i.Created + i.Updated; n > 0 {
		return i.CPU / time.Duration(n)
	}
	return 0
}

// PerSecond is torrents per second of wall clock.
func (i IngestResult) PerSecond() float64 {
	if i.Duration <= 0 {
		return 0
	}
	return float64(i.Created+i.Updated) / i.Duration.Seconds()
}

// Throughput compares the app with the bare handler on one route.
type Throughput struct {
	Bytes int     `json:"bytes"`
	App   float64 `json:"appRequestsPerSecond"`
	Bare  float64 `json:"bareRequestsPerSecond"`
	// AppHeader and BareHeader are the header blocks' bytes (the body's are Bytes on both): fasthttp
	// writes a response through a 4 KiB buffer, so a body a little under it goes out in one write
	// from the bare handler and in two with the app's headers (its security headers, request id,
	// Vary).
	AppHeader  int `json:"appHeaderBytes,omitempty"`
	BareHeader int `json:"bareHeaderBytes,omitempty"`
	// BareWire is the bare handler's requests/s sending as many bytes on the wire as the app does
	// (its body longer by the difference of the headers): what is left when the headers' bytes are
	// set aside, and their CPU is not.
	BareWire float64 `json:"bareWireRequestsPerSecond,omitempty"`
	// Rounds are the app's rate over the bare handler's, turn by turn (interleavedLoad): the
	// spread of the pooled ratio on a shared machine.
	Rounds []float64 `json:"rounds,omitempty"`
}

// RoundsText is the turns' ratios, lowest and highest.
func (t Throughput) RoundsText() string {
	if len(t.Rounds) == 0 {
		return ""
	}
	return fmt.Sprintf(" (turn by turn %.0f%% to %.0f%%)", 100*slices.Min(t.Rounds), 100*slices.Max(t.Rounds))
}

// Ratio is the app's share of the bare handler's requests/s.
func (t Throughput) Ratio() float64 {
	if t.Bare == 0 {
		return 0
	}
	return t.App / t.Bare
}

// The targets.
const (
	targetIngestPerSecond = 10_000
	targetSearchP50       = 5 * time.Millisecond
	targetSearchP99       = 40 * time.Millisecond
	targetKindP99         = 50 * time.Millisecond
	targetLookupP99       = 2 * time.Millisecond
	targetHTTPRatio       = 0.60
	targetRSS             = 300 << 20
	targetLikeSpeedup     = 100
)

// row is one line of the table.
type row struct{ measure, result, target, met string }

// Rows are the table's lines, in order: ingest and every kind of search with a column per corpus,
// then the rest (measured on the first corpus) with its result in the first column.
func (r *Results) rows() []row {
	var rows []row
	add := func(measure, result, target, met string) { rows = append(rows, row{measure, result, target, met}) }
	percorpus := func(measure, target string, cell func(CorpusResults) (string, string)) {
		var cells, mets []string
		for _, c := range r.Corpora {
			text, met := cell(c)
			cells = append(cells, text)
			if met != "" {
				mets = append(mets, met)
			}
		}
		met := "n/a"
		if len(mets) > 0 {
			met = metAll(mets...)
		}
		add(measure, strings.Join(cells, " | "), target, met)
	}
	percorpus(fmt.Sprintf("Ingest through `ingest.Service`, batches of %d", ingestBatch), "≥ 10,000/s", func(c CorpusResults) (string, string) {
		if c.Ingest.Duration == 0 {
			return "reused database", ""
		}
		when := ""
		if c.IngestReused {
			when = ", when the reused database was built"
		}
		if c.Ingest.Merge > 0 {
			when += fmt.Sprintf("; then %s merging the search index into one segment, in the background", c.Ingest.Merge.Round(100*time.Millisecond))
		}
		in := c.Ingest
		if in.Into > 0 {
			// -ingest-more: the rate at the kept database's size is the second half's, the first
			// having warmed the writer's page cache.
			whole := fmt.Sprintf("%s more into %s: %s/s (%s; CPU a torrent %s, the writer's %s)", thousands(int64(in.Created+in.Updated)), thousands(int64(in.Into)),
				thousands(int64(in.PerSecond())), in.Duration.Round(100*time.Millisecond),
				in.CPUPerTorrent().Round(100*time.Nanosecond), writerText(in.WriterCPUPerTorrent()))
			if in.Last.Torrents == 0 {
				return whole, metMin(in.PerSecond(), targetIngestPerSecond)
			}
			return fmt.Sprintf("%s; its last %s: %s/s, CPU a torrent %s, the writer's %s (the writer's I/O a torrent: %s)", whole, thousands(int64(in.Last.Torrents)),
					thousands(int64(in.Last.PerSecond())), in.Last.CPUPerTorrent().Round(100*time.Nanosecond), writerText(in.Last.WriterCPUPerTorrent()), in.Last.IOText()),
				metMin(in.Last.PerSecond(), targetIngestPerSecond)
		}
		text := fmt.Sprintf("%s/s (%s; CPU a torrent %s, the writer's %s%s)", thousands(int64(in.PerSecond())), in.Duration.Round(100*time.Millisecond),
			in.CPUPerTorrent().Round(100*time.Nanosecond), writerText(in.WriterCPUPerTorrent()), when)
		if in.Last.Torrents == 0 {
			return text, metMin(in.PerSecond(), targetIngestPerSecond)
		}
		if in.Bulk {
			// A bulk load's rate is the whole load's, its finish included: its last tenth waits
			// for the finish of all of it.
			return fmt.Sprintf("a bulk load into the empty catalog: %s, its finish (the indexes and full-text entries, built at the end) %s of it", text, in.Finish.Round(100*time.Millisecond)),
				metMin(in.PerSecond(), targetIngestPerSecond)
		}
		// The rate at the corpus's size is the last tenth's: the target is met there or not at all.
		return fmt.Sprintf("at %s (its last %s): %s/s, CPU a torrent %s, the writer's %s (the writer's I/O a torrent: %s); the whole build %s", thousands(int64(in.Created+in.Updated)), thousands(int64(in.Last.Torrents)),
				thousands(int64(in.Last.PerSecond())), in.Last.CPUPerTorrent().Round(100*time.Nanosecond), writerText(in.Last.WriterCPUPerTorrent()), in.Last.IOText(), text),
			metMin(in.Last.PerSecond(), targetIngestPerSecond)
	})
	searched := false
	for _, c := range r.Corpora {
		searched = searched || c.SearchUncachedMix.N > 0
	}
	if !searched {
		// -torznab-only or -http-only: HTTP is all that was measured.
		r.throughputRows(add)
		r.searchHTTPRows(add)
		return rows
	}
	for _, kind := range searchKinds {
		percorpus("Search, uncached: "+kind, "p99 ≤ 50 ms", func(c CorpusResults) (string, string) {
			l, m := c.SearchUncached[kind], c.SearchMatches[kind]
			return fmt.Sprintf("%s (total %s, %d%% ≥ 10k)", latencyText(l), thousands(int64(m.Median)), 100*m.Estimated/max(m.Queries, 1)),
				metMax(l.P99, targetKindP99)
		})
	}
	percorpus("**Search, uncached: the mix above**", "p50 ≤ 5 ms, p99 ≤ 40 ms", func(c CorpusResults) (string, string) {
		l := c.SearchUncachedMix
		return latencyText(l), metAll(metMax(l.P50, targetSearchP50), metMax(l.P99, targetSearchP99))
	})
	if r.LatestUncached.N == 0 {
		return rows // -searches-only: nothing else was measured
	}
	add("Latest, uncached (20, all or one category)", latencyText(r.LatestUncached), "p99 ≤ 2 ms", metMax(r.LatestUncached.P99, targetLookupP99))
	add("Details, uncached (by id or info hash)", latencyText(r.DetailsUncached), "p99 ≤ 2 ms", metMax(r.DetailsUncached.P99, targetLookupP99))
	add("Search, cached (`catalog.Service`, process cache)", latencyText(r.SearchCached), "", "")
	add("Latest, cached", latencyText(r.LatestCached), "", "")
	add("Details, cached", latencyText(r.DetailsCached), "", "")
	r.throughputRows(add)
	r.searchHTTPRows(add)
	add(fmt.Sprintf("Peak RSS of the serving process (after the load and %s distinct requests)", thousands(int64(r.SweepRequests))),
		fmt.Sprintf("%d MiB (%d MiB at the end)", r.ServerPeakRSS>>20, r.ServerRSS>>20), "≤ 300 MiB", metMax(r.ServerPeakRSS, int64(targetRSS)))
	speedup := 0.0
	if r.LikeFTS.P50 > 0 {
		speedup = float64(r.LikeScan.P50) / float64(r.LikeFTS.P50)
	}
	add(fmt.Sprintf("LIKE scan vs FTS, the same %d searches, p50", r.LikeScan.N),
		fmt.Sprintf("LIKE %s vs FTS %s = %s×", ms(r.LikeScan.P50), ms(r.LikeFTS.P50), thousands(int64(speedup))),
		"FTS ≥ 100× faster", metMin(speedup, targetLikeSpeedup))
	return rows
}

// throughputRows are the rows of cached details and latest against the bare handler, when measured.
func (r *Results) throughputRows(add func(measure, result, target, met string)) {
	for _, t := range []struct {
		name string
		tp   Throughput
	}{{"details", r.HTTPDetails}, {"latest", r.HTTPLatest}} {
		if t.tp.Bare == 0 {
			continue
		}
		add(fmt.Sprintf("HTTP cached %s (%s-byte body; headers %s against %s bytes) vs bare Fiber, same size", t.name, thousands(int64(t.tp.Bytes)), thousands(int64(t.tp.AppHeader)), thousands(int64(t.tp.BareHeader))),
			fmt.Sprintf("%s vs %s req/s = %.0f%%%s", thousands(int64(t.tp.App)), thousands(int64(t.tp.Bare)), 100*t.tp.Ratio(), t.tp.RoundsText()),
			"≥ 60% of bare", metMin(t.tp.Ratio(), targetHTTPRatio))
		if t.tp.BareWire > 0 {
			add(fmt.Sprintf("HTTP cached %s vs bare Fiber sending as many bytes on the wire (its body %s bytes longer)", t.name, thousands(int64(t.tp.AppHeader-t.tp.BareHeader))),
				fmt.Sprintf("%s vs %s req/s = %.0f%%", thousands(int64(t.tp.App)), thousands(int64(t.tp.BareWire)), 100*t.tp.App/t.tp.BareWire),
				"(the headers' bytes set aside)", "")
		}
	}
}

// searchHTTPRows are the rows of the same searches through REST and Torznab, when measured.
func (r *Results) searchHTTPRows(add func(measure, result, target, met string)) {
	if h := r.SearchHTTP; h.Queries > 0 {
		for _, row := range []struct {
			name          string
			rest, torznab Latency
		}{
			{"uncached (each search's pages read once before, untimed; then each route twice on it, at two limits, in the order ABBA or BAAB)", h.RESTUncached, h.TorznabUncached},
			{"uncached, search by search the faster of each route's two answers (a hiccup of the shared machine set aside)", h.RESTUncachedBest, h.TorznabUncachedBest},
			{"asked again at once (each route's kept answer; REST's anonymous one)", h.RESTAgain, h.TorznabAgain},
			{"cached, the last searches asked again after the whole round (past the answers' second at scale: both write the page again from the catalog's cache)", h.RESTCached, h.TorznabCached},
			{"cached, REST with the same key as Bearer (REST writes every page)", h.RESTKeyCached, h.TorznabCached},
			{"no words (RSS), cached", h.RESTListing, h.TorznabRSS},
		} {
			if row.rest.N == 0 {
				continue
			}
			r50, r99 := ratio(row.torznab, row.rest), ratio99(row.torznab, row.rest)
			add(fmt.Sprintf("HTTP search %s, Torznab (XML) vs REST (JSON), %d requests each, up to 100 items", row.name, row.rest.N),
				fmt.Sprintf("Torznab %s · REST %s = %.2f× at p50, %.2f× at p99", latencyText(row.torznab), latencyText(row.rest), r50, r99),
				"within 10% of REST", metMax(max(r50, r99), 1.10))
		}
		if len(h.UncachedRounds) > 0 {
			var p50s, p99s []string
			worst := 0.0
			for _, r := range h.UncachedRounds {
				p50s, p99s = append(p50s, fmt.Sprintf("%.2f×", r.P50)), append(p99s, fmt.Sprintf("%.2f×", r.P99))
				worst = max(worst, r.P50, r.P99)
			}
			add(fmt.Sprintf("HTTP search uncached, Torznab vs REST round by round (%d rounds of about %d answers a route, in the order asked), and search by search", len(h.UncachedRounds), h.UncachedRounds[0].N),
				fmt.Sprintf("p50 %s · p99 %s; the median of Torznab's faster answer over REST's for the same search %.2f×; asked first of the four: REST p50 %s, Torznab %s; the others: REST %s, Torznab %s; each search's untimed first reading before them (REST, limit 98) %s",
					strings.Join(p50s, ", "), strings.Join(p99s, ", "), h.UncachedPaired,
					ms(h.UncachedFirst[0].P50), ms(h.UncachedFirst[1].P50), ms(h.UncachedSecond[0].P50), ms(h.UncachedSecond[1].P50), latencyText(h.ReadFirst)),
				"within 10% of REST in every round", metMax(worst, 1.10))
		}
		// Like for like: each route against the bare handler sending a body of its size on the
		// wire, both timed to the last byte (the client's inflate of the route's answer set aside:
		// the bare body is plain), so the format's size (a Torznab page is about three REST pages
		// of bytes) is set aside.
		for _, row := range []struct {
			name                       string
			rest, restBare, tz, tzBare Latency
		}{
			{"asked again at once", h.AgainReceived[0], h.BareAgain[0], h.AgainReceived[1], h.BareAgain[1]},
			{"cached", h.CachedReceived[0], h.BareREST, h.CachedReceived[1], h.BareTorznab},
			{"no words (RSS), cached", h.RSSReceived[0], h.BareListing, h.RSSReceived[1], h.BareRSS},
		} {
			if row.rest.N == 0 || row.restBare.N == 0 {
				continue
			}
			tz, rest := OverBare(row.tz, row.tzBare), OverBare(row.rest, row.restBare)
			ratio := 0.0
			if rest > 0 {
				ratio = tz / rest
			}
			add(fmt.Sprintf("HTTP search %s, to the last byte (the client's inflate set aside), each over a bare Fiber handler sending its wire bytes plain (Torznab %s B, REST %s B at most; %s and %s inflated)", row.name,
				thousands(int64(h.TorznabWire)), thousands(int64(h.RESTWire)), thousands(int64(h.TorznabBytes)), thousands(int64(h.RESTBytes))),
				fmt.Sprintf("Torznab %s, %.2f× its bare (%s) · REST %s, %.2f× its bare (%s) = %.2f×", ms(row.tz.P50), tz, ms(row.tzBare.P50), ms(row.rest.P50), rest, ms(row.restBare.P50), ratio),
				"within 10% of REST", metMax(ratio, 1.10))
		}
		if h.Refused != [2]int{} {
			add("HTTP search: answers over the search's time budget (503, error 900), not timed",
				fmt.Sprintf("REST %d, Torznab %d; the first: %.160s", h.Refused[0], h.Refused[1], h.FirstRefusal), "none", "**no**")
		}
		if h.RESTInflate.N > 0 {
			add("HTTP search asked again at once: the client's inflate of the gzip answers (part of the row above)",
				fmt.Sprintf("Torznab %s · REST %s = %.2f× at p50", latencyText(h.TorznabInflate), latencyText(h.RESTInflate), ratio(h.TorznabInflate, h.RESTInflate)),
				"(what the client pays)", "")
		}
		for _, f := range h.AppFeeds {
			for _, reading := range []struct {
				name    string
				latency Latency
				failed  int
			}{
				{"the pages' first reading (limit 99)", f.FirstRead, f.FirstFailed},
				{"then as the apps ask (limit 100: uncached, the pages read)", f.Latency, f.Failed},
			} {
				text, met := latencyText(reading.latency), metMax(reading.latency.P99, targetKindP99)
				if reading.failed > 0 {
					text += fmt.Sprintf("; %d of %d pages failed after p50 %s: %.160s", reading.failed, reading.failed+reading.latency.N, ms(f.FailedAfter.P50), f.Error)
					met = "**no**"
				}
				add(fmt.Sprintf("Torznab feed with no words, uncached: %s, %d pages, %s", f.Name, reading.failed+reading.latency.N, reading.name),
					text, "p99 ≤ 50 ms (the search target)", met)
			}
		}
	}
}

// Markdown is the results table with a line saying what was measured where.
func (r *Results) Markdown() string {
	var b strings.Builder
	var corpora, header, rule []string
	for _, c := range r.Corpora {
		corpora = append(corpora, fmt.Sprintf("%s (%s MiB)", c.Shape, thousands(c.DatabaseBytes>>20)))
		header = append(header, string(c.Shape)+" corpus")
		rule = append(rule, "---")
	}
	clock := "wall-clock"
	if cpuClock {
		clock = "the searching thread's CPU time (BENCH_CLOCK=cpu), not wall-clock"
	}
	fmt.Fprintf(&b, "Reads timed by %s. ", clock)
	fmt.Fprintf(&b, "Corpora of %s torrents each (seed %d): %s; %s, %s/%s, %d CPUs; run of %s on %s. "+
		"Latest, details, cached reads, HTTP, RSS and LIKE on the %s.\n\n",
		thousands(int64(r.N)), r.Seed, strings.Join(corpora, ", "), r.GoVersion, r.GOOS, r.GOARCH, r.CPUs,
		r.Elapsed.Round(time.Second), r.Started.Format("2006-01-02 15:04 MST"), header[0])
	fmt.Fprintf(&b, "| Measure | %s | Target | Met |\n|---|%s|---|---|\n", strings.Join(header, " | "), strings.Join(rule, "|"))
	for _, row := range r.rows() {
		result := row.result
		if cells := strings.Count(result, " | ") + 1; cells < len(header) {
			result += strings.Repeat(" | ", len(header)-cells)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", row.measure, result, row.target, row.met)
	}
	return b.String()
}

// SlowestText lists the slowest searches of each kind, for the progress output.
func (r *CorpusResults) SlowestText() string {
	var b strings.Builder
	for _, kind := range searchKinds {
		for _, q := range r.Slowest[kind] {
			fmt.Fprintf(&b, "  %-18s %9s  total %6d exact %-5v  %s\n", kind, ms(q.Duration), q.Total, q.Exact, q.Query)
		}
	}
	return b.String()
}

// Write puts the table and the raw numbers under dir: results-<time>.md and .json, and latest.md.
func (r *Results) Write(dir string, now time.Time) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	stamp := now.UTC().Format("20060102-150405")
	md := r.Markdown()
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	files := []string{
		filepath.Join(dir, "results-"+stamp+".md"),
		filepath.Join(dir, "results-"+stamp+".json"),
		filepath.Join(dir, "latest.md"),
	}
	for i, content := range [][]byte{[]byte(md), append(raw, '\n'), []byte(md)} {
		if err := os.WriteFile(files[i], content, 0o644); err != nil {
			return nil, err
		}
	}
	return files, nil
}

func latencyText(l Latency) string {
	return fmt.Sprintf("p50 %s · p99 %s", ms(l.P50), ms(l.P99))
}

func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 10:
		return fmt.Sprintf("%.1f ms", v)
	case v >= 1:
		return fmt.Sprintf("%.2f ms", v)
	case v >= 0.1:
		return fmt.Sprintf("%.3f ms", v)
	}
	return fmt.Sprintf("%.1f µs", v*1000)
}

func metMax[T ~int64 | ~float64](got, limit T) string {
	if got <= limit {
		return "yes"
	}
	return fmt.Sprintf("**no** (%.1f× the target)", float64(got)/float64(limit))
}

func metMin(got, limit float64) string {
	if got >= limit {
		return "yes"
	}
	return fmt.Sprintf("**no** (%.0f%% of the target)", 100*got/limit)
}

func metAll(parts ...string) string {
	var missed []string
	for _, p := range parts {
		if p != "yes" {
			missed = append(missed, p)
		}
	}
	if len(missed) == 0 {
		return "yes"
	}
	return strings.Join(missed, "; ")
}

// thousands writes n with comma separators.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
