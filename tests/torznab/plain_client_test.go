package torznab_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/bootstrap"
)

// A client that does not accept gzip is sent a kept Torznab answer inflated once in the answer's
// life, not once a request: it costs no more allocations than the compressed bytes sent to an app
// (before, each such request inflated the page again into a new buffer).
func TestAPlainClientIsSentAKeptAnswerWithoutInflatingItAgain(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc, err := bootstrap.NewInMemory(bootstrap.Config{AuthSecret: "0123456789abcdef0123456789abcdef", RateLimitTorznab: "off"}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	now := time.Now().UTC().Add(-time.Hour)
	var items []ingest.Item
	for i := range 100 {
		items = append(items, ingest.Item{InfoHash: fmt.Sprintf("%040x", i+1), Name: fmt.Sprintf("Some.Show.S01E%02d.1080p.WEB-DL-GROUP", i+1),
			Category: "tv", Size: int64(i+1) << 20, UploadedAt: now.Add(-time.Duration(i) * time.Minute)})
	}
	if _, err := svc.Ingest.Ingest(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	handler := svc.App.Handler()
	var ctx fasthttp.RequestCtx
	do := func(method, uri, bearer, body, accept string) *fasthttp.Response {
		ctx.ResetUserValues()
		ctx.Request.Reset()
		ctx.Response.Reset()
		request(&ctx, method, uri, accept, bearer, body)
		handler(&ctx)
		return &ctx.Response
	}
	key := apiKey(t, handler, "p@example.com")
	uri := "/torznab/api?t=search&limit=100&q=some+show&apikey=" + url.QueryEscape(key)
	if r := do("GET", uri, "", "", "gzip"); r.StatusCode() != 200 || string(r.Header.ContentEncoding()) != "gzip" {
		t.Fatalf("%d, Content-Encoding %q: the page is not kept compressed", r.StatusCode(), r.Header.ContentEncoding())
	}
	plain := do("GET", uri, "", "", "")
	if plain.StatusCode() != 200 || len(plain.Header.ContentEncoding()) != 0 || len(plain.Body()) < 10_000 {
		t.Fatalf("a plain client: %d, Content-Encoding %q, %d bytes", plain.StatusCode(), plain.Header.ContentEncoding(), len(plain.Body()))
	}
	if raceEnabled {
		return // the allocations step aside under the race detector: make test counts them without it
	}
	// Within the answer's second (a few hundred requests of microseconds); three tries, so a stall of
	// the machine past the second, which makes the page be looked up again, fails none alone.
	var plainAllocs, zippedAllocs float64
	for range 3 {
		plainAllocs = testing.AllocsPerRun(100, func() { do("GET", uri, "", "", "") })
		zippedAllocs = testing.AllocsPerRun(100, func() { do("GET", uri, "", "", "gzip") })
		if plainAllocs <= zippedAllocs {
			return
		}
	}
	t.Fatalf("a plain client's kept answer costs %v allocations, an app's %v: inflated again per request", plainAllocs, zippedAllocs)
}
