package rest_test

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// ids is a search answer reduced to what a poisoned cache would change: the items' ids and the total.
func ids(t *testing.T, r response) string {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	doc := r.json(t)
	var b strings.Builder
	for _, it := range doc["items"].([]any) {
		b.WriteString(itoa(int64(it.(map[string]any)["id"].(float64))) + ",")
	}
	b.WriteString(" total " + itoa(int64(doc["total"].(float64))))
	return b.String()
}

// Hostile search texts never change what the plain listing answers. Every listing below is read
// through a new URI that normalizes to the listing (q made of spaces only), so the REST answer
// cache cannot hide what the catalog's cache holds. Regression: a q of punctuation only shared the
// listing's cache key while the store answered it with an empty page, emptying the listing for
// everyone.
func TestHostileSearchTextsNeverChangeTheCachedListing(t *testing.T) {
	h := newHarness(t)
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	h.seed(
		torrent(1, "Sintel 1080p", "movies", t0),
		torrent(2, "Big Buck Bunny", "movies", t0.Add(time.Hour)),
		torrent(3, "Elephants Dream", "anime", t0.Add(2*time.Hour)),
	)
	spaces := 0
	listing := func() string {
		spaces++
		return ids(t, h.get("/api/torrents/search?q="+strings.Repeat("%20", spaces)))
	}
	want := listing()
	if !strings.HasSuffix(want, "total 3") {
		t.Fatalf("listing %s", want)
	}
	hostile := []string{
		"!!!", "...", "-", "*", "\"", "\"\"", "'", "(", ")", "()", "^", ":", "+", "~", "|", "&", "%", "_",
		"NOT", "OR", "AND", "NEAR", "NEAR(sintel bunny)", "sintel OR bunny", "sintel NOT bunny", "-sintel",
		"sintel*", "\"sintel", "name:sintel", "{name}:sintel", "sintel' OR '1'='1", "1=1; DROP TABLE torrents",
		"日本語", "🎬🎬", "Ωmega", "ﬁlm", "\u200b", "\u200d", "e\u0301", "\u202e", "ＳＩＮＴＥＬ", "İ", "K", // Kelvin sign
		strings.Repeat("!", 200), strings.Repeat("a ", 100), strings.Repeat("sintel ", 28),
		strings.Repeat("x", 5000), strings.Repeat("é", 201),
	}
	for _, q := range hostile {
		r := h.get("/api/torrents/search?q=" + url.QueryEscape(q))
		if r.status != 200 && r.status != 400 {
			t.Fatalf("q=%q: %d %s", q, r.status, r.body)
		}
		if r.status == 200 && strings.Trim(q, "!.-*\"'()^:+~|&%_") == "" && !strings.HasSuffix(ids(t, r), "total 0") {
			t.Fatalf("q=%q names nothing but answered %s", q, ids(t, r))
		}
		if got := listing(); got != want {
			t.Fatalf("after q=%q the listing is %s, want %s", q, got, want)
		}
	}
}

// The time filters round the same way in the cache's key and in the store: after=00:00:00.5 means
// after=00:00:01 (uploads are whole seconds), never after=00:00:00. Regression: the key truncated
// while the SQL rounded up, so the two shared a cached page.
func TestTimeFiltersRoundAsTheStoreDoes(t *testing.T) {
	h := newHarness(t)
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	h.seed(torrent(1, "Exactly At Midnight", "movies", t0), torrent(2, "A Second Later", "movies", t0.Add(time.Second)))
	at := ids(t, h.get("/api/torrents/search?after=2024-05-01T00:00:00Z"))
	half := ids(t, h.get("/api/torrents/search?after=2024-05-01T00:00:00.5Z"))
	one := ids(t, h.get("/api/torrents/search?after=2024-05-01T00:00:01Z"))
	if !strings.HasSuffix(at, "total 2") || !strings.HasSuffix(half, "total 1") || half != one {
		t.Fatalf("after 00:00:00 %s, after 00:00:00.5 %s, after 00:00:01 %s", at, half, one)
	}
}

// A cursor is signed: one altered by a client, or made up, is a 400 problem naming the field, and
// the genuine one still opens the next page.
func TestAForgedCursorIsA400(t *testing.T) {
	h := newHarness(t)
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	h.seed(torrent(1, "Sintel", "movies", t0), torrent(2, "Big Buck Bunny", "movies", t0.Add(time.Hour)),
		torrent(3, "Elephants Dream", "movies", t0.Add(2*time.Hour)))
	doc := h.get("/api/torrents/search?limit=1").json(t)
	next, _ := doc["nextCursor"].(string)
	payload, mac, ok := strings.Cut(next, ".")
	if !ok {
		t.Fatalf("nextCursor %q has no signature", next)
	}
	flip := []byte(payload)
	flip[len(flip)/2] ^= 1
	for name, cursor := range map[string]string{
		"altered":   string(flip) + "." + mac,
		"unsigned":  payload,
		"made up":   "eyJmIjoiMDAwIiwibiI6MiwicCI6eyJJbnQiOjAsIklEIjoxfX0.AAAAAAAAAAAAAAAAAAAAAA",
		"other mac": payload + "." + strings.Repeat("A", len(mac)),
	} {
		errs := expectProblem(t, h.get("/api/torrents/search?limit=1&cursor="+url.QueryEscape(cursor)), 400, "validation_failed")
		if f := fieldsOf(errs); len(f) != 1 || f[0] != "cursor" {
			t.Fatalf("%s cursor: problems on %v", name, f)
		}
	}
	if r := h.get("/api/torrents/search?limit=1&cursor=" + url.QueryEscape(next)); r.status != 200 {
		t.Fatalf("the genuine cursor: %d %s", r.status, r.body)
	}
}
