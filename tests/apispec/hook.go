package apispec

import (
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Hook wraps the app's handler: every answer it gives from then on, through app.Test or a real
// connection, is recorded, and when the test ends (t.Cleanup) each is validated against the OpenAPI
// document the same app serves at /api/openapi.json; a mismatch fails t. Validating after the fact
// keeps the validator's cost (a schema compile per answer in kin-openapi) out of the request's own
// time, which app.Test's timeout measures. Test harnesses call it once, right after building the
// app (before registering the app's shutdown, which then runs first).
func Hook(t testing.TB, app *fiber.App) {
	next := app.Server().Handler
	var mu sync.Mutex
	var answers []answer
	app.Server().Handler = func(rctx *fasthttp.RequestCtx) {
		next(rctx)
		a := answer{req: requestOf(rctx), status: rctx.Response.StatusCode(),
			header: headerOf(&rctx.Response.Header), body: append([]byte(nil), rctx.Response.Body()...)}
		if len(a.body) > 0 && len(rctx.Response.Header.ContentEncoding()) > 0 {
			// A compressed answer (adapters/gzipped) is held to the document as the client reads it.
			plain, err := rctx.Response.BodyUncompressed()
			if err != nil {
				t.Errorf("contract: %s %s: a body sent with Content-Encoding %q does not decode: %v",
					a.req.Method, a.req.URL, rctx.Response.Header.ContentEncoding(), err)
			}
			a.body = append([]byte(nil), plain...)
		}
		mu.Lock()
		answers = append(answers, a)
		mu.Unlock()
	}
	t.Cleanup(func() {
		mu.Lock()
		recorded := answers
		answers = nil
		mu.Unlock()
		if len(recorded) == 0 {
			return
		}
		var rctx fasthttp.RequestCtx
		rctx.Request.Header.SetMethod(http.MethodGet)
		rctx.Request.SetRequestURI("/api/openapi.json")
		next(&rctx)
		if rctx.Response.StatusCode() != http.StatusOK {
			t.Errorf("contract: GET /api/openapi.json answered %d", rctx.Response.StatusCode())
			return
		}
		v, err := For(append([]byte(nil), rctx.Response.Body()...))
		if err != nil {
			t.Errorf("contract: %v", err)
			return
		}
		for _, a := range recorded {
			if err := v.Check(a.req, a.status, a.header, a.body); err != nil {
				t.Errorf("contract: %v", err)
			}
		}
	})
}

// answer is one recorded exchange.
type answer struct {
	req    *http.Request
	status int
	header http.Header
	body   []byte
}

func requestOf(rctx *fasthttp.RequestCtx) *http.Request {
	u, err := url.ParseRequestURI(string(rctx.Request.URI().RequestURI()))
	if err != nil {
		u = &url.URL{Path: string(rctx.Path())}
	}
	u.Scheme, u.Host = "http", string(rctx.Host())
	req := &http.Request{Method: string(rctx.Method()), URL: u, Header: http.Header{}, Host: u.Host, Body: http.NoBody}
	rctx.Request.Header.VisitAll(func(k, v []byte) { req.Header.Add(string(k), string(v)) })
	return req
}

func headerOf(h *fasthttp.ResponseHeader) http.Header {
	out := http.Header{}
	h.VisitAll(func(k, v []byte) { out.Add(string(k), string(v)) })
	return out
}
