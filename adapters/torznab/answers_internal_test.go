package torznab

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/torrent-streamer/streamer/adapters/gzipped"
	"github.com/torrent-streamer/streamer/domain"
)

func keyOf(query string) string {
	var args fasthttp.Args
	args.Parse(query)
	return answerKey(&args, "http://127.0.0.1")
}

// The answer kept for one search is never served for another: the key is every parameter but the
// key, in any order. Before, the parameters were joined with "&" and "=" undelimited, so a value
// holding them (q=pioneer%26cat%3D2000) spelt the key of another search (q=pioneer&cat=2000 in that
// order of names) and could put its answer there for a second.
func TestAnswerKeys(t *testing.T) {
	same := [][2]string{
		{"t=search&q=a&cat=2000&apikey=one", "cat=2000&apikey=two&q=a&t=search"},
		{"t=search&q=a", "q=a&t=search&apikey="},
		{"t=search&q=a&q=b", "t=search&q=a&q=c"}, // only the first value is read
	}
	for _, p := range same {
		if keyOf(p[0]) != keyOf(p[1]) {
			t.Errorf("%s and %s have different keys", p[0], p[1])
		}
	}
	differ := [][2]string{
		{"a=1%26b%3D2", "a=1&b=2"},
		{"q=pioneer%26t%3Dsearch", "q=pioneer&t=search"},
		{"t=search&q=a", "t=search&q=b"},
		{"t=search", "t=search&q="},
	}
	for _, p := range differ {
		if keyOf(p[0]) == keyOf(p[1]) {
			t.Errorf("%s and %s share a key %q", p[0], p[1], keyOf(p[0]))
		}
	}
}

// Past its second, a kept answer is sent again only while the catalog answers the search with the
// very page it was written from; another page (a refill, another total), an empty page or another
// search's key is written again.
func TestKeptAnswersFollowTheCatalogsPage(t *testing.T) {
	a := newAnswerCache(false)
	page := []domain.TorrentSummary{{ID: 1}, {ID: 2}}
	refilled := []domain.TorrentSummary{{ID: 1}, {ID: 2}} // equal values, another page
	now := time.Now()
	key := keyOf("t=search&q=a")
	a.put(key, gzipped.Compress([]byte("body")), identityOf(page, 2), now.Add(-2*answerTTL))
	if _, ok := a.get(key, now); ok {
		t.Fatal("an answer older than its second was served as fresh")
	}
	if body, ok := a.written(key, identityOf(page, 2)); !ok || plainOf(t, body) != "body" {
		t.Fatalf("the answer written from the same page was not kept: %v", ok)
	}
	for name, id := range map[string]pageIdentity{
		"a refilled page": identityOf(refilled, 2), "another total": identityOf(page, 3),
		"fewer items": identityOf(page[:1], 2), "an empty page": identityOf(nil, 0),
	} {
		if _, ok := a.written(key, id); ok {
			t.Errorf("%s was answered with the kept body", name)
		}
	}
	if _, ok := a.written(keyOf("t=search&q=b"), identityOf(page, 2)); ok {
		t.Error("another search's key was answered with the kept body")
	}
	off := newAnswerCache(true)
	off.put(key, gzipped.Compress([]byte("body")), identityOf(page, 2), now)
	if _, ok := off.written(key, identityOf(page, 2)); ok {
		t.Error("with the cache off an answer was kept")
	}
}

// plainOf inflates a kept answer without keeping the plain copy in it.
func plainOf(t *testing.T, b *gzipped.Kept) string {
	t.Helper()
	plain, err := b.Body.Plain()
	if err != nil {
		t.Fatal(err)
	}
	return string(plain)
}

// The kept answers stay within their bytes, however many large pages are written (bytes that do
// not compress: what is kept is as large as what was written).
func TestKeptAnswersStayWithinTheirBytes(t *testing.T) {
	a := newAnswerCache(false)
	random := make([]byte, 200<<10)
	_, _ = rand.Read(random)
	body := gzipped.Compress(random)
	now := time.Now()
	for i := range 300 {
		a.put(keyOf("t=search&q=a&offset="+string(rune('a'+i%26))+string(rune('a'+i/26))), body, pageIdentity{}, now)
		if a.bytes > answerBytes {
			t.Fatalf("after %d answers the kept bytes are %d, over %d", i+1, a.bytes, answerBytes)
		}
	}
	if a.entries.Len() < answerBytes/(300<<10) {
		t.Fatalf("only %d answers kept", a.entries.Len())
	}
	a.entries.Purge()
	if a.bytes != 0 {
		t.Fatalf("%d bytes counted after a purge", a.bytes)
	}
}

// An answer is kept once, compressed, and the bound counts the compressed bytes: a feed page of
// ~185 KB weighs what its gzip weighs, so the 16 MiB hold several times the pages they held plain.
func TestKeptAnswersAreKeptCompressed(t *testing.T) {
	a := newAnswerCache(false)
	page := []byte(strings.Repeat("<item><title>Some.Show.S01E01.1080p.WEB-DL.x264-GRP</title><link>magnet:?xt=urn:btih:0123</link></item>\n", 1800))
	key := keyOf("t=search&q=a")
	kept := gzipped.Compress(page)
	a.put(key, kept, pageIdentity{}, time.Now())
	got, ok := a.get(key, time.Now())
	if !ok || !got.Gzipped() || plainOf(t, got) != string(page) {
		t.Fatalf("the page was not kept compressed: ok=%v gzipped=%v", ok, got.Gzipped())
	}
	if a.bytes != answerWeight(key, &cachedAnswer{body: gzipped.Kept{Body: kept}}) || a.bytes > int64(len(page))/10 {
		t.Fatalf("%d bytes counted for a page of %d that compressed to %d", a.bytes, len(page), kept.Size())
	}
}

// A client that does not accept gzip is sent a kept answer inflated once, not once a request: the
// plain bytes stay in the entry (counted in the bound) for the clients after it, and go with it.
func TestAPlainClientsKeptAnswerIsInflatedOnce(t *testing.T) {
	a := newAnswerCache(false)
	page := []byte(strings.Repeat("<item><title>Some.Show.S01E01.1080p.WEB-DL.x264-GRP</title><link>magnet:?xt=urn:btih:0123</link></item>\n", 1800))
	key := keyOf("t=search&q=a")
	a.put(key, gzipped.Compress(page), pageIdentity{}, time.Now())
	kept, _ := a.get(key, time.Now())
	first, err := a.plain(key, kept)
	if err != nil || string(first) != string(page) {
		t.Fatalf("inflated to %d bytes, %v", len(first), err)
	}
	again, _ := a.plain(key, kept)
	if &again[0] != &first[0] {
		t.Fatal("the second plain client's answer was inflated again")
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = a.plain(key, kept) }); n != 0 && !raceEnabled {
		t.Fatalf("%v allocations to send a kept answer plain", n)
	}
	e, _ := a.entries.Peek(key)
	if a.bytes != answerWeight(key, e) || e.plainBytes != len(page) {
		t.Fatalf("%d bytes counted, the entry weighs %d with %d plain", a.bytes, answerWeight(key, e), e.plainBytes)
	}
	// Another answer under the key (written again): its own bytes, not the old one's plain.
	a.put(key, gzipped.Compress(append([]byte("<rss>"), page...)), pageIdentity{}, time.Now())
	other, _ := a.get(key, time.Now())
	if got, _ := a.plain(key, other); !strings.HasPrefix(string(got), "<rss>") {
		t.Fatal("the plain bytes of the answer replaced were sent")
	}
	// An answer replaced between a plain client's lookup and its inflate: the client gets the
	// answer it found, and its plain copy, which no entry holds, is not counted.
	a.put(key, gzipped.Compress(append([]byte("<old>"), page...)), pageIdentity{}, time.Now())
	old, _ := a.get(key, time.Now())
	a.put(key, gzipped.Compress(append([]byte("<new>"), page...)), pageIdentity{}, time.Now())
	if got, _ := a.plain(key, old); !strings.HasPrefix(string(got), "<old>") {
		t.Fatal("the client was sent another answer than the one it found")
	}
	if e, _ := a.entries.Peek(key); a.bytes != answerWeight(key, e) || e.plainBytes != 0 {
		t.Fatalf("%d bytes counted for an entry of %d with %d plain: the replaced answer's plain copy counted", a.bytes, answerWeight(key, e), e.plainBytes)
	}
	a.entries.Purge()
	if a.bytes != 0 {
		t.Fatalf("%d bytes counted after a purge", a.bytes)
	}
}
