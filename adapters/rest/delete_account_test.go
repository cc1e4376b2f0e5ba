package rest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/rest"
)

// Deleting the account needs the password; it ends every session at once (tokens that were just
// used, so cached, included), removes the activities and the user, and frees the email.
func TestDeleteAccount(t *testing.T) {
	// Room for every refused attempt below: the per-user limit is TestDeleteAccountIsRateLimited's.
	h := newHarness(t, withAccounts(true), withOptions(rest.Options{IngestAPIKey: testKey,
		RateLimits: rest.RateLimits{SignInPerEmail: rest.RateLimit{Max: 100, Window: time.Minute}}}))
	seedCatalog(h)
	a := h.signUp("edsger@example.com", "goto-harmful", "Edsger")
	second := h.signIn(a.email, a.password)
	other := h.signUp("tony@example.com", "quicksort-1960", "Tony")
	for _, tok := range []string{a.token, other.token} {
		if r := h.call(http.MethodGet, "/api/torrents/search?q=sintel", "", bearer(tok)...); r.status != 200 {
			t.Fatalf("search: %d", r.status)
		}
	}
	h.waitActivity(a.token, 1)
	h.waitActivity(other.token, 1)
	// An API key of the account, used twice so it is cached (the first use records the use, which
	// drops the cached key).
	_, key := h.createKey(a.token, "Sonarr")
	for _, q := range []string{"bunny", "planet"} {
		if r := h.call(http.MethodGet, "/api/torrents/search?q="+q, "", bearer(key)...); r.status != 200 {
			t.Fatalf("search with the key: %d", r.status)
		}
	}
	h.waitActivity(a.token, 3)
	if h.me(bearer(a.token)...) != 200 || h.me(cookie(second)...) != 200 {
		t.Fatal("the sessions do not work before the deletion")
	}

	// Without a session: 401. Refused bodies and passwords change nothing.
	expectProblem(t, h.call(http.MethodDelete, "/api/auth/me", `{"currentPassword":"goto-harmful"}`), 401, "unauthenticated")
	expectProblem(t, h.call(http.MethodDelete, "/api/auth/me", `{"currentPassword":"goto-harmful"}`, bearer("not-a-session")...), 401, "unauthenticated")
	expectProblem(t, h.call(http.MethodDelete, "/api/auth/me", `{"currentPassword":"wrong-one"}`, bearer(a.token)...), 403, "forbidden")
	expectProblem(t, h.call(http.MethodDelete, "/api/auth/me", `{}`, bearer(a.token)...), 403, "forbidden")
	expectProblem(t, h.call(http.MethodDelete, "/api/auth/me", `{"currentPassword":""}`, bearer(a.token)...), 403, "forbidden")
	expectProblem(t, h.call(http.MethodDelete, "/api/auth/me", "", bearer(a.token)...), 400, "invalid_json")
	expectProblem(t, h.call(http.MethodDelete, "/api/auth/me", `{"currentPassword":`, bearer(a.token)...), 400, "invalid_json")
	errs := expectProblem(t, h.call(http.MethodDelete, "/api/auth/me", `{"currentPassword":42}`, bearer(a.token)...), 400, "validation_failed")
	if f := fieldsOf(errs); len(f) != 1 || f[0] != "currentPassword" {
		t.Fatalf("errors name %v", f)
	}
	req := `{"currentPassword":"goto-harmful"}`
	expectProblem(t, h.call(http.MethodDelete, "/api/auth/me", req, with(bearer(a.token), "Content-Type", "text/plain")...), 415, "unsupported_media_type")
	if h.me(bearer(a.token)...) != 200 || h.me(bearer(second)...) != 200 {
		t.Fatal("a refused deletion ended a session")
	}

	r := h.call(http.MethodDelete, "/api/auth/me", req, bearer(a.token)...)
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("Cache-Control %q", r.header.Get("Cache-Control"))
	}
	if ck := sessionCookieOf(r); ck == nil || ck.Value != "" || !ck.Expires.Before(time.Now()) {
		t.Fatalf("the cookie must be cleared: %q", rawSetCookie(r))
	}
	// Every token of the user is refused at once, by every endpoint that takes a session.
	for _, tok := range []string{a.token, second} {
		for _, headers := range [][]string{bearer(tok), cookie(tok)} {
			if h.me(headers...) != 401 {
				t.Fatalf("a token of the deleted account still works: %v", headers)
			}
		}
		expectProblem(t, h.call(http.MethodPut, "/api/auth/me", `{"name":"x"}`, bearer(tok)...), 401, "unauthenticated")
		expectProblem(t, h.call(http.MethodGet, "/api/auth/me/activity", "", bearer(tok)...), 401, "unauthenticated")
		expectProblem(t, h.call(http.MethodPost, "/api/auth/logout", "", bearer(tok)...), 401, "unauthenticated")
		expectProblem(t, h.call(http.MethodDelete, "/api/auth/me", req, bearer(tok)...), 401, "unauthenticated")
	}
	// The API key no longer authenticates: the catalog serves it anonymously, recording nothing.
	before := h.recorder.Stats().Recorded
	if r := h.call(http.MethodGet, "/api/torrents/search?q=sintel", "", bearer(key)...); r.status != 200 {
		t.Fatalf("search with the deleted account's key: %d", r.status)
	}
	if got := h.recorder.Stats().Recorded; got != before {
		t.Fatal("an API key of the deleted account still authenticates")
	}
	// The user and its activities are gone from the store; the other user keeps theirs.
	if _, err := h.accounts.Users().ByID(context.Background(), a.id); err == nil {
		t.Fatal("the user is still stored")
	}
	if list, err := h.accounts.Activities().List(context.Background(), a.id, 100, 0); err != nil || len(list) != 0 {
		t.Fatalf("the user's activities are still stored: %v %v", list, err)
	}
	if len(h.waitActivity(other.token, 1)) != 1 || h.me(bearer(other.token)...) != 200 {
		t.Fatal("another account was touched")
	}
	// The account cannot sign in any more, and its email is free for a new one.
	expectProblem(t, h.call(http.MethodPost, "/api/auth/sign-in", `{"email":"edsger@example.com","password":"goto-harmful"}`), 401, "invalid_credentials")
	again := h.signUp("edsger@example.com", "a-new-start", "Edsger")
	if again.id == a.id {
		t.Fatal("a new account reused the deleted one's id")
	}
}

// Password guesses through the deletion are bounded per user, as sign-in's are per email.
func TestDeleteAccountIsRateLimited(t *testing.T) {
	h := newHarness(t, withAccounts(false), withOptions(rest.Options{IngestAPIKey: testKey,
		RateLimits: rest.RateLimits{SignInPerEmail: rest.RateLimit{Max: 2, Window: time.Minute}}}))
	a := h.signUp("ada@example.com", "analytical", "Ada")
	b := h.signUp("charles@example.com", "difference", "Charles")
	for range 2 {
		expectProblem(t, h.call(http.MethodDelete, "/api/auth/me", `{"currentPassword":"guess"}`, bearer(a.token)...), 403, "forbidden")
	}
	r := h.call(http.MethodDelete, "/api/auth/me", `{"currentPassword":"analytical"}`, bearer(a.token)...)
	expectProblem(t, r, 429, "rate_limited")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	if h.me(bearer(a.token)...) != 200 {
		t.Fatal("a limited deletion deleted the account")
	}
	// Another user has a budget of its own.
	if r := h.call(http.MethodDelete, "/api/auth/me", `{"currentPassword":"difference"}`, bearer(b.token)...); r.status != 204 {
		t.Fatalf("another user's deletion: %d %s", r.status, r.body)
	}
}
