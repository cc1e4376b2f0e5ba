package integration

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/r1"
	"github.com/torrent-streamer/streamer/application/health"
	"github.com/torrent-streamer/streamer/domain"
)

// TestAnOutageOfCloudflare stops the emulator under a running service: health reports the database
// down with 503 (within the probes' reuse, health.ProbeCacheTTL), reads the process cache holds still answer, what needs the database answers 503
// (never 500, never a host name); the emulator then comes back on the same state, the service
// recovers by itself, and everything written before the outage is there.
func TestAnOutageOfCloudflare(t *testing.T) {
	if onRealCloudflare() {
		t.Skip("Cloudflare cannot be stopped from here: the outage runs on the emulator only")
	}
	tg := newTarget(t, withState())
	svc := startService(t, tg.config())
	ingest := ingestBody(t)
	if a := svc.call(t, http.MethodPost, "/api/ingest", ingest, "X-API-Key", testIngestKey); a.status != 200 {
		t.Fatalf("ingest: %d %s", a.status, a.body)
	}
	ingested := int(mustJSON(t, svc.get(t, "/api/torrents/search"))["total"].(float64))
	account := map[string]string{"email": "outage@example.com", "password": "correct horse battery", "name": "Outage"}
	signed := svc.call(t, http.MethodPost, "/api/auth/sign-up", account)
	if signed.status != 201 {
		t.Fatalf("sign-up: %d %s", signed.status, signed.body)
	}
	token := signed.json(t)["session"].(map[string]any)["token"].(string)
	cached := map[string]answer{}
	for _, path := range []string{"/api/torrents/search?q=sintel", "/api/torrents/latest", "/api/categories",
		"/api/torrents/dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c"} {
		if a := svc.get(t, path); a.status != 200 {
			t.Fatalf("GET %s: %d", path, a.status)
		} else {
			cached[path] = a
		}
	}
	if h := svc.get(t, "/api/health"); h.status != 200 || h.json(t)["status"] != "ok" {
		t.Fatalf("health before the outage: %d %s", h.status, h.body)
	}

	tg.emu.Stop(t)

	// The probes are reused for health.ProbeCacheTTL, each store's until its own time: the outage
	// shows within it, the database's and the cache's probes not always at the same request (the
	// first 503 could still carry the cache's last probe, taken before the outage).
	h := svc.get(t, "/api/health")
	for deadline := time.Now().Add(health.ProbeCacheTTL + 10*time.Second); !bothDown(t, h) && time.Now().Before(deadline); {
		time.Sleep(250 * time.Millisecond)
		h = svc.get(t, "/api/health")
	}
	doc := h.json(t)
	checks := doc["checks"].(map[string]any)
	if h.status != 503 || h.header.Get("Retry-After") == "" || doc["status"] != "down" ||
		checks["database"].(map[string]any)["status"] != "down" || checks["cache"].(map[string]any)["status"] != "down" {
		t.Fatalf("health during the outage: %d (Retry-After %q) %s", h.status, h.header.Get("Retry-After"), h.body)
	}
	noHost(t, "health", h)
	if errs := doc["upstream"].(map[string]any)["r1"].(map[string]any)["errors"].(float64); errs < 1 {
		t.Fatalf("the failed calls are not counted: %s", h.body)
	}
	for path, before := range cached {
		if a := svc.get(t, path); a.status != 200 || string(a.body) != string(before.body) {
			t.Fatalf("cached GET %s during the outage: %d %s", path, a.status, a.body)
		}
	}
	for _, req := range []struct{ method, path string }{
		{http.MethodGet, "/api/torrents/08ada5a7a6183aae1e09d831df6748d566095a10"}, // never read: not cached
		{http.MethodGet, "/api/torrents/search?q=steel"},
		{http.MethodPost, "/api/auth/sign-in"},
		{http.MethodGet, "/readyz"},
	} {
		var body any
		if req.method == http.MethodPost {
			body = map[string]string{"email": account["email"], "password": account["password"]}
		}
		a := svc.call(t, req.method, req.path, body)
		if a.status != 503 || a.header.Get("Retry-After") == "" || !strings.Contains(string(a.body), `"unavailable"`) {
			t.Fatalf("%s %s during the outage: %d (Retry-After %q) %s", req.method, req.path, a.status, a.header.Get("Retry-After"), a.body)
		}
		noHost(t, req.path, a)
	}
	if a := svc.call(t, http.MethodPost, "/api/ingest", map[string]any{"torrents": []any{map[string]any{
		"infoHash": "3333333333333333333333333333333333333333", "name": "Written during the outage"}}},
		"X-API-Key", testIngestKey); a.status != 503 {
		t.Fatalf("ingest during the outage: %d %s", a.status, a.body)
	}

	tg.emu.Restart(t)

	deadline := time.Now().Add(20*time.Second + health.ProbeCacheTTL)
	for {
		h := svc.get(t, "/api/health")
		if h.status == 200 && h.json(t)["status"] == "ok" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("health after the emulator came back: %d %s", h.status, h.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if a := svc.get(t, "/api/torrents/08ada5a7a6183aae1e09d831df6748d566095a10"); a.status != 200 {
		t.Fatalf("an uncached read after the outage: %d %s", a.status, a.body)
	}
	if a := svc.get(t, "/api/auth/me", "Authorization", "Bearer "+token); a.status != 200 {
		t.Fatalf("the session after the outage: %d %s", a.status, a.body)
	}
	if a := svc.call(t, http.MethodPost, "/api/auth/sign-in", map[string]string{"email": account["email"], "password": account["password"]}); a.status != 200 {
		t.Fatalf("sign-in after the outage: %d %s", a.status, a.body)
	}

	// Nothing written before is lost: read straight from D1, past every cache.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, _ := tg.client()
	db, err := r1.OpenD1(ctx, client, tg.account, tg.database)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	page, err := r1.NewTorrentRepository(db).Search(ctx, domain.SearchCriteria{Limit: domain.MaxPageSize})
	if err != nil || page.Total != ingested || len(page.Items) != ingested {
		t.Fatalf("D1 holds %d torrents (%v), want the %d ingested before the outage", page.Total, err, ingested)
	}
	for _, item := range ingest["torrents"].([]any) {
		hash, _ := item.(map[string]any)["infoHash"].(string)
		if hash == "" || hash == "2222222222222222222222222222222222222222" { // from a magnet; the one that failed
			continue
		}
		h, err := domain.ParseInfoHash(hash)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r1.NewTorrentRepository(db).Get(ctx, domain.TorrentRef{InfoHash: h}); err != nil {
			t.Fatalf("torrent %s after the outage: %v", hash, err)
		}
	}
	if _, err := r1.NewUserRepository(db).ByEmail(ctx, account["email"]); err != nil {
		t.Fatalf("the user after the outage: %v", err)
	}
}

func mustJSON(t *testing.T, a answer) map[string]any {
	t.Helper()
	if a.status != 200 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	return a.json(t)
}

// noHost fails when an answer names the emulator's address.
func noHost(t *testing.T, what string, a answer) {
	t.Helper()
	for _, leak := range []string{"127.0.0.1", "localhost", "client/v4", "dial tcp"} {
		if strings.Contains(string(a.body), leak) {
			t.Fatalf("%s leaks %q: %s", what, leak, a.body)
		}
	}
}

// bothDown says whether a health answer reports the database and the cache down.
func bothDown(t *testing.T, h answer) bool {
	t.Helper()
	if h.status != http.StatusServiceUnavailable {
		return false
	}
	checks, _ := h.json(t)["checks"].(map[string]any)
	for _, store := range []string{"database", "cache"} {
		if c, _ := checks[store].(map[string]any); c == nil || c["status"] != "down" {
			return false
		}
	}
	return true
}
