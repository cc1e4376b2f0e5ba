package accounts

import (
	"time"

	"context"
	"errors"

	"github.com/torrent-streamer/streamer/domain"
)

// SignUpRequest is a new account's details.
type SignUpRequest struct {
	Email    string
	Password string
	Name     string
}

// SignUp creates an account and its first session. An email already registered, in any case, is a
// conflict; parallel sign-ups with one email end with exactly one account (the store's unique index
// decides).
func (s *Service) SignUp(ctx context.Context, req SignUpRequest) (Signed, error) {
	var problems domain.ValidationError
	email, err := domain.NormalizeEmail(req.Email)
	collect(&problems, err)
	password, err := domain.PreparePassword("password", req.Password)
	collect(&problems, err)
	name, err := domain.NormalizeUserName(req.Name)
	collect(&problems, err)
	if err := problems.Err(); err != nil {
		return Signed{}, err
	}
	hash, err := s.Hasher.Hash(ctx, password)
	if err != nil {
		return Signed{}, err
	}
	id, err := newUserID()
	if err != nil {
		return Signed{}, err
	}
	now := s.Clock.Now().Truncate(time.Second) // the stores keep whole seconds
	user := domain.User{ID: id, Email: email, Name: name, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	token, session, err := s.newSession(user.ID, now)
	if err != nil {
		return Signed{}, err
	}
	if err := s.Users.Create(ctx, user, session); err != nil {
		if errors.Is(err, domain.ErrConflict) {
			return Signed{}, &domain.ConflictError{Field: "email", Message: "is already registered"}
		}
		return Signed{}, err
	}
	s.Logger.Info("account created", "user", user.ID)
	return Signed{User: user, Token: token, ExpiresAt: session.ExpiresAt}, nil
}

// collect adds a validation error's problems to problems; other errors cannot occur here.
func collect(problems *domain.ValidationError, err error) {
	var v *domain.ValidationError
	if errors.As(err, &v) {
		problems.Problems = append(problems.Problems, v.Problems...)
	}
}
