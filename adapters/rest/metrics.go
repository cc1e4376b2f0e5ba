package rest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	runtimemetrics "runtime/metrics"

	"github.com/VictoriaMetrics/metrics"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"github.com/torrent-streamer/streamer/application/health"
)

// metricsContentType is Prometheus's text exposition format, which every scraper accepts.
const metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

// maxScrapesInFlight bounds the scrapes served at once; one more is answered 503 at once (a problem
// document, errScrapesBusy).
const maxScrapesInFlight = 4

// metricsHandler serves the counters in Prometheus's text format. They are read from the health
// use case at each scrape, without probing a store: a scrape costs no upstream request. Beside them,
// the Go runtime's (go_goroutines, go_memstats_*, GC pauses) and the process's (RSS, CPU, open file
// descriptors) standard metrics, which an operator and the soak (tests/soak) watch.
func metricsHandler(svc *health.Service, conns func() ConnStats) fiber.Handler {
	return adaptor.HTTPHandler(MetricsHandler(svc, conns)) // which says no-store, once
}

// MetricsHandler is /metrics as a net/http handler, for serving it on an address of its own
// (METRICS_ADDR) so it need not be public; see Options.MetricsElsewhere. conns, when not nil, adds
// the connection limiter's counters (LimitListener, Stats). The go_* and process_* metrics are
// VictoriaMetrics/metrics's (no protobuf linked), with # HELP and # TYPE lines.
func MetricsHandler(svc *health.Service, conns func() ConnStats) http.Handler {
	metrics.ExposeMetadata(true)
	inFlight := make(chan struct{}, maxScrapesInFlight)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		select {
		case inFlight <- struct{}{}:
			defer func() { <-inFlight }()
		default:
			writeHTTPProblem(w, errScrapesBusy)
			return
		}
		var b bytes.Buffer
		writeCounters(&b, svc.Counters())
		if conns != nil {
			writeConnStats(&b, conns())
		}
		metrics.WriteProcessMetrics(&b) // go_memstats_*, go_goroutines, go_gc_duration_seconds, process_*
		metrics.WriteFDMetrics(&b)      // process_open_fds, process_max_fds
		writeRuntimeSettings(&b)
		w.Header().Set("Content-Type", metricsContentType)
		_, _ = w.Write(b.Bytes())
	})
}

// sample is one value of a metric family, with its labels already written (`tier="process"`).
type sample struct {
	labels string
	value  float64
}

// family writes one metric family: its help, its type (counter or gauge) and its samples.
func family(w io.Writer, name, typ, help string, samples ...sample) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	for _, s := range samples {
		if s.labels == "" {
			fmt.Fprintf(w, "%s %g\n", name, s.value)
		} else {
			fmt.Fprintf(w, "%s{%s} %g\n", name, s.labels, s.value)
		}
	}
}

func one(v uint64) sample { return sample{value: float64(v)} }

// writeCounters writes health's counters, read at this scrape.
func writeCounters(w io.Writer, k health.Counters) {
	up := k.Upstream
	byService := func(r1, kv uint64) []sample {
		return []sample{{`service="r1"`, float64(r1)}, {`service="kv"`, float64(kv)}}
	}
	family(w, "streamer_upstream_calls_total", "counter",
		"Requests sent to Cloudflare, re-sends included, by service (r1: D1, kv: Workers KV).",
		byService(up.R1.Calls, up.KV.Calls)...)
	family(w, "streamer_upstream_errors_total", "counter",
		"Requests to Cloudflare that failed (no answer, 401, 403, 429, 5xx), by service.",
		byService(up.R1.Errors, up.KV.Errors)...)
	family(w, "streamer_upstream_retries_total", "counter",
		"Requests to Cloudflare that were re-sends after a failure, by service.",
		byService(up.R1.Retries, up.KV.Retries)...)
	c := k.Cache
	family(w, "streamer_cache_hits_total", "counter",
		"Reads answered by the cache, by tier (process: this instance's memory, shared: the shared cache).",
		sample{`tier="process"`, float64(c.LocalHits)}, sample{`tier="shared"`, float64(c.SharedHits)})
	family(w, "streamer_cache_misses_total", "counter",
		"Reads the cache could not answer (filled from the database).", one(c.Misses))
	family(w, "streamer_cache_stale_served_total", "counter",
		"Hits answered with a stale value while a refresh ran.", one(c.StaleServed))
	family(w, "streamer_cache_errors_total", "counter",
		"Shared cache failures, each answered from the database instead.", one(c.Errors))
	family(w, "streamer_cache_process_bytes", "gauge",
		"The weight of the values held in this process's cache tier, in bytes.", sample{value: float64(c.LocalBytes)})
	family(w, "streamer_cache_process_max_bytes", "gauge",
		"The bound of streamer_cache_process_bytes (CACHE_MAX_MIB).", sample{value: float64(c.LocalMaxBytes)})
	family(w, "streamer_cache_process_entries", "gauge",
		"The values held in this process's cache tier.", sample{value: float64(c.LocalSize)})
}

// writeConnStats writes the connection limiter's counters, read at this scrape.
func writeConnStats(w io.Writer, s ConnStats) {
	family(w, "streamer_connections_open", "gauge",
		"Client connections held now (at most MAX_CONNECTIONS).", sample{value: float64(s.Open)})
	family(w, "streamer_connections_shed_total", "counter",
		"Client connections refused with a quick 503 for MAX_CONNECTIONS or MAX_CONNECTIONS_PER_CLIENT.", one(s.Shed))
	family(w, "streamer_accept_errors_total", "counter",
		"Accepts that failed (out of descriptors, a connection reset early) and were retried.", one(s.AcceptErrors))
}

// runtimeSettings are the runtime's settings that Prometheus's Go collector serves under these
// names (the soak reads go_gc_gomemlimit_bytes) and VictoriaMetrics/metrics does not. signed: the
// runtime hands over a signed setting as a uint64, so GOGC=off (-1, as debug.SetGCPercent says it)
// read 18446744073709551615 (client_golang served that too: a float of the uint64); served as -1.
var runtimeSettings = []struct {
	metric, name, help string
	signed             bool
}{
	{"/gc/gogc:percent", "go_gc_gogc_percent", "The heap growth target between collections (GOGC), in percent; -1 when collections are off (GOGC=off).", true},
	{"/gc/gomemlimit:bytes", "go_gc_gomemlimit_bytes", "The Go runtime's soft memory limit (GOMEMLIMIT), in bytes.", false},
	{"/sched/gomaxprocs:threads", "go_sched_gomaxprocs_threads", "The threads that may run Go code at once (GOMAXPROCS).", false},
}

func writeRuntimeSettings(w io.Writer) {
	read := make([]runtimemetrics.Sample, len(runtimeSettings))
	for i, s := range runtimeSettings {
		read[i].Name = s.metric
	}
	runtimemetrics.Read(read)
	for i, s := range runtimeSettings {
		if read[i].Value.Kind() != runtimemetrics.KindUint64 { // KindBad when this Go has no such metric
			continue
		}
		v := one(read[i].Value.Uint64())
		if s.signed {
			v.value = float64(int64(read[i].Value.Uint64()))
		}
		family(w, s.name, "gauge", s.help, v)
	}
}
