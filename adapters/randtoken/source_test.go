package randtoken

import (
	"encoding/base64"
	"testing"
)

func TestTokensAre32RandomBytesURLSafe(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok, err := Source{}.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(raw) != TokenBytes || len(tok) != 43 {
			t.Fatalf("token %q: %d bytes, %v", tok, len(raw), err)
		}
		if seen[tok] {
			t.Fatal("repeated token")
		}
		seen[tok] = true
	}
}
