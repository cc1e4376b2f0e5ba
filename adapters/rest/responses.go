package rest

import (
	"hash/maphash"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/torrent-streamer/streamer/adapters/gzipped"
)

// Bounds of the response cache: a second of life, a few hundred answers, none above 256 KiB and
// all together at most 16 MiB, counted as kept: compressed (a search page of 100 is ~15 KB so,
// ~64 KB plain).
const (
	responseTTL      = time.Second
	responseEntries  = 512
	maxResponseBytes = 256 << 10
	responseBytes    = 16 << 20
)

// responseCache keeps the encoded bodies of anonymous catalog reads for a second ("micro-caching").
// The use cases already answer these from their cache in a microsecond; what is left is turning the
// answer into JSON (DTOs, magnet URIs, encoding), which costs ten times the rest of the request. For
// one second, identical anonymous requests share those bytes.
//
// What is fresh is still the use cases' call: this adds at most a second to it. An ingest through
// this server purges it, so its torrents show on the very next read. Signed-in requests never use
// it: their search and details views must reach the use case, which records them.
//
// Each answer is kept gzip-compressed, once (adapters/gzipped), and sent so to clients that accept
// gzip, inflated to those that do not; the answer that fills an entry goes out compressed too.
type responseCache struct {
	mu sync.Mutex
	// entries are keyed by a hash of the request's path and query, so a lookup makes no string of
	// fasthttp's bytes; each entry holds its key to tell a collision from a hit.
	entries *simplelru.LRU[uint64, *cachedResponse]
	seed    maphash.Seed
	bytes   int64 // kept, compressed, with their keys (and the plain copies made, see plain)
	// alsoPurge are other caches of encoded answers (Torznab's), emptied with this one.
	alsoPurge []func()
	// off keeps nothing (Options.NoResponseCache): every request reaches its handler.
	off bool
	now func() time.Time // time.Now; a test's clock
}

type cachedResponse struct {
	key  string
	body gzipped.Kept // inflated once, for the first client that does not accept gzip
	// plainBytes is the plain copy's bytes counted in the cache's bytes (see plain): 0 until a plain
	// client asks, and for a body kept plain. Under the cache's lock.
	plainBytes  int
	contentType string
	expires     time.Time
}

func responseWeight(r *cachedResponse) int64 {
	return int64(len(r.key) + r.body.Size() + r.plainBytes + len(r.contentType) + 96)
}

func newResponseCache(off bool) *responseCache {
	r := &responseCache{off: off, now: time.Now, seed: maphash.MakeSeed()}
	entries, err := simplelru.NewLRU(responseEntries, func(_ uint64, e *cachedResponse) { r.bytes -= responseWeight(e) })
	if err != nil {
		panic(err) // only a non-positive size fails
	}
	r.entries = entries
	return r
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
		now := r.now()
		if hit, ok := r.get(key, now); ok {
			c.Status(fiber.StatusOK)
			c.Response().Header.SetContentType(hit.contentType)
			if gzipped.SendCompressed(c, hit.body.Body) { // says Vary too
				return nil
			}
			plain, err := r.plain(key, hit)
			if err != nil {
				return err
			}
			c.Response().SetBodyRaw(plain) // kept bytes are never written again
			return nil
		}
		// Every anonymous answer here may be sent compressed, so each says it depends on it.
		gzipped.Vary(c)
		if err := next(c); err != nil {
			return err
		}
		if c.Response().StatusCode() != fiber.StatusOK {
			return nil
		}
		// Compressed once, as it is kept (Compress copies it out of fasthttp's reused buffer); a
		// client that accepts gzip gets those bytes now too, another gets the body as written.
		kept := gzipped.Compress(c.Response().Body())
		if kept.Size() <= maxResponseBytes {
			r.put(string(key), &cachedResponse{ // string(key) copies fasthttp's reused buffer
				body: gzipped.Kept{Body: kept}, contentType: string(c.Response().Header.ContentType()), expires: now.Add(responseTTL),
			})
		}
		gzipped.SendCompressed(c, kept)
		return nil
	}
}

// get returns the live entry for key.
func (r *responseCache) get(key []byte, now time.Time) (*cachedResponse, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	hit, ok := r.entries.Get(maphash.Bytes(r.seed, key))
	if !ok || hit.key != string(key) || !now.Before(hit.expires) {
		return nil, false
	}
	return hit, true
}

// plain returns hit's body as written (gzipped.Kept inflates it once) and counts the plain copy
// the inflate made in the cache's bytes, unless the entry went meanwhile (evicted or replaced):
// then no entry holds the copy, and the bound does not count it.
func (r *responseCache) plain(key []byte, hit *cachedResponse) ([]byte, error) {
	plain, grew, err := hit.body.Plain()
	if grew == 0 {
		return plain, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if now, ok := r.entries.Peek(maphash.Bytes(r.seed, key)); ok && now == hit {
		hit.plainBytes += grew
		r.bytes += int64(grew)
		r.evictOverBytes()
	}
	return plain, err
}

func (r *responseCache) put(key string, resp *cachedResponse) {
	resp.key = key
	hash := maphash.String(r.seed, key)
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.entries.Peek(hash); ok {
		r.bytes -= responseWeight(old) // Add replaces it (or a colliding key's) without the eviction callback
	}
	r.entries.Add(hash, resp)
	r.bytes += responseWeight(resp)
	r.evictOverBytes()
}

// evictOverBytes drops the least recently used answers while the kept bytes are over their bound.
// r.mu is held.
func (r *responseCache) evictOverBytes() {
	for r.bytes > responseBytes {
		if _, _, ok := r.entries.RemoveOldest(); !ok {
			break
		}
	}
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
