package rest_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/rest"
	"github.com/torrent-streamer/streamer/application/catalog"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// Anonymous catalog reads that reach the store are limited per client address; reads a cache
// answers cost nothing and are never refused; signed-in reads are not limited here. Before, an
// anonymous client could send the store an unlimited number of distinct searches.
func TestAnonymousCacheMissesAreLimitedPerClient(t *testing.T) {
	h := newHarness(t, withAccounts(false),
		withTorrents(func(r ports.TorrentRepository) ports.TorrentRepository { return catalog.Bounded(r, 0) }),
		withOptions(rest.Options{
			TrustedProxies: []string{"0.0.0.0"}, // app.Test's peer address
			RateLimits:     rest.RateLimits{CatalogMissesPerIP: rest.RateLimit{Max: 3, Window: time.Minute}},
		}))
	from := func(ip string) []string { return []string{"X-Forwarded-For", ip} }
	for i := range 3 {
		if r := h.call(http.MethodGet, "/api/torrents/search?q=miss"+strconv.Itoa(i), "", from("203.0.113.1")...); r.status != 200 {
			t.Fatalf("miss %d: %d %s", i, r.status, r.body)
		}
	}
	expectRateLimited(t, h.call(http.MethodGet, "/api/torrents/search?q=miss-over", "", from("203.0.113.1")...), time.Minute)
	expectRateLimited(t, h.call(http.MethodGet, "/api/torrents/latest?limit=7", "", from("203.0.113.1")...), time.Minute)
	// A read the cache answers is free.
	if r := h.call(http.MethodGet, "/api/torrents/search?q=miss0", "", from("203.0.113.1")...); r.status != 200 {
		t.Fatalf("a cached read after the limit: %d %s", r.status, r.body)
	}
	// Another client is not limited by the first.
	if r := h.call(http.MethodGet, "/api/torrents/search?q=other", "", from("198.51.100.2")...); r.status != 200 {
		t.Fatalf("another client: %d %s", r.status, r.body)
	}
	// A signed-in client is not limited by the anonymous limit.
	a := h.signUp("reader@example.com", "password-1", "Reader")
	for i := range 5 {
		if r := h.call(http.MethodGet, "/api/torrents/search?q=signed"+strconv.Itoa(i), "", with(bearer(a.token), from("203.0.113.1")...)...); r.status != 200 {
			t.Fatalf("signed-in read %d: %d %s", i, r.status, r.body)
		}
	}
}

// slowSearch never answers before its context ends, like a query scanning too much.
type slowSearch struct{ ports.TorrentRepository }

func (s slowSearch) Search(ctx context.Context, c domain.SearchCriteria) (domain.SearchPage, error) {
	<-ctx.Done()
	return domain.SearchPage{}, ctx.Err()
}

// A search over its budget is a 503 problem document that says so, within the budget, not a hang.
func TestASearchOverItsBudgetIsAClearAnswer(t *testing.T) {
	h := newHarness(t, withTorrents(func(r ports.TorrentRepository) ports.TorrentRepository {
		return catalog.Bounded(slowSearch{r}, 50*time.Millisecond)
	}))
	r := h.call(http.MethodGet, "/api/torrents/search?q=everything", "")
	expectProblem(t, r, 503, "unavailable")
	if doc := r.json(t); doc["detail"] != "The search needed more than its time budget: narrow it (more words, a category, a time filter) or try again later." {
		t.Fatalf("detail %v", doc["detail"])
	}
}
