package accounts

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"sync"
	"testing"
)

// The keyed hash of tokens and API keys is HMAC-SHA256 under the secret, whichever pooled state
// computes it, from any number of goroutines at once; and a pooled state makes it 4 allocations
// (the input's bytes, the sum, the hex), not 9 (hmac.New keyed a new state, with its digests, on
// every authenticated request).
func TestTheKeyedHashIsHMACFromPooledStates(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	s := &Service{secret: secret}
	s.macs.New = func() any { return hmac.New(sha256.New, secret) }
	reference := func(input string) string {
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(input))
		return hex.EncodeToString(mac.Sum(nil))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				input := "sk_" + strconv.Itoa(g) + "_" + strconv.Itoa(i)
				if got, want := s.apiKeyHash(input), reference(input); got != want {
					t.Errorf("%s: %s, want %s", input, got, want)
					return
				}
				if got, want := s.sessionID(input), reference(input); got != want {
					t.Errorf("%s: %s, want %s", input, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	if raceEnabled {
		return // the allocations step aside under the race detector: make test counts them without it
	}
	key := "sk_live_0123456789abcdefghijklmnopqrstuv"
	s.apiKeyHash(key)
	if n := testing.AllocsPerRun(200, func() { s.apiKeyHash(key) }); n > 4 {
		t.Fatalf("%v allocations a hash", n)
	}
}
