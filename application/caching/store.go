package caching

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// Options tune a Store. The zero value of each field picks its default.
type Options struct {
	// LocalBytes bounds the process tier by the weight of its values (default DefaultLocalBytes).
	LocalBytes int64
	// FillTimeout bounds one fill or refresh, independent of the request that started it (default 30 s).
	FillTimeout time.Duration
	// WaitTimeout bounds how long a request waits for a fill (default 10 s): past it the request is
	// answered "unavailable" while the fill goes on for the next one. Only misses pay for the timer.
	WaitTimeout time.Duration
	// SharedTimeout bounds one read of the shared tier (default 2 s): a shared cache that does not
	// answer is a miss, never a hung request.
	SharedTimeout time.Duration
	// MaxRefreshes bounds the background refreshes running at once (default 4: half of D1's
	// in-flight bound, so the reads someone waits for keep most of the store); past it, stale
	// values are still served and the refresh waits for a later request.
	MaxRefreshes int
	// Off turns the cache off: every read calls its fill, nothing is kept.
	Off    bool
	Logger *slog.Logger
}

// Store is the tiered cache that the policy's spaces are read through. Safe for concurrent use.
type Store struct {
	shared    ports.Cache // nil: the process tier only
	clock     ports.Clock
	flights   singleflight.Group
	refreshes chan struct{}
	opts      Options
	log       *slog.Logger

	// mu guards the process tier and the revocation epochs together, so a fill's "no revocation
	// since I started" check and its insert are one step.
	mu     sync.Mutex
	local  *localTier
	epochs map[string]uint64 // revocable space -> revocations so far
	races  map[string]*race  // flight key -> the fill a raced read started (race.go)

	gensMu sync.Mutex
	gens   map[string]*generationState

	stats counters
}

// envelope is what the shared tier holds: the value and when it stops being fresh.
type envelope struct {
	FreshUntil int64           `json:"f"` // Unix milliseconds
	Value      json.RawMessage `json:"v"`
}

// NewStore returns a Store over the shared cache (nil for none).
func NewStore(shared ports.Cache, clock ports.Clock, opts Options) *Store {
	if opts.LocalBytes <= 0 {
		opts.LocalBytes = DefaultLocalBytes
	}
	if opts.FillTimeout <= 0 {
		opts.FillTimeout = 30 * time.Second
	}
	if opts.MaxRefreshes <= 0 {
		opts.MaxRefreshes = 4
	}
	if opts.WaitTimeout <= 0 {
		opts.WaitTimeout = 10 * time.Second
	}
	if opts.SharedTimeout <= 0 {
		opts.SharedTimeout = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Store{
		shared:    shared,
		local:     newLocalTier(opts.LocalBytes),
		clock:     clock,
		refreshes: make(chan struct{}, opts.MaxRefreshes),
		opts:      opts,
		log:       opts.Logger,
		epochs:    make(map[string]uint64),
		races:     make(map[string]*race),
		gens:      make(map[string]*generationState),
	}
}

// Read returns the value of sp under body (what identifies it in the space: the normalized value
// the store is asked for, in canonical text), or fills it, following sp's policy. A missing value
// is filled once for all concurrent callers; a value past its fresh time but within its stale
// window is returned at once while one background fill refreshes it. Cache errors are logged and
// counted and never fail the call: the fill answers instead.
func Read[T any](ctx context.Context, s *Store, sp Space, body string, fill func(context.Context) (T, error)) (T, error) {
	if s.opts.Off {
		return fill(ctx)
	}
	gen, earlier := s.generation(ctx, sp.Generation)
	k := keys{local: localKey(sp, gen, body)}
	if sp.Shared {
		k.shared = sharedKey(sp, shapeOf(reflect.TypeFor[T]()), gen, body)
	}
	now := s.clock.Now()
	s.mu.Lock()
	e, ok := s.local.get(k.local)
	epoch := s.epochs[sp.Name]
	s.mu.Unlock()
	if ok {
		if v, ok := e.value.(T); ok {
			if now.Before(e.freshUntil) {
				s.stats.hits.Add(1)
				s.stats.localHits.Add(1)
				return v, nil
			}
			if now.Before(e.staleUntil) {
				s.stats.hits.Add(1)
				s.stats.localHits.Add(1)
				s.stats.staleServed.Add(1)
				refreshInBackground(ctx, s, sp, k, epoch, fill)
				return v, nil
			}
		}
	}
	if len(earlier) > 0 {
		if v, ok := earlierValue[T](s, sp, earlier, body, now); ok {
			return answerEarlier(ctx, s, sp, k, epoch, v, fill)
		}
	}
	if sp.Shared && sp.Race && s.shared != nil {
		return readRaced(ctx, s, sp, k, epoch, now, fill)
	}
	if sp.Shared {
		if v, raw, freshUntil, ok := fromShared[T](ctx, s, k.shared); ok && now.Before(freshUntil.Add(sp.Stale)) {
			s.stats.hits.Add(1)
			s.stats.sharedHits.Add(1)
			s.remember(sp, k, epoch, v, len(raw), freshUntil)
			if !now.Before(freshUntil) {
				s.stats.staleServed.Add(1)
				refreshInBackground(ctx, s, sp, k, epoch, fill)
			}
			return v, nil
		}
	}
	s.stats.misses.Add(1)
	ch := s.flights.DoChan(flightKey(k.local, epoch), func() (any, error) {
		fillCtx, cancel := context.WithTimeout(awaited(context.WithoutCancel(ctx)), s.opts.FillTimeout)
		defer cancel()
		return fillAndStore(fillCtx, s, sp, k, epoch, fill)
	})
	wait := time.NewTimer(s.opts.WaitTimeout)
	defer wait.Stop()
	var zero T
	select {
	case res := <-ch:
		if res.Err != nil {
			return zero, res.Err
		}
		return res.Val.(T), nil
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-wait.C:
		return zero, fmt.Errorf("caching: no answer from the store within %v: %w", s.opts.WaitTimeout, domain.ErrUnavailable)
	}
}

// awaited ranks the store requests of a fill someone waits for from when it began, so a fill that
// needs several requests in a row keeps its place at a busy store (ports.WithPriority), unless
// ctx ranks them already.
func awaited(ctx context.Context) context.Context {
	if ports.HasPriority(ctx) {
		return ctx
	}
	return ports.WithPriority(ctx, ports.Awaited, time.Now())
}

// sharedGet reads the shared tier within SharedTimeout.
func (s *Store) sharedGet(ctx context.Context, key string) ([]byte, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.SharedTimeout)
	defer cancel()
	return s.shared.Get(ctx, key)
}

// keys are the keys of one value in the two tiers; shared is empty when the space has none.
type keys struct{ local, shared string }

// flightKey joins concurrent fills of one key, but never across a revocation: a caller that comes
// after one starts its own read of the store instead of taking the answer of a read made before.
func flightKey(k string, epoch uint64) string { return k + "#" + strconv.FormatUint(epoch, 10) }

// fillAndStore is every flight's work: a miss's, a raced miss's and a refresh's. It fills k and
// keeps the value in the tiers, unless the process tier already holds a fresh value of k (see
// freshLocal), which it answers instead.
func fillAndStore[T any](ctx context.Context, s *Store, sp Space, k keys, epoch uint64, fill func(context.Context) (T, error)) (T, error) {
	if v, ok := freshLocal[T](s, k.local); ok {
		return v, nil
	}
	s.stats.fills.Add(1)
	v, err := fill(ctx)
	if err != nil {
		return v, err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		s.cacheError("encode", k.local, err)
		return v, nil
	}
	freshUntil := s.clock.Now().Add(sp.Fresh)
	if !s.remember(sp, k, epoch, v, len(raw), freshUntil) {
		return v, nil // revoked while filling: what was read may be what the revocation ended
	}
	if sp.Shared && s.shared != nil {
		s.toShared(ctx, sp, k.shared, raw, freshUntil)
	}
	return v, nil
}

// freshLocal is the process tier's fresh value of key, if it holds one. Every flight looks there
// first (fillAndStore): a caller that missed the tier (or saw it stale) just before the last fill of
// its key stored the value can reach the flights just after that fill ended, and must not fill the
// key again. The look is inside the flight: one made before it leaves that window open.
func freshLocal[T any](s *Store, key string) (T, bool) {
	s.mu.Lock()
	e, ok := s.local.get(key)
	s.mu.Unlock()
	v, isT := e.value.(T)
	return v, ok && isT && s.clock.Now().Before(e.freshUntil)
}

// refreshInBackground fills k in the background, once for every caller (it joins a fill of the
// key under way), within MaxRefreshes; it returns the fill's outcome, or nil when MaxRefreshes
// refreshes already run.
func refreshInBackground[T any](ctx context.Context, s *Store, sp Space, k keys, epoch uint64, fill func(context.Context) (T, error)) <-chan singleflight.Result {
	select {
	case s.refreshes <- struct{}{}:
	default:
		return nil // enough refreshes under way; a later request will try again
	}
	done := make(chan singleflight.Result, 1)
	go func() {
		defer func() { <-s.refreshes }()
		v, err, shared := s.flights.Do(flightKey(k.local, epoch), func() (any, error) {
			// Someone is answered meanwhile (the stale value, or the earlier one past Grace): the
			// store's turns go first to the reads that wait for theirs.
			bg := ports.WithPriority(context.WithoutCancel(ctx), ports.Background, time.Now())
			refreshCtx, cancel := context.WithTimeout(bg, s.opts.FillTimeout)
			defer cancel()
			return fillAndStore(refreshCtx, s, sp, k, epoch, func(ctx context.Context) (T, error) {
				s.stats.refreshes.Add(1) // counted when the key is filled, not when a flight found it fresh
				return fill(ctx)
			})
		})
		if err != nil {
			s.log.Warn("cache refresh failed; the stale value stays", "space", sp.Name, "err", err)
		}
		done <- singleflight.Result{Val: v, Err: err, Shared: shared}
	}()
	return done
}

// earlierValue is the newest value of body this instance holds under one of the earlier
// generations (see Generation.Grace) and may still serve (within its stale window).
func earlierValue[T any](s *Store, sp Space, earlier []string, body string, now time.Time) (T, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, gen := range earlier {
		if e, ok := s.local.get(localKey(sp, gen, body)); ok && now.Before(e.staleUntil) {
			if v, ok := e.value.(T); ok {
				return v, true
			}
		}
	}
	var zero T
	return zero, false
}

// answerEarlier fills k as a refresh and waits for it up to the generation's Grace; past it, or
// when the fill fails or no refresh may start, it answers old, a value of an earlier generation.
func answerEarlier[T any](ctx context.Context, s *Store, sp Space, k keys, epoch uint64, old T, fill func(context.Context) (T, error)) (T, error) {
	if done := refreshInBackground(ctx, s, sp, k, epoch, fill); done != nil {
		grace := time.NewTimer(sp.Generation.Grace)
		defer grace.Stop()
		select {
		case res := <-done:
			if v, ok := res.Val.(T); ok && res.Err == nil {
				s.stats.misses.Add(1)
				return v, nil
			}
		case <-grace.C:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
	s.stats.hits.Add(1)
	s.stats.localHits.Add(1)
	s.stats.staleServed.Add(1)
	return old, nil
}

// remember keeps v in the process tier, unless sp was revoked or forgotten since epoch (what was
// read may be from before the write that ended it); it reports whether it did.
func (s *Store) remember(sp Space, k keys, epoch uint64, v any, encoded int, freshUntil time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.epochs[sp.Name] != epoch {
		return false
	}
	s.local.add(k.local, localEntry{value: v, weight: weigh(k.local, encoded), freshUntil: freshUntil, staleUntil: freshUntil.Add(sp.Stale)})
	return true
}

func fromShared[T any](ctx context.Context, s *Store, k string) (T, []byte, time.Time, bool) {
	var zero T
	if s.shared == nil {
		return zero, nil, time.Time{}, false
	}
	raw, ok, err := s.sharedGet(ctx, k)
	if err != nil {
		s.cacheError("get", k, err)
		return zero, nil, time.Time{}, false
	}
	if !ok {
		return zero, nil, time.Time{}, false
	}
	var env envelope
	var v T
	if err := json.Unmarshal(raw, &env); err != nil || env.Value == nil {
		s.cacheError("decode", k, errors.New("malformed cache envelope"))
		return zero, nil, time.Time{}, false
	}
	if err := json.Unmarshal(env.Value, &v); err != nil {
		s.cacheError("decode", k, err)
		return zero, nil, time.Time{}, false
	}
	return v, env.Value, time.UnixMilli(env.FreshUntil), true
}

func (s *Store) toShared(ctx context.Context, sp Space, k string, value []byte, freshUntil time.Time) {
	raw, err := json.Marshal(envelope{FreshUntil: freshUntil.UnixMilli(), Value: value})
	if err != nil {
		s.cacheError("encode", k, err)
		return
	}
	// The shared copy lives through its stale window too.
	if err := s.shared.Set(ctx, k, raw, sp.Fresh+sp.Stale); err != nil {
		s.cacheError("set", k, err)
	}
}

func (s *Store) cacheError(op, k string, err error) {
	s.stats.errors.Add(1)
	s.log.Warn("cache "+op+" failed; answering from the store", "space", keySpace(k), "err", err)
}

// keySpace is what the logs may say of a key: its first segment. The rest can identify a session
// (its id is a keyed hash of the token), and a log line must never carry that.
func keySpace(k string) string {
	space, _, _ := strings.Cut(k, ":")
	return space
}

// Revoke makes the values of a revocable space under bodies unreachable on this instance at once,
// and for good: a fill that read the store before the revocation, and ends after it, keeps
// nothing, and a read that starts after it never joins such a fill. Other instances hold such
// values in their process tier only, for sp.Fresh at most: that is the bound after which every
// instance refuses them.
//
// Revocation is two steps, in this order: record it in the store (delete the session row, say),
// then call Revoke. If the store cannot record it, the revocation failed and the caller must say so
// (a 503), because nothing else would end the value.
func (s *Store) Revoke(sp Space, bodies ...string) {
	if !sp.Revocable {
		panic("caching: Revoke of the space " + sp.Name + ", which the policy does not declare revocable")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epochs[sp.Name]++
	s.forgetLocked(sp, bodies)
}

// Forget drops the values of sp under bodies from this instance, for values another write has
// changed (the details of a torrent an ingest touched). Other instances keep theirs for sp.Fresh
// at most, which is why such spaces are fresh briefly and never stale.
func (s *Store) Forget(sp Space, bodies ...string) {
	if sp.Generation != nil {
		panic("caching: Forget of the space " + sp.Name + ", which a generation keys: Invalidate the generation")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// A fill of sp under way read the store before this write, maybe: it answers its caller, and
	// is not kept (remember). Every fill of sp under way is refused, not only those of bodies: one
	// counter a space, as Revoke's.
	s.epochs[sp.Name]++
	s.forgetLocked(sp, bodies)
}

func (s *Store) forgetLocked(sp Space, bodies []string) {
	for _, b := range bodies {
		s.local.remove(localKey(sp, "-", b))
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

// Stats is a snapshot of the cache's counters since start.
type Stats struct {
	// Enabled is false when the cache is off (Options.Off): every read then calls its fill.
	Enabled     bool
	Hits        uint64
	Misses      uint64
	HitRate     float64
	StaleServed uint64
	LocalHits   uint64
	SharedHits  uint64
	Fills       uint64
	Refreshes   uint64
	Errors      uint64
	// LocalSize is the number of values in the process tier, LocalBytes their weight, bounded by
	// LocalMaxBytes.
	LocalSize     int
	LocalBytes    int64
	LocalMaxBytes int64
	// PendingInvalidations counts generation bumps not yet written to the shared tier: they are
	// retried until they land.
	PendingInvalidations int
}

type counters struct {
	hits, misses, staleServed, localHits, sharedHits, fills, refreshes, errors atomic.Uint64
}

// Stats returns the counters.
func (s *Store) Stats() Stats {
	st := Stats{
		Enabled:       !s.opts.Off,
		Hits:          s.stats.hits.Load(),
		Misses:        s.stats.misses.Load(),
		StaleServed:   s.stats.staleServed.Load(),
		LocalHits:     s.stats.localHits.Load(),
		SharedHits:    s.stats.sharedHits.Load(),
		Fills:         s.stats.fills.Load(),
		Refreshes:     s.stats.refreshes.Load(),
		Errors:        s.stats.errors.Load(),
		LocalMaxBytes: s.opts.LocalBytes,
	}
	s.mu.Lock()
	st.LocalSize, st.LocalBytes = s.local.lru.Len(), s.local.bytes
	s.mu.Unlock()
	st.PendingInvalidations = s.pendingInvalidations()
	if total := st.Hits + st.Misses; total > 0 {
		st.HitRate = float64(st.Hits) / float64(total)
	}
	return st
}
