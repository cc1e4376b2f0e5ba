package rest_test

import (
	"strings"
	"testing"
)

func TestHealth(t *testing.T) {
	h := newHarness(t)
	h.get("/api/categories") // one cache miss, so the counters move
	h.get("/api/categories")
	r := h.get("/api/health")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	assertNoNull(t, r.body)
	doc := r.json(t)
	assertKeys(t, "health", doc, "status", "version", "uptimeSeconds", "checks", "cache", "activity")
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
	cache := doc["cache"].(map[string]any)
	assertKeys(t, "cache", cache, "hits", "misses", "hitRate", "staleServed", "localHits", "sharedHits", "fills", "refreshes", "errors", "localSize")
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
