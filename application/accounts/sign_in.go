package accounts

import (
	"time"

	"context"
	"errors"

	"github.com/torrent-streamer/streamer/application/caching"
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
	ok, legacy, err := s.checkPassword(ctx, user, password)
	if err != nil {
		return Signed{}, err
	}
	if !ok || user.ID == "" {
		return Signed{}, domain.ErrInvalidCredentials
	}
	if legacy {
		user = s.upgradeHash(ctx, user, password)
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

// checkPassword verifies password against the user's hash: the service's own, or a legacy one
// imported from the previous app. A zero user, or one without a password (imported from an OAuth
// sign-in), is checked against the dummy hash. The schemes cost different amounts (Better Auth's
// scrypt several times argon2id's), so while legacy hashes are about a failure also verifies
// against the other scheme's dummy: every failure costs the same work, and an attacker cannot tell
// an unknown email from an imported account or a wrong password by timing.
func (s *Service) checkPassword(ctx context.Context, user domain.User, password string) (ok, legacy bool, err error) {
	hash := user.PasswordHash
	if user.ID == "" || hash == "" {
		hash = s.dummyHash
	}
	legacy = s.Legacy != nil && s.Legacy.Recognizes(hash)
	if legacy {
		ok, err = s.Legacy.Verify(ctx, hash, password)
	} else {
		ok, err = s.verifyPassword(ctx, hash, password)
	}
	if err != nil || (ok && hash != s.dummyHash) {
		return ok && hash != s.dummyHash, legacy, err
	}
	if s.Legacy != nil {
		if legacy {
			_, err = s.Hasher.Verify(ctx, s.dummyHash, password)
		} else {
			_, err = s.Legacy.Verify(ctx, s.dummyLegacy, password)
		}
	}
	return false, legacy, err
}

// upgradeHash replaces a legacy hash by the service's own once its password is known to be right.
// A failure is logged (never with the hash) and the sign-in goes on: the next one tries again.
func (s *Service) upgradeHash(ctx context.Context, user domain.User, password string) domain.User {
	prepared, err := domain.PreparePassword("password", password)
	if err != nil {
		s.Logger.Warn("a legacy password does not prepare (PRECIS OpaqueString); the legacy hash stays", "user", user.ID)
		return user
	}
	hash, err := s.Hasher.Hash(ctx, prepared)
	if err != nil {
		s.Logger.Warn("could not rehash a legacy password", "user", user.ID, "err", err)
		return user
	}
	// Conditional on the legacy hash: a password change that won the race keeps its new password.
	upgraded, _, err := s.Users.Update(ctx, user.ID, domain.UserChange{
		PasswordHash: &hash, IfPasswordHash: user.PasswordHash, UpdatedAt: s.Clock.Now().Truncate(time.Second),
	}, false, "")
	if err != nil {
		s.Logger.Warn("could not store the upgraded password hash; the legacy one stays", "user", user.ID, "err", err)
		return user
	}
	s.Cache.Revoke(caching.Users, user.ID)
	s.Logger.Info("legacy password hash replaced by argon2id", "user", user.ID)
	return upgraded
}
