package rest

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/valyala/fasthttp"
)

// CookieSecurity says when the session cookie carries the Secure attribute.
type CookieSecurity int

const (
	// SecureCookiesAuto marks the cookie Secure unless the request is plain HTTP to a loopback
	// host, where a developer runs the server without TLS.
	SecureCookiesAuto CookieSecurity = iota
	// SecureCookiesAlways marks it Secure on every answer.
	SecureCookiesAlways
)

// Validate reports the first option that cannot work, in words that name it. Bootstrap calls it
// at start-up; New panics on what it reports.
func (o Options) Validate() error {
	for _, origin := range o.CORSOrigins {
		if _, ok := normalizeOrigin(origin); !ok {
			return fmt.Errorf("CORS origin %q is not an origin: want scheme://host[:port] with http or https, no path and no wildcard", origin)
		}
	}
	for _, p := range o.TrustedProxies {
		if _, err := parseIPOrPrefix(p); err != nil {
			return fmt.Errorf("trusted proxy %q is neither an IP address nor a CIDR range", p)
		}
	}
	if o.SecureCookies != SecureCookiesAuto && o.SecureCookies != SecureCookiesAlways {
		return fmt.Errorf("SecureCookies %d is not a known setting", o.SecureCookies)
	}
	if strings.ContainsAny(o.ClientIPHeader, " \t\r\n:") {
		return fmt.Errorf("client IP header %q is not a header name", o.ClientIPHeader)
	}
	return nil
}

// securityHeaders are the headers of every answer, chosen for a JSON API: nothing may frame it,
// sniff it into another type, or run anything from it, and no Referer leaks from it. HSTS is sent
// only on answers over HTTPS (directly, or from a trusted proxy that says so), never on plain HTTP
// where it would mean nothing and could strand a local setup.
//
// They are Fiber's helmet middleware's, with its defaults for the rest, as this server sent them
// through helmet until helmet cost the cached reads a sixth of their time: it sets twelve headers per
// request through Ctx.Set, which copies and normalizes each name, and asks Ctx.Protocol, which
// formats the peer's address (an allocation) to look for it among the trusted proxies. Here the
// names are normalized once, the headers set as they are, and the scheme asked only where it can be
// HTTPS: over TLS, or with trusted proxies configured. TestSecurityHeadersAreHelmets holds the two to
// the same lines.
func securityHeaders(hstsMaxAge time.Duration, trustedProxies bool) fiber.Handler {
	hsts := 0
	if hstsMaxAge > 0 {
		hsts = int(hstsMaxAge / time.Second)
	}
	all := canonicalHeaders(securityHeaderList)
	strict := canonicalHeaders([][2]string{{fiber.HeaderStrictTransportSecurity, "max-age=" + strconv.Itoa(hsts)}})
	return func(c *fiber.Ctx) error {
		h := &c.Response().Header
		for _, kv := range all {
			h.SetCanonical(kv[0], kv[1])
		}
		// HSTSExcludeSubdomains: subdomains may be another team's plain-HTTP hosts, this service
		// speaks for itself only.
		if hsts != 0 && (c.Context().IsTLS() || (trustedProxies && c.Protocol() == "https")) {
			h.SetCanonical(strict[0][0], strict[0][1])
		}
		return c.Next()
	}
}

// securityHeaderList is helmet's order and values, as this server configured it: its own choices
// (nosniff, DENY, no-referrer, same-origin resources, a policy that allows nothing, as a JSON answer
// needs no resource at all; the OpenAPI document relaxes it for itself) and helmet's defaults.
var securityHeaderList = [][2]string{
	{fiber.HeaderXXSSProtection, "0"},
	{fiber.HeaderXContentTypeOptions, "nosniff"},
	{fiber.HeaderXFrameOptions, "DENY"},
	{"Cross-Origin-Embedder-Policy", "require-corp"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
	{"Cross-Origin-Resource-Policy", "same-origin"},
	{"Origin-Agent-Cluster", "?1"},
	{"Referrer-Policy", "no-referrer"},
	{"X-DNS-Prefetch-Control", "off"},
	{"X-Download-Options", "noopen"},
	{"X-Permitted-Cross-Domain-Policies", "none"},
	{fiber.HeaderContentSecurityPolicy, "default-src 'none'; frame-ancestors 'none'"},
}

// canonicalHeaders are the headers with their names as fasthttp writes them (X-Dns-Prefetch-Control),
// normalized once, for ResponseHeader.SetCanonical.
func canonicalHeaders(list [][2]string) [][2][]byte {
	var h fasthttp.ResponseHeader
	out := make([][2][]byte, 0, len(list))
	for _, kv := range list {
		h.Reset()
		h.Set(kv[0], kv[1])
		h.VisitAll(func(k, v []byte) {
			if string(k) != fiber.HeaderContentType && string(k) != "Server" && string(k) != "Date" {
				out = append(out, [2][]byte{bytes.Clone(k), bytes.Clone(v)})
			}
		})
	}
	if len(out) != len(list) {
		panic("rest: a security header did not survive its normalization")
	}
	return out
}

// corsHandler lets the listed origins call the API from a browser, with cookies. Origins not on
// the list get no CORS header at all, so the browser keeps the answer from them.
func corsHandler(origins []string) fiber.Handler {
	normalized := make([]string, 0, len(origins))
	for _, o := range origins {
		n, _ := normalizeOrigin(o) // Validate has passed
		normalized = append(normalized, n)
	}
	return cors.New(cors.Config{
		AllowOrigins:     strings.Join(normalized, ","),
		AllowMethods:     "GET,HEAD,POST,PUT",
		AllowHeaders:     "Content-Type,Authorization,X-Request-ID",
		ExposeHeaders:    "X-Request-ID,Retry-After,WWW-Authenticate,Allow",
		AllowCredentials: true,
		MaxAge:           600,
	})
}

// normalizeOrigin returns the origin of an absolute http(s) URL, as a browser writes it in
// Origin: lowercase scheme and host, and no port when it is the scheme's default. ok is false for
// anything else, "null" included. For an origin (not a URL) a path other than "/" is refused, so a
// configured origin cannot silently mean less than it says.
func normalizeOrigin(raw string) (string, bool) {
	return originOf(raw, false)
}

func originOf(raw string, fromURL bool) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User != nil || strings.Contains(u.Host, "*") {
		return "", false
	}
	if !fromURL && ((u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "") {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "" {
		return "", false
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, true
}

// requestOrigin is the origin this request was addressed to: its scheme (TLS, or a trusted
// proxy's X-Forwarded-Proto) and its Host (or a trusted proxy's X-Forwarded-Host).
func requestOrigin(c *fiber.Ctx) string {
	o, _ := normalizeOrigin(c.Protocol() + "://" + c.Hostname())
	return o
}

// errCrossSite is the 403 of a cookie-authenticated change sent from a foreign page.
var errCrossSite = &requestError{problem{
	status: fiber.StatusForbidden, code: codeForbidden,
	detail: "Cross-site request refused: a change authenticated by the session cookie must come from this site or an allowed origin; other clients send Authorization: Bearer <token>.",
}}

// originGuard defends the cookie against cross-site request forgery: a state-changing request that
// the browser sent with the cookie must come from this server's own origin or an allowed one.
// SameSite=Lax already keeps the cookie off most cross-site requests; this covers the sibling
// subdomains Lax counts as the same site, and browsers without SameSite.
type originGuard struct {
	allowed map[string]bool
}

func newOriginGuard(origins []string) originGuard {
	g := originGuard{allowed: make(map[string]bool, len(origins))}
	for _, o := range origins {
		if n, ok := normalizeOrigin(o); ok {
			g.allowed[n] = true
		}
	}
	return g
}

// check refuses the request when it names a foreign origin. The browser's own verdict,
// Sec-Fetch-Site: same-origin (a header no page can set), settles it first, which keeps a server
// behind a proxy that hides its scheme working. Then Origin, or Referer when Origin is absent;
// with neither the request is let through: it came from no browser page (and SameSite=Lax holds).
func (g originGuard) check(c *fiber.Ctx) error {
	h := &c.Request().Header
	if bytes.Equal(h.Peek("Sec-Fetch-Site"), []byte("same-origin")) {
		return nil
	}
	var origin string
	var ok bool
	if raw := h.Peek(fiber.HeaderOrigin); len(raw) > 0 {
		origin, ok = normalizeOrigin(string(raw))
	} else if ref := h.Peek(fiber.HeaderReferer); len(ref) > 0 {
		origin, ok = originOf(string(ref), true)
	} else {
		return nil
	}
	if ok && (origin == requestOrigin(c) || g.allowed[origin]) {
		return nil
	}
	return errCrossSite
}

// stateChanging tells whether a method may change something on the server.
func stateChanging(method string) bool {
	switch method {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
		return false
	}
	return true
}

// clientIPResolver finds the address to count a client by. By default it is the TCP peer; behind
// trusted proxies it is read from their header, where a client can write anything it likes on
// the left: X-Forwarded-For is read from the right, skipping the trusted proxies themselves.
type clientIPResolver struct {
	trusted []netip.Prefix
	header  string
}

func newClientIPResolver(trusted []string, header string) clientIPResolver {
	r := clientIPResolver{header: header}
	if r.header == "" {
		r.header = fiber.HeaderXForwardedFor
	}
	for _, t := range trusted {
		if p, err := parseIPOrPrefix(t); err == nil {
			r.trusted = append(r.trusted, p)
		}
	}
	return r
}

func parseIPOrPrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func (r clientIPResolver) isTrusted(a netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// of returns the client's rate-limit key: its address, or for IPv6 its /64, which one subscriber
// usually holds whole (counting single IPv6 addresses would let one client count as 2^64).
func (r clientIPResolver) of(c *fiber.Ctx) string {
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	client := peer.Unmap()
	if len(r.trusted) > 0 && r.isTrusted(client) {
		if a, ok := r.fromHeader(c.Request().Header.Peek(r.header)); ok {
			client = a
		}
	}
	return addrKey(client)
}

// fromHeader reads a forwarding header: a list whose rightmost entries are the trusted proxies
// and whose first untrusted entry, from the right, is the client as the outermost proxy saw it.
func (r clientIPResolver) fromHeader(v []byte) (netip.Addr, bool) {
	if len(v) == 0 {
		return netip.Addr{}, false
	}
	var last netip.Addr
	for rest := string(v); rest != ""; {
		var item string
		if i := strings.LastIndexByte(rest, ','); i >= 0 {
			item, rest = rest[i+1:], rest[:i]
		} else {
			item, rest = rest, ""
		}
		a, err := netip.ParseAddr(stripPort(strings.TrimSpace(item)))
		if err != nil {
			return last, last.IsValid() // a malformed entry: nothing left of it can be believed
		}
		last = a.Unmap()
		if !r.isTrusted(last) {
			return last, true
		}
	}
	return last, last.IsValid()
}

// stripPort drops a port some proxies append: "1.2.3.4:5678", "[::1]:80".
func stripPort(s string) string {
	if host, _, err := net.SplitHostPort(s); err == nil {
		return host
	}
	return strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
}

func addrKey(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
