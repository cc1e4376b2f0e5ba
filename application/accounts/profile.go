package accounts

import (
	"time"

	"context"
	"errors"

	"github.com/torrent-streamer/streamer/domain"
)

// ProfileUpdate is a change to the caller's own account; nil fields stay as they are.
type ProfileUpdate struct {
	Name            *string
	Image           *string
	Email           *string
	CurrentPassword string
	NewPassword     *string
}

// UpdateProfile applies a change. A new email or a new password needs the current password
// (domain.ErrForbidden without it, or with a wrong one); an email another account has is a
// conflict. A new password ends every other session of the user, in the same write.
func (s *Service) UpdateProfile(ctx context.Context, p Principal, change ProfileUpdate) (domain.User, error) {
	user, err := s.Users.ByID(ctx, p.User.ID)
	if err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return domain.User{}, domain.ErrUnauthenticated
		}
		return domain.User{}, err
	}
	var problems domain.ValidationError
	var newEmail string
	if change.Name != nil {
		name, err := domain.NormalizeUserName(*change.Name)
		collect(&problems, err)
		user.Name = name
	}
	if change.Image != nil {
		image, err := domain.NormalizeImage(*change.Image)
		collect(&problems, err)
		user.Image = image
	}
	if change.Email != nil {
		email, err := domain.NormalizeEmail(*change.Email)
		collect(&problems, err)
		if email != user.Email {
			newEmail = email
		}
	}
	if change.NewPassword != nil {
		collect(&problems, domain.CheckPassword("newPassword", *change.NewPassword))
	}
	if err := problems.Err(); err != nil {
		return domain.User{}, err
	}
	if newEmail != "" || change.NewPassword != nil {
		if err := s.checkCurrentPassword(user, change.CurrentPassword); err != nil {
			return domain.User{}, err
		}
	}
	if newEmail != "" {
		user.Email = newEmail
	}
	if change.NewPassword != nil {
		hash, err := s.Hasher.Hash(*change.NewPassword)
		if err != nil {
			return domain.User{}, err
		}
		user.PasswordHash = hash
	}
	user.UpdatedAt = s.Clock.Now().Truncate(time.Second)
	ended, err := s.Users.Update(ctx, user, change.NewPassword != nil, p.SessionID)
	if err != nil {
		if errors.Is(err, domain.ErrConflict) {
			return domain.User{}, &domain.ConflictError{Field: "email", Message: "is already registered"}
		}
		return domain.User{}, err
	}
	s.forgetSessions(ctx, ended...)
	s.Cache.Forget(ctx, userKey(user.ID))
	if len(ended) > 0 {
		s.Logger.Info("password changed; other sessions ended", "user", user.ID, "ended", len(ended))
	}
	return user, nil
}

func (s *Service) checkCurrentPassword(user domain.User, password string) error {
	if password == "" {
		return domain.ErrForbidden
	}
	ok, err := s.Hasher.Verify(user.PasswordHash, password)
	if err != nil {
		return err
	}
	if !ok {
		return domain.ErrForbidden
	}
	return nil
}
