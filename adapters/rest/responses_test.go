package rest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

func TestAnonymousReadsShareOneEncodedAnswerUntilAnIngest(t *testing.T) {
	h := newHarness(t)
	h.seed(torrent(1, "Sintel", "movies", day))
	first := h.get("/api/torrents/latest")
	if first.status != 200 || !strings.Contains(string(first.body), "Sintel") {
		t.Fatalf("latest: %d %s", first.status, first.body)
	}
	second := h.get("/api/torrents/latest")
	if string(second.body) != string(first.body) || second.header.Get("X-Request-ID") == first.header.Get("X-Request-ID") {
		t.Fatal("a repeated read must give the same body with its own request id")
	}
	if second.header.Get("Content-Type") != "application/json" {
		t.Fatalf("content type %q", second.header.Get("Content-Type"))
	}
	r := h.ingest(`{"torrents":[{"infoHash":"dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c","name":"Big Buck Bunny","category":"movies"}]}`)
	if r.status != 200 {
		t.Fatalf("ingest: %d %s", r.status, r.body)
	}
	after := h.get("/api/torrents/latest")
	if !strings.Contains(string(after.body), "Big Buck Bunny") {
		t.Fatalf("the read right after an ingest does not show it: %s", after.body)
	}
}

func TestSignedInReadsAreNeverServedFromTheResponseCache(t *testing.T) {
	h := newHarness(t, withAccounts(true))
	h.seed(torrent(1, "Sintel", "movies", day))
	acct := h.signUp("reader@example.com", "correct horse battery", "Reader")
	anon := h.get("/api/torrents/1") // fills the response cache
	if anon.status != 200 {
		t.Fatalf("details: %d", anon.status)
	}
	req := httptest.NewRequest(http.MethodGet, "/api/torrents/1", nil)
	req.Header.Set("Authorization", "Bearer "+acct.token)
	if r := h.do(req); r.status != 200 {
		t.Fatalf("signed-in details: %d", r.status)
	}
	// The signed-in view reached the use case, which recorded it.
	if items := h.waitActivity(acct.token, 1); len(items) != 1 || items[0]["type"] != "view" {
		t.Fatalf("activity %v", items)
	}
}

func TestErrorsAreNotKept(t *testing.T) {
	h := newHarness(t)
	if r := h.get("/api/torrents/1"); r.status != 404 {
		t.Fatalf("before any torrent: %d", r.status)
	}
	h.seed(torrent(1, "Sintel", "movies", day))
	if r := h.get("/api/torrents/1"); r.status != 200 {
		t.Fatalf("the same URI once the torrent exists: %d %s (a 404 must not be kept)", r.status, r.body)
	}
}

// countingTorrents counts the reads that reach the repository.
type countingTorrents struct {
	ports.TorrentRepository
	latest, details, searches atomic.Int64
}

func (c *countingTorrents) Latest(ctx context.Context, slug string, limit int) ([]domain.TorrentSummary, error) {
	c.latest.Add(1)
	return c.TorrentRepository.Latest(ctx, slug, limit)
}

func (c *countingTorrents) Get(ctx context.Context, ref domain.TorrentRef) (domain.Torrent, error) {
	c.details.Add(1)
	return c.TorrentRepository.Get(ctx, ref)
}

func (c *countingTorrents) Search(ctx context.Context, q domain.SearchCriteria) (domain.SearchPage, error) {
	c.searches.Add(1)
	return c.TorrentRepository.Search(ctx, q)
}

// CACHE_ENABLED=false: every repeated read reaches the repository (no response cache, no cache
// tier), and /api/health says the cache is off. With the caches on, the repeats do not.
func TestWithTheCacheOffEveryReadReachesTheStore(t *testing.T) {
	for _, off := range []bool{false, true} {
		counting := &countingTorrents{}
		options := []harnessOption{withTorrents(func(r ports.TorrentRepository) ports.TorrentRepository {
			counting.TorrentRepository = r
			return counting
		})}
		if off {
			options = append(options, withCacheOff())
		}
		h := newHarness(t, options...)
		h.seed(torrent(1, "Sintel", "movies", day))
		for range 3 {
			for _, path := range []string{"/api/torrents/latest", "/api/torrents/1", "/api/torrents/search?q=sintel"} {
				if r := h.get(path); r.status != 200 {
					t.Fatalf("%s: %d %s", path, r.status, r.body)
				}
			}
		}
		reads := []int64{counting.latest.Load(), counting.details.Load(), counting.searches.Load()}
		health := h.get("/api/health").json(t)
		enabled := health["cache"].(map[string]any)["enabled"]
		switch {
		case off && (!slices.Equal(reads, []int64{3, 3, 3}) || enabled != false):
			t.Fatalf("cache off: the store read %v times (want 3 each), health cache.enabled %v", reads, enabled)
		case !off && (!slices.Equal(reads, []int64{1, 1, 1}) || enabled != true):
			t.Fatalf("cache on: the store read %v times (want 1 each), health cache.enabled %v", reads, enabled)
		}
	}
}
