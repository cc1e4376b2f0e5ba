package r1

import (
	"context"
	"errors"
	"time"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// SessionRepository is ports.SessionRepository on R1. Times are kept in whole seconds, rounded down:
// a session never comes back lasting longer than it was given.
type SessionRepository struct {
	db *Database
}

var _ ports.SessionRepository = (*SessionRepository)(nil)

// NewSessionRepository returns the sessions stored in db.
func NewSessionRepository(db *Database) *SessionRepository {
	return &SessionRepository{db: db}
}

// createSessionSQL inserts only when the user exists, so an unknown user reads as no row returned
// (domain.ErrNotFound) rather than as whatever text the engine gives a foreign-key failure.
const createSessionSQL = `INSERT INTO sessions (id, user_id, created_at, expires_at)
SELECT ?, id, CAST(? AS INTEGER), CAST(? AS INTEGER) FROM users WHERE id = ?
RETURNING id`

// Create stores a session of an existing user; domain.ErrNotFound when the user does not exist,
// a *domain.ConflictError when the id is taken.
func (r *SessionRepository) Create(ctx context.Context, s domain.Session) error {
	if err := domain.CheckSessionID(s.ID); err != nil {
		return err
	}
	results, err := r.db.batch(ctx, []Statement{{
		SQL:    createSessionSQL,
		Params: []any{s.ID, s.CreatedAt.Unix(), s.ExpiresAt.Unix(), validText(s.UserID)},
	}})
	if errors.Is(err, domain.ErrConflict) {
		// The id is a keyed hash of a random token: taken by the same user with the same expiry,
		// it is this very session, created by an earlier send whose answer was lost.
		if old, getErr := r.Get(ctx, s.ID); getErr == nil && old.UserID == s.UserID && old.ExpiresAt.Unix() == s.ExpiresAt.Unix() {
			return nil
		}
	}
	if err != nil {
		return err
	}
	if len(results[0].Rows) == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// Get returns a session, expired or not; domain.ErrNotFound when there is none.
func (r *SessionRepository) Get(ctx context.Context, id string) (domain.Session, error) {
	if !domain.IsSessionID(id) {
		return domain.Session{}, domain.ErrNotFound
	}
	res, err := r.db.query(ctx, Statement{
		SQL:    "SELECT id, user_id, created_at, expires_at FROM sessions WHERE id = ?",
		Params: []any{id},
	})
	if err != nil {
		return domain.Session{}, err
	}
	if len(res.Rows) == 0 {
		return domain.Session{}, domain.ErrNotFound
	}
	rr := rowReader{row: res.Rows[0]}
	s := domain.Session{
		ID: rr.text("id"), UserID: rr.text("user_id"), CreatedAt: rr.time("created_at"), ExpiresAt: rr.time("expires_at"),
	}
	if rr.err != nil {
		return domain.Session{}, rr.err
	}
	return s, nil
}

// Extend moves a session's expiry; domain.ErrNotFound when there is no such session.
func (r *SessionRepository) Extend(ctx context.Context, id string, expiresAt time.Time) error {
	if !domain.IsSessionID(id) {
		return domain.ErrNotFound
	}
	results, err := r.db.batch(ctx, []Statement{{
		SQL:    "UPDATE sessions SET expires_at = CAST(? AS INTEGER) WHERE id = ? RETURNING id",
		Params: []any{expiresAt.Unix(), id},
	}})
	if err != nil {
		return err
	}
	if len(results[0].Rows) == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// Delete removes a session; an unknown id is not an error.
func (r *SessionRepository) Delete(ctx context.Context, id string) error {
	if !domain.IsSessionID(id) {
		return nil
	}
	_, err := r.db.batch(ctx, []Statement{{SQL: "DELETE FROM sessions WHERE id = ?", Params: []any{id}}})
	return err
}

// deleteExpiredSQL is a range of the sessions_expires_at index. A session stored with expiry E (whole
// seconds) is over at now when now >= E, which for whole seconds is E <= now's second.
const deleteExpiredSQL = "DELETE FROM sessions WHERE expires_at <= CAST(? AS INTEGER)"

// DeleteExpired removes the sessions that are over at now and says how many.
func (r *SessionRepository) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	results, err := r.db.batch(ctx, []Statement{{SQL: deleteExpiredSQL, Params: []any{now.Unix()}}})
	if err != nil {
		return 0, err
	}
	return results[0].Changes, nil
}
