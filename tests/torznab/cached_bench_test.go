package torznab_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/bootstrap"
)

// BenchmarkCachedAnswers times the server's side of a search answered from the process cache:
// REST's anonymous read (its pre-encoded answer), REST with an API key as Bearer, and Torznab with
// the same key, each for 100 items, on the in-memory wiring, asked as the apps ask (gzip accepted).
// No network: the handler of the app. The encoded cases include compressing the answer kept.
func BenchmarkCachedAnswers(b *testing.B) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := bootstrap.NewInMemory(bootstrap.Config{AuthSecret: "0123456789abcdef0123456789abcdef", RateLimitTorznab: "off"}, log)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = svc.Close() })
	now := time.Now().UTC().Add(-time.Hour)
	trackers := []string{"udp://tracker.opentrackr.org:1337/announce", "udp://open.stealth.si:80/announce",
		"udp://tracker.torrent.eu.org:451/announce", "https://tracker.tamersunion.org:443/announce"}
	var items []ingest.Item
	for i := range 300 {
		items = append(items, ingest.Item{InfoHash: fmt.Sprintf("%040x", i+1), Name: fmt.Sprintf("Some.Show.S%02dE%02d.1080p.WEB-DL.DDP5.1.H.264-GROUP", i/20+1, i%20+1),
			Category: "tv", Size: int64(i+1) << 20, Seeders: int64(i), UploadedAt: now.Add(-time.Duration(i) * time.Minute), Trackers: trackers})
	}
	if _, err := svc.Ingest.Ingest(b.Context(), items); err != nil {
		b.Fatal(err)
	}
	handler := svc.App.Handler()
	do := func(method, uri, bearer, body string) *fasthttp.RequestCtx {
		var ctx fasthttp.RequestCtx
		request(&ctx, method, uri, "gzip, deflate, br", bearer, body) // as the apps ask
		handler(&ctx)
		return &ctx
	}
	key := apiKey(b, handler, "b@example.com")
	for _, c := range []struct{ name, uri, bearer string }{
		{"rest-anonymous", "/api/torrents/search?limit=100&q=some+show", ""},
		{"rest-key", "/api/torrents/search?limit=100&q=some+show", key},
		{"torznab", "/torznab/api?t=search&limit=100&q=some+show&apikey=" + url.QueryEscape(key), ""},
		{"rest-listing", "/api/torrents/search?limit=100", ""},
		{"torznab-rss", "/torznab/api?t=search&limit=100&apikey=" + url.QueryEscape(key), ""},
	} {
		b.Run(c.name, func(b *testing.B) {
			first := do("GET", c.uri, c.bearer, "")
			if first.Response.StatusCode() != 200 {
				b.Fatalf("%d %s", first.Response.StatusCode(), first.Response.Body())
			}
			b.SetBytes(int64(len(first.Response.Body())))
			// One request served again and again, its response reset between (fasthttp's buffers
			// go back to their pool), as a keep-alive connection is served.
			first.Response.Reset()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				first.ResetUserValues() // as the server does between two requests: each context would wrap the last
				handler(first)
				if first.Response.StatusCode() != 200 {
					b.Fatalf("%d", first.Response.StatusCode())
				}
				first.Response.Reset()
			}
		})
	}
	// Encoded again: each request differs in a parameter no route reads (a new key for the
	// encoded answers), while the catalog's page stays in its process cache: what a search
	// costs when its one-second answer has expired.
	for _, c := range []struct{ name, uri, bearer string }{
		{"rest-anonymous-encoded", "/api/torrents/search?limit=100&q=some+show", ""},
		{"rest-key-encoded", "/api/torrents/search?limit=100&q=some+show", key},
		{"torznab-encoded", "/torznab/api?t=search&limit=100&q=some+show&apikey=" + url.QueryEscape(key), ""},
	} {
		b.Run(c.name, func(b *testing.B) {
			first := do("GET", c.uri, c.bearer, "")
			if first.Response.StatusCode() != 200 {
				b.Fatalf("%d %s", first.Response.StatusCode(), first.Response.Body())
			}
			b.SetBytes(int64(len(first.Response.Body())))
			first.Response.Reset()
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				i++
				first.Request.SetRequestURI(c.uri + "&unread=" + strconv.Itoa(i))
				handler(first)
				if first.Response.StatusCode() != 200 {
					b.Fatalf("%d", first.Response.StatusCode())
				}
				first.Response.Reset()
			}
		})
	}
}
