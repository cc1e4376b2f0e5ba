package rest_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// The cached read routes are the service's hottest path: their cost is held here by allocations
// per request (testing.AllocsPerRun), never by time. Each request goes through the app's fasthttp
// handler without a network, as BenchmarkCachedRoutes drives it.

// hotHarness is the app with 20 torrents and access logs off.
func hotHarness(t *testing.T) *harness {
	h := newHarness(t, withLogLevel(slog.LevelWarn))
	for i := 1; i <= 20; i++ {
		h.seed(torrent(i, "Sintel part "+itoa(int64(i)), "movies", day.Add(-time.Duration(i)*time.Hour)))
	}
	return h
}

// asker sends one GET of path through the app's handler, as a client that sends accept as its
// Accept-Encoding (none when empty), on a RequestCtx reused as a connection's is.
type asker struct {
	handler fasthttp.RequestHandler
	ctx     fasthttp.RequestCtx
}

func (a *asker) ask(t *testing.T, path, accept string) *fasthttp.Response {
	a.ctx.ResetUserValues() // as the server does between two requests of a connection
	a.ctx.Request.Reset()
	a.ctx.Response.Reset()
	a.ctx.Request.SetRequestURI(path)
	// Set, as a request read from a connection has it: fasthttp makes a new "GET" for a header
	// that has none.
	a.ctx.Request.Header.SetMethod(fasthttp.MethodGet)
	if accept != "" {
		a.ctx.Request.Header.Set("Accept-Encoding", accept)
	}
	a.handler(&a.ctx)
	if a.ctx.Response.StatusCode() != 200 {
		t.Fatalf("GET %s: status %d: %s", path, a.ctx.Response.StatusCode(), a.ctx.Response.Body())
	}
	return &a.ctx.Response
}

// allocs is the allocations of one such request, on average over many (the first, which fills the
// caches, not counted). Integer division: an entry's refill in the answer's second does not show.
func (a *asker) allocs(t *testing.T, path, accept string) float64 {
	a.ask(t, path, accept)
	return testing.AllocsPerRun(500, func() { a.ask(t, path, accept) })
}

// A client that does not accept gzip (curl, scripts, the bench's load generator) is sent a kept
// answer inflated once, in the answer's second, not once per request: before, every such request
// inflated the kept bytes again, a new buffer each (latest's 13 KB cost four times the rest of the
// request), and cached latest answered 24 % of a bare handler's rate.
func TestAPlainClientIsSentAKeptAnswerWithoutInflatingItAgain(t *testing.T) {
	h := hotHarness(t)
	a := &asker{handler: h.app.Handler()}
	const path = "/api/torrents/latest"
	zipped := a.ask(t, path, "gzip")
	if string(zipped.Header.ContentEncoding()) != "gzip" {
		t.Fatalf("latest is not kept compressed (%d bytes): the test needs a larger page", len(zipped.Body()))
	}
	r, err := gzip.NewReader(bytes.NewReader(zipped.Body()))
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		resp := a.ask(t, path, "")
		if len(resp.Header.ContentEncoding()) != 0 || !bytes.Equal(resp.Body(), want) || string(resp.Header.Peek("Vary")) != "Accept-Encoding" {
			t.Fatalf("a plain client got Content-Encoding %q, Vary %q, %d bytes: %.80s", resp.Header.ContentEncoding(), resp.Header.Peek("Vary"), len(resp.Body()), resp.Body())
		}
	}
	if raceEnabled {
		return // the allocations step aside under the race detector: make test counts them without it
	}
	plain, zippedAllocs := a.allocs(t, path, ""), a.allocs(t, path, "gzip")
	if plain > zippedAllocs {
		t.Fatalf("a plain client's kept answer costs %v allocations, a gzip client's %v: inflated again per request", plain, zippedAllocs)
	}
}

// A read the response cache answers allocates nothing: not the miss guard, which only a read that
// may reach the store needs (a context, a closure and the client's address each, before), not the
// security headers (helmet formatted the peer's address for every request), not the cache's
// lookup (a string of the request's path and query, before).
func TestACachedAnonymousReadAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("counts allocations, which the race detector adds to: make test runs it without the detector")
	}
	h := hotHarness(t)
	a := &asker{handler: h.app.Handler()}
	for _, c := range []struct{ path, accept string }{
		{"/api/torrents/1", ""}, {"/api/torrents/latest", ""}, {"/api/torrents/latest", "gzip, deflate, br"},
		{"/api/torrents/latest?limit=5&category=movies", ""}, {"/api/torrents/search?q=sintel", "gzip"},
		{"/api/torrents/search?q=sintel", ""}, {"/api/categories", ""},
	} {
		if n := a.allocs(t, c.path, c.accept); n != 0 {
			t.Errorf("GET %s (Accept-Encoding %q) from the response cache: %v allocations", c.path, c.accept, n)
		}
	}
}
