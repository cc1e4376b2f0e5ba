package rest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/torrent-streamer/streamer/application/accounts"
	"github.com/torrent-streamer/streamer/domain"
)

// sessionCookieName is the cookie that carries a session token to browsers.
const sessionCookieName = "session_token"

// sessionAuth carries a session between the client and the accounts use cases: it reads the token
// from Authorization: Bearer or the cookie, resolves it, and puts the caller in the request's
// context, where the use cases (the catalog's activity recorder among them) find it.
type sessionAuth struct {
	accounts *accounts.Service
	log      *slog.Logger
	secure   CookieSecurity
	origins  originGuard
	// cookieSecret verifies the previous app's signed cookie; empty: such cookies are ignored.
	cookieSecret []byte
}

func newSessionAuth(svc *accounts.Service, log *slog.Logger, secure CookieSecurity, corsOrigins []string, cookieSecret []byte) *sessionAuth {
	return &sessionAuth{accounts: svc, log: log, secure: secure, origins: newOriginGuard(corsOrigins), cookieSecret: cookieSecret}
}

// tokenCarrier says how a request carried its session token.
type tokenCarrier int

const (
	noToken      tokenCarrier = iota
	bearer                    // Authorization: Bearer
	cookie                    // the service's own session cookie
	signedCookie              // the previous app's signed cookie (Better Auth), not yet verified
)

// betterAuthCookies are the names Better Auth gives its signed session cookie (the __Secure- one
// over HTTPS). Browsers that signed in to the previous app still send them.
var betterAuthCookies = [...]string{"__Secure-better-auth.session_token", "better-auth.session_token"}

// presentedToken returns the session token of the request and how it came. A bearer token wins
// over a cookie: a client that sends one means it. Nothing is allocated when there is no token, so
// anonymous traffic pays nothing.
func presentedToken(c *fiber.Ctx) ([]byte, tokenCarrier) {
	h := &c.Request().Header
	if t := bearerToken(h.Peek(fiber.HeaderAuthorization)); len(t) > 0 {
		return t, bearer
	}
	if t := h.Cookie(sessionCookieName); len(t) > 0 {
		return t, cookie
	}
	for _, name := range betterAuthCookies {
		if t := h.Cookie(name); len(t) > 0 {
			return t, signedCookie
		}
	}
	return nil, noToken
}

// token is presentedToken with the previous app's signed cookie verified and unwrapped: a cookie
// whose signature does not match (or with no secret to check it) gives no token.
func (a *sessionAuth) token(c *fiber.Ctx) (string, tokenCarrier) {
	raw, carrier := presentedToken(c)
	if carrier != signedCookie {
		return string(raw), carrier
	}
	token, ok := verifySignedCookie(raw, a.cookieSecret)
	if !ok {
		return "", carrier
	}
	return token, carrier
}

// verifySignedCookie reads Better Auth's signed cookie value: URL-encoded "<token>.<signature>",
// the signature being the standard base64 of HMAC-SHA256(secret, token).
func verifySignedCookie(raw, secret []byte) (string, bool) {
	if len(secret) == 0 || len(raw) > 2*accounts.MaxTokenLength {
		return "", false
	}
	value, err := url.QueryUnescape(string(raw))
	if err != nil {
		return "", false
	}
	dot := strings.LastIndexByte(value, '.')
	if dot <= 0 {
		return "", false
	}
	got, err := base64.StdEncoding.DecodeString(value[dot+1:])
	if err != nil {
		return "", false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(value[:dot]))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return "", false
	}
	return value[:dot], true
}

// errNoSession is the 401 of a route that needs a session and got no token at all.
var errNoSession = &requestError{problem{
	status: fiber.StatusUnauthorized, code: codeUnauthenticated,
	detail: "A valid session is required: sign in, then send the session_token cookie or Authorization: Bearer <token>.",
}}

// require lets the request through only with a valid session. A cookie-authenticated change must
// also pass the origin check. A cookie the server no longer knows is cleared with the 401.
func (a *sessionAuth) require(c *fiber.Ctx) error {
	token, carrier := a.token(c)
	if len(token) == 0 {
		return errNoSession
	}
	if domain.IsAPIKey(token) {
		return errKeyNotASession
	}
	byCookie := carrier == cookie || carrier == signedCookie
	if byCookie && stateChanging(c.Method()) {
		if err := a.origins.check(c); err != nil {
			return err
		}
	}
	p, err := a.accounts.Authenticate(c.UserContext(), token)
	if err != nil {
		if byCookie && errors.Is(err, domain.ErrUnauthenticated) {
			a.clearCookie(c)
		}
		return err
	}
	a.adoptSignedCookie(c, carrier, token)
	c.SetUserContext(accounts.WithPrincipal(c.UserContext(), p))
	return c.Next()
}

// optional resolves a session (or a personal API key sent as a bearer token) when the request
// carries a token and otherwise does nothing: a
// missing, unknown or expired token, or a session store that does not answer, means anonymous,
// never an error, because the routes it guards serve everyone.
func (a *sessionAuth) optional(c *fiber.Ctx) error {
	token, carrier := a.token(c)
	if len(token) == 0 {
		return c.Next()
	}
	var p accounts.Principal
	var err error
	if carrier == bearer && domain.IsAPIKey(token) {
		// A personal API key authenticates the read routes as its owner.
		p, err = a.authenticateKey(c, token)
	} else {
		p, err = a.accounts.Authenticate(c.UserContext(), token)
	}
	switch {
	case err == nil:
		a.adoptSignedCookie(c, carrier, token)
		c.SetUserContext(accounts.WithPrincipal(c.UserContext(), p))
	case !errors.Is(err, domain.ErrUnauthenticated):
		// Debug: during a store outage this would be one line per signed-in request; the store's
		// own adapter and /api/health report the outage.
		a.log.LogAttrs(context.Background(), slog.LevelDebug, "session lookup failed; serving the request anonymously",
			slog.String("requestId", requestID(c)), slog.String("err", err.Error()))
	}
	return c.Next()
}

// adoptSignedCookie answers a request signed in with the previous app's cookie with the service's
// own, so the browser moves over. The cookie may outlive the session; the session's end still ends it.
func (a *sessionAuth) adoptSignedCookie(c *fiber.Ctx, carrier tokenCarrier, token string) {
	if carrier == signedCookie {
		a.setCookie(c, token, time.Now().Add(domain.SessionLifetime))
	}
}

// principal returns the caller that require put in the context.
func principal(c *fiber.Ctx) (accounts.Principal, error) {
	p, ok := accounts.PrincipalFrom(c.UserContext())
	if !ok {
		return accounts.Principal{}, errNoSession // a route registered without require: a bug, but a safe one
	}
	return p, nil
}

// setCookie hands the browser its session: HttpOnly (no script reads it), SameSite=Lax (not sent
// on cross-site subrequests and posts), Path=/, expiring with the session.
func (a *sessionAuth) setCookie(c *fiber.Ctx, token string, expires time.Time) {
	a.writeCookie(c, token, expires)
}

// clearCookie tells the browser to drop the session cookie, with the attributes it was set with.
func (a *sessionAuth) clearCookie(c *fiber.Ctx) {
	a.writeCookie(c, "", fasthttp.CookieExpireDelete)
}

func (a *sessionAuth) writeCookie(c *fiber.Ctx, value string, expires time.Time) {
	ck := fasthttp.AcquireCookie()
	defer fasthttp.ReleaseCookie(ck)
	ck.SetKey(sessionCookieName)
	ck.SetValue(value)
	ck.SetPath("/")
	ck.SetHTTPOnly(true)
	ck.SetSameSite(fasthttp.CookieSameSiteLaxMode)
	ck.SetExpire(expires)
	ck.SetSecure(cookieSecure(a.secure, c.Protocol(), c.Hostname()))
	c.Response().Header.SetCookie(ck)
}

// cookieSecure tells whether the session cookie gets the Secure attribute: always, except over
// plain HTTP to a loopback host (localhost, 127.0.0.0/8, ::1), where there is no TLS to require
// and some clients (Safari, curl) would drop a Secure cookie. scheme is the request's ("http" or
// "https"); host is its Host, with or without a port.
func cookieSecure(policy CookieSecurity, scheme, host string) bool {
	if policy == SecureCookiesAlways || !strings.EqualFold(scheme, "http") {
		return true
	}
	return !isLoopbackHost(host)
}

// isLoopbackHost tells whether a Host header names this machine's loopback interface.
func isLoopbackHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(stripPort(host), "."))
	if h == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.Unmap().IsLoopback()
}
