package activity

import (
	"context"
	"log/slog"
	"time"

	"github.com/torrent-streamer/streamer/ports"
)

// DefaultRetention is how long activities are kept by default: 180 days.
const DefaultRetention = 180 * 24 * time.Hour

// Retention deletes activities older than its period, so the table stops growing forever.
type Retention struct {
	repo   ports.ActivityRepository
	clock  ports.Clock
	log    *slog.Logger
	period time.Duration
}

// NewRetention returns the sweeper of activities older than period (DefaultRetention when 0).
func NewRetention(repo ports.ActivityRepository, clock ports.Clock, log *slog.Logger, period time.Duration) *Retention {
	if period <= 0 {
		period = DefaultRetention
	}
	return &Retention{repo: repo, clock: clock, log: log, period: period}
}

// Sweep deletes the activities recorded before now less the period, and says how many.
func (r *Retention) Sweep(ctx context.Context) (int64, error) {
	return r.repo.DeleteBefore(ctx, r.clock.Now().Add(-r.period))
}

// Run sweeps every interval until ctx is done. A failed sweep is logged and tried at the next tick.
func (r *Retention) Run(ctx context.Context, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			n, err := r.Sweep(ctx)
			if err != nil {
				r.log.Warn("activity retention sweep failed", "err", err)
				continue
			}
			if n > 0 {
				r.log.Info("activities past their retention deleted", "count", n, "retention", r.period)
			}
		}
	}
}
