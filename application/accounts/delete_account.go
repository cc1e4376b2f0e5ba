package accounts

import (
	"context"
	"errors"

	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/domain"
)

// DeleteAccount removes the caller's account for good: the user, every session (the caller's
// among them) and every activity, in one write. It needs the current password, checked as a
// profile change checks it (domain.ErrForbidden without it or with a wrong one). The ended
// sessions and the user leave the cache at once, so on this instance the very next request with
// any of the user's tokens is refused, as after a logout; other instances refuse them within
// caching.Sessions.Fresh (15 s).
func (s *Service) DeleteAccount(ctx context.Context, p Principal, currentPassword string) error {
	user, err := s.Users.ByID(ctx, p.User.ID)
	if err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return domain.ErrUnauthenticated
		}
		return err
	}
	if err := s.checkCurrentPassword(ctx, user, currentPassword); err != nil {
		return err
	}
	ended, err := s.Users.Delete(ctx, user.ID)
	if err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			// Deleted by a concurrent request between the read and the write: the caller is gone.
			return domain.ErrUnauthenticated
		}
		return err
	}
	// The caller's own session is forgotten even if the store did not list it (it had expired).
	s.Cache.Revoke(caching.Sessions, append(ended, p.SessionID)...)
	s.Cache.Revoke(caching.Users, user.ID)
	s.Logger.Info("account deleted", "user", user.ID, "sessionsEnded", len(ended))
	return nil
}
