package betterauth

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"runtime"
	"strings"

	"golang.org/x/crypto/scrypt"
	"golang.org/x/text/unicode/norm"

	"github.com/torrent-streamer/streamer/ports"
)

// Better Auth's scrypt parameters (its password.ts): N=16384, r=16, p=1, a 64-byte key.
const (
	scryptN      = 16384
	scryptR      = 16
	scryptP      = 1
	keyLength    = 64
	saltHexChars = 32
)

// prefix marks a stored hash as Better Auth's, so it is told from the service's own PHC strings.
const prefix = "$better-auth-scrypt$"

var errMalformed = errors.New("betterauth: malformed scrypt hash")

// Scrypt implements ports.LegacyPasswords for Better Auth's "<salt>:<key>" hashes: the salt is 32
// hex characters used as text (their ASCII bytes, not the 16 bytes they encode), the key 128 hex
// characters, and the password is NFKC-normalized before hashing.
type Scrypt struct {
	slots chan struct{}
}

var _ ports.LegacyPasswords = (*Scrypt)(nil)

// NewScrypt returns the verifier, running at most concurrency derivations at once (each takes
// 32 MiB); 0 means the number of CPUs.
func NewScrypt(concurrency int) *Scrypt {
	if concurrency < 1 {
		concurrency = runtime.NumCPU()
	}
	return &Scrypt{slots: make(chan struct{}, concurrency)}
}

// MemoryBound is the most the verifier's derivations hold at once: scrypt's 128·N·r bytes each
// (32 MiB), at most concurrency at a time.
func (s *Scrypt) MemoryBound() int64 { return 128 * scryptN * scryptR * int64(cap(s.slots)) }

// Adopt checks a hash as Better Auth stored it and returns the form the service stores.
func (s *Scrypt) Adopt(raw string) (string, error) {
	if _, _, err := split(strings.TrimSpace(raw)); err != nil {
		return "", err
	}
	return prefix + strings.ToLower(strings.TrimSpace(raw)), nil
}

// Recognizes tells whether encoded is a hash Adopt made.
func (s *Scrypt) Recognizes(encoded string) bool { return strings.HasPrefix(encoded, prefix) }

// Verify reports whether password matches encoded, comparing in constant time.
func (s *Scrypt) Verify(ctx context.Context, encoded, password string) (bool, error) {
	salt, want, err := split(strings.TrimPrefix(encoded, prefix))
	if err != nil || !s.Recognizes(encoded) {
		return false, errMalformed
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-s.slots }()
	got, err := scrypt.Key([]byte(norm.NFKC.String(password)), []byte(salt), scryptN, scryptR, scryptP, keyLength)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// split reads "<salt>:<key>": 32 hex characters, a colon, 128 hex characters.
func split(raw string) (salt string, key []byte, err error) {
	salt, keyHex, ok := strings.Cut(strings.ToLower(raw), ":")
	if !ok || len(salt) != saltHexChars || len(keyHex) != 2*keyLength {
		return "", nil, errMalformed
	}
	if _, err := hex.DecodeString(salt); err != nil {
		return "", nil, errMalformed
	}
	key, err = hex.DecodeString(keyHex)
	if err != nil {
		return "", nil, errMalformed
	}
	return salt, key, nil
}
