package rest_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// The read routes served from the process cache, driven through the app's fasthttp handler
// without a network, so what is measured is the adapter and the use case.
func BenchmarkCachedRoutes(b *testing.B) {
	for _, c := range []struct{ path, accept string }{
		{"/api/torrents/1", ""}, {"/api/torrents/latest", ""}, {"/api/torrents/latest", "gzip, deflate, br"},
		{"/api/torrents/latest?limit=5&category=movies", ""}, {"/api/torrents/search?q=sintel", ""},
		{"/api/torrents/search?q=sintel", "gzip, deflate, br"}, {"/livez", ""},
	} {
		path := c.path
		name := path
		if c.accept != "" {
			name += " gzip" // a kept answer sent as kept, where a plain client's is inflated
		}
		b.Run(name, func(b *testing.B) {
			// Access logs off: their cost is the log handler's, not the adapter's.
			h := newHarness(&testing.T{}, withLogLevel(slog.LevelWarn))
			for i := 1; i <= 20; i++ {
				h.seed(torrent(i, "Sintel part "+itoa(int64(i)), "movies", day.Add(-time.Duration(i)*time.Hour)))
			}
			handler := h.app.Handler()
			var ctx fasthttp.RequestCtx
			ctx.Request.SetRequestURI(path)
			ctx.Request.Header.SetMethod(fasthttp.MethodGet) // as read from a connection: fasthttp makes a "GET" for none
			if c.accept != "" {
				ctx.Request.Header.Set("Accept-Encoding", c.accept)
			}
			handler(&ctx)
			if ctx.Response.StatusCode() != 200 {
				b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				// As the server does between two requests of a connection: the user values (the
				// request's context.Context among them) go too, or each request's context would
				// wrap the last one's and every lookup walk the whole chain.
				ctx.ResetUserValues()
				ctx.Response.Reset()
				handler(&ctx)
			}
		})
	}
}

// An authenticated request whose session is in the process cache: the cost every signed-in call
// pays on top of its route (token lookup, HMAC, two cache hits, principal in the context).
func BenchmarkAuthenticatedRequest(b *testing.B) {
	h := newHarness(&testing.T{}, withLogLevel(slog.LevelWarn), withAccounts(false))
	acct := h.signUp("bench@example.com", "correct horse battery", "Bench")
	handler := h.app.Handler()
	var ctx fasthttp.RequestCtx
	ctx.Request.SetRequestURI("/api/auth/me")
	ctx.Request.Header.Set("Authorization", "Bearer "+acct.token)
	handler(&ctx)
	if ctx.Response.StatusCode() != 200 {
		b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ctx.ResetUserValues()
		ctx.Response.Reset()
		handler(&ctx)
	}
}
