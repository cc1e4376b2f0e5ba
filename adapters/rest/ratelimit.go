package rest

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/torrent-streamer/streamer/domain"
)

// RateLimit allows Max requests per Window and key. A zero field takes its default; a negative
// Max turns the limit off.
type RateLimit struct {
	Max    int
	Window time.Duration
}

// RateLimits are the limits of the routes that attract abuse. Each is a sliding window kept in
// this process: behind a load balancer every instance counts on its own, so the effective limit
// is the sum over instances. Every attempt counts, whatever its answer.
type RateLimits struct {
	// SignInPerIP bounds sign-in attempts per client address (IPv6: per /64), whatever the
	// email: one client trying many accounts. Default 20 per minute.
	SignInPerIP RateLimit
	// SignInPerEmail bounds sign-in attempts per email (trimmed, lowercase), whatever the
	// address: many clients guessing one account's password. Default 5 per minute; kept short
	// because an attacker can also use it to lock the owner out for that long.
	SignInPerEmail RateLimit
	// SignUpPerIP bounds account creation per client address. Default 20 per hour: room for a
	// few people behind one NAT, none for a bot farming accounts from one address.
	SignUpPerIP RateLimit
	// IngestPerKey bounds ingest batches per API key, counted by a hash of the key (the key
	// itself is never kept). Default 60 per minute (up to 60,000 torrents a minute).
	IngestPerKey RateLimit
	// CatalogMissesPerIP bounds the anonymous catalog reads (search, latest, details) that miss
	// every cache and reach the store, per client address: a token bucket, Max deep, refilled at
	// Max per Window. Reads a cache answers are free. Default 120 per minute.
	CatalogMissesPerIP RateLimit
	// TorznabPerIP bounds /torznab/api requests per client address; past it the answer is
	// Torznab's error 900 with Retry-After. Default 120 per minute: an app's search of a whole
	// season is a few dozen requests.
	TorznabPerIP RateLimit
}

// DefaultRateLimits are the limits an unset RateLimits field takes.
var DefaultRateLimits = RateLimits{
	SignInPerIP:        RateLimit{Max: 20, Window: time.Minute},
	SignInPerEmail:     RateLimit{Max: 5, Window: time.Minute},
	SignUpPerIP:        RateLimit{Max: 20, Window: time.Hour},
	IngestPerKey:       RateLimit{Max: 60, Window: time.Minute},
	CatalogMissesPerIP: RateLimit{Max: 120, Window: time.Minute},
	TorznabPerIP:       RateLimit{Max: 120, Window: time.Minute},
}

func (l RateLimit) withDefault(d RateLimit) RateLimit {
	if l.Max == 0 {
		l.Max = d.Max
	}
	if l.Window <= 0 {
		l.Window = d.Window
	}
	return l
}

func (r RateLimits) withDefaults() RateLimits {
	d := DefaultRateLimits
	return RateLimits{
		SignInPerIP:        r.SignInPerIP.withDefault(d.SignInPerIP),
		SignInPerEmail:     r.SignInPerEmail.withDefault(d.SignInPerEmail),
		SignUpPerIP:        r.SignUpPerIP.withDefault(d.SignUpPerIP),
		IngestPerKey:       r.IngestPerKey.withDefault(d.IngestPerKey),
		CatalogMissesPerIP: r.CatalogMissesPerIP.withDefault(d.CatalogMissesPerIP),
		TorznabPerIP:       r.TorznabPerIP.withDefault(d.TorznabPerIP),
	}
}

// rateLimitedError is a 429 that knows when the window frees up: it matches
// domain.ErrRateLimited, so problemOf answers it like any other rate limit, with Retry-After.
type rateLimitedError struct{ retryAfter time.Duration }

func (e *rateLimitedError) Error() string             { return "rate limited" }
func (e *rateLimitedError) Is(target error) bool      { return target == domain.ErrRateLimited }
func (e *rateLimitedError) RetryAfter() time.Duration { return e.retryAfter }

// rateLimiter returns Fiber's limiter for one limit, or nil when the limit is off. The key names
// the limit too (prefix), so the limiters of one app never share counters. What a key holds is an
// address, a normalized email or a hash: no secret is ever a key.
func rateLimiter(limit RateLimit, prefix string, key func(*fiber.Ctx) string) fiber.Handler {
	return rateLimiterWhen(limit, prefix, key, nil)
}

// rateLimiterWhen is rateLimiter counting only the requests applies accepts (nil: all of them).
func rateLimiterWhen(limit RateLimit, prefix string, key func(*fiber.Ctx) string, applies func(*fiber.Ctx) bool) fiber.Handler {
	if limit.Max < 0 {
		return nil
	}
	var next func(*fiber.Ctx) bool
	if applies != nil {
		next = func(c *fiber.Ctx) bool { return !applies(c) }
	}
	return limiter.New(limiter.Config{
		Next:       next,
		Max:        limit.Max,
		Expiration: limit.Window,
		KeyGenerator: func(c *fiber.Ctx) string {
			return prefix + key(c)
		},
		// The limiter has set Retry-After already; the error carries it through the one error
		// path, so the 429 is a problem document like every other error.
		LimitReached: func(c *fiber.Ctx) error {
			secs, err := strconv.Atoi(string(c.Response().Header.Peek(fiber.HeaderRetryAfter)))
			if err != nil || secs < 1 {
				secs = 1
			}
			return &rateLimitedError{retryAfter: time.Duration(secs) * time.Second}
		},
		LimiterMiddleware: limiter.SlidingWindow{},
	})
}

// handlers drops the nil handlers (limits turned off) from a chain.
func handlers(list ...fiber.Handler) []fiber.Handler {
	out := list[:0:0]
	for _, h := range list {
		if h != nil {
			out = append(out, h)
		}
	}
	return out
}
