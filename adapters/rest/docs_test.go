package rest_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// The reference page is served with a policy that lets its own scripts run and nothing else, and
// its assets come from this server (the browser test is tests/docs).
func TestDocsPage(t *testing.T) {
	h := newHarness(t)
	r := h.get("/docs")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs: %d %q", r.status, r.header.Get("Content-Type"))
	}
	page := string(r.body)
	for _, want := range []string{`/docs/swagger-ui-bundle.js`, `/docs/swagger-ui.css`, `/api/openapi.json`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not refer to %s", want)
		}
	}
	if regexp.MustCompile(`(src|href)="(https?:)?//`).MatchString(page) {
		t.Error("the page loads something from another site")
	}
	csp := r.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self' 'sha256-", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-eval") || strings.Contains(strings.SplitN(csp, "style-src", 2)[0], "unsafe-inline") {
		t.Errorf("CSP %q lets any script run", csp)
	}
}

func TestDocsAssets(t *testing.T) {
	h := newHarness(t)
	for file, ctype := range map[string]string{
		"swagger-ui-bundle.js": "javascript", "swagger-ui.css": "text/css", "favicon-32x32.png": "image/png",
	} {
		req := httptest.NewRequest(http.MethodGet, "/docs/"+file, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		r := h.do(req)
		if r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), ctype) || len(r.body) < 100 {
			t.Errorf("%s: %d %q, %d bytes", file, r.status, r.header.Get("Content-Type"), len(r.body))
		}
	}
	// Without gzip the script comes plain.
	if r := h.get("/docs/swagger-ui.js"); r.status != 200 || r.header.Get("Content-Encoding") != "" || !strings.Contains(string(r.body[:4096]), "function") {
		t.Errorf("plain swagger-ui.js: %d %q", r.status, r.header.Get("Content-Encoding"))
	}
	expectProblem(t, h.get("/docs/secrets.txt"), 404, "not_found")
	expectProblem(t, h.get("/docs/..%2fgo.mod"), 404, "not_found")
}
