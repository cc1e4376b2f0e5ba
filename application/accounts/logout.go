package accounts

import "context"

// Logout ends the caller's session: removed from the store and the cache, so the very next request
// with its token is refused.
func (s *Service) Logout(ctx context.Context, p Principal) error {
	if err := requireSession(p); err != nil {
		return err
	}
	if err := s.Sessions.Delete(ctx, p.SessionID); err != nil {
		return err
	}
	s.forgetSessions(ctx, p.SessionID)
	return nil
}
