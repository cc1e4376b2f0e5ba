package accounts

import (
	"time"

	"context"
	"errors"

	"github.com/torrent-streamer/streamer/application/caching"
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
// conflict. A new password or email ends every other session of the user, in the same write.
//
// The store changes only the fields the request names, so two concurrent changes of different
// fields both hold. A change of email or password is conditional on the password hash the current
// password was verified against: if a concurrent password change replaced it, the current password
// is checked again against the new hash (a few times at most, then a conflict).
func (s *Service) UpdateProfile(ctx context.Context, p Principal, change ProfileUpdate) (domain.User, error) {
	if err := requireSession(p); err != nil {
		return domain.User{}, err
	}
	var problems domain.ValidationError
	var stored domain.UserChange
	if change.Name != nil {
		name, err := domain.NormalizeUserName(*change.Name)
		collect(&problems, err)
		stored.Name = &name
	}
	if change.Image != nil {
		image, err := domain.NormalizeImage(*change.Image)
		collect(&problems, err)
		stored.Image = &image
	}
	var email string
	if change.Email != nil {
		normalized, err := domain.NormalizeEmail(*change.Email)
		collect(&problems, err)
		email = normalized
	}
	var newPassword string
	if change.NewPassword != nil {
		prepared, err := domain.PreparePassword("newPassword", *change.NewPassword)
		collect(&problems, err)
		newPassword = prepared
	}
	if err := problems.Err(); err != nil {
		return domain.User{}, err
	}
	if change.NewPassword != nil {
		hash, err := s.Hasher.Hash(ctx, newPassword)
		if err != nil {
			return domain.User{}, err
		}
		stored.PasswordHash = &hash
	}
	const attempts = 3
	for range attempts {
		user, err := s.Users.ByID(ctx, p.User.ID)
		if err != nil {
			if errors.Is(err, domain.ErrNotFound) {
				return domain.User{}, domain.ErrUnauthenticated
			}
			return domain.User{}, err
		}
		attempt := stored
		if change.Email != nil && email != user.Email {
			attempt.Email = &email
		}
		if attempt.Email != nil || attempt.PasswordHash != nil {
			if err := s.checkCurrentPassword(ctx, user, change.CurrentPassword); err != nil {
				return domain.User{}, err
			}
			attempt.IfPasswordHash = user.PasswordHash
		}
		attempt.UpdatedAt = s.Clock.Now().Truncate(time.Second)
		// A new password or a new email is a change of credentials: every other session ends with it.
		updated, ended, err := s.Users.Update(ctx, user.ID, attempt, attempt.PasswordHash != nil || attempt.Email != nil, p.SessionID)
		if errors.Is(err, domain.ErrStale) {
			continue // the password changed since it was verified: verify against the new one
		}
		if err != nil {
			switch {
			case errors.Is(err, domain.ErrNotFound):
				return domain.User{}, domain.ErrUnauthenticated
			case errors.Is(err, domain.ErrConflict):
				return domain.User{}, &domain.ConflictError{Field: "email", Message: "is already registered"}
			}
			return domain.User{}, err
		}
		s.Cache.Revoke(caching.Sessions, ended...)
		s.Cache.Revoke(caching.Users, updated.ID)
		if len(ended) > 0 {
			s.Logger.Info("credentials changed; other sessions ended", "user", updated.ID, "ended", len(ended))
		}
		return updated, nil
	}
	return domain.User{}, &domain.ConflictError{Field: "currentPassword", Message: "the password was changed by another request meanwhile; try again"}
}

func (s *Service) checkCurrentPassword(ctx context.Context, user domain.User, password string) error {
	if password == "" {
		return domain.ErrForbidden
	}
	ok, _, err := s.checkPassword(ctx, user, password)
	if err != nil {
		return err
	}
	if !ok {
		return domain.ErrForbidden
	}
	return nil
}
