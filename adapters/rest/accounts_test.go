package rest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/rest"
)

// call sends one request; a non-empty body goes as JSON. headers are name, value pairs.
func (h *harness) call(method, target, body string, headers ...string) response {
	h.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1] // net/http writes Host from here, never from Header
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	return h.do(req)
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }
func cookie(token string) []string { return []string{"Cookie", "session_token=" + token} }

func with(base []string, more ...string) []string {
	return append(append([]string{}, base...), more...)
}

// account is a signed-up user and the token of its first session.
type account struct {
	id, email, password, token string
}

func (h *harness) signUp(email, password, name string) account {
	h.t.Helper()
	r := h.call(http.MethodPost, "/api/auth/sign-up", `{"email":"`+email+`","password":"`+password+`","name":"`+name+`"}`)
	if r.status != http.StatusCreated {
		h.t.Fatalf("sign-up %s: %d %s", email, r.status, r.body)
	}
	doc := r.json(h.t)
	user := doc["user"].(map[string]any)
	session := doc["session"].(map[string]any)
	return account{id: user["id"].(string), email: user["email"].(string), password: password, token: session["token"].(string)}
}

func (h *harness) signIn(email, password string) string {
	h.t.Helper()
	r := h.call(http.MethodPost, "/api/auth/sign-in", `{"email":"`+email+`","password":"`+password+`"}`)
	if r.status != http.StatusOK {
		h.t.Fatalf("sign-in %s: %d %s", email, r.status, r.body)
	}
	return r.json(h.t)["session"].(map[string]any)["token"].(string)
}

// me answers GET /api/auth/me's status for a set of credentials.
func (h *harness) me(headers ...string) int {
	h.t.Helper()
	return h.call(http.MethodGet, "/api/auth/me", "", headers...).status
}

func sessionCookieOf(r response) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "session_token" {
			return c
		}
	}
	return nil
}

func rawSetCookie(r response) string {
	for _, v := range r.header.Values("Set-Cookie") {
		if strings.HasPrefix(v, "session_token=") {
			return v
		}
	}
	return ""
}

func assertUser(t *testing.T, v any, email, name string) map[string]any {
	t.Helper()
	u, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("user is not an object: %v", v)
	}
	assertKeys(t, "user", u, "id", "email", "name", "image", "createdAt", "updatedAt")
	if u["email"] != email || u["name"] != name {
		t.Fatalf("user %v, want email %q name %q", u, email, name)
	}
	if id, _ := u["id"].(string); id == "" {
		t.Fatalf("user without an id: %v", u)
	}
	assertTimestamp(t, "createdAt", u["createdAt"])
	assertTimestamp(t, "updatedAt", u["updatedAt"])
	return u
}

func TestSignUpAndMe(t *testing.T) {
	h := newHarness(t, withAccounts(true))
	r := h.call(http.MethodPost, "/api/auth/sign-up", `{"email":"  Ada@Example.COM ","password":"correct horse","name":" Ada "}`)
	if r.status != http.StatusCreated {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	assertNoNull(t, r.body)
	doc := r.json(t)
	assertKeys(t, "sign-up answer", doc, "user", "session")
	user := assertUser(t, doc["user"], "ada@example.com", "Ada")
	session := doc["session"].(map[string]any)
	assertKeys(t, "session", session, "token", "expiresAt")
	token, _ := session["token"].(string)
	if len(token) < 32 {
		t.Fatalf("token %q is too short to be unguessable", token)
	}
	assertTimestamp(t, "expiresAt", session["expiresAt"])
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control %q, want no-store", cc)
	}

	// The cookie carries the same token, expiring with the session.
	ck := sessionCookieOf(r)
	if ck == nil {
		t.Fatalf("no session cookie: %v", r.header.Values("Set-Cookie"))
	}
	expires, _ := time.Parse(time.RFC3339, session["expiresAt"].(string))
	if ck.Value != token || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || !ck.Expires.Equal(expires) {
		t.Fatalf("cookie %q, want the token, HttpOnly, SameSite=Lax, Path=/, Expires %s", rawSetCookie(r), expires)
	}
	if !ck.Secure {
		t.Fatalf("a cookie for example.com must be Secure: %q", rawSetCookie(r))
	}

	for name, headers := range map[string][]string{"bearer": bearer(token), "cookie": cookie(token)} {
		r := h.call(http.MethodGet, "/api/auth/me", "", headers...)
		if r.status != http.StatusOK {
			t.Fatalf("%s: GET /me %d %s", name, r.status, r.body)
		}
		doc := r.json(t)
		assertKeys(t, "me", doc, "user")
		if got := assertUser(t, doc["user"], "ada@example.com", "Ada"); got["id"] != user["id"] {
			t.Fatalf("%s: /me is %v, want %v", name, got, user)
		}
		if strings.Contains(string(r.body), token) {
			t.Fatalf("the token is shown again: %s", r.body)
		}
	}
}

func TestSignUpRefusesBadInput(t *testing.T) {
	h := newHarness(t, withAccounts(false), withOptions(rest.Options{RateLimits: rest.RateLimits{SignUpPerIP: rest.RateLimit{Max: 100}}}))
	long := strings.Repeat("a", 129)
	for _, c := range []struct {
		name, body, field string
	}{
		{"invalid email", `{"email":"not-an-email","password":"12345678","name":"A"}`, "email"},
		{"missing email", `{"password":"12345678","name":"A"}`, "email"},
		{"password of 7", `{"email":"a@example.com","password":"1234567","name":"A"}`, "password"},
		{"password of 129", `{"email":"a@example.com","password":"` + long + `","name":"A"}`, "password"},
		{"password of 7 runes in 14 bytes", `{"email":"a@example.com","password":"ééééééé","name":"A"}`, "password"},
		{"empty name", `{"email":"a@example.com","password":"12345678","name":""}`, "name"},
		{"blank name", `{"email":"a@example.com","password":"12345678","name":"   "}`, "name"},
		{"name of 101", `{"email":"a@example.com","password":"12345678","name":"` + strings.Repeat("n", 101) + `"}`, "name"},
		{"wrong type", `{"email":"a@example.com","password":12345678,"name":"A"}`, "password"},
	} {
		t.Run(c.name, func(t *testing.T) {
			errs := expectProblem(t, h.call(http.MethodPost, "/api/auth/sign-up", c.body), 400, "validation_failed")
			if fields := fieldsOf(errs); len(fields) != 1 || fields[0] != c.field {
				t.Fatalf("errors name %v, want [%s]", fields, c.field)
			}
		})
	}
	expectProblem(t, h.call(http.MethodPost, "/api/auth/sign-up", `{"email":`), 400, "invalid_json")
	expectProblem(t, h.call(http.MethodPost, "/api/auth/sign-up", ""), 400, "invalid_json")
	expectProblem(t, h.call(http.MethodPost, "/api/auth/sign-up", `[]`), 400, "validation_failed")
	req := httptest.NewRequest(http.MethodPost, "/api/auth/sign-up", strings.NewReader(`email=a@example.com`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	expectProblem(t, h.do(req), 415, "unsupported_media_type")
	// Account routes take 1 MiB at most.
	big := `{"email":"a@example.com","password":"12345678","name":"` + strings.Repeat("x", 1<<20) + `"}`
	expectProblem(t, h.call(http.MethodPost, "/api/auth/sign-up", big), 413, "payload_too_large")
}

func TestSignUpTakenEmailInAnotherCase(t *testing.T) {
	h := newHarness(t, withAccounts(false))
	h.signUp("grace@example.com", "password-1", "Grace")
	r := h.call(http.MethodPost, "/api/auth/sign-up", `{"email":"GRACE@Example.com","password":"password-2","name":"Other"}`)
	errs := expectProblem(t, r, 409, "conflict")
	if fields := fieldsOf(errs); len(fields) != 1 || fields[0] != "email" {
		t.Fatalf("errors name %v, want [email]", fields)
	}
	if sessionCookieOf(r) != nil {
		t.Fatal("a refused sign-up set a cookie")
	}
}

func TestSignIn(t *testing.T) {
	h := newHarness(t, withAccounts(false))
	a := h.signUp("linus@example.com", "kernel-hacker", "Linus")

	r := h.call(http.MethodPost, "/api/auth/sign-in", `{"email":" LINUS@example.com","password":"kernel-hacker"}`)
	if r.status != http.StatusOK {
		t.Fatalf("sign-in: %d %s", r.status, r.body)
	}
	doc := r.json(t)
	assertKeys(t, "sign-in answer", doc, "user", "session")
	assertUser(t, doc["user"], "linus@example.com", "Linus")
	token := doc["session"].(map[string]any)["token"].(string)
	if token == a.token {
		t.Fatal("sign-in reused the sign-up session's token")
	}
	if ck := sessionCookieOf(r); ck == nil || ck.Value != token {
		t.Fatalf("sign-in cookie %q", rawSetCookie(r))
	}
	if h.me(bearer(token)...) != 200 || h.me(bearer(a.token)...) != 200 {
		t.Fatal("both sessions must be valid")
	}

	// An unknown email, a malformed one and a wrong password get the very same answer.
	wrong := h.call(http.MethodPost, "/api/auth/sign-in", `{"email":"linus@example.com","password":"not-the-password"}`)
	unknown := h.call(http.MethodPost, "/api/auth/sign-in", `{"email":"nobody@example.com","password":"not-the-password"}`)
	malformed := h.call(http.MethodPost, "/api/auth/sign-in", `{"email":"nobody","password":"not-the-password"}`)
	for _, r := range []response{wrong, unknown, malformed} {
		expectProblem(t, r, 401, "invalid_credentials")
		if string(r.body) != string(wrong.body) {
			t.Fatalf("answers differ:\n%s\n%s", wrong.body, r.body)
		}
		if r.header.Get("WWW-Authenticate") != "Bearer" || sessionCookieOf(r) != nil {
			t.Fatalf("a failed sign-in: WWW-Authenticate %q, cookie %q", r.header.Get("WWW-Authenticate"), rawSetCookie(r))
		}
	}

	errs := expectProblem(t, h.call(http.MethodPost, "/api/auth/sign-in", `{"email":"linus@example.com"}`), 400, "validation_failed")
	if fields := fieldsOf(errs); len(fields) != 1 || fields[0] != "password" {
		t.Fatalf("errors name %v, want [password]", fields)
	}
	expectProblem(t, h.call(http.MethodPost, "/api/auth/sign-in", `{"email":"linus@`), 400, "invalid_json")
	req := httptest.NewRequest(http.MethodPost, "/api/auth/sign-in", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "text/plain")
	expectProblem(t, h.do(req), 415, "unsupported_media_type")
}

func TestMeNeedsAValidSession(t *testing.T) {
	h := newHarness(t, withAccounts(true))
	for name, headers := range map[string][]string{
		"nothing":        nil,
		"unknown bearer": bearer("not-a-session"),
		"basic scheme":   {"Authorization", "Basic dXNlcjpwYXNz"},
		"long bearer":    bearer(strings.Repeat("x", 300)),
	} {
		for _, route := range [][2]string{{"GET", "/api/auth/me"}, {"PUT", "/api/auth/me"}, {"DELETE", "/api/auth/me"}, {"POST", "/api/auth/logout"}, {"GET", "/api/auth/me/activity"}} {
			r := h.call(route[0], route[1], "", headers...)
			expectProblem(t, r, 401, "unauthenticated")
			if r.header.Get("WWW-Authenticate") != "Bearer" {
				t.Fatalf("%s %s with %s: WWW-Authenticate %q", route[0], route[1], name, r.header.Get("WWW-Authenticate"))
			}
		}
	}
	// A cookie the server does not know is cleared with the 401.
	r := h.call(http.MethodGet, "/api/auth/me", "", cookie("stale-token")...)
	expectProblem(t, r, 401, "unauthenticated")
	if ck := sessionCookieOf(r); ck == nil || ck.Value != "" || !ck.Expires.Before(time.Now()) {
		t.Fatalf("a stale cookie must be cleared: %q", rawSetCookie(r))
	}
	r = h.do(httptest.NewRequest(http.MethodPatch, "/api/auth/me", nil))
	expectProblem(t, r, 405, "method_not_allowed")
	if allow := r.header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "PUT") || !strings.Contains(allow, "DELETE") {
		t.Fatalf("Allow %q", allow)
	}
}

func TestUpdateProfile(t *testing.T) {
	h := newHarness(t, withAccounts(false))
	a := h.signUp("ken@example.com", "original-pw", "Ken")
	h.signUp("taken@example.com", "other-password", "Taken")
	put := func(body string) response {
		t.Helper()
		return h.call(http.MethodPut, "/api/auth/me", body, bearer(a.token)...)
	}

	r := put(`{"name":"  Ken Thompson ","image":"https://img.example/ken.png"}`)
	if r.status != 200 {
		t.Fatalf("name and image: %d %s", r.status, r.body)
	}
	u := assertUser(t, r.json(t)["user"], "ken@example.com", "Ken Thompson")
	if u["image"] != "https://img.example/ken.png" {
		t.Fatalf("image %v", u["image"])
	}
	if r := put(`{"name":null}`); r.status != 200 || r.json(t)["user"].(map[string]any)["name"] != "Ken Thompson" {
		t.Fatalf("a null field must change nothing: %d %s", r.status, r.body)
	}

	// An email or password change needs the current password.
	for _, body := range []string{
		`{"email":"ken2@example.com"}`,
		`{"email":"ken2@example.com","currentPassword":"wrong-password"}`,
		`{"newPassword":"brand-new-pw"}`,
		`{"newPassword":"brand-new-pw","currentPassword":"wrong-password"}`,
	} {
		expectProblem(t, put(body), 403, "forbidden")
	}
	// The same email in another case is no change, and needs nothing.
	if r := put(`{"email":"KEN@example.com"}`); r.status != 200 {
		t.Fatalf("same email: %d %s", r.status, r.body)
	}
	errs := expectProblem(t, put(`{"email":"Taken@Example.com","currentPassword":"original-pw"}`), 409, "conflict")
	if fields := fieldsOf(errs); len(fields) != 1 || fields[0] != "email" {
		t.Fatalf("errors name %v", fields)
	}
	r = put(`{"email":"Ken.T@Example.com","currentPassword":"original-pw"}`)
	if r.status != 200 {
		t.Fatalf("email change: %d %s", r.status, r.body)
	}
	assertUser(t, r.json(t)["user"], "ken.t@example.com", "Ken Thompson")

	for _, c := range []struct{ body, field string }{
		{`{"name":"` + strings.Repeat("n", 101) + `"}`, "name"},
		{`{"name":""}`, "name"},
		{`{"email":"nope"}`, "email"},
		{`{"image":"javascript:alert(1)"}`, "image"},
		{`{"newPassword":"short","currentPassword":"original-pw"}`, "newPassword"},
		{`{"newPassword":"` + strings.Repeat("p", 129) + `","currentPassword":"original-pw"}`, "newPassword"},
		{`{"name":5}`, "name"},
	} {
		errs := expectProblem(t, put(c.body), 400, "validation_failed")
		if fields := fieldsOf(errs); len(fields) != 1 || fields[0] != c.field {
			t.Fatalf("%s: errors name %v, want [%s]", c.body, fields, c.field)
		}
	}
	expectProblem(t, put(`{"name":`), 400, "invalid_json")
	req := httptest.NewRequest(http.MethodPut, "/api/auth/me", strings.NewReader(`name=x`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+a.token)
	expectProblem(t, h.do(req), 415, "unsupported_media_type")
}

// A password change ends every other session of the user, and keeps the one that made it.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	h := newHarness(t, withAccounts(false))
	a := h.signUp("dennis@example.com", "old-password", "Dennis")
	other := h.signIn(a.email, a.password)
	bystander := h.signUp("brian@example.com", "b-password", "Brian")
	r := h.call(http.MethodPut, "/api/auth/me", `{"currentPassword":"old-password","newPassword":"new-password"}`, bearer(a.token)...)
	if r.status != 200 {
		t.Fatalf("password change: %d %s", r.status, r.body)
	}
	if h.me(bearer(a.token)...) != 200 || h.me(cookie(a.token)...) != 200 {
		t.Fatal("the session that changed the password must survive")
	}
	if h.me(bearer(other)...) != 401 || h.me(cookie(other)...) != 401 {
		t.Fatal("another session of the user survived the password change")
	}
	if h.me(bearer(bystander.token)...) != 200 {
		t.Fatal("another user's session ended")
	}
	expectProblem(t, h.call(http.MethodPost, "/api/auth/sign-in", `{"email":"dennis@example.com","password":"old-password"}`), 401, "invalid_credentials")
	h.signIn(a.email, "new-password")
}

func TestLogout(t *testing.T) {
	h := newHarness(t, withAccounts(false))
	a := h.signUp("barbara@example.com", "liskov-subst", "Barbara")
	second := h.signIn(a.email, a.password)
	third := h.signIn(a.email, a.password)

	r := h.call(http.MethodPost, "/api/auth/logout", "", bearer(a.token)...)
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("logout: %d %s", r.status, r.body)
	}
	if ck := sessionCookieOf(r); ck == nil || ck.Value != "" || !ck.Expires.Before(time.Now()) || !ck.HttpOnly || ck.Path != "/" {
		t.Fatalf("logout must clear the cookie: %q", rawSetCookie(r))
	}
	if h.me(bearer(a.token)...) != 401 || h.me(cookie(a.token)...) != 401 {
		t.Fatal("a token works after its logout")
	}
	expectProblem(t, h.call(http.MethodPost, "/api/auth/logout", "", bearer(a.token)...), 401, "unauthenticated")
	if h.me(bearer(second)...) != 200 || h.me(cookie(third)...) != 200 {
		t.Fatal("logout ended the user's other sessions")
	}

	// By cookie (no Origin: not from a page), then refused both ways.
	if r := h.call(http.MethodPost, "/api/auth/logout", "", cookie(second)...); r.status != http.StatusNoContent {
		t.Fatalf("cookie logout: %d %s", r.status, r.body)
	}
	if h.me(cookie(second)...) != 401 || h.me(bearer(second)...) != 401 {
		t.Fatal("a token works after its logout")
	}
	if h.me(bearer(third)...) != 200 {
		t.Fatal("the third session must survive")
	}
	expectProblem(t, h.call(http.MethodPost, "/api/auth/logout", ""), 401, "unauthenticated")
}

// Searches and details views of a signed-in caller are recorded; anonymous ones are not, and a bad
// token on the catalog is served anonymously.
func TestActivity(t *testing.T) {
	h := newHarness(t, withAccounts(true))
	seedCatalog(h)
	a := h.signUp("alan@example.com", "turing-test", "Alan")
	b := h.signUp("grace@example.com", "cobol-rules", "Grace")

	before := h.recorder.Stats().Recorded
	for _, headers := range [][]string{nil, bearer("not-a-session"), cookie("stale"), {"Authorization", "Basic eDp5"}} {
		for _, target := range []string{"/api/torrents/search?q=sintel", "/api/torrents/3"} {
			if r := h.call(http.MethodGet, target, "", headers...); r.status != 200 {
				t.Fatalf("anonymous %s with %v: %d %s", target, headers, r.status, r.body)
			}
		}
	}
	if got := h.recorder.Stats().Recorded; got != before {
		t.Fatalf("anonymous requests recorded %d activities", got-before)
	}

	if r := h.call(http.MethodGet, "/api/torrents/search?q=big+buck", "", bearer(a.token)...); r.status != 200 {
		t.Fatalf("search: %d", r.status)
	}
	if r := h.call(http.MethodGet, "/api/torrents/3", "", cookie(a.token)...); r.status != 200 {
		t.Fatalf("details: %d", r.status)
	}
	items := h.waitActivity(a.token, 2)
	view, search := items[0], items[1]
	for _, it := range items {
		assertKeys(t, "activity", it, "id", "type", "torrentId", "infoHash", "query", "createdAt")
		assertTimestamp(t, "createdAt", it["createdAt"])
	}
	if view["type"] != "view" || view["torrentId"] != 3.0 || view["infoHash"] != hashOf(3).String() || view["query"] != "" {
		t.Fatalf("view %v", view)
	}
	if search["type"] != "search" || search["torrentId"] != 0.0 || search["infoHash"] != "" || search["query"] != "big buck" {
		t.Fatalf("search %v", search)
	}
	if view["id"].(float64) <= search["id"].(float64) {
		t.Fatalf("not newest first: %v", items)
	}

	// Paging.
	r := h.call(http.MethodGet, "/api/auth/me/activity?limit=1", "", bearer(a.token)...)
	doc := r.json(t)
	assertKeys(t, "activity page", doc, "items", "nextCursor")
	first := itemsOf(t, doc)
	cursor, _ := doc["nextCursor"].(string)
	if len(first) != 1 || first[0]["type"] != "view" || cursor == "" {
		t.Fatalf("page 1: %s", r.body)
	}
	r = h.call(http.MethodGet, "/api/auth/me/activity?limit=1&cursor="+cursor, "", bearer(a.token)...)
	doc = r.json(t)
	if second := itemsOf(t, doc); len(second) != 1 || second[0]["type"] != "search" {
		t.Fatalf("page 2: %s", r.body)
	}
	if r := h.call(http.MethodGet, "/api/auth/me/activity", "", bearer(b.token)...); r.status != 200 || len(itemsOf(t, r.json(t))) != 0 {
		t.Fatalf("another user sees activities: %s", r.body)
	} else {
		assertNoNull(t, r.body)
	}

	for _, c := range []struct{ query, field string }{
		{"limit=0", "limit"}, {"limit=101", "limit"}, {"limit=x", "limit"}, {"limit=1&limit=2", "limit"},
		{"cursor=not-ours!", "cursor"}, {"cursor=" + strings.Repeat("z", 65), "cursor"},
	} {
		errs := expectProblem(t, h.call(http.MethodGet, "/api/auth/me/activity?"+c.query, "", bearer(a.token)...), 400, "validation_failed")
		if fields := fieldsOf(errs); len(fields) != 1 || fields[0] != c.field {
			t.Fatalf("%s: errors name %v", c.query, fields)
		}
	}
}

func itemsOf(t *testing.T, doc map[string]any) []map[string]any { return items(t, doc) }

// waitActivity polls the caller's activity until it holds n items: the recorder writes batches
// from its own goroutine.
func (h *harness) waitActivity(token string, n int) []map[string]any {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := h.call(http.MethodGet, "/api/auth/me/activity", "", bearer(token)...)
		if r.status != 200 {
			h.t.Fatalf("activity: %d %s", r.status, r.body)
		}
		list := itemsOf(h.t, r.json(h.t))
		if len(list) >= n {
			return list
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("activity holds %d items after 5 s, want %d", len(list), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Without the accounts use cases there is no /api/auth route, and the catalog ignores tokens.
func TestWithoutAccounts(t *testing.T) {
	h := newHarness(t)
	expectProblem(t, h.call(http.MethodPost, "/api/auth/sign-in", `{}`), 404, "not_found")
	if r := h.call(http.MethodGet, "/api/torrents/search?q=x", "", bearer("whatever")...); r.status != 200 {
		t.Fatalf("search with a token: %d", r.status)
	}
	h = newHarness(t, withAccounts(false))
	expectProblem(t, h.call(http.MethodGet, "/api/auth/me/activity", ""), 404, "not_found")
}

// A session token is no ingest key: the ingest route never looks at sessions.
func TestSessionIsNoIngestKey(t *testing.T) {
	h := newHarness(t, withAccounts(false))
	a := h.signUp("eve@example.com", "ingest-me-pls", "Eve")
	expectProblem(t, h.do(ingestRequest(oneTorrent, "Authorization", "Bearer "+a.token)), 401, "unauthenticated")
	if r := h.do(ingestRequest(oneTorrent, with(cookie(a.token), "X-API-Key", testKey)...)); r.status != 200 {
		t.Fatalf("ingest with a key and a cookie: %d %s", r.status, r.body)
	}
}

// Many signed-in readers at once: the race detector watches the session path.
func TestConcurrentSessions(t *testing.T) {
	h := newHarness(t, withAccounts(true))
	seedCatalog(h)
	a := h.signUp("con@example.com", "current-pw", "Con")
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 8 {
				target := []string{"/api/auth/me", "/api/torrents/search?q=sintel", "/api/torrents/2", "/api/auth/me/activity"}[(g+i)%4]
				req := httptest.NewRequest(http.MethodGet, target, nil)
				req.Header.Set("Authorization", "Bearer "+a.token)
				res, err := h.app.Test(req, -1)
				if err != nil {
					errs <- err.Error()
					return
				}
				_ = res.Body.Close()
				if res.StatusCode != 200 {
					errs <- target + ": " + res.Status
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
