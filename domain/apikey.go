package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on personal API keys.
const (
	MaxAPIKeyNameLength = 100
	MaxAPIKeysPerUser   = 25
	// APIKeyPrefix starts every personal API key, so a bearer token tells at a glance whether it is a
	// key or a session token (and a leaked key is recognisable by secret scanners).
	APIKeyPrefix = "stk_"
	// APIKeyUseGranularity is how often a key's last use is written: a key used all day costs one
	// write every few minutes, not one per request.
	APIKeyUseGranularity = 5 * time.Minute
)

// APIKey is a user's personal key: it authenticates the catalog's read routes and Torznab as its
// owner, never an account change. The store knows it by the keyed hash of the key (Hash), as it
// knows sessions; the key itself is shown once, when it is made.
type APIKey struct {
	ID         string
	UserID     string
	Name       string
	Hash       string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero until first used
}

// NormalizeAPIKeyName trims a key's name and checks it: 1 to 100 characters of valid UTF-8 without
// control characters.
func NormalizeAPIKeyName(raw string) (string, error) {
	name := strings.TrimSpace(raw)
	switch {
	case name == "":
		return "", Invalid("name", "is required")
	case !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "", Invalid("name", "must be text without control characters")
	case utf8.RuneCountInString(name) > MaxAPIKeyNameLength:
		return "", Invalid("name", "must be at most 100 characters")
	}
	return name, nil
}

// IsAPIKey tells whether a bearer token is shaped as a personal API key.
func IsAPIKey(token string) bool { return strings.HasPrefix(token, APIKeyPrefix) }

// DueForUseRecord tells whether using the key now should be written down.
func (k APIKey) DueForUseRecord(now time.Time) bool {
	return k.LastUsedAt.IsZero() || now.Sub(k.LastUsedAt) >= APIKeyUseGranularity
}
