package randtoken

import (
	"crypto/rand"
	"encoding/base64"
)

// TokenBytes is the entropy of a token.
const TokenBytes = 32

// Source implements ports.TokenSource.
type Source struct{}

// NewToken returns a fresh token.
func (Source) NewToken() (string, error) {
	var b [TokenBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
