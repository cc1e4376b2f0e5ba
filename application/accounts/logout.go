package accounts

import (
	"context"

	"github.com/torrent-streamer/streamer/application/caching"
)

// Logout ends the caller's session. The store records the end first; only then is the cached copy
// revoked, so a failure to record it is the caller's error (the client learns the session lives
// on) and a success means the token is refused here at once and on every instance within
// caching.Sessions.Fresh.
func (s *Service) Logout(ctx context.Context, p Principal) error {
	if err := requireSession(p); err != nil {
		return err
	}
	if err := s.Sessions.Delete(ctx, p.SessionID); err != nil {
		return err
	}
	s.Cache.Revoke(caching.Sessions, p.SessionID)
	return nil
}
