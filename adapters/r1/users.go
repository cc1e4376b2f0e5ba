package r1

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// UserRepository is ports.UserRepository on R1.
type UserRepository struct {
	db *Database
}

var _ ports.UserRepository = (*UserRepository)(nil)

// NewUserRepository returns the users stored in db.
func NewUserRepository(db *Database) *UserRepository {
	return &UserRepository{db: db}
}

const userColumns = "id, email, name, image, password_hash, created_at, updated_at"

// Create stores the user and its first session in one batch: both or neither. A taken email fails
// the user's insert on the unique index, which rolls the batch back.
func (r *UserRepository) Create(ctx context.Context, u domain.User, first domain.Session) error {
	if err := domain.CheckNewAccount(u, first); err != nil {
		return err
	}
	_, err := r.db.batch(ctx, []Statement{
		{
			SQL: "INSERT INTO users (" + userColumns + ") VALUES " +
				"(?, ?, ?, ?, ?, CAST(? AS INTEGER), CAST(? AS INTEGER))",
			Params: []any{u.ID, u.Email, u.Name, u.Image, u.PasswordHash, u.CreatedAt.Unix(), u.UpdatedAt.Unix()},
		},
		{
			SQL:    "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, CAST(? AS INTEGER), CAST(? AS INTEGER))",
			Params: []any{first.ID, first.UserID, first.CreatedAt.Unix(), first.ExpiresAt.Unix()},
		},
	})
	if errors.Is(err, domain.ErrConflict) && r.createdBefore(ctx, u, first) {
		return nil
	}
	return userConflict(err)
}

// createdBefore tells whether the account and session a Create refused as taken are its own: the
// Cloudflare API client re-sends a write whose answer was lost, and the first send may have
// committed. The ids are random and the hash salted, so no other call writes the same row.
func (r *UserRepository) createdBefore(ctx context.Context, u domain.User, first domain.Session) bool {
	res, err := r.db.query(ctx, Statement{
		SQL: `SELECT 1 AS own FROM users JOIN sessions ON sessions.user_id = users.id
WHERE users.id = ? AND users.email = ? AND users.password_hash = ? AND sessions.id = ?`,
		Params: []any{validText(u.ID), validText(u.Email), validText(u.PasswordHash), validText(first.ID)},
	})
	return err == nil && len(res.Rows) == 1
}

// userConflict names the email in a conflict from a write to users. The email is the only unique
// value of a user that is not a random id, so it is named even when the engine's error text did not
// say which column failed (D1's wording differs from SQLite's); a collision of the random ids, which
// the local engine names "id", stays as it is.
func userConflict(err error) error {
	var conflict *domain.ConflictError
	if !errors.As(err, &conflict) || conflict.Field == "id" {
		return err
	}
	return &domain.ConflictError{Field: "email", Message: "is already registered"}
}

// ByID returns the user with that id; domain.ErrNotFound when there is none.
func (r *UserRepository) ByID(ctx context.Context, id string) (domain.User, error) {
	return r.one(ctx, "id", id)
}

// ByEmail returns the user with that (normalized) email; domain.ErrNotFound when there is none.
func (r *UserRepository) ByEmail(ctx context.Context, email string) (domain.User, error) {
	return r.one(ctx, "email", email)
}

func (r *UserRepository) one(ctx context.Context, column, value string) (domain.User, error) {
	if value == "" {
		return domain.User{}, domain.ErrNotFound
	}
	res, err := r.db.query(ctx, Statement{
		SQL:    "SELECT " + userColumns + " FROM users WHERE " + column + " = ?",
		Params: []any{validText(value)},
	})
	if err != nil {
		return domain.User{}, err
	}
	if len(res.Rows) == 0 {
		return domain.User{}, domain.ErrNotFound
	}
	return readUser(res.Rows[0])
}

func readUser(row Row) (domain.User, error) {
	rr := rowReader{row: row}
	u := domain.User{
		ID: rr.text("id"), Email: rr.text("email"), Name: rr.text("name"), Image: rr.text("image"),
		PasswordHash: rr.text("password_hash"), CreatedAt: rr.time("created_at"), UpdatedAt: rr.time("updated_at"),
	}
	if rr.err != nil {
		return domain.User{}, rr.err
	}
	return u, nil
}

// Update sets only the columns the change names (so a concurrent change of another column is never
// written back over) and, with endSessions, deletes every other session of the user in the same
// batch. A taken email fails the update on the unique index and rolls the deletes back with it. A
// conditional change (IfPasswordHash) is one UPDATE ... WHERE password_hash = ?, and the deletes are
// guarded by the hash the update leaves, so a refused change ends no session.
func (r *UserRepository) Update(ctx context.Context, id string, change domain.UserChange, endSessions bool, keepSession string) (domain.User, []string, error) {
	if id == "" {
		return domain.User{}, nil, domain.ErrNotFound
	}
	if change.Email != nil && *change.Email == "" {
		return domain.User{}, nil, domain.Invalid("email", "is required")
	}
	set := []string{"updated_at = CAST(? AS INTEGER)"}
	params := []any{change.UpdatedAt.Unix()}
	for _, c := range []struct {
		column string
		value  *string
	}{{"name", change.Name}, {"image", change.Image}, {"email", change.Email}, {"password_hash", change.PasswordHash}} {
		if c.value != nil {
			set = append(set, c.column+" = ?")
			params = append(params, *c.value)
		}
	}
	where := "id = ?"
	params = append(params, validText(id))
	if change.IfPasswordHash != "" {
		where += " AND password_hash = ?"
		params = append(params, change.IfPasswordHash)
	}
	statements := []Statement{{
		SQL:    "UPDATE users SET " + strings.Join(set, ", ") + " WHERE " + where + " RETURNING " + userColumns,
		Params: params,
	}}
	if endSessions {
		// An empty keepSession matches no session (ids are 64 hex), so every session ends. The
		// guard is the hash the update leaves stored: when the update changed nothing, it ends
		// nothing either (a batch has no "if the last statement changed a row").
		del := Statement{
			SQL:    "DELETE FROM sessions WHERE user_id = ? AND id <> ? RETURNING id",
			Params: []any{validText(id), validText(keepSession)},
		}
		guard := change.IfPasswordHash
		if change.PasswordHash != nil {
			guard = *change.PasswordHash
		}
		if guard != "" {
			del.SQL = "DELETE FROM sessions WHERE user_id = ? AND id <> ? AND " +
				"EXISTS (SELECT 1 FROM users WHERE id = ? AND password_hash = ?) RETURNING id"
			del.Params = append(del.Params, validText(id), guard)
		}
		statements = append(statements, del)
	}
	results, err := r.db.batch(ctx, statements)
	if err != nil {
		return domain.User{}, nil, userConflict(err)
	}
	var u domain.User
	if len(results[0].Rows) == 0 {
		// Nothing was updated. Say why: no such user, or a stale condition; unless the stored hash
		// is this change's own (salted, so no other call makes it): an earlier send of this very
		// call committed and its answer was lost. Its session guard then held, as it does now.
		if change.IfPasswordHash == "" {
			return domain.User{}, nil, domain.ErrNotFound
		}
		stored, err := r.ByID(ctx, id)
		switch {
		case err != nil:
			return domain.User{}, nil, err
		case change.PasswordHash == nil || stored.PasswordHash != *change.PasswordHash:
			return domain.User{}, nil, domain.ErrStale
		}
		u = stored
	} else if u, err = readUser(results[0].Rows[0]); err != nil {
		return domain.User{}, nil, err
	}
	if !endSessions {
		return u, nil, nil
	}
	var ended []string
	for _, row := range results[1].Rows {
		rr := rowReader{row: row}
		sid := rr.text("id")
		if rr.err != nil {
			return domain.User{}, nil, rr.err
		}
		ended = append(ended, sid)
	}
	slices.Sort(ended)
	return u, ended, nil
}

// Delete removes the user with its activities, sessions and API keys in one batch, children first, so it
// holds whether or not the engine enforces the foreign keys' cascades.
func (r *UserRepository) Delete(ctx context.Context, id string) ([]string, error) {
	if id == "" {
		return nil, domain.ErrNotFound
	}
	key := validText(id)
	results, err := r.db.batch(ctx, []Statement{
		{SQL: "DELETE FROM activities WHERE user_id = ?", Params: []any{key}},
		{SQL: "DELETE FROM sessions WHERE user_id = ? RETURNING id", Params: []any{key}},
		{SQL: "DELETE FROM api_keys WHERE user_id = ?", Params: []any{key}},
		{SQL: "DELETE FROM users WHERE id = ? RETURNING id", Params: []any{key}},
	})
	if err != nil {
		return nil, err
	}
	if len(results[3].Rows) == 0 {
		// No user, so nothing of theirs could be stored either.
		return nil, domain.ErrNotFound
	}
	ended := make([]string, 0, len(results[1].Rows))
	for _, row := range results[1].Rows {
		rr := rowReader{row: row}
		sid := rr.text("id")
		if rr.err != nil {
			return nil, rr.err
		}
		ended = append(ended, sid)
	}
	slices.Sort(ended)
	return ended, nil
}

// validText makes a key from a caller sendable to D1: JSON cannot carry invalid UTF-8, and a key
// holding it names nothing stored, which the replacement keeps true.
func validText(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
