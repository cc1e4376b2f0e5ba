package r1

import (
	"context"
	"time"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// APIKeyRepository is ports.APIKeyRepository on R1. Times are whole seconds, as sessions'.
type APIKeyRepository struct {
	db *Database
}

var _ ports.APIKeyRepository = (*APIKeyRepository)(nil)

// NewAPIKeyRepository returns the API keys stored in db.
func NewAPIKeyRepository(db *Database) *APIKeyRepository { return &APIKeyRepository{db: db} }

// createAPIKeySQL inserts only for an existing user holding fewer than the maximum number of keys,
// in one statement, so two concurrent creations cannot both pass the count.
const createAPIKeySQL = `INSERT INTO api_keys (id, user_id, name, key_hash, created_at)
SELECT ?, id, ?, ?, CAST(? AS INTEGER) FROM users
WHERE id = ? AND (SELECT count(*) FROM api_keys WHERE user_id = users.id) < CAST(? AS INTEGER)
RETURNING id`

// Create stores a key; domain.ErrNotFound for an unknown user, a *domain.ConflictError on "name"
// when the user holds max keys already.
func (r *APIKeyRepository) Create(ctx context.Context, k domain.APIKey, max int) error {
	if !domain.IsSessionID(k.Hash) {
		return domain.Invalid("key", "must be stored by its keyed hash")
	}
	results, err := r.db.batch(ctx, []Statement{{
		SQL:    createAPIKeySQL,
		Params: []any{validText(k.ID), validText(k.Name), k.Hash, k.CreatedAt.Unix(), validText(k.UserID), max},
	}})
	if err != nil {
		return err
	}
	if len(results[0].Rows) > 0 {
		return nil
	}
	res, err := r.db.query(ctx, Statement{SQL: "SELECT 1 AS one FROM users WHERE id = ?", Params: []any{validText(k.UserID)}})
	if err != nil {
		return err
	}
	if len(res.Rows) == 0 {
		return domain.ErrNotFound
	}
	return &domain.ConflictError{Field: "name", Message: "a user holds at most 25 API keys: revoke one first"}
}

const apiKeyColumns = "id, user_id, name, key_hash, created_at, last_used_at"

func apiKeyOf(row Row) (domain.APIKey, error) {
	rr := rowReader{row: row}
	k := domain.APIKey{
		ID: rr.text("id"), UserID: rr.text("user_id"), Name: rr.text("name"), Hash: rr.text("key_hash"),
		CreatedAt: rr.time("created_at"),
	}
	if used := rr.int("last_used_at"); used > 0 {
		k.LastUsedAt = time.Unix(used, 0).UTC()
	}
	return k, rr.err
}

// ByHash returns the key with that hash; domain.ErrNotFound when there is none.
func (r *APIKeyRepository) ByHash(ctx context.Context, hash string) (domain.APIKey, error) {
	if !domain.IsSessionID(hash) {
		return domain.APIKey{}, domain.ErrNotFound
	}
	res, err := r.db.query(ctx, Statement{SQL: "SELECT " + apiKeyColumns + " FROM api_keys WHERE key_hash = ?", Params: []any{hash}})
	if err != nil {
		return domain.APIKey{}, err
	}
	if len(res.Rows) == 0 {
		return domain.APIKey{}, domain.ErrNotFound
	}
	return apiKeyOf(res.Rows[0])
}

// List returns a user's keys, oldest first, ties by id.
func (r *APIKeyRepository) List(ctx context.Context, userID string) ([]domain.APIKey, error) {
	res, err := r.db.query(ctx, Statement{
		SQL:    "SELECT " + apiKeyColumns + " FROM api_keys WHERE user_id = ? ORDER BY created_at, id",
		Params: []any{validText(userID)},
	})
	if err != nil {
		return nil, err
	}
	out := make([]domain.APIKey, 0, len(res.Rows))
	for _, row := range res.Rows {
		k, err := apiKeyOf(row)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// Delete removes one key of a user and returns it.
func (r *APIKeyRepository) Delete(ctx context.Context, userID, id string) (domain.APIKey, error) {
	results, err := r.db.batch(ctx, []Statement{{
		SQL:    "DELETE FROM api_keys WHERE id = ? AND user_id = ? RETURNING " + apiKeyColumns,
		Params: []any{validText(id), validText(userID)},
	}})
	if err != nil {
		return domain.APIKey{}, err
	}
	if len(results[0].Rows) == 0 {
		return domain.APIKey{}, domain.ErrNotFound
	}
	return apiKeyOf(results[0].Rows[0])
}

// Touch records a use; an unknown key is not an error (it may just have been revoked).
func (r *APIKeyRepository) Touch(ctx context.Context, id string, at time.Time) error {
	_, err := r.db.batch(ctx, []Statement{{
		SQL:    "UPDATE api_keys SET last_used_at = CAST(? AS INTEGER) WHERE id = ?",
		Params: []any{at.Unix(), validText(id)},
	}})
	return err
}
