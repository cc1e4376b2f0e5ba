package rest

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
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
}

func newSessionAuth(svc *accounts.Service, log *slog.Logger, secure CookieSecurity, corsOrigins []string) *sessionAuth {
	return &sessionAuth{accounts: svc, log: log, secure: secure, origins: newOriginGuard(corsOrigins)}
}

// presentedToken returns the session token of the request and whether it came in the cookie. A
// bearer token wins over the cookie: a client that sends one means it. Nothing is allocated when
// there is no token, so anonymous traffic pays nothing.
func presentedToken(c *fiber.Ctx) (token []byte, byCookie bool) {
	h := &c.Request().Header
	if t := bearerToken(h.Peek(fiber.HeaderAuthorization)); len(t) > 0 {
		return t, false
	}
	if t := h.Cookie(sessionCookieName); len(t) > 0 {
		return t, true
	}
	return nil, false
}

// errNoSession is the 401 of a route that needs a session and got no token at all.
var errNoSession = &requestError{problem{
	status: fiber.StatusUnauthorized, code: codeUnauthenticated,
	detail: "A valid session is required: sign in, then send the session_token cookie or Authorization: Bearer <token>.",
}}

// require lets the request through only with a valid session. A cookie-authenticated change must
// also pass the origin check. A cookie the server no longer knows is cleared with the 401.
func (a *sessionAuth) require(c *fiber.Ctx) error {
	token, byCookie := presentedToken(c)
	if len(token) == 0 {
		return errNoSession
	}
	if byCookie && stateChanging(c.Method()) {
		if err := a.origins.check(c); err != nil {
			return err
		}
	}
	p, err := a.accounts.Authenticate(c.UserContext(), string(token))
	if err != nil {
		if byCookie && errors.Is(err, domain.ErrUnauthenticated) {
			a.clearCookie(c)
		}
		return err
	}
	c.SetUserContext(accounts.WithPrincipal(c.UserContext(), p))
	return c.Next()
}

// optional resolves a session when the request carries a token and otherwise does nothing: a
// missing, unknown or expired token, or a session store that does not answer, means anonymous,
// never an error, because the routes it guards serve everyone.
func (a *sessionAuth) optional(c *fiber.Ctx) error {
	token, _ := presentedToken(c)
	if len(token) == 0 {
		return c.Next()
	}
	p, err := a.accounts.Authenticate(c.UserContext(), string(token))
	switch {
	case err == nil:
		c.SetUserContext(accounts.WithPrincipal(c.UserContext(), p))
	case !errors.Is(err, domain.ErrUnauthenticated):
		// Debug: during a store outage this would be one line per signed-in request; the store's
		// own adapter and /api/health report the outage.
		a.log.LogAttrs(context.Background(), slog.LevelDebug, "session lookup failed; serving the request anonymously",
			slog.String("requestId", requestID(c)), slog.String("err", err.Error()))
	}
	return c.Next()
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
