package rest_test

import (
	"net/http"
	"strings"
	"testing"
)

func (h *harness) createKey(token, name string) (id, key string) {
	h.t.Helper()
	r := h.call(http.MethodPost, "/api/auth/api-keys", `{"name":"`+name+`"}`, bearer(token)...)
	if r.status != http.StatusCreated {
		h.t.Fatalf("create key: %d %s", r.status, r.body)
	}
	doc := r.json(h.t)
	assertKeys(h.t, "created key", doc, "id", "name", "key", "createdAt")
	return doc["id"].(string), doc["key"].(string)
}

func TestAPIKeysCreateListRevoke(t *testing.T) {
	h := newHarness(t, withAccounts(true))
	seedCatalog(h)
	a := h.signUp("ada@example.com", "analytical-engine", "Ada")
	b := h.signUp("bob@example.com", "bob-password", "Bob")

	id, key := h.createKey(a.token, "  Sonarr ")
	if !strings.HasPrefix(key, "stk_") || len(key) < 40 {
		t.Fatalf("key %q", key)
	}
	h.createKey(a.token, "Radarr")
	r := h.call(http.MethodGet, "/api/auth/api-keys", "", bearer(a.token)...)
	if r.status != 200 || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("list: %d %v", r.status, r.header)
	}
	assertNoNull(t, r.body)
	if strings.Contains(string(r.body), key) || strings.Contains(string(r.body), "stk_") {
		t.Fatalf("the list shows a key: %s", r.body)
	}
	list := items(t, r.json(t))
	if len(list) != 2 {
		t.Fatalf("list %v", list)
	}
	sonarr := list[0]
	if sonarr["id"] != id { // made in the same second: ties go by id
		sonarr = list[1]
	}
	if sonarr["name"] != "Sonarr" || sonarr["id"] != id || sonarr["lastUsedAt"] != "" {
		t.Fatalf("list %v", list)
	}
	assertKeys(t, "listed key", sonarr, "id", "name", "createdAt", "lastUsedAt")
	// Bob sees none of Ada's keys and cannot revoke them.
	if r := h.call(http.MethodGet, "/api/auth/api-keys", "", bearer(b.token)...); len(items(t, r.json(t))) != 0 {
		t.Fatalf("bob's list %s", r.body)
	}
	expectProblem(t, h.call(http.MethodDelete, "/api/auth/api-keys/"+id, "", bearer(b.token)...), 404, "not_found")

	// The key reads the catalog as Ada: her activity records it, and lastUsedAt is set.
	if r := h.call(http.MethodGet, "/api/torrents/search?q=sintel", "", bearer(key)...); r.status != 200 {
		t.Fatalf("search with a key: %d", r.status)
	}
	h.waitActivity(a.token, 1)
	used := false
	for _, k := range items(t, h.call(http.MethodGet, "/api/auth/api-keys", "", bearer(a.token)...).json(t)) {
		used = used || (k["id"] == id && k["lastUsedAt"] != "")
	}
	if !used {
		t.Fatal("lastUsedAt not set after a use")
	}

	// Revoked: the next request is anonymous (the catalog is public; nothing more is recorded).
	if r := h.call(http.MethodDelete, "/api/auth/api-keys/"+id, "", bearer(a.token)...); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	before := h.recorder.Stats().Recorded
	if r := h.call(http.MethodGet, "/api/torrents/search?q=bunny", "", bearer(key)...); r.status != 200 {
		t.Fatalf("search with a revoked key: %d", r.status)
	}
	if got := h.recorder.Stats().Recorded; got != before {
		t.Fatal("a revoked key still authenticates")
	}
	expectProblem(t, h.call(http.MethodDelete, "/api/auth/api-keys/"+id, "", bearer(a.token)...), 404, "not_found")

	// Bad input.
	for _, body := range []string{`{"name":""}`, `{"name":"   "}`, `{"name":"` + strings.Repeat("n", 101) + `"}`, `{}`, `{"name":"a\u0007b"}`} {
		expectProblem(t, h.call(http.MethodPost, "/api/auth/api-keys", body, bearer(a.token)...), 400, "validation_failed")
	}
	expectProblem(t, h.call(http.MethodPost, "/api/auth/api-keys", `{"name":`, bearer(a.token)...), 400, "invalid_json")
	for range 24 { // Radarr's and 24 more are the 25 a user may hold
		h.createKey(a.token, "more")
	}
	expectProblem(t, h.call(http.MethodPost, "/api/auth/api-keys", `{"name":"one too many"}`, bearer(a.token)...), 409, "conflict")
	// Without a session.
	expectProblem(t, h.call(http.MethodGet, "/api/auth/api-keys", ""), 401, "unauthenticated")
}

// A key never authenticates an account route: not the profile, not a password or email change,
// not logout, not the keys themselves.
func TestAPIKeyCannotChangeTheAccount(t *testing.T) {
	h := newHarness(t, withAccounts(true))
	a := h.signUp("ada@example.com", "analytical-engine", "Ada")
	_, key := h.createKey(a.token, "Prowlarr")
	for _, c := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/auth/me", ""},
		{http.MethodPut, "/api/auth/me", `{"currentPassword":"analytical-engine","newPassword":"stolen-password"}`},
		{http.MethodPut, "/api/auth/me", `{"currentPassword":"analytical-engine","email":"thief@example.com"}`},
		{http.MethodPut, "/api/auth/me", `{"name":"Not Ada"}`},
		{http.MethodPost, "/api/auth/logout", ""},
		{http.MethodGet, "/api/auth/me/activity", ""},
		{http.MethodGet, "/api/auth/api-keys", ""},
		{http.MethodPost, "/api/auth/api-keys", `{"name":"another"}`},
	} {
		r := h.call(c.method, c.path, c.body, bearer(key)...)
		expectProblem(t, r, 401, "unauthenticated")
		if !strings.Contains(string(r.body), "API key") {
			t.Errorf("%s %s: the 401 does not say why: %s", c.method, c.path, r.body)
		}
	}
	// Nothing changed: the old password still signs in, the email is the same, the key still lists.
	h.signIn("ada@example.com", "analytical-engine")
	if r := h.call(http.MethodGet, "/api/auth/api-keys", "", bearer(a.token)...); len(items(t, r.json(t))) != 1 {
		t.Fatalf("keys %s", r.body)
	}
	// A key sent as the session cookie is no session either.
	expectProblem(t, h.call(http.MethodGet, "/api/auth/me", "", cookie(key)...), 401, "unauthenticated")
}
