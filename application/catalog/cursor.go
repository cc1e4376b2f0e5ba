package catalog

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/torrent-streamer/streamer/domain"
)

// cursor is what nextCursor carries: the search it belongs to, the page it opens, and where the
// previous page ended. It is opaque to clients: base64url of JSON, a dot, and a MAC of it, so a
// client can neither forge a position nor widen the cache's key space with made-up cursors.
type cursor struct {
	Fingerprint string          `json:"f"`
	Page        int             `json:"n"`
	Position    domain.Position `json:"p"`
}

// maxCursorLength bounds what is decoded; a real cursor is a few hundred bytes.
const maxCursorLength = 2048

// macBytes is the length of a cursor's MAC: 128 bits of HMAC-SHA256.
const macBytes = 16

// CursorKey derives the key that signs cursors from the service's secret (AUTH_SECRET), so every
// instance accepts the cursors of the others and the secret itself signs nothing else.
func CursorKey(secret []byte) []byte {
	key, err := hkdf.Key(sha256.New, secret, nil, "streamer catalog cursor v1", 32)
	if err != nil {
		panic(err) // only a length past 255 hashes fails
	}
	return key
}

type cursorSigner struct{ key []byte }

// newCursorSigner signs with key; without one (tests, demos), with a key of this process only.
func newCursorSigner(key []byte) cursorSigner {
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	return cursorSigner{key: key}
}

func (s cursorSigner) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return m.Sum(nil)[:macBytes]
}

func (s cursorSigner) encode(c cursor) string {
	raw, _ := json.Marshal(c)
	payload := base64.RawURLEncoding.EncodeToString(raw)
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

func (s cursorSigner) decode(text, fingerprint string) (cursor, error) {
	notOurs := domain.Invalid("cursor", "is not a cursor this service made")
	var c cursor
	if len(text) > maxCursorLength {
		return c, notOurs
	}
	payload, sig, ok := strings.Cut(text, ".")
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(mac, s.mac(payload)) {
		return c, notOurs
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || json.Unmarshal(raw, &c) != nil || c.Page < 2 {
		return cursor{}, notOurs
	}
	if c.Fingerprint != fingerprint {
		return cursor{}, domain.Invalid("cursor", "belongs to another search: keep q, filters, sort, order and limit as they were")
	}
	return c, nil
}
