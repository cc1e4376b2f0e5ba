package rest_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/rest"
)

func expectRateLimited(t *testing.T, r response, window time.Duration) {
	t.Helper()
	expectProblem(t, r, 429, "rate_limited")
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 1 || time.Duration(secs)*time.Second > window {
		t.Fatalf("Retry-After %q, want 1 to %v seconds", r.header.Get("Retry-After"), window.Seconds())
	}
}

func signInBody(email, password string) string {
	return `{"email":"` + email + `","password":"` + password + `"}`
}

// Sign-in is limited per client address. With no trusted proxy, X-Forwarded-For is the client's
// own words and changes nothing.
func TestSignInLimitPerIP(t *testing.T) {
	h := newHarness(t, withAccounts(false), withOptions(rest.Options{RateLimits: rest.RateLimits{
		SignInPerIP: rest.RateLimit{Max: 2, Window: time.Minute}, SignInPerEmail: rest.RateLimit{Max: 100},
	}}))
	for i, email := range []string{"a@example.com", "b@example.com"} {
		r := h.call(http.MethodPost, "/api/auth/sign-in", signInBody(email, "password"), "X-Forwarded-For", "198.51.100."+strconv.Itoa(i))
		expectProblem(t, r, 401, "invalid_credentials")
	}
	r := h.call(http.MethodPost, "/api/auth/sign-in", signInBody("c@example.com", "password"), "X-Forwarded-For", "198.51.100.9")
	expectRateLimited(t, r, time.Minute)
	// Refused before the body is read: even a malformed one.
	expectRateLimited(t, h.call(http.MethodPost, "/api/auth/sign-in", `{`), time.Minute)
}

// Sign-in is limited per email too, however many addresses the attempts come from; behind a
// trusted proxy, the client is the address the proxy saw.
func TestSignInLimitPerEmail(t *testing.T) {
	h := newHarness(t, withAccounts(false), withOptions(rest.Options{
		TrustedProxies: []string{"0.0.0.0"}, // app.Test's peer address
		RateLimits: rest.RateLimits{
			SignInPerIP: rest.RateLimit{Max: 2, Window: time.Minute}, SignInPerEmail: rest.RateLimit{Max: 2, Window: time.Minute},
		},
	}))
	expectProblem(t, h.call(http.MethodPost, "/api/auth/sign-in", signInBody("victim@example.com", "guess-1"), "X-Forwarded-For", "203.0.113.1"), 401, "invalid_credentials")
	expectProblem(t, h.call(http.MethodPost, "/api/auth/sign-in", signInBody(" VICTIM@Example.com", "guess-2"), "X-Forwarded-For", "203.0.113.2"), 401, "invalid_credentials")
	expectRateLimited(t, h.call(http.MethodPost, "/api/auth/sign-in", signInBody("victim@example.com ", "guess-3"), "X-Forwarded-For", "203.0.113.3"), time.Minute)
	// Another email from that address is not limited...
	expectProblem(t, h.call(http.MethodPost, "/api/auth/sign-in", signInBody("other@example.com", "guess"), "X-Forwarded-For", "203.0.113.3"), 401, "invalid_credentials")
	// ...and the address is the proxy's view: a client cannot escape its bucket by prepending.
	expectRateLimited(t, h.call(http.MethodPost, "/api/auth/sign-in", signInBody("x@example.com", "guess"), "X-Forwarded-For", "192.0.2.77, 203.0.113.3"), time.Minute)
}

func TestSignUpLimitPerIP(t *testing.T) {
	h := newHarness(t, withAccounts(false), withOptions(rest.Options{RateLimits: rest.RateLimits{SignUpPerIP: rest.RateLimit{Max: 1, Window: time.Hour}}}))
	h.signUp("first@example.com", "password-1", "First")
	r := h.call(http.MethodPost, "/api/auth/sign-up", `{"email":"second@example.com","password":"password-2","name":"Second"}`)
	expectRateLimited(t, r, time.Hour)
}

func TestIngestLimitPerKey(t *testing.T) {
	h := newHarness(t, withOptions(rest.Options{IngestAPIKey: testKey, RateLimits: rest.RateLimits{IngestPerKey: rest.RateLimit{Max: 2, Window: time.Minute}}}))
	for range 2 {
		if r := h.ingest(oneTorrent); r.status != 200 {
			t.Fatalf("ingest: %d %s", r.status, r.body)
		}
	}
	expectRateLimited(t, h.ingest(oneTorrent), time.Minute)
	// Wrong keys are refused as such, and count for nothing.
	expectProblem(t, h.do(ingestRequest(oneTorrent, "X-API-Key", "wrong")), 401, "unauthenticated")
	if strings.Contains(h.logs.String(), testKey) {
		t.Fatal("the ingest key reached the log")
	}
}

// originHarness has one allowed foreign origin and a signed-up user.
func originHarness(t *testing.T) (*harness, account) {
	h := newHarness(t, withAccounts(false), withOptions(rest.Options{CORSOrigins: []string{"https://App.Example:443/"}}))
	return h, h.signUp("csrf@example.com", "password-1", "Csrf")
}

func TestCSRFOriginCheck(t *testing.T) {
	h, a := originHarness(t)
	put := func(headers ...string) response {
		return h.call(http.MethodPut, "/api/auth/me", `{"name":"Changed"}`, headers...)
	}
	for _, c := range []struct {
		name    string
		headers []string
		status  int
	}{
		{"cookie, no origin (not from a page)", cookie(a.token), 200},
		{"cookie, own origin", with(cookie(a.token), "Origin", "http://example.com"), 200},
		{"cookie, own origin with its default port", with(cookie(a.token), "Origin", "http://EXAMPLE.com:80"), 200},
		{"cookie, own referer", with(cookie(a.token), "Referer", "http://example.com/settings?tab=1"), 200},
		{"cookie, allowed origin", with(cookie(a.token), "Origin", "https://app.example"), 200},
		{"cookie, browser says same-origin", with(cookie(a.token), "Origin", "https://public.example", "Sec-Fetch-Site", "same-origin"), 200},
		{"cookie, foreign origin", with(cookie(a.token), "Origin", "https://evil.example"), 403},
		{"cookie, sibling subdomain", with(cookie(a.token), "Origin", "http://evil.example.com"), 403},
		{"cookie, own host on another scheme", with(cookie(a.token), "Origin", "https://example.com"), 403},
		{"cookie, own host on another port", with(cookie(a.token), "Origin", "http://example.com:8080"), 403},
		{"cookie, allowed host on another scheme", with(cookie(a.token), "Origin", "http://app.example"), 403},
		{"cookie, opaque origin", with(cookie(a.token), "Origin", "null"), 403},
		{"cookie, foreign referer", with(cookie(a.token), "Referer", "https://evil.example/page"), 403},
		{"cookie, browser says cross-site", with(cookie(a.token), "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"), 403},
		{"bearer, foreign origin", with(bearer(a.token), "Origin", "https://evil.example"), 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := put(c.headers...)
			if c.status == 403 {
				expectProblem(t, r, 403, "forbidden")
				return
			}
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
		})
	}
	// A cross-site logout by cookie is refused too, and the session lives on.
	expectProblem(t, h.call(http.MethodPost, "/api/auth/logout", "", with(cookie(a.token), "Origin", "https://evil.example")...), 403, "forbidden")
	if h.me(cookie(a.token)...) != 200 {
		t.Fatal("a refused logout ended the session")
	}
	// Reads are not changes: a foreign page's GET is CORS's business, not this check's.
	if h.me(with(cookie(a.token), "Origin", "https://evil.example")...) != 200 {
		t.Fatal("GET /me refused for its Origin")
	}
}

// The own origin is the request's scheme, host and port: behind a trusted TLS proxy, https.
func TestCSRFOwnOriginBehindAProxy(t *testing.T) {
	h := newHarness(t, withAccounts(false), withOptions(rest.Options{TrustedProxies: []string{"0.0.0.0/32"}}))
	a := h.signUp("proxy@example.com", "password-1", "Proxy")
	r := h.call(http.MethodPut, "/api/auth/me", `{"name":"X"}`, with(cookie(a.token), "Origin", "https://api.example", "Host", "api.example", "X-Forwarded-Proto", "https")...)
	if r.status != 200 {
		t.Fatalf("own https origin behind a trusted proxy: %d %s", r.status, r.body)
	}
	expectProblem(t, h.call(http.MethodPut, "/api/auth/me", `{"name":"X"}`, with(cookie(a.token), "Origin", "http://api.example", "Host", "api.example", "X-Forwarded-Proto", "https")...), 403, "forbidden")
}

func TestCORS(t *testing.T) {
	h, a := originHarness(t)
	preflight := func(origin string) response {
		req := httptest.NewRequest(http.MethodOptions, "/api/auth/me", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "PUT")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		return h.do(req)
	}
	r := preflight("https://app.example")
	if r.status != http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		r.header.Get("Access-Control-Allow-Credentials") != "true" || !strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "PUT") {
		t.Fatalf("allowed preflight: %d %v", r.status, r.header)
	}
	r = preflight("https://evil.example")
	if r.header.Get("Access-Control-Allow-Origin") != "" || r.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("a foreign origin got CORS headers: %v", r.header)
	}
	// An actual request from the allowed origin may read the answer, with credentials.
	r = h.call(http.MethodGet, "/api/auth/me", "", with(cookie(a.token), "Origin", "https://app.example")...)
	if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "https://app.example" || r.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("allowed GET: %d %v", r.status, r.header)
	}
	if !strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "X-Request-ID") {
		t.Fatalf("X-Request-ID not exposed: %v", r.header)
	}
	r = h.call(http.MethodGet, "/api/categories", "", "Origin", "https://evil.example")
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("a foreign origin may read: %v", r.header)
	}

	// With no origin configured, no CORS header at all.
	plain := newHarness(t)
	r = plain.call(http.MethodGet, "/api/categories", "", "Origin", "https://app.example")
	for k := range r.header {
		if strings.HasPrefix(k, "Access-Control-") {
			t.Fatalf("CORS header %s without CORSOrigins", k)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, o := range []rest.Options{
		{CORSOrigins: []string{"*"}},
		{CORSOrigins: []string{"https://*.example.com"}},
		{CORSOrigins: []string{"app.example"}},
		{CORSOrigins: []string{"https://app.example/path"}},
		{CORSOrigins: []string{"ftp://app.example"}},
		{TrustedProxies: []string{"10.0.0.0/33"}},
		{TrustedProxies: []string{"proxy.internal"}},
		{SecureCookies: 7},
	} {
		if o.Validate() == nil {
			t.Fatalf("%+v passes Validate", o)
		}
	}
	good := rest.Options{CORSOrigins: []string{"https://app.example", "http://localhost:5173"}, TrustedProxies: []string{"10.0.0.0/8", "::1"}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t, withOptions(rest.Options{TrustedProxies: []string{"0.0.0.0"}}))
	for _, target := range []string{"/api/categories", "/api/torrents/999", "/nope"} {
		r := h.get(target)
		for k, want := range map[string]string{
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "no-referrer",
			"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		} {
			if got := r.header.Get(k); got != want {
				t.Fatalf("%s: %s %q, want %q", target, k, got, want)
			}
		}
		if hsts := r.header.Get("Strict-Transport-Security"); hsts != "" {
			t.Fatalf("%s: HSTS over plain HTTP: %q", target, hsts)
		}
	}
	// The document stays readable where it is rendered and fetched.
	if csp := h.get("/api/openapi.json").header.Get("Content-Security-Policy"); strings.Contains(csp, "default-src") {
		t.Fatalf("openapi.json CSP %q", csp)
	}
	r := h.call(http.MethodGet, "/livez", "", "X-Forwarded-Proto", "https")
	if hsts := r.header.Get("Strict-Transport-Security"); !strings.HasPrefix(hsts, "max-age=31536000") {
		t.Fatalf("HSTS behind a trusted TLS proxy: %q", hsts)
	}
	untrusted := newHarness(t)
	if hsts := untrusted.call(http.MethodGet, "/livez", "", "X-Forwarded-Proto", "https").header.Get("Strict-Transport-Security"); hsts != "" {
		t.Fatalf("HSTS on an untrusted X-Forwarded-Proto: %q", hsts)
	}
}

// The Secure attribute: everywhere but plain HTTP to a loopback host. A stale cookie's 401 clears
// it with the same attributes, which shows the rule without a password hash per case.
func TestCookieSecureRule(t *testing.T) {
	auto := newHarness(t, withAccounts(false))
	always := newHarness(t, withAccounts(false), withOptions(rest.Options{SecureCookies: rest.SecureCookiesAlways}))
	proxied := newHarness(t, withAccounts(false), withOptions(rest.Options{TrustedProxies: []string{"0.0.0.0"}}))
	for _, c := range []struct {
		h       *harness
		headers []string
		secure  bool
	}{
		{auto, []string{"Host", "example.com"}, true},
		{auto, []string{"Host", "localhost:8080"}, false},
		{auto, []string{"Host", "127.0.0.1:8080"}, false},
		{auto, []string{"Host", "[::1]:8080"}, false},
		{auto, []string{"Host", "localhost.example.com"}, true},
		{auto, []string{"Host", "localhost", "X-Forwarded-Proto", "http"}, false},
		{always, []string{"Host", "localhost:8080"}, true},
		{proxied, []string{"Host", "localhost:8080", "X-Forwarded-Proto", "https"}, true},
	} {
		r := c.h.call(http.MethodGet, "/api/auth/me", "", with(c.headers, "Cookie", "session_token=stale")...)
		raw := rawSetCookie(r)
		ck := sessionCookieOf(r)
		if ck == nil || ck.Secure != c.secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
			t.Fatalf("%v: Set-Cookie %q, want Secure=%v, HttpOnly, SameSite=Lax, Path=/", c.headers, raw, c.secure)
		}
	}
	// And the cookie of a real sign-in on localhost.
	r := auto.call(http.MethodPost, "/api/auth/sign-up", `{"email":"local@example.com","password":"password-1","name":"Local"}`, "Host", "localhost:8080")
	if ck := sessionCookieOf(r); r.status != 201 || ck == nil || ck.Secure {
		t.Fatalf("sign-up on localhost: %d %q", r.status, rawSetCookie(r))
	}
}

// No password, token, cookie, token hash or password hash ever reaches a log line or an answer.
func TestNoSecretsInLogsOrBodies(t *testing.T) {
	h := newHarness(t, withAccounts(true), withLogLevel(-8)) // below debug: everything
	var bodies strings.Builder
	keep := func(r response) response { bodies.Write(r.body); return r }

	a := h.signUp("secret@example.com", "first-Passw0rd", "Secret")
	keep(h.call(http.MethodPost, "/api/auth/sign-in", signInBody("nobody@example.com", "first-Passw0rd")))
	second := keep(h.call(http.MethodPost, "/api/auth/sign-in", signInBody(a.email, a.password))).json(t)["session"].(map[string]any)["token"].(string)
	oldHash := h.userHash(a.email)
	keep(h.call(http.MethodGet, "/api/auth/me", "", cookie(a.token)...))
	keep(h.call(http.MethodGet, "/api/torrents/search?q=x", "", bearer(second)...))
	r := keep(h.call(http.MethodPut, "/api/auth/me", `{"currentPassword":"first-Passw0rd","newPassword":"second-Passw0rd"}`, cookie(a.token)...))
	if r.status != 200 {
		t.Fatalf("password change: %d %s", r.status, r.body)
	}
	keep(h.call(http.MethodPut, "/api/auth/me", `{"currentPassword":"wrong-Passw0rd","newPassword":"third-Passw0rd"}`, cookie(a.token)...))
	third := keep(h.call(http.MethodPost, "/api/auth/sign-in", signInBody(a.email, "second-Passw0rd"))).json(t)["session"].(map[string]any)["token"].(string)
	keep(h.call(http.MethodPost, "/api/auth/logout", "", bearer(third)...))
	keep(h.call(http.MethodGet, "/api/auth/me", "", bearer(third)...))
	newHash := h.userHash(a.email)

	logs := h.logs.String()
	if !strings.Contains(logs, "account created") || !strings.Contains(logs, `"path":"/api/auth/sign-in"`) {
		t.Fatalf("the log misses the expected lines:\n%s", logs)
	}
	secrets := map[string]string{
		"first password": "first-Passw0rd", "second password": "second-Passw0rd", "third password": "third-Passw0rd",
		"old password hash": oldHash, "new password hash": newHash, "argon2id marker": "$argon2id$",
	}
	for i, token := range []string{a.token, second, third} {
		secrets["token "+strconv.Itoa(i)] = token
		secrets["token hash "+strconv.Itoa(i)] = tokenHash(token)
	}
	for name, secret := range secrets {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds the %s", name)
		}
		if !strings.HasPrefix(name, "token ") && strings.Contains(bodies.String(), secret) {
			t.Errorf("an answer holds the %s", name)
		}
	}
	if strings.Contains(bodies.String(), tokenHash(a.token)) {
		t.Error("an answer holds a token hash")
	}
}

// tokenHash is the session id the store keeps for a token: its keyed hash.
func tokenHash(token string) string {
	mac := hmac.New(sha256.New, authSecret)
	mac.Write([]byte(token))
	return hex.EncodeToString(mac.Sum(nil))
}

func (h *harness) userHash(email string) string {
	h.t.Helper()
	u, err := h.accounts.Users().ByEmail(context.Background(), email)
	if err != nil || u.PasswordHash == "" {
		h.t.Fatalf("user %s: %v", email, err)
	}
	return u.PasswordHash
}
