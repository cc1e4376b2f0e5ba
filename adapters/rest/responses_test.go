package rest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
