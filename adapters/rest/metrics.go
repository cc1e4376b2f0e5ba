package rest

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/torrent-streamer/streamer/application/health"
)

// metricsHandler serves the counters in Prometheus's text format. They are read from the health
// use case at each scrape, without probing a store: a scrape costs no upstream request. Beside them,
// the Go runtime's (go_goroutines, go_memstats_*, GC pauses) and the process's (RSS, CPU, open file
// descriptors) standard collectors, which an operator and the soak (tests/soak) watch.
func metricsHandler(svc *health.Service, conns func() ConnStats) fiber.Handler {
	serve := adaptor.HTTPHandler(MetricsHandler(svc, conns))
	return func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "no-store")
		return serve(c)
	}
}

// MetricsHandler is /metrics as a net/http handler, for serving it on an address of its own
// (METRICS_ADDR) so it need not be public; see Options.MetricsElsewhere. conns, when not nil, adds
// the connection limiter's counters (LimitListener, Stats).
func MetricsHandler(svc *health.Service, conns func() ConnStats) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(countersCollector{health: svc},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if conns != nil {
		reg.MustRegister(connCollector{stats: conns})
	}
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorHandling:       promhttp.ContinueOnError,
		DisableCompression:  true,
		MaxRequestsInFlight: 4,
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

var (
	upstreamCallsDesc = prometheus.NewDesc("streamer_upstream_calls_total",
		"Requests sent to Cloudflare, re-sends included, by service (r1: D1, kv: Workers KV).", []string{"service"}, nil)
	upstreamErrorsDesc = prometheus.NewDesc("streamer_upstream_errors_total",
		"Requests to Cloudflare that failed (no answer, 401, 403, 429, 5xx), by service.", []string{"service"}, nil)
	upstreamRetriesDesc = prometheus.NewDesc("streamer_upstream_retries_total",
		"Requests to Cloudflare that were re-sends after a failure, by service.", []string{"service"}, nil)
	cacheHitsDesc = prometheus.NewDesc("streamer_cache_hits_total",
		"Reads answered by the cache, by tier (process: this instance's memory, shared: the shared cache).", []string{"tier"}, nil)
	cacheMissesDesc = prometheus.NewDesc("streamer_cache_misses_total",
		"Reads the cache could not answer (filled from the database).", nil, nil)
	cacheStaleDesc = prometheus.NewDesc("streamer_cache_stale_served_total",
		"Hits answered with a stale value while a refresh ran.", nil, nil)
	cacheErrorsDesc = prometheus.NewDesc("streamer_cache_errors_total",
		"Shared cache failures, each answered from the database instead.", nil, nil)
	cacheBytesDesc = prometheus.NewDesc("streamer_cache_process_bytes",
		"The weight of the values held in this process's cache tier, in bytes.", nil, nil)
	cacheMaxBytesDesc = prometheus.NewDesc("streamer_cache_process_max_bytes",
		"The bound of streamer_cache_process_bytes (CACHE_MAX_MIB).", nil, nil)
	cacheEntriesDesc = prometheus.NewDesc("streamer_cache_process_entries",
		"The values held in this process's cache tier.", nil, nil)
)

// countersCollector turns health's counters into Prometheus counters at each scrape.
type countersCollector struct {
	health *health.Service
}

func (countersCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{upstreamCallsDesc, upstreamErrorsDesc, upstreamRetriesDesc,
		cacheHitsDesc, cacheMissesDesc, cacheStaleDesc, cacheErrorsDesc, cacheBytesDesc, cacheMaxBytesDesc, cacheEntriesDesc} {
		ch <- d
	}
}

func (c countersCollector) Collect(ch chan<- prometheus.Metric) {
	k := c.health.Counters()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	for _, s := range []struct {
		name  string
		calls uint64
		errs  uint64
		retry uint64
	}{
		{"r1", k.Upstream.R1.Calls, k.Upstream.R1.Errors, k.Upstream.R1.Retries},
		{"kv", k.Upstream.KV.Calls, k.Upstream.KV.Errors, k.Upstream.KV.Retries},
	} {
		counter(upstreamCallsDesc, s.calls, s.name)
		counter(upstreamErrorsDesc, s.errs, s.name)
		counter(upstreamRetriesDesc, s.retry, s.name)
	}
	counter(cacheHitsDesc, k.Cache.LocalHits, "process")
	counter(cacheHitsDesc, k.Cache.SharedHits, "shared")
	counter(cacheMissesDesc, k.Cache.Misses)
	counter(cacheStaleDesc, k.Cache.StaleServed)
	counter(cacheErrorsDesc, k.Cache.Errors)
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	gauge(cacheBytesDesc, float64(k.Cache.LocalBytes))
	gauge(cacheMaxBytesDesc, float64(k.Cache.LocalMaxBytes))
	gauge(cacheEntriesDesc, float64(k.Cache.LocalSize))
}

var (
	connOpenDesc = prometheus.NewDesc("streamer_connections_open",
		"Client connections held now (at most MAX_CONNECTIONS).", nil, nil)
	connShedDesc = prometheus.NewDesc("streamer_connections_shed_total",
		"Client connections refused with a quick 503 for MAX_CONNECTIONS or MAX_CONNECTIONS_PER_CLIENT.", nil, nil)
	connAcceptErrorsDesc = prometheus.NewDesc("streamer_accept_errors_total",
		"Accepts that failed (out of descriptors, a connection reset early) and were retried.", nil, nil)
)

// connCollector reads the connection limiter's counters at each scrape.
type connCollector struct{ stats func() ConnStats }

func (connCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- connOpenDesc
	ch <- connShedDesc
	ch <- connAcceptErrorsDesc
}

func (c connCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(connOpenDesc, prometheus.GaugeValue, float64(s.Open))
	ch <- prometheus.MustNewConstMetric(connShedDesc, prometheus.CounterValue, float64(s.Shed))
	ch <- prometheus.MustNewConstMetric(connAcceptErrorsDesc, prometheus.CounterValue, float64(s.AcceptErrors))
}
