package ports

import (
	"context"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// UserRepository stores accounts. Emails are unique (they arrive normalized): a second account with
// the same email is a *domain.ConflictError on the field "email".
type UserRepository interface {
	// Create stores a new user and its first session together.
	Create(ctx context.Context, u domain.User, first domain.Session) error
	ByID(ctx context.Context, id string) (domain.User, error)
	ByEmail(ctx context.Context, email string) (domain.User, error)
	// Update applies a change to the user with that id column by column (what the change does not
	// name stays as stored) and returns the user as stored after it. With endSessions, every session
	// of the user but keepSession is deleted in the same atomic write, and their ids returned. A
	// change whose IfPasswordHash no longer matches changes nothing and fails with domain.ErrStale;
	// an unknown user is domain.ErrNotFound.
	Update(ctx context.Context, id string, change domain.UserChange, endSessions bool, keepSession string) (updated domain.User, ended []string, err error)
	// Delete removes the user with everything that is theirs (sessions, activities) in one atomic
	// write, and returns the ids of the sessions it ended; domain.ErrNotFound for an unknown user.
	Delete(ctx context.Context, id string) (ended []string, err error)
}

// SessionRepository stores sessions by the keyed hash of their token.
type SessionRepository interface {
	Create(ctx context.Context, s domain.Session) error
	// Get returns a session, expired or not; domain.ErrNotFound when there is none.
	Get(ctx context.Context, id string) (domain.Session, error)
	Extend(ctx context.Context, id string, expiresAt time.Time) error
	// Delete removes a session; an unknown id is not an error.
	Delete(ctx context.Context, id string) error
	// DeleteExpired removes the sessions that expired before now and says how many.
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
}

// ActivityRepository stores what signed-in users did.
type ActivityRepository interface {
	// Append stores activities in one write; their IDs are assigned by the store. An activity whose
	// Key is already stored is skipped, so a write re-sent after a lost answer stores each once.
	Append(ctx context.Context, activities []domain.Activity) error
	// DeleteBefore deletes the activities recorded before t (the retention period) and says how many.
	DeleteBefore(ctx context.Context, t time.Time) (int64, error)
	// List returns up to limit activities of a user, newest first (by id), older than beforeID
	// when it is above zero.
	List(ctx context.Context, userID string, limit int, beforeID int64) ([]domain.Activity, error)
}

// PasswordHasher turns passwords into PHC strings and checks them, in constant time. Both are
// expensive and run a bounded number at once: a call that waits for its turn gives up with the
// context's error when ctx ends first.
type PasswordHasher interface {
	Hash(ctx context.Context, password string) (string, error)
	// Verify reports whether password matches encoded. A malformed encoded string is an error.
	Verify(ctx context.Context, encoded, password string) (bool, error)
}

// TokenSource makes session tokens: unguessable, URL-safe.
type TokenSource interface {
	NewToken() (string, error)
}

// LegacyPasswords checks password hashes imported from the previous app, kept until their owner
// next signs in and then replaced by the PasswordHasher's. They never leave the store.
type LegacyPasswords interface {
	// Adopt checks a hash as the previous app stored it and returns the form kept in the store; a
	// malformed hash is an error.
	Adopt(raw string) (string, error)
	// Recognizes tells whether a stored hash is one Adopt made.
	Recognizes(encoded string) bool
	// Verify reports whether password matches encoded, in constant time.
	Verify(ctx context.Context, encoded, password string) (bool, error)
}

// APIKeyRepository stores personal API keys by the keyed hash of the key.
type APIKeyRepository interface {
	// Create stores a key of an existing user (domain.ErrNotFound when the user does not exist). It
	// refuses with a *domain.ConflictError on "name" when the user already holds max keys.
	Create(ctx context.Context, k domain.APIKey, max int) error
	// ByHash returns the key with that hash; domain.ErrNotFound when there is none.
	ByHash(ctx context.Context, hash string) (domain.APIKey, error)
	// List returns a user's keys, oldest first (ties by id).
	List(ctx context.Context, userID string) ([]domain.APIKey, error)
	// Delete removes one key of a user and returns it; domain.ErrNotFound when that user has no key
	// with that id (another user's key included).
	Delete(ctx context.Context, userID, id string) (domain.APIKey, error)
	// Touch records that the key was used at.
	Touch(ctx context.Context, id string, at time.Time) error
}
