package rest

import (
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	lru "github.com/hashicorp/golang-lru/v2"
)

// Bounds of the response cache: a second of life, a few hundred answers, none above 256 KiB.
const (
	responseTTL      = time.Second
	responseEntries  = 512
	maxResponseBytes = 256 << 10
)

// responseCache keeps the encoded bodies of anonymous catalog reads for a second ("micro-caching").
// The use cases already answer these from their cache in a microsecond; what is left is turning the
// answer into JSON (DTOs, magnet URIs, encoding), which costs ten times the rest of the request. For
// one second, identical anonymous requests share those bytes.
//
// What is fresh is still the use cases' call: this adds at most a second to it. An ingest through
// this server purges it, so its torrents show on the very next read. Signed-in requests never use
// it: their search and details views must reach the use case, which records them.
type responseCache struct {
	mu      sync.Mutex
	entries *lru.Cache[string, cachedResponse]
	// alsoPurge are other caches of encoded answers (Torznab's), emptied with this one.
	alsoPurge []func()
	// off keeps nothing (Options.NoResponseCache): every request reaches its handler.
	off bool
}

type cachedResponse struct {
	body        []byte
	contentType string
	expires     time.Time
}

func newResponseCache(off bool) *responseCache {
	entries, err := lru.New[string, cachedResponse](responseEntries)
	if err != nil {
		panic(err) // only a non-positive size fails
	}
	return &responseCache{entries: entries, off: off}
}

// cached serves next's answer from the cache when an identical anonymous GET was answered within
// the last second, and keeps next's successful answers otherwise.
func (r *responseCache) cached(next fiber.Handler) fiber.Handler {
	if r.off {
		return next
	}
	return func(c *fiber.Ctx) error {
		if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
			return next(c)
		}
		if _, carrier := presentedToken(c); carrier != noToken {
			return next(c)
		}
		// Path and query as the client sent them: the same request in another parameter order is
		// simply another entry.
		key := c.Request().URI().RequestURI()
		now := time.Now()
		if hit, ok := r.get(key, now); ok {
			c.Status(fiber.StatusOK)
			c.Response().Header.SetContentType(hit.contentType)
			c.Response().SetBodyRaw(hit.body)
			return nil
		}
		if err := next(c); err != nil {
			return err
		}
		body := c.Response().Body()
		if c.Response().StatusCode() == fiber.StatusOK && len(body) <= maxResponseBytes {
			r.put(string(key), cachedResponse{ // string(key) copies fasthttp's reused buffer
				body: append([]byte(nil), body...), contentType: string(c.Response().Header.ContentType()),
				expires: now.Add(responseTTL),
			})
		}
		return nil
	}
}

func (r *responseCache) get(key []byte, now time.Time) (cachedResponse, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	hit, ok := r.entries.Get(string(key))
	if !ok || !now.Before(hit.expires) {
		return cachedResponse{}, false
	}
	return hit, true
}

func (r *responseCache) put(key string, resp cachedResponse) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries.Add(key, resp)
}

// purge forgets every answer: the catalog just changed.
func (r *responseCache) purge() {
	r.mu.Lock()
	r.entries.Purge()
	also := r.alsoPurge
	r.mu.Unlock()
	for _, f := range also {
		f()
	}
}
