package caching

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// A raced read (Space.Race) on a process-tier miss sends the shared tier's read and starts the
// fill at once. On Cloudflare each is a round trip: read first, then fill, a search that misses
// waits for three in a row (the KV read, the D1 probe, the D1 page); raced, for two.
//
//   - The fill answers first, or the shared tier has nothing: the fill's value is the answer, as
//     on any miss.
//   - The shared tier has a fresh value: it is the answer, and the fill is abandoned once no other
//     caller waits for it (its context is cancelled, so a fill of several requests sends no more).
//   - The shared tier has a stale value: it is the answer, and the fill goes on as its refresh.
//
// Concurrent callers of one key share one fill, as on every miss. The fill is abandoned only by the
// last caller to leave it, and only for a fresh hit: a caller that leaves because its request ended
// or waited too long leaves the fill running for the next one (see Options.WaitTimeout).

// errAbandoned is the cause of an abandoned fill's context, and the result of its flight.
var errAbandoned = errors.New("caching: fill abandoned, the shared tier answered")

// race is one fill that raced a shared read: the callers waiting for it, and how to abandon it.
type race struct {
	ctx     context.Context // the fill's, until the fill's own timeout
	abandon context.CancelCauseFunc
	waiters int
}

// joinRace counts the caller among the waiters of the fill of flight key fk, starting the count.
func (s *Store) joinRace(parent context.Context, fk string) *race {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.races[fk]
	if r == nil {
		ctx, abandon := context.WithCancelCause(context.WithoutCancel(parent))
		r = &race{ctx: ctx, abandon: abandon}
		s.races[fk] = r
	}
	r.waiters++
	return r
}

// leaveRace takes the caller off r's waiters; the last one abandons the fill if it had a fresh hit.
func (s *Store) leaveRace(fk string, r *race, freshHit bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.waiters--
	if r.waiters > 0 {
		return
	}
	if s.races[fk] == r {
		delete(s.races, fk)
	}
	if freshHit {
		r.abandon(errAbandoned)
	}
}

// endRace forgets r when its fill ends, so a caller after it starts a fill of its own.
func (s *Store) endRace(fk string, r *race) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.races[fk] == r {
		delete(s.races, fk)
	}
}

// sharedAnswer is what the shared tier said to a raced read.
type sharedAnswer[T any] struct {
	value      T
	raw        []byte
	freshUntil time.Time
	ok         bool
}

// readRaced is Read's miss path for a space with Race set, on a store with a shared tier.
func readRaced[T any](ctx context.Context, s *Store, sp Space, k keys, epoch uint64, now time.Time, fill func(context.Context) (T, error)) (T, error) {
	var zero T
	fk := flightKey(k.local, epoch)
	shared := make(chan sharedAnswer[T], 1)
	go func() {
		v, raw, freshUntil, ok := fromShared[T](ctx, s, k.shared)
		shared <- sharedAnswer[T]{value: v, raw: raw, freshUntil: freshUntil, ok: ok}
	}()
	wait := time.NewTimer(s.opts.WaitTimeout)
	defer wait.Stop()
	missed := false
	miss := func() {
		if !missed {
			missed = true
			s.stats.misses.Add(1)
		}
	}
	// A caller whose fill was abandoned by another caller's fresh hit, and whose own shared read
	// then missed, starts a fill again: the flight of the abandoned one is gone by then.
	for attempt := 1; ; attempt++ {
		r := s.joinRace(ctx, fk)
		flight := s.flights.DoChan(fk, func() (any, error) {
			defer s.endRace(fk, r)
			fillCtx, cancel := context.WithTimeout(awaited(r.ctx), s.opts.FillTimeout)
			defer cancel()
			v, err := fillAndStore(fillCtx, s, sp, k, epoch, fill)
			if err != nil && errors.Is(context.Cause(r.ctx), errAbandoned) {
				return nil, errAbandoned
			}
			return v, err
		})
		var fillErr error
		for flight != nil || shared != nil {
			select {
			case a := <-shared:
				shared = nil
				if a.ok && now.Before(a.freshUntil.Add(sp.Stale)) {
					fresh := now.Before(a.freshUntil)
					s.stats.hits.Add(1)
					s.stats.sharedHits.Add(1)
					if !fresh {
						s.stats.staleServed.Add(1) // the fill goes on as its refresh
					}
					s.remember(sp, k, epoch, a.value, len(a.raw), a.freshUntil)
					if flight != nil {
						s.leaveRace(fk, r, fresh)
					}
					return a.value, nil
				}
				miss()
			case res := <-flight:
				flight = nil
				s.leaveRace(fk, r, false)
				if res.Err == nil {
					miss()
					return res.Val.(T), nil
				}
				// A failed fill still waits for the shared read: it may hold the value.
				fillErr = res.Err
			case <-ctx.Done():
				if flight != nil {
					s.leaveRace(fk, r, false)
				}
				return zero, ctx.Err()
			case <-wait.C:
				if flight != nil {
					s.leaveRace(fk, r, false)
				}
				return zero, fmt.Errorf("caching: no answer from the store within %v: %w", s.opts.WaitTimeout, domain.ErrUnavailable)
			}
		}
		miss()
		if !errors.Is(fillErr, errAbandoned) {
			return zero, fillErr
		}
		if attempt == 3 {
			return zero, fmt.Errorf("%w three times: %w", errAbandoned, domain.ErrUnavailable)
		}
	}
}
