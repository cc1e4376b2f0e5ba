package rest

import (
	"net/netip"
	"testing"
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
