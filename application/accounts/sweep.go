package accounts

import (
	"context"
	"time"
)

// SweepExpired deletes the sessions that have expired and says how many.
func (s *Service) SweepExpired(ctx context.Context) (int64, error) {
	return s.Sessions.DeleteExpired(ctx, s.Clock.Now())
}

// RunSweeper sweeps expired sessions every interval until ctx is done. A failed sweep is logged and
// tried again at the next tick.
func (s *Service) RunSweeper(ctx context.Context, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			n, err := s.SweepExpired(ctx)
			if err != nil {
				s.Logger.Warn("session sweep failed", "err", err)
				continue
			}
			if n > 0 {
				s.Logger.Info("expired sessions deleted", "count", n)
			}
		}
	}
}
