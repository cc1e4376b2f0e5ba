package accounts

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// MaxTokenLength bounds what is hashed as a token.
const MaxTokenLength = 256

// Deps are the ports the accounts use cases need.
type Deps struct {
	Users    ports.UserRepository
	Sessions ports.SessionRepository
	// APIKeys stores personal API keys; nil turns them off (the key use cases answer unavailable).
	APIKeys ports.APIKeyRepository
	Hasher  ports.PasswordHasher
	// Legacy checks hashes imported from the previous app; nil when there are none to check.
	Legacy ports.LegacyPasswords
	Tokens ports.TokenSource
	Cache  *caching.Store
	Clock  ports.Clock
	Logger *slog.Logger
}

// Service runs the account use cases.
type Service struct {
	Deps
	secret []byte
	// macs are HMAC-SHA256 states keyed with secret (keyedHash): hmac.New hashes the key's two pads
	// again and allocates the digests each time, on every authenticated request.
	macs sync.Pool
	// dummyHash is verified against when the email is unknown, so an unknown email costs the same
	// work as a wrong password and the two cannot be told apart by timing.
	dummyHash string
	// dummyLegacy is the same for the legacy scheme: with legacy hashes about, every failed sign-in
	// costs one verification of each scheme, whichever kind of account (if any) it was for.
	dummyLegacy string
}

// NewService returns the accounts use cases; secret keys the hashes of session tokens.
func NewService(deps Deps, secret []byte) (*Service, error) {
	if len(secret) < 32 {
		return nil, errors.New("accounts: the session secret must be at least 32 bytes")
	}
	dummy, err := deps.Hasher.Hash(context.Background(), "an unknown email costs as much as a wrong password")
	if err != nil {
		return nil, fmt.Errorf("accounts: hash the dummy password: %w", err)
	}
	svc := &Service{Deps: deps, secret: secret, dummyHash: dummy}
	svc.macs.New = func() any { return hmac.New(sha256.New, secret) }
	if deps.Legacy != nil {
		var salt [16]byte
		var key [64]byte
		_, _ = rand.Read(salt[:])
		_, _ = rand.Read(key[:])
		svc.dummyLegacy, err = deps.Legacy.Adopt(hex.EncodeToString(salt[:]) + ":" + hex.EncodeToString(key[:]))
		if err != nil {
			return nil, fmt.Errorf("accounts: make the dummy legacy hash: %w", err)
		}
	}
	return svc, nil
}

// Principal is an authenticated caller: the user and the session it came with, or the personal API
// key (then SessionID is empty, and no account change accepts it).
type Principal struct {
	User      domain.User
	SessionID string
	APIKeyID  string
}

// Signed is the answer to a sign-up or sign-in: the user, and the session token shown this once.
type Signed struct {
	User      domain.User
	Token     string
	ExpiresAt time.Time
}

// sessionID is the keyed hash of a token: what the store and the cache know the session by.
func (s *Service) sessionID(token string) string { return s.keyedHash(token) }

// keyedHash is HMAC-SHA256 of input under the secret, in hex, from a pooled keyed state (Reset
// takes it back to the key's inner pad without hashing the key again).
func (s *Service) keyedHash(input string) string {
	mac := s.macs.Get().(hash.Hash)
	mac.Reset()
	_, _ = io.WriteString(mac, input) // a hash's Write never fails
	var sum [sha256.Size]byte
	out := hex.EncodeToString(mac.Sum(sum[:0]))
	s.macs.Put(mac)
	return out
}

// SessionIDOf is the id a session with token is stored by: an import of the previous app's
// sessions stores them under it, so their tokens keep working.
func (s *Service) SessionIDOf(token string) string { return s.sessionID(token) }

func (s *Service) newSession(userID string, now time.Time) (string, domain.Session, error) {
	token, err := s.Tokens.NewToken()
	if err != nil {
		return "", domain.Session{}, fmt.Errorf("make a session token: %w", err)
	}
	return token, domain.Session{
		ID: s.sessionID(token), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(domain.SessionLifetime),
	}, nil
}

func newUserID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}
