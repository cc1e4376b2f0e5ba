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
