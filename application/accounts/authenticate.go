package accounts

import (
	"context"
	"errors"
	"time"

	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/domain"
)

// Authenticate returns who holds token. The session and the user are read through the cache; an
// unknown, expired or ended session is domain.ErrUnauthenticated. Using a session pushes its expiry
// out, at most once a day.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	if token == "" || len(token) > MaxTokenLength || domain.IsAPIKey(token) {
		// A personal API key is not a session (AuthenticateAPIKey reads those).
		return Principal{}, domain.ErrUnauthenticated
	}
	id := s.sessionID(token)
	session, err := caching.Read(ctx, s.Cache, caching.Sessions, id,
		func(ctx context.Context) (domain.Session, error) { return s.Sessions.Get(ctx, id) })
	if errors.Is(err, domain.ErrNotFound) {
		return Principal{}, domain.ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	now := s.Clock.Now()
	if session.Expired(now) {
		s.Cache.Revoke(caching.Sessions, id)
		return Principal{}, domain.ErrUnauthenticated
	}
	if session.DueForRenewal(now) {
		s.renew(ctx, session, now)
	}
	user, err := caching.Read(ctx, s.Cache, caching.Users, session.UserID,
		func(ctx context.Context) (domain.User, error) {
			u, err := s.Users.ByID(ctx, session.UserID)
			u.PasswordHash = "" // a principal never carries it, and the cache never holds it
			return u, err
		})
	if errors.Is(err, domain.ErrNotFound) {
		return Principal{}, domain.ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	return Principal{User: user, SessionID: id}, nil
}

// renew extends a session. A failure is logged, not returned: the session is still valid now.
func (s *Service) renew(ctx context.Context, session domain.Session, now time.Time) {
	expires := now.Add(domain.SessionLifetime)
	if err := s.Sessions.Extend(ctx, session.ID, expires); err != nil {
		s.Logger.Warn("could not extend a session; it stays valid until its old expiry", "err", err)
		return
	}
	s.Cache.Revoke(caching.Sessions, session.ID) // its new expiry is read again
}
