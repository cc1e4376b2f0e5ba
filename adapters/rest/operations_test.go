package rest_test

import (
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/ports"
)

func TestHealth(t *testing.T) {
	h := newHarness(t)
	h.get("/api/categories")       // one cache miss, so the counters move
	h.get("/api/categories?again") // another URI: past the response cache, a use-case cache hit
	r := h.get("/api/health")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	assertNoNull(t, r.body)
	doc := r.json(t)
	assertKeys(t, "health", doc, "status", "version", "uptimeSeconds", "checks", "cache", "activity", "upstream")
	assertKeys(t, "activity", doc["activity"].(map[string]any), "recorded", "dropped", "written", "failed", "queued")
	if doc["status"] != "ok" || doc["version"] != "test-version" {
		t.Fatalf("health %s", r.body)
	}
	if _, ok := doc["uptimeSeconds"].(float64); !ok {
		t.Fatalf("uptimeSeconds %v", doc["uptimeSeconds"])
	}
	checks := doc["checks"].(map[string]any)
	assertKeys(t, "checks", checks, "database", "cache")
	for _, name := range []string{"database", "cache"} {
		c := checks[name].(map[string]any)
		assertKeys(t, name, c, "status", "latencyMs", "error")
		if c["status"] != "ok" || c["error"] != "" {
			t.Fatalf("%s check %v", name, c)
		}
	}
	// Always present, zeros without a remote store.
	upstream := doc["upstream"].(map[string]any)
	assertKeys(t, "upstream", upstream, "r1", "kv")
	for _, service := range []string{"r1", "kv"} {
		counts := upstream[service].(map[string]any)
		assertKeys(t, service, counts, "calls", "errors", "retries")
		if counts["calls"] != 0.0 || counts["errors"] != 0.0 || counts["retries"] != 0.0 {
			t.Fatalf("upstream %s %v, want zeros", service, counts)
		}
	}
	cache := doc["cache"].(map[string]any)
	assertKeys(t, "cache", cache, "enabled", "hits", "misses", "hitRate", "staleServed", "localHits", "sharedHits", "fills", "refreshes", "errors", "localSize", "localBytes", "localMaxBytes", "pendingInvalidations")
	if cache["hits"].(float64) < 1 || cache["misses"].(float64) < 1 {
		t.Fatalf("cache counters %v", cache)
	}
}

func TestHealthWhenTheDatabaseIsDown(t *testing.T) {
	h := newHarness(t)
	h.database.down.Store(true)
	r := h.get("/api/health")
	if r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q: %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	assertNoLeak(t, r.body)
	doc := r.json(t)
	db := doc["checks"].(map[string]any)["database"].(map[string]any)
	if doc["status"] != "down" || db["status"] != "down" || db["error"] == "" {
		t.Fatalf("health %s", r.body)
	}
	if strings.Contains(string(r.body), "5432") {
		t.Fatalf("health leaks the driver's message: %s", r.body)
	}
}

func TestProbes(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/livez", "/readyz"} {
		r := h.get(path)
		if r.status != 200 || string(r.body) != "ok" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
			t.Fatalf("%s: %d %q %q", path, r.status, r.body, r.header.Get("Content-Type"))
		}
	}
	h = newHarness(t) // the probe above is reused for health.ProbeCacheTTL
	h.database.down.Store(true)
	r := h.get("/readyz")
	expectProblem(t, r, 503, "unavailable")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	if r := h.get("/livez"); r.status != 200 {
		t.Fatalf("livez must not depend on the database: %d", r.status)
	}
}

type fixedUpstream ports.UpstreamStats

func (u fixedUpstream) UpstreamStats() ports.UpstreamStats { return ports.UpstreamStats(u) }

var someUpstream = fixedUpstream{
	R1: ports.UpstreamCalls{Calls: 30, Errors: 2, Retries: 1},
	KV: ports.UpstreamCalls{Calls: 12, Errors: 5, Retries: 4},
}

func TestHealthCountsUpstreamCalls(t *testing.T) {
	h := newHarness(t, withUpstream(someUpstream))
	doc := h.get("/api/health").json(t)
	upstream := doc["upstream"].(map[string]any)
	r1, kv := upstream["r1"].(map[string]any), upstream["kv"].(map[string]any)
	if r1["calls"] != 30.0 || r1["errors"] != 2.0 || r1["retries"] != 1.0 ||
		kv["calls"] != 12.0 || kv["errors"] != 5.0 || kv["retries"] != 4.0 {
		t.Fatalf("upstream %v", upstream)
	}
}

func TestMetrics(t *testing.T) {
	h := newHarness(t, withUpstream(someUpstream))
	h.get("/api/categories")       // a miss, then a hit in the process
	h.get("/api/categories?again") // another URI: past the response cache
	r := h.get("/metrics")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain; version=0.0.4") ||
		len(r.header.Values("Cache-Control")) != 1 || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, Content-Type %q, Cache-Control %q", r.status, r.header.Get("Content-Type"), r.header.Values("Cache-Control"))
	}
	for _, line := range []string{
		"# TYPE streamer_upstream_calls_total counter",
		`streamer_upstream_calls_total{service="r1"} 30`,
		`streamer_upstream_calls_total{service="kv"} 12`,
		`streamer_upstream_errors_total{service="r1"} 2`,
		`streamer_upstream_errors_total{service="kv"} 5`,
		`streamer_upstream_retries_total{service="r1"} 1`,
		`streamer_upstream_retries_total{service="kv"} 4`,
		`streamer_cache_hits_total{tier="process"} 1`,
		`streamer_cache_hits_total{tier="shared"} 0`,
		"streamer_cache_misses_total 1",
		"streamer_cache_errors_total 0",
		// The Go runtime and process collectors.
		"# TYPE go_goroutines gauge",
		"# TYPE go_memstats_heap_alloc_bytes gauge",
		"# TYPE go_gc_duration_seconds summary",
		"# TYPE process_resident_memory_bytes gauge",
		"# TYPE process_open_fds gauge",
		// What the soak reads (tests/soak, takeSample).
		"# TYPE process_cpu_seconds_total counter",
		"# TYPE go_memstats_heap_inuse_bytes gauge",
		"# TYPE go_memstats_sys_bytes gauge",
		"# TYPE go_memstats_heap_released_bytes gauge",
		"# TYPE go_memstats_next_gc_bytes gauge",
		"# TYPE go_gc_gomemlimit_bytes gauge",
		"# TYPE go_gc_gogc_percent gauge",
		"# TYPE go_sched_gomaxprocs_threads gauge",
		"streamer_cache_process_max_bytes 6.7108864e+07",
		"streamer_cache_process_entries 1",
	} {
		if !strings.Contains(string(r.body), line+"\n") {
			t.Errorf("no line %q in:\n%s", line, r.body)
		}
	}
	assertExposition(t, string(r.body))
	// Without remote stores the counters are there, at zero.
	r = newHarness(t).get("/metrics")
	if !strings.Contains(string(r.body), `streamer_upstream_calls_total{service="r1"} 0`+"\n") {
		t.Fatalf("metrics without upstream:\n%s", r.body)
	}
}
