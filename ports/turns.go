package ports

import "context"

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
