package caching

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/torrent-streamer/streamer/ports"
)

// generationState is one generation on this instance. Its value is a Unix time in nanoseconds, so
// the bumps of every instance order together.
type generationState struct {
	decl  Generation
	mu    sync.Mutex
	value int64
	// pending: a bump was asked past the rate (see Generation.Coalesce); applied when one is due.
	pending bool
	// tokens and refilledAt are the bump rate's bucket.
	tokens     float64
	refilledAt time.Time
	// unsent: this value is newer than what the shared tier was last told, and is written again
	// until it lands. A bump is never dropped while the process lives.
	unsent    bool
	checkedAt time.Time
	checking  bool
	// earlier are the values this one replaced by bumps of writes (Invalidate), newest last, since
	// the last bump that must not wait (InvalidateNow) or the last value adopted from another
	// instance: what a read may answer from while its value under this one is filled (see
	// Generation.Grace).
	earlier []int64
}

// maxEarlier bounds Generation.earlier: at one bump per Coalesce (5 s), about a minute and a half.
const maxEarlier = 16

func (s *Store) generationOf(gen Generation) *generationState {
	s.gensMu.Lock()
	defer s.gensMu.Unlock()
	g, ok := s.gens[gen.Name]
	if !ok {
		g = &generationState{decl: gen, tokens: float64(max(gen.Burst, 1))}
		s.gens[gen.Name] = g
	}
	return g
}

// allowLocked takes a bump from the rate's bucket, if one is due.
func (g *generationState) allowLocked(now time.Time) bool {
	if g.decl.Coalesce <= 0 {
		return true
	}
	if !g.refilledAt.IsZero() && now.After(g.refilledAt) {
		g.tokens = min(float64(max(g.decl.Burst, 1)), g.tokens+float64(now.Sub(g.refilledAt))/float64(g.decl.Coalesce))
	}
	if g.refilledAt.IsZero() || now.After(g.refilledAt) {
		g.refilledAt = now
	}
	if g.tokens >= 1 {
		g.tokens--
		return true
	}
	return false
}

// bumpLocked moves the generation on; with a shared tier, the new value is unsent until written.
// A bump that must not wait (hard) also forgets the earlier values: nothing keyed by them is
// answered again.
func (g *generationState) bumpLocked(now time.Time, shared, hard bool) {
	next := now.UnixNano()
	if next <= g.value {
		next = g.value + 1
	}
	if hard {
		g.earlier = nil
	} else {
		g.earlier = append(g.earlier, g.value)
		if len(g.earlier) > maxEarlier {
			g.earlier = g.earlier[len(g.earlier)-maxEarlier:]
		}
	}
	g.value, g.pending, g.unsent = next, false, shared
}

// generation is the current value of gen as a key segment ("-" for none), and the earlier values
// a read may answer from, newest first (none when gen has no Grace). It applies a coalesced bump
// that is due, and once per gen.Refresh syncs with the shared tier: adopts a newer value another
// instance wrote, or writes this one's again if it has not landed.
func (s *Store) generation(ctx context.Context, gen *Generation) (string, []string) {
	return s.generationAhead(ctx, gen, 0)
}

// generationAhead is generation, syncing with the shared tier ahead of its Refresh by ahead: Flush
// (the run loop) syncs a tick early, so a read seldom finds the sync due and waits for it, one
// more round trip to KV before its own.
func (s *Store) generationAhead(ctx context.Context, gen *Generation, ahead time.Duration) (string, []string) {
	if gen == nil {
		return "-", nil
	}
	g := s.generationOf(*gen)
	now := s.clock.Now()
	g.mu.Lock()
	if g.pending && g.allowLocked(now) {
		g.bumpLocked(now, s.shared != nil, false)
	}
	sync := s.shared != nil && !g.checking && (g.checkedAt.IsZero() || now.Sub(g.checkedAt) >= gen.Refresh-ahead)
	if sync {
		g.checking, g.checkedAt = true, now
	}
	g.mu.Unlock()
	if sync {
		s.syncGeneration(ctx, gen.Name, g)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	var earlier []string
	if gen.Grace > 0 {
		earlier = make([]string, 0, len(g.earlier))
		for i := len(g.earlier) - 1; i >= 0; i-- {
			earlier = append(earlier, strconv.FormatInt(g.earlier[i], 36))
		}
	}
	return strconv.FormatInt(g.value, 36), earlier
}

// Invalidate bumps gen: every value keyed by it becomes unreachable on this instance at once (or,
// within gen.Coalesce of the last bump, when that has passed), and on the others within
// gen.Refresh of the shared tier learning it. The new value is written to the shared tier at once,
// not through a write-behind queue; if that fails it is kept and written again until it lands
// (Stats.PendingInvalidations counts such bumps).
func (s *Store) Invalidate(ctx context.Context, gen Generation) {
	s.invalidate(ctx, gen, false)
}

// InvalidateNow is Invalidate without coalescing, for changes that must not wait (a takedown).
func (s *Store) InvalidateNow(ctx context.Context, gen Generation) {
	s.invalidate(ctx, gen, true)
}

func (s *Store) invalidate(ctx context.Context, gen Generation, now bool) {
	if s.opts.Off {
		return
	}
	g := s.generationOf(gen)
	at := s.clock.Now()
	g.mu.Lock()
	bumped := false
	if now || g.allowLocked(at) {
		g.bumpLocked(at, s.shared != nil, now)
		bumped = true
	} else {
		g.pending = true
	}
	send := bumped && s.shared != nil && !g.checking
	if send {
		g.checking, g.checkedAt = true, at // this sync reads the shared value too
	}
	g.mu.Unlock()
	if send {
		s.syncGeneration(ctx, gen.Name, g)
	}
}

// syncGeneration reads the shared tier's value of a generation and adopts it when newer, or
// writes this instance's when it has not landed yet. g.checking is set by the caller.
func (s *Store) syncGeneration(ctx context.Context, name string, g *generationState) {
	defer func() {
		g.mu.Lock()
		g.checking = false
		g.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.FillTimeout)
	defer cancel()
	k := generationKey(name)
	raw, ok, err := s.sharedGet(ctx, k)
	if err != nil {
		s.cacheError("get", k, err)
		return
	}
	var shared int64
	if ok {
		shared, _ = strconv.ParseInt(string(raw), 10, 64)
	}
	g.mu.Lock()
	if shared > g.value {
		// Another instance's bump, maybe a takedown: nothing earlier is answered any more.
		g.value, g.unsent, g.earlier = shared, false, nil
	} else if shared == g.value {
		g.unsent = false
	} else {
		g.unsent = true
	}
	value, unsent := g.value, g.unsent
	g.mu.Unlock()
	if !unsent {
		return
	}
	if err := setNow(ctx, s.shared, k, []byte(strconv.FormatInt(value, 10)), generationTTL); err != nil {
		s.cacheError("set", k, err)
		return
	}
	g.mu.Lock()
	if g.value == value {
		g.unsent = false
	}
	g.mu.Unlock()
}

// setNow writes past a write-behind queue when the shared tier has one.
func setNow(ctx context.Context, c ports.Cache, key string, value []byte, ttl time.Duration) error {
	if now, ok := c.(ports.ImmediateSetter); ok {
		return now.SetNow(ctx, key, value, ttl)
	}
	return c.Set(ctx, key, value, ttl)
}

// Flush applies the coalesced bumps that are due, writes again the bumps the shared tier has not
// taken yet, and re-reads from it each generation whose Refresh is due within a run tick
// (runEvery), so the reads rarely find one due: on Cloudflare that re-read is a round trip a read
// would wait for before its own. Run calls it every tick; a test may call it after moving its clock.
func (s *Store) Flush(ctx context.Context) {
	s.gensMu.Lock()
	decls := make([]Generation, 0, len(s.gens))
	for _, g := range s.gens {
		decls = append(decls, g.decl)
	}
	s.gensMu.Unlock()
	for _, gen := range decls {
		_, _ = s.generationAhead(ctx, &gen, runEvery)
	}
}

// runEvery is Run's tick.
const runEvery = time.Second

// Run flushes every tick (runEvery) until ctx ends, then once more.
func (s *Store) Run(ctx context.Context) {
	t := time.NewTicker(runEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.Flush(context.Background())
			return
		case <-t.C:
			s.Flush(ctx)
		}
	}
}

func (s *Store) pendingInvalidations() int {
	s.gensMu.Lock()
	defer s.gensMu.Unlock()
	n := 0
	for _, g := range s.gens {
		g.mu.Lock()
		if g.pending || g.unsent {
			n++
		}
		g.mu.Unlock()
	}
	return n
}

func generationKey(name string) string { return "gen:" + name }
