package torznab_test

import (
	"testing"

	"github.com/valyala/fasthttp"
)

// request makes ctx a request to the app served in this process (its handler, no network): the
// method and URI, and when not empty the Accept-Encoding, a Bearer token and a JSON body.
func request(ctx *fasthttp.RequestCtx, method, uri, accept, bearer, body string) {
	ctx.Request.Header.SetMethod(method)
	ctx.Request.SetRequestURI(uri)
	ctx.Request.Header.SetHost("127.0.0.1:8080")
	if accept != "" {
		ctx.Request.Header.Set("Accept-Encoding", accept)
	}
	if bearer != "" {
		ctx.Request.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != "" {
		ctx.Request.Header.SetContentType("application/json")
		ctx.Request.SetBodyString(body)
	}
}

// apiKey signs up an account (email) through handler and returns an API key made for it.
func apiKey(tb testing.TB, handler fasthttp.RequestHandler, email string) string {
	tb.Helper()
	post := func(uri, bearer, body string) []byte {
		var ctx fasthttp.RequestCtx
		request(&ctx, "POST", uri, "", bearer, body)
		handler(&ctx)
		return ctx.Response.Body()
	}
	signed := post("/api/auth/sign-up", "", `{"email":"`+email+`","password":"a password for the tests","name":"T"}`)
	key := jsonString(post("/api/auth/api-keys", jsonString(signed, "token"), `{"name":"tests"}`), "key")
	if key == "" {
		tb.Fatalf("no API key: %s", signed)
	}
	return key
}

func jsonString(body []byte, name string) string {
	key := `"` + name + `":"`
	s := string(body)
	for i := 0; i+len(key) <= len(s); i++ {
		if s[i:i+len(key)] == key {
			rest := s[i+len(key):]
			for j := range len(rest) {
				if rest[j] == '"' {
					return rest[:j]
				}
			}
		}
	}
	return ""
}
