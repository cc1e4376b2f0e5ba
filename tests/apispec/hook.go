package apispec

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Hook wraps the app's handler: every answer it gives from then on, through app.Test or a real
// connection, is validated against the OpenAPI document the same app serves at /api/openapi.json,
// and a mismatch fails t. Test harnesses call it once, right after building the app.
func Hook(t testing.TB, app *fiber.App) {
	next := app.Server().Handler
	validator := sync.OnceValues(func() (*Validator, error) {
		var rctx fasthttp.RequestCtx
		rctx.Request.Header.SetMethod(http.MethodGet)
		rctx.Request.SetRequestURI("/api/openapi.json")
		next(&rctx)
		if rctx.Response.StatusCode() != http.StatusOK {
			return nil, fmt.Errorf("GET /api/openapi.json answered %d", rctx.Response.StatusCode())
		}
		return For(append([]byte(nil), rctx.Response.Body()...))
	})
	app.Server().Handler = func(rctx *fasthttp.RequestCtx) {
		next(rctx)
		v, err := validator()
		if err != nil {
			t.Errorf("contract: %v", err)
			return
		}
		if err := v.Check(requestOf(rctx), rctx.Response.StatusCode(), headerOf(&rctx.Response.Header), rctx.Response.Body()); err != nil {
			t.Errorf("contract: %v", err)
		}
	}
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
