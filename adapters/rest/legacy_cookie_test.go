package rest_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"

	"github.com/torrent-streamer/streamer/adapters/rest"
)

// betterAuthCookie signs a token as Better Auth does: the token, a dot, the standard base64 of
// HMAC-SHA256(secret, token), URL-encoded.
func betterAuthCookie(token string, secret []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(token))
	return url.QueryEscape(token + "." + base64.StdEncoding.EncodeToString(mac.Sum(nil)))
}

func TestBetterAuthsSignedCookieAuthenticatesAndIsAnsweredWithOurs(t *testing.T) {
	h := newHarness(t, withAccounts(false), withOptions(rest.Options{IngestAPIKey: testKey, BetterAuthSecret: authSecret}))
	a := h.signUp("cookie@example.com", "12345678", "Cookie")
	for _, name := range []string{"better-auth.session_token", "__Secure-better-auth.session_token"} {
		r := h.call(http.MethodGet, "/api/auth/me", "", "Cookie", name+"="+betterAuthCookie(a.token, authSecret))
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", name, r.status, r.body)
		}
		if c := sessionCookieOf(r); c == nil || c.Value != a.token || !c.HttpOnly {
			t.Fatalf("%s: the answer must carry the service's own cookie with the same session, got %v", name, c)
		}
		// The catalog's optional session also accepts it (an anonymous-capable route).
		if r := h.call(http.MethodGet, "/api/torrents/search?q=x", "", "Cookie", name+"="+betterAuthCookie(a.token, authSecret)); sessionCookieOf(r) == nil {
			t.Fatalf("%s: the optional session lookup must adopt the cookie too: %d", name, r.status)
		}
	}
	bad := map[string]string{
		"another secret":   betterAuthCookie(a.token, []byte("another secret, 32 bytes or more!!")),
		"no signature":     url.QueryEscape(a.token),
		"altered token":    betterAuthCookie(a.token, authSecret)[1:],
		"garbage encoding": "%zz." + a.token,
		"unknown session":  betterAuthCookie("not-a-session-token", authSecret),
	}
	for what, value := range bad {
		r := h.call(http.MethodGet, "/api/auth/me", "", "Cookie", "better-auth.session_token="+value)
		if r.status != http.StatusUnauthorized || sessionCookieOf(r) != nil && sessionCookieOf(r).Value != "" {
			t.Fatalf("%s: %d, want 401 and no session cookie", what, r.status)
		}
	}
}

func TestBetterAuthsCookieIsIgnoredWithoutASecret(t *testing.T) {
	h := newHarness(t, withAccounts(false))
	a := h.signUp("nosecret@example.com", "12345678", "No")
	if s := h.me("Cookie", "better-auth.session_token="+betterAuthCookie(a.token, authSecret)); s != http.StatusUnauthorized {
		t.Fatalf("without a configured secret the signed cookie cannot be checked and must not count: %d", s)
	}
}
