package rest

import (
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"

	"github.com/torrent-streamer/streamer/application/accounts"
	"github.com/torrent-streamer/streamer/application/catalog"
)

// missClients bounds how many client addresses the miss limiter remembers: an address forgotten
// starts again with a full bucket, which costs the store at most one burst.
const missClients = 65536

// missLimiter bounds the anonymous catalog reads that reach the store (a cache miss) per client
// address: a token bucket per address (x/time/rate) refilled at Max per Window, Max deep. Reads the
// caches answer never take a token, so browsing what others browse is free; walking every filter
// value and cursor to fill the store's time is not.
type missLimiter struct {
	limit   RateLimit
	mu      sync.Mutex
	clients *lru.Cache[string, *rate.Limiter]
}

func newMissLimiter(limit RateLimit) *missLimiter {
	if limit.Max < 0 {
		return nil
	}
	clients, err := lru.New[string, *rate.Limiter](missClients)
	if err != nil {
		panic(err) // only a non-positive size fails
	}
	return &missLimiter{limit: limit, clients: clients}
}

func (l *missLimiter) allow(client string) error {
	l.mu.Lock()
	lim, ok := l.clients.Get(client)
	if !ok {
		lim = rate.NewLimiter(rate.Every(l.limit.Window/time.Duration(l.limit.Max)), l.limit.Max)
		l.clients.Add(client, lim)
	}
	l.mu.Unlock()
	r := lim.Reserve()
	if wait := r.Delay(); wait > 0 {
		r.Cancel()
		return &rateLimitedError{retryAfter: max(wait, time.Second)}
	}
	return nil
}

// guardMisses wraps a catalog handler so that an anonymous request's store reads ask the miss
// limiter (catalog.Bounded reads it from the context). Signed-in requests are not limited here. It
// goes inside the response cache, around the handler only: an answer the cache sends reaches no
// store, so the guard (a context, a closure and the client's address, per request) is made only for
// the requests that may.
func (s *server) guardMisses(l *missLimiter) func(fiber.Handler) fiber.Handler {
	if l == nil {
		return func(next fiber.Handler) fiber.Handler { return next }
	}
	return func(next fiber.Handler) fiber.Handler {
		return func(c *fiber.Ctx) error {
			ctx := c.UserContext()
			if _, signedIn := accounts.PrincipalFrom(ctx); !signedIn {
				client := s.clientIP.of(c)
				c.SetUserContext(catalog.WithMissGuard(ctx, func() error { return l.allow(client) }))
			}
			return next(c)
		}
	}
}
