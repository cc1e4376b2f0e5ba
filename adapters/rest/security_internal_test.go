package rest

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/helmet"
)

func TestCookieSecure(t *testing.T) {
	for _, c := range []struct {
		policy       CookieSecurity
		scheme, host string
		want         bool
	}{
		{SecureCookiesAuto, "http", "localhost", false},
		{SecureCookiesAuto, "http", "localhost:8080", false},
		{SecureCookiesAuto, "http", "LOCALHOST.", false},
		{SecureCookiesAuto, "http", "127.0.0.1", false},
		{SecureCookiesAuto, "http", "127.0.0.1:8080", false},
		{SecureCookiesAuto, "http", "127.1.2.3:80", false},
		{SecureCookiesAuto, "http", "[::1]:8080", false},
		{SecureCookiesAuto, "http", "[::1]", false},
		{SecureCookiesAuto, "http", "::1", false},
		{SecureCookiesAuto, "HTTP", "localhost", false},
		{SecureCookiesAuto, "https", "localhost:8443", true},
		{SecureCookiesAuto, "http", "example.com", true},
		{SecureCookiesAuto, "http", "localhost.example.com", true},
		{SecureCookiesAuto, "http", "10.0.0.1:8080", true},
		{SecureCookiesAuto, "http", "[::ffff:127.0.0.1]:80", false},
		{SecureCookiesAuto, "http", "", true},
		{SecureCookiesAlways, "http", "localhost", true},
		{SecureCookiesAlways, "http", "127.0.0.1", true},
	} {
		if got := cookieSecure(c.policy, c.scheme, c.host); got != c.want {
			t.Errorf("cookieSecure(%d, %q, %q) = %v, want %v", c.policy, c.scheme, c.host, got, c.want)
		}
	}
}

func TestNormalizeOrigin(t *testing.T) {
	for raw, want := range map[string]string{
		"https://App.Example":      "https://app.example",
		"https://app.example/":     "https://app.example",
		"https://app.example:443":  "https://app.example",
		"http://app.example:80":    "http://app.example",
		"http://app.example:443":   "http://app.example:443",
		"https://app.example:8443": "https://app.example:8443",
		"http://[::1]:8080":        "http://[::1]:8080",
		"http://[::1]:80":          "http://[::1]",
		"null":                     "",
		"":                         "",
		"app.example":              "",
		"ftp://app.example":        "",
		"https://*.example":        "",
		"https://user@app.example": "",
		"https://app.example/path": "",
		"https://app.example/?q=1": "",
		"javascript:alert(1)":      "",
		"https://":                 "",
	} {
		got, ok := normalizeOrigin(raw)
		if got != want || ok != (want != "") {
			t.Errorf("normalizeOrigin(%q) = %q, %v; want %q", raw, got, ok, want)
		}
	}
	if got, ok := originOf("https://App.example:443/a/b?c#d", true); !ok || got != "https://app.example" {
		t.Errorf("originOf(referer) = %q, %v", got, ok)
	}
}

func TestClientIPFromForwardingHeader(t *testing.T) {
	r := newClientIPResolver([]string{"10.0.0.0/8", "192.0.2.1"}, "")
	for header, want := range map[string]string{
		"203.0.113.5":                         "203.0.113.5",
		"198.51.100.1, 203.0.113.5":           "203.0.113.5",
		"198.51.100.1, 203.0.113.5, 10.1.2.3": "203.0.113.5",
		"203.0.113.5, 192.0.2.1, 10.0.0.7":    "203.0.113.5",
		"10.0.0.1, 10.0.0.2":                  "10.0.0.1",
		"203.0.113.5:4711":                    "203.0.113.5",
		"[2001:db8::1]:443, 10.0.0.2":         "2001:db8::1",
		"garbage, 203.0.113.5":                "203.0.113.5",
		"203.0.113.5, garbage":                "",
		"::ffff:203.0.113.5":                  "203.0.113.5",
	} {
		a, ok := r.fromHeader([]byte(header))
		got := ""
		if ok {
			got = a.String()
		}
		if got != want {
			t.Errorf("fromHeader(%q) = %q, want %q", header, got, want)
		}
	}
	if got := addrKey(netip.MustParseAddr("2001:db8:1:2:3:4:5:6")); got != "2001:db8:1:2::/64" {
		t.Errorf("an IPv6 client is counted by %q, want its /64", got)
	}
}

// The security headers are helmet's, as this server configured helmet before it set them itself
// (helmet normalized each name and formatted the peer's address on every request): the same
// header lines, over plain HTTP and behind a trusted proxy that says HTTPS, with HSTS on and off.
func TestSecurityHeadersAreHelmets(t *testing.T) {
	for _, c := range []struct {
		name    string
		proxies []string
		proto   string
		hsts    time.Duration
	}{
		{"plain", nil, "", 365 * 24 * time.Hour},
		{"an untrusted proxy's https", nil, "https", 365 * 24 * time.Hour},
		{"a trusted proxy's https", []string{"0.0.0.0"}, "https", 365 * 24 * time.Hour},
		{"a trusted proxy's http", []string{"0.0.0.0"}, "http", 365 * 24 * time.Hour},
		{"a trusted proxy's https, another max-age", []string{"0.0.0.0"}, "https", time.Hour},
		{"a trusted proxy's https, no HSTS", []string{"0.0.0.0"}, "https", -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			hsts := 0
			if c.hsts > 0 {
				hsts = int(c.hsts / time.Second)
			}
			reference := helmet.New(helmet.Config{
				ContentTypeNosniff: "nosniff", XFrameOptions: "DENY", ReferrerPolicy: "no-referrer",
				ContentSecurityPolicy:     "default-src 'none'; frame-ancestors 'none'",
				CrossOriginResourcePolicy: "same-origin", HSTSMaxAge: hsts, HSTSExcludeSubdomains: true,
			})
			var got [2]http.Header
			for i, mw := range []fiber.Handler{reference, securityHeaders(c.hsts, len(c.proxies) > 0)} {
				app := fiber.New(fiber.Config{EnableTrustedProxyCheck: true, TrustedProxies: c.proxies})
				app.Use(mw)
				app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				if c.proto != "" {
					req.Header.Set("X-Forwarded-Proto", c.proto)
				}
				resp, err := app.Test(req, -1)
				if err != nil {
					t.Fatal(err)
				}
				resp.Header.Del("Date")
				got[i] = resp.Header
			}
			if !reflect.DeepEqual(got[0], got[1]) {
				t.Fatalf("helmet sent %v\nthis sends %v", got[0], got[1])
			}
			wantHSTS := c.proto == "https" && len(c.proxies) > 0 && c.hsts > 0
			if len(got[1]) < 12 || (got[1].Get("Strict-Transport-Security") != "") != wantHSTS {
				t.Fatalf("%d headers, HSTS wanted %v: %v", len(got[1]), wantHSTS, got[1])
			}
		})
	}
}
