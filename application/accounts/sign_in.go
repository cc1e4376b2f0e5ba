package accounts

import (
	"time"

	"context"
	"errors"

	"github.com/torrent-streamer/streamer/domain"
)

// SignIn checks an email and password and opens a session. An unknown email and a wrong password
// give the same error after the same work (one password verification each).
func (s *Service) SignIn(ctx context.Context, email, password string) (Signed, error) {
	var problems domain.ValidationError
	if email == "" {
		problems.Add("email", "is required")
	}
	if password == "" {
		problems.Add("password", "is required")
	}
	if err := problems.Err(); err != nil {
		return Signed{}, err
	}
	user, err := s.findForSignIn(ctx, email)
	if err != nil {
		return Signed{}, err
	}
	hash := s.dummyHash
	if user.ID != "" {
		hash = user.PasswordHash
	}
	ok, err := s.Hasher.Verify(ctx, hash, password)
	if err != nil {
		return Signed{}, err
	}
	if !ok || user.ID == "" {
		return Signed{}, domain.ErrInvalidCredentials
	}
	now := s.Clock.Now().Truncate(time.Second) // the stores keep whole seconds
	token, session, err := s.newSession(user.ID, now)
	if err != nil {
		return Signed{}, err
	}
	if err := s.Sessions.Create(ctx, session); err != nil {
		return Signed{}, err
	}
	return Signed{User: user, Token: token, ExpiresAt: session.ExpiresAt}, nil
}

// findForSignIn returns the user with that email, or a zero user when there is none (a malformed
// email included): the caller still verifies against the dummy hash.
func (s *Service) findForSignIn(ctx context.Context, raw string) (domain.User, error) {
	email, err := domain.NormalizeEmail(raw)
	if err != nil {
		return domain.User{}, nil
	}
	user, err := s.Users.ByEmail(ctx, email)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.User{}, nil
	}
	return user, err
}
