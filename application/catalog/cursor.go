package catalog

import (
	"encoding/base64"
	"encoding/json"

	"github.com/torrent-streamer/streamer/domain"
)

// cursor is what nextCursor carries: the search it belongs to, the page it opens, and where the
// previous page ended. It is opaque to clients: base64url of JSON.
type cursor struct {
	Fingerprint string          `json:"f"`
	Page        int             `json:"n"`
	Position    domain.Position `json:"p"`
}

// maxCursorLength bounds what is decoded; a real cursor is a few hundred bytes.
const maxCursorLength = 2048

func encodeCursor(c cursor) string {
	raw, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func decodeCursor(s, fingerprint string) (cursor, error) {
	var c cursor
	if len(s) > maxCursorLength {
		return c, domain.Invalid("cursor", "is not a cursor this service made")
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(raw, &c) != nil || c.Page < 2 {
		return cursor{}, domain.Invalid("cursor", "is not a cursor this service made")
	}
	if c.Fingerprint != fingerprint {
		return cursor{}, domain.Invalid("cursor", "belongs to another search: keep q, filters, sort, order and limit as they were")
	}
	return c, nil
}
