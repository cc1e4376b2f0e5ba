package caching

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/torrent-streamer/streamer/ports"
)

// Options tune a Store. The zero value of each field picks its default.
type Options struct {
	// LocalEntries bounds the in-process tier (default 10,000 values).
	LocalEntries int
	// GenerationRefresh is how often a key space's generation is re-read from the shared cache, so
	// an invalidation on another instance is seen within it (default 10 s).
	GenerationRefresh time.Duration
	// FillTimeout bounds one fill or refresh, independent of the request that started it (default 30 s).
	FillTimeout time.Duration
	// MaxRefreshes bounds the background refreshes running at once (default 16); past it, stale
	// values are still served and the refresh waits for a later request.
	MaxRefreshes int
	Logger       *slog.Logger
}

// Store is the tiered cache. It is safe for concurrent use.
type Store struct {
	shared    ports.Cache // nil: the process tier only
	local     *lru.Cache[string, localEntry]
	clock     ports.Clock
	flights   singleflight.Group
	refreshes chan struct{}
	opts      Options
	log       *slog.Logger

	gensMu sync.Mutex
	gens   map[string]*generation

	stats counters
}

type localEntry struct {
	value      any
	freshUntil time.Time
	staleUntil time.Time
}

// envelope is what the shared tier holds: the value and when it stops being fresh.
type envelope struct {
	FreshUntil int64           `json:"f"` // Unix milliseconds
	Value      json.RawMessage `json:"v"`
}

type generation struct {
	value     atomic.Int64
	checkedAt atomic.Int64 // Unix nanoseconds of the last read of the shared cache
}

// NewStore returns a Store over the shared cache (nil for none).
func NewStore(shared ports.Cache, clock ports.Clock, opts Options) *Store {
	if opts.LocalEntries <= 0 {
		opts.LocalEntries = 10000
	}
	if opts.GenerationRefresh <= 0 {
		opts.GenerationRefresh = 10 * time.Second
	}
	if opts.FillTimeout <= 0 {
		opts.FillTimeout = 30 * time.Second
	}
	if opts.MaxRefreshes <= 0 {
		opts.MaxRefreshes = 16
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	local, err := lru.New[string, localEntry](opts.LocalEntries)
	if err != nil {
		// Only a non-positive size fails, and it was defaulted above.
		panic(err)
	}
	return &Store{
		shared:    shared,
		local:     local,
		clock:     clock,
		refreshes: make(chan struct{}, opts.MaxRefreshes),
		opts:      opts,
		log:       opts.Logger,
		gens:      make(map[string]*generation),
	}
}

// Fetch returns the value cached under key, or fills it. A fresh value is returned as is; a value
// past ttl but within another ttl is returned at once while one background fill refreshes it; a
// missing value is filled once for all concurrent callers. Cache errors are logged and counted and
// never fail the call: the fill answers instead.
func Fetch[T any](ctx context.Context, s *Store, key string, ttl time.Duration, fill func(context.Context) (T, error)) (T, error) {
	return FetchBounded(ctx, s, key, ttl, ttl, fill)
}

// FetchBounded is Fetch with a shorter life in the process tier: localTTL bounds how long this
// instance trusts its own copy before asking the shared tier again. Values that another instance may
// revoke (sessions) use it, so a logout elsewhere is honoured within localTTL; such values are never
// served stale.
func FetchBounded[T any](ctx context.Context, s *Store, key string, ttl, localTTL time.Duration, fill func(context.Context) (T, error)) (T, error) {
	return fetch(ctx, s, key, ttl, localTTL, true, fill)
}

// FetchLocal is Fetch without the shared tier, for values whose fill is one cheap read of the
// store: a row by its key, a short range of an index. When the shared tier is remote (Workers KV
// over the Cloudflare API), reading it costs the same one request as such a fill, so sharing the
// value would only add requests: a read before every fill that misses, a write after it. Values
// that are expensive to compute (search pages) use Fetch. Invalidation works the same: the key
// carries its key space's generation.
func FetchLocal[T any](ctx context.Context, s *Store, key string, ttl time.Duration, fill func(context.Context) (T, error)) (T, error) {
	return fetch(ctx, s, key, ttl, ttl, false, fill)
}

func fetch[T any](ctx context.Context, s *Store, key string, ttl, localTTL time.Duration, shared bool, fill func(context.Context) (T, error)) (T, error) {
	now := s.clock.Now()
	revocable := localTTL < ttl
	if e, ok := s.local.Get(key); ok {
		if v, ok := e.value.(T); ok {
			if now.Before(e.freshUntil) {
				s.stats.hits.Add(1)
				s.stats.localHits.Add(1)
				return v, nil
			}
			if now.Before(e.staleUntil) && !revocable {
				s.stats.hits.Add(1)
				s.stats.localHits.Add(1)
				s.stats.staleServed.Add(1)
				refreshInBackground(ctx, s, key, ttl, localTTL, shared, fill)
				return v, nil
			}
		}
	}
	if shared {
		if v, freshUntil, ok := fromShared[T](ctx, s, key); ok && (!revocable || now.Before(freshUntil)) {
			s.stats.hits.Add(1)
			s.stats.sharedHits.Add(1)
			s.remember(key, v, earliest(freshUntil, now.Add(localTTL)), ttl)
			if !now.Before(freshUntil) {
				s.stats.staleServed.Add(1)
				refreshInBackground(ctx, s, key, ttl, localTTL, shared, fill)
			}
			return v, nil
		}
	}
	s.stats.misses.Add(1)
	ch := s.flights.DoChan(key, func() (any, error) {
		fillCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.FillTimeout)
		defer cancel()
		return fillAndStore(fillCtx, s, key, ttl, localTTL, shared, fill)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			var zero T
			return zero, res.Err
		}
		return res.Val.(T), nil
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

func fillAndStore[T any](ctx context.Context, s *Store, key string, ttl, localTTL time.Duration, shared bool, fill func(context.Context) (T, error)) (T, error) {
	s.stats.fills.Add(1)
	v, err := fill(ctx)
	if err != nil {
		return v, err
	}
	now := s.clock.Now()
	freshUntil := now.Add(ttl)
	s.remember(key, v, earliest(freshUntil, now.Add(localTTL)), ttl)
	if shared && s.shared != nil {
		s.toShared(ctx, key, v, freshUntil, ttl)
	}
	return v, nil
}

func refreshInBackground[T any](ctx context.Context, s *Store, key string, ttl, localTTL time.Duration, shared bool, fill func(context.Context) (T, error)) {
	select {
	case s.refreshes <- struct{}{}:
	default:
		return // enough refreshes under way; a later request will try again
	}
	go func() {
		defer func() { <-s.refreshes }()
		_, err, _ := s.flights.Do(key, func() (any, error) {
			refreshCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.FillTimeout)
			defer cancel()
			s.stats.refreshes.Add(1)
			return fillAndStore(refreshCtx, s, key, ttl, localTTL, shared, fill)
		})
		if err != nil {
			s.log.Warn("cache refresh failed; the stale value stays", "space", keySpace(key), "err", err)
		}
	}()
}

func (s *Store) remember(key string, v any, freshUntil time.Time, ttl time.Duration) {
	s.local.Add(key, localEntry{value: v, freshUntil: freshUntil, staleUntil: freshUntil.Add(ttl)})
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func fromShared[T any](ctx context.Context, s *Store, key string) (T, time.Time, bool) {
	var zero T
	if s.shared == nil {
		return zero, time.Time{}, false
	}
	raw, ok, err := s.shared.Get(ctx, key)
	if err != nil {
		s.cacheError("get", key, err)
		return zero, time.Time{}, false
	}
	if !ok {
		return zero, time.Time{}, false
	}
	var env envelope
	var v T
	if err := json.Unmarshal(raw, &env); err != nil || env.Value == nil {
		s.cacheError("decode", key, errors.New("malformed cache envelope"))
		return zero, time.Time{}, false
	}
	if err := json.Unmarshal(env.Value, &v); err != nil {
		s.cacheError("decode", key, err)
		return zero, time.Time{}, false
	}
	return v, time.UnixMilli(env.FreshUntil), true
}

func (s *Store) toShared(ctx context.Context, key string, v any, freshUntil time.Time, ttl time.Duration) {
	value, err := json.Marshal(v)
	if err != nil {
		s.cacheError("encode", key, err)
		return
	}
	raw, err := json.Marshal(envelope{FreshUntil: freshUntil.UnixMilli(), Value: value})
	if err != nil {
		s.cacheError("encode", key, err)
		return
	}
	// The shared copy lives through its stale window too.
	if err := s.shared.Set(ctx, key, raw, 2*ttl); err != nil {
		s.cacheError("set", key, err)
	}
}

func (s *Store) cacheError(op, key string, err error) {
	s.stats.errors.Add(1)
	s.log.Warn("cache "+op+" failed; answering from the store", "space", keySpace(key), "err", err)
}

// keySpace is what the logs may say of a key: its first segment. The rest can identify a session
// (its id is a keyed hash of the token), and a log line must never carry that.
func keySpace(key string) string {
	space, _, _ := strings.Cut(key, ":")
	return space
}

// Key builds the cache key of one value in a key space: "<space>:<generation>:<parts>". Parts
// longer than fits comfortably in a KV key (512 bytes) are replaced by their SHA-256.
func (s *Store) Key(ctx context.Context, space string, parts ...string) string {
	gen := s.generation(ctx, space)
	body := strings.Join(parts, ":")
	if len(body) > 128 {
		sum := sha256.Sum256([]byte(body))
		body = "h" + hex.EncodeToString(sum[:])
	}
	return space + ":" + strconv.FormatInt(gen, 36) + ":" + body
}

// Invalidate starts a new generation of a key space: every key built before it is unreachable
// at once on this instance, and on others within Options.GenerationRefresh. Old values are never
// scanned for; they age out.
func (s *Store) Invalidate(ctx context.Context, space string) {
	g := s.generationOf(space)
	next := s.clock.Now().UnixNano()
	for {
		cur := g.value.Load()
		if next <= cur {
			next = cur + 1
		}
		if g.value.CompareAndSwap(cur, next) {
			break
		}
	}
	if s.shared == nil {
		return
	}
	if err := s.shared.Set(ctx, generationKey(space), []byte(strconv.FormatInt(next, 10)), 30*24*time.Hour); err != nil {
		s.cacheError("set", generationKey(space), err)
	}
}

func (s *Store) generationOf(space string) *generation {
	s.gensMu.Lock()
	defer s.gensMu.Unlock()
	g, ok := s.gens[space]
	if !ok {
		g = &generation{}
		s.gens[space] = g
	}
	return g
}

func (s *Store) generation(ctx context.Context, space string) int64 {
	g := s.generationOf(space)
	if s.shared == nil {
		return g.value.Load()
	}
	now := s.clock.Now().UnixNano()
	checked := g.checkedAt.Load()
	if now-checked < int64(s.opts.GenerationRefresh) || !g.checkedAt.CompareAndSwap(checked, now) {
		return g.value.Load()
	}
	raw, ok, err := s.shared.Get(ctx, generationKey(space))
	switch {
	case err != nil:
		s.cacheError("get", generationKey(space), err)
	case ok:
		if shared, perr := strconv.ParseInt(string(raw), 10, 64); perr == nil {
			for {
				cur := g.value.Load()
				if shared <= cur || g.value.CompareAndSwap(cur, shared) {
					break
				}
			}
		}
	}
	return g.value.Load()
}

func generationKey(space string) string { return "gen:" + space }

// Stats is a snapshot of the cache's counters since start.
type Stats struct {
	Hits        uint64
	Misses      uint64
	HitRate     float64
	StaleServed uint64
	LocalHits   uint64
	SharedHits  uint64
	Fills       uint64
	Refreshes   uint64
	Errors      uint64
	LocalSize   int
}

type counters struct {
	hits, misses, staleServed, localHits, sharedHits, fills, refreshes, errors atomic.Uint64
}

// Stats returns the counters.
func (s *Store) Stats() Stats {
	st := Stats{
		Hits:        s.stats.hits.Load(),
		Misses:      s.stats.misses.Load(),
		StaleServed: s.stats.staleServed.Load(),
		LocalHits:   s.stats.localHits.Load(),
		SharedHits:  s.stats.sharedHits.Load(),
		Fills:       s.stats.fills.Load(),
		Refreshes:   s.stats.refreshes.Load(),
		Errors:      s.stats.errors.Load(),
		LocalSize:   s.local.Len(),
	}
	if total := st.Hits + st.Misses; total > 0 {
		st.HitRate = float64(st.Hits) / float64(total)
	}
	return st
}

// Forget drops a key from both tiers: for values that must not outlive an event, like a session
// after logout.
func (s *Store) Forget(ctx context.Context, keys ...string) {
	for _, k := range keys {
		s.local.Remove(k)
	}
	if s.shared == nil || len(keys) == 0 {
		return
	}
	if err := s.shared.Delete(ctx, keys...); err != nil {
		s.cacheError("delete", keys[0], err)
	}
}

// Ping tells whether the shared tier answers; with none, the process tier always does.
func (s *Store) Ping(ctx context.Context) error {
	if s.shared == nil {
		return nil
	}
	if p, ok := s.shared.(ports.Pinger); ok {
		return p.Ping(ctx)
	}
	_, _, err := s.shared.Get(ctx, "ping")
	return err
}
