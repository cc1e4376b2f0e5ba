package soak

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
)

// The check of acknowledged writes asks again while the service says "not now" (503 with
// Retry-After), as a client would: before, the emulator soak counted 16 acknowledged torrents lost
// because their read-back met the cache's fill-wait bound on a starved emulator.
func TestTheCheckAsksAgainWhileTheServiceSaysNotNow(t *testing.T) {
	want := torrent{InfoHash: "ab" + "0123456789abcdef0123456789abcdef0123", Name: "x", Size: 1, Category: "movies",
		UploadedAt: "2026-01-01T00:00:00Z", Files: []file{{Path: "x/part-00.mkv", Size: 1}}, Trackers: []string{"udp://t/announce"}}
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if asked.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"infoHash": want.InfoHash, "name": want.Name, "size": want.Size,
			"category": map[string]string{"slug": want.Category}, "uploadedAt": want.UploadedAt, "files": want.Files,
			"fileCount": len(want.Files), "trackers": want.Trackers})
	}))
	defer srv.Close()
	l := newLoad(srv.URL, 1)
	l.ledger.ingested(want)
	if v := l.verify(0); v.Lost() != 0 || asked.Load() != 2 {
		t.Fatalf("one 503 then the details: %d lost (%v), %d reads", v.Lost(), v.Problems, asked.Load())
	}
}

// The fault test's warmed details stay in the process cache only if no update of the phase sends
// their hashes (a failed ingest forgets them): sample leaves held hashes out.
func TestSampleLeavesHeldTorrentsOut(t *testing.T) {
	l := newLedger()
	for i := range 20 {
		l.ingested(torrent{InfoHash: fmt.Sprintf("%040x", i)})
	}
	held := []string{fmt.Sprintf("%040x", 3), fmt.Sprintf("%040x", 7)}
	l.hold(held...)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		for _, tor := range l.sample(rng, 10) {
			if slices.Contains(held, tor.InfoHash) {
				t.Fatalf("sample returned the held torrent %s", tor.InfoHash)
			}
		}
	}
	l.hold()
	seen := false
	for range 500 {
		for _, tor := range l.sample(rng, 10) {
			seen = seen || slices.Contains(held, tor.InfoHash)
		}
	}
	if !seen {
		t.Fatal("after hold() with none, sample never returned the torrents held before")
	}
}
