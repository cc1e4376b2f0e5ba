package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// APIKeyRepository is the store's personal API keys, implementing ports.APIKeyRepository.
type APIKeyRepository struct{ a *Accounts }

var _ ports.APIKeyRepository = (*APIKeyRepository)(nil)

// Create stores a key of an existing user holding fewer than max keys.
func (r *APIKeyRepository) Create(_ context.Context, k domain.APIKey, max int) error {
	if !domain.IsSessionID(k.Hash) {
		return domain.Invalid("key", "must be stored by its keyed hash")
	}
	a := r.a
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.users[k.UserID]; !ok {
		return domain.ErrNotFound
	}
	held := 0
	for _, other := range a.apiKeys {
		if other.Hash == k.Hash || other.ID == k.ID {
			return &domain.ConflictError{Field: "key", Message: "already exists"}
		}
		if other.UserID == k.UserID {
			held++
		}
	}
	if held >= max {
		return &domain.ConflictError{Field: "name", Message: "a user holds at most 25 API keys: revoke one first"}
	}
	k.CreatedAt = storedTime(k.CreatedAt)
	k.LastUsedAt = storedTime(k.LastUsedAt)
	a.apiKeys[k.ID] = k
	return nil
}

// ByHash returns the key with that hash.
func (r *APIKeyRepository) ByHash(_ context.Context, hash string) (domain.APIKey, error) {
	r.a.mu.RLock()
	defer r.a.mu.RUnlock()
	for _, k := range r.a.apiKeys {
		if k.Hash == hash {
			return k, nil
		}
	}
	return domain.APIKey{}, domain.ErrNotFound
}

// List returns a user's keys, oldest first, ties by id.
func (r *APIKeyRepository) List(_ context.Context, userID string) ([]domain.APIKey, error) {
	r.a.mu.RLock()
	defer r.a.mu.RUnlock()
	out := []domain.APIKey{}
	for _, k := range r.a.apiKeys {
		if k.UserID == userID {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(x, y domain.APIKey) int {
		if c := x.CreatedAt.Compare(y.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out, nil
}

// Delete removes one key of a user and returns it.
func (r *APIKeyRepository) Delete(_ context.Context, userID, id string) (domain.APIKey, error) {
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	k, ok := r.a.apiKeys[id]
	if !ok || k.UserID != userID {
		return domain.APIKey{}, domain.ErrNotFound
	}
	delete(r.a.apiKeys, id)
	return k, nil
}

// Touch records a use; an unknown key is not an error.
func (r *APIKeyRepository) Touch(_ context.Context, id string, at time.Time) error {
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	if k, ok := r.a.apiKeys[id]; ok {
		k.LastUsedAt = storedTime(at)
		r.a.apiKeys[id] = k
	}
	return nil
}
