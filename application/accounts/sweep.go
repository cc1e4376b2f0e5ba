package accounts

import "context"

// SweepExpired deletes the sessions that have expired and says how many.
func (s *Service) SweepExpired(ctx context.Context) (int64, error) {
	return s.Sessions.DeleteExpired(ctx, s.Clock.Now())
}
