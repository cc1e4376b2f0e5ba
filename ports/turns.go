package ports

import (
	"context"
	"time"
)

type turnWaitsKey struct{}

// WithTurnWaits returns ctx carrying hook, which a store adapter calls when a request made with
// ctx has to wait its turn before it is sent (a bound on the requests in flight to one database),
// and whose returned func it calls when the wait ends. A caller that budgets the store's time on
// its behalf (a search's time budget) leaves such waits out: waiting for a turn costs the store
// nothing.
func WithTurnWaits(ctx context.Context, hook func() (done func())) context.Context {
	return context.WithValue(ctx, turnWaitsKey{}, hook)
}

// WaitingForTurn tells the caller that gave ctx a hook (WithTurnWaits) that a request starts
// waiting its turn; call the returned func when the wait ends. Without a hook it does nothing.
func WaitingForTurn(ctx context.Context) (done func()) {
	if hook, ok := ctx.Value(turnWaitsKey{}).(func() func()); ok && hook != nil {
		return hook()
	}
	return func() {}
}

type coreSharesKey struct{}

// WithCoreShares returns ctx carrying hook, which a store adapter that runs requests on this
// machine's cores calls when a request made with ctx starts running beside more requests than
// there are cores: it runs on share (0 < share < 1) of a core, as far as the store can tell. The
// returned func ends it (the request ended). A caller that budgets the store's time on its behalf
// (a search's time budget) charges that time at share: the wall time of a query that shares the
// cores measures how busy they are, not what the query costs.
func WithCoreShares(ctx context.Context, hook func(share float64) (done func())) context.Context {
	return context.WithValue(ctx, coreSharesKey{}, hook)
}

// SharingCores tells the caller that gave ctx a hook (WithCoreShares) that a request runs on share
// of a core; call the returned func when it ends. Without a hook it does nothing.
func SharingCores(ctx context.Context, share float64) (done func()) {
	if hook, ok := ctx.Value(coreSharesKey{}).(func(float64) func()); ok && hook != nil {
		return hook(share)
	}
	return func() {}
}

// Priority ranks the requests waiting for a turn at a store (a bound on the requests in flight to
// one database): among those waiting, the reads and writes someone is waiting for go first, and
// work nobody waits for yields to them for BackgroundYield, then takes its turn (never starved).
type Priority int

const (
	// Awaited is a request someone waits for: a client's read or write. The default.
	Awaited Priority = iota
	// Background is work whose answer nobody waits for now: a cache refresh of a value that is
	// answered meanwhile, a crawler's or an import's batch of writes.
	Background
)

// BackgroundYield is how long Background work yields its turn to Awaited work: it waits as if it
// had begun that much later. Two seconds: more than a turn takes on a busy D1 (about 1 s with 64
// clients on the emulator), far less than a write's deadline (30 s).
const BackgroundYield = 2 * time.Second

type priorityKey struct{}

type priority struct {
	p     Priority
	since time.Time
}

// WithPriority returns ctx whose store requests wait for their turn as p, ranked by since: when
// the work they belong to began (a read's later requests then keep the place of its first).
func WithPriority(ctx context.Context, p Priority, since time.Time) context.Context {
	return context.WithValue(ctx, priorityKey{}, priority{p: p, since: since})
}

// HasPriority tells whether ctx carries a priority (WithPriority).
func HasPriority(ctx context.Context) bool {
	_, ok := ctx.Value(priorityKey{}).(priority)
	return ok
}

// TurnRank is where a request made with ctx that starts waiting for a turn at now ranks among the
// waiting ones: earlier goes first. It is when its work began (now without WithPriority), later by
// BackgroundYield for Background work.
func TurnRank(ctx context.Context, now time.Time) time.Time {
	pr, ok := ctx.Value(priorityKey{}).(priority)
	if !ok {
		return now
	}
	if pr.p == Background {
		return pr.since.Add(BackgroundYield)
	}
	return pr.since
}
