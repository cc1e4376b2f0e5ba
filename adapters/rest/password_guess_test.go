package rest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/rest"
)

// currentPassword on PUT /api/auth/me is a password guess like a sign-in, and is limited like one:
// per account, whatever the address, and per address. Before, a session holder could guess the
// current password without limit (and take the account's email or password once right).
func TestCurrentPasswordGuessesAreLimited(t *testing.T) {
	h := newHarness(t, withAccounts(false), withOptions(rest.Options{
		TrustedProxies: []string{"0.0.0.0"}, // app.Test's peer address
		RateLimits: rest.RateLimits{
			SignInPerIP: rest.RateLimit{Max: 3, Window: time.Minute}, SignInPerEmail: rest.RateLimit{Max: 2, Window: time.Minute},
		},
	}))
	a := h.signUp("guessed@example.com", "password-1", "Guessed")
	guess := func(password, ip string) response {
		return h.call(http.MethodPut, "/api/auth/me", `{"email":"new@example.com","currentPassword":"`+password+`"}`,
			with(bearer(a.token), "X-Forwarded-For", ip)...)
	}
	expectProblem(t, guess("wrong-1", "203.0.113.1"), 403, "forbidden")
	expectProblem(t, guess("wrong-2", "203.0.113.2"), 403, "forbidden")
	// The third guess at this account is refused, from any address, even the right password.
	expectRateLimited(t, guess("password-1", "203.0.113.3"), time.Minute)
	// A change that carries no current password is not a guess, and is not limited.
	for range 5 {
		if r := h.call(http.MethodPut, "/api/auth/me", `{"name":"Renamed"}`, bearer(a.token)...); r.status != 200 {
			t.Fatalf("a name change: %d %s", r.status, r.body)
		}
	}

	// Per address: one client guessing at several accounts.
	b := h.signUp("b@example.com", "password-b", "B")
	c := h.signUp("c@example.com", "password-c", "C")
	for _, tok := range []string{b.token, c.token} {
		r := h.call(http.MethodPut, "/api/auth/me", `{"newPassword":"password-new","currentPassword":"wrong"}`,
			with(bearer(tok), "X-Forwarded-For", "198.51.100.7")...)
		expectProblem(t, r, 403, "forbidden")
	}
	r := h.call(http.MethodPut, "/api/auth/me", `{"newPassword":"password-new","currentPassword":"wrong"}`,
		with(bearer(b.token), "X-Forwarded-For", "198.51.100.7")...)
	expectProblem(t, r, 403, "forbidden") // the third from this address
	r = h.call(http.MethodPut, "/api/auth/me", `{"newPassword":"password-new","currentPassword":"wrong"}`,
		with(bearer(c.token), "X-Forwarded-For", "198.51.100.7")...)
	expectRateLimited(t, r, time.Minute)
}
