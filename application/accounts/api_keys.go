package accounts

import (
	"context"
	"errors"
	"fmt"

	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/domain"
)

// errKeysOff is what the key use cases answer when the service was built without a key store.
var errKeysOff = fmt.Errorf("accounts: personal API keys are not configured: %w", domain.ErrUnavailable)

// NewKey is the answer to CreateAPIKey: the stored key and the key itself, shown this once.
type NewKey struct {
	domain.APIKey
	Key string
}

// apiKeyHash is the keyed hash a key is stored and cached by. Keys and session tokens share the
// secret but not the input (a key starts with domain.APIKeyPrefix), so the two never collide.
func (s *Service) apiKeyHash(key string) string { return s.keyedHash(key) }

// CreateAPIKey makes a named key for the caller, who must hold a session: a key never makes keys.
func (s *Service) CreateAPIKey(ctx context.Context, p Principal, name string) (NewKey, error) {
	if err := requireSession(p); err != nil {
		return NewKey{}, err
	}
	if s.APIKeys == nil {
		return NewKey{}, errKeysOff
	}
	name, err := domain.NormalizeAPIKeyName(name)
	if err != nil {
		return NewKey{}, err
	}
	token, err := s.Tokens.NewToken()
	if err != nil {
		return NewKey{}, fmt.Errorf("make an API key: %w", err)
	}
	id, err := newUserID()
	if err != nil {
		return NewKey{}, err
	}
	key := domain.APIKeyPrefix + token
	k := domain.APIKey{ID: id, UserID: p.User.ID, Name: name, Hash: s.apiKeyHash(key), CreatedAt: s.Clock.Now().UTC().Truncate(1e9)}
	if err := s.APIKeys.Create(ctx, k, domain.MaxAPIKeysPerUser); err != nil {
		return NewKey{}, err
	}
	return NewKey{APIKey: k, Key: key}, nil
}

// ListAPIKeys returns the caller's keys, oldest first, without the keys themselves.
func (s *Service) ListAPIKeys(ctx context.Context, p Principal) ([]domain.APIKey, error) {
	if err := requireSession(p); err != nil {
		return nil, err
	}
	if s.APIKeys == nil {
		return nil, errKeysOff
	}
	return s.APIKeys.List(ctx, p.User.ID)
}

// RevokeAPIKey deletes one of the caller's keys; the key is refused from the next request on this
// instance, and on others within caching.APIKeys.Fresh (15 s), as a logout (see caching.Store.Revoke).
// Another user's key is domain.ErrNotFound, as an unknown one.
func (s *Service) RevokeAPIKey(ctx context.Context, p Principal, id string) error {
	if err := requireSession(p); err != nil {
		return err
	}
	if s.APIKeys == nil {
		return errKeysOff
	}
	k, err := s.APIKeys.Delete(ctx, p.User.ID, id)
	if err != nil {
		return err
	}
	s.Cache.Revoke(caching.APIKeys, k.Hash)
	return nil
}

// AuthenticateAPIKey returns who holds key, read through the cache as a session is. An unknown or
// revoked key, or a user that is gone, is domain.ErrUnauthenticated. The principal it returns has
// no session, so no account change accepts it.
func (s *Service) AuthenticateAPIKey(ctx context.Context, key string) (Principal, error) {
	if !domain.IsAPIKey(key) || len(key) > MaxTokenLength || s.APIKeys == nil {
		return Principal{}, domain.ErrUnauthenticated
	}
	hash := s.apiKeyHash(key)
	k, err := caching.Read(ctx, s.Cache, caching.APIKeys, hash,
		func(ctx context.Context) (domain.APIKey, error) { return s.APIKeys.ByHash(ctx, hash) })
	if errors.Is(err, domain.ErrNotFound) {
		return Principal{}, domain.ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	user, err := caching.Read(ctx, s.Cache, caching.Users, k.UserID,
		func(ctx context.Context) (domain.User, error) {
			u, err := s.Users.ByID(ctx, k.UserID)
			u.PasswordHash = ""
			return u, err
		})
	if errors.Is(err, domain.ErrNotFound) {
		return Principal{}, domain.ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	if now := s.Clock.Now(); k.DueForUseRecord(now) {
		// A failure to record the use is logged, not returned: the key is valid.
		if err := s.APIKeys.Touch(ctx, k.ID, now.UTC().Truncate(1e9)); err != nil {
			s.Logger.Warn("could not record an API key's use", "err", err)
		} else {
			s.Cache.Revoke(caching.APIKeys, hash) // its new last use is read again
		}
	}
	return Principal{User: user, APIKeyID: k.ID}, nil
}

// errSessionRequired refuses an account change made with an API key.
var errSessionRequired = fmt.Errorf("accounts: an API key does not authenticate account changes: %w", domain.ErrUnauthenticated)

// requireSession lets only a session-authenticated caller through.
func requireSession(p Principal) error {
	if p.SessionID == "" {
		return errSessionRequired
	}
	return nil
}
