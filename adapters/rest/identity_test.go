package rest_test

import (
	"net/http"
	"testing"
)

// expectFieldProblem checks a 400 validation_failed whose errors name field.
func expectFieldProblem(t *testing.T, r response, field string) {
	t.Helper()
	errs := expectProblem(t, r, 400, "validation_failed")
	for _, e := range errs {
		if e["field"] == field {
			return
		}
	}
	t.Fatalf("errors %v do not name %q", errs, field)
}

// Invalid UTF-8 anywhere in a body is a 400 naming the field, never replaced by U+FFFD. Before,
// "\xff@example.com" signed up, as "\uFFFD@example.com".
func TestInvalidUTF8InABodyIsA400NamingTheField(t *testing.T) {
	h := newHarness(t, withAccounts(false))
	expectFieldProblem(t, h.call(http.MethodPost, "/api/auth/sign-up",
		"{\"email\":\"\xff@example.com\",\"password\":\"password-1\",\"name\":\"X\"}"), "email")
	expectFieldProblem(t, h.call(http.MethodPost, "/api/auth/sign-up",
		"{\"email\":\"x@example.com\",\"password\":\"pass\xfe\xffword\",\"name\":\"X\"}"), "password")
	expectFieldProblem(t, h.call(http.MethodPost, "/api/auth/sign-in",
		"{\"email\":\"x@example.com\",\"password\":\"pass\xc3word\"}"), "password")
	a := h.signUp("utf8@example.com", "password-1", "U")
	expectFieldProblem(t, h.call(http.MethodPut, "/api/auth/me", "{\"image\":\"\",\"name\":\"bad \xe2\x82\"}", bearer(a.token)...), "name")
	// Deep in an ingest batch, the path names it.
	body := "{\"torrents\":[{\"infoHash\":\"0000000000000000000000000000000000000001\",\"name\":\"ok\",\"size\":1}," +
		"{\"infoHash\":\"0000000000000000000000000000000000000002\",\"name\":\"ok\",\"size\":1,\"files\":[{\"path\":\"a\",\"size\":1},{\"path\":\"b\xff\",\"size\":1}]}]}"
	expectFieldProblem(t, h.ingest(body), "torrents.1.files.1.path")
	// A bad key names its object.
	expectFieldProblem(t, h.ingest("{\"torrents\":[{\"na\xffme\":\"x\"}]}"), "torrents.0")
}

// Two accounts can never look the same: forms of one email are one account (409), forms that would
// imitate another are refused (400). Before, each of these made a second account.
func TestLookAlikeEmailsCannotMakeASecondAccount(t *testing.T) {
	h := newHarness(t, withAccounts(false))
	h.signUp("café@example.com", "password-1", "Composed")
	h.signUp("kelvin@example.com", "password-1", "K")
	for _, email := range []string{"cafe\u0301@example.com", "ｃａｆé@example.com", "CAFÉ@EXAMPLE.COM", "\u212Aelvin@example.com"} {
		r := h.call(http.MethodPost, "/api/auth/sign-up", `{"email":"`+email+`","password":"password-2","name":"Twin"}`)
		expectProblem(t, r, 409, "conflict")
	}
	for _, email := range []string{"caf\u200De@example.com", "kеlvin@example.com" /* Cyrillic е */} {
		r := h.call(http.MethodPost, "/api/auth/sign-up", `{"email":"`+email+`","password":"password-2","name":"Twin"}`)
		expectFieldProblem(t, r, "email")
	}
	// The decomposed form signs in to the composed account.
	if tok := h.signIn("cafe\u0301@example.com", "password-1"); tok == "" {
		t.Fatal("no session")
	}
}
