package betterauth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/adapters/argon2id"
	"github.com/torrent-streamer/streamer/adapters/betterauth"
)

// vector is Better Auth's hash of "correcthorsebatterystaple" with the salt text 000102...0f.
const vector = "000102030405060708090a0b0c0d0e0f:93e156489eaa28684386cfd7355eed068748076664a0b2b501a7e4ea2cc8f0e776a5ac229d6f160f48841a5eaa605ee2531c4f50ce952f6df5cd2b580cf3f36c"

func TestTheKnownVectorVerifies(t *testing.T) {
	s := betterauth.NewScrypt(1)
	stored, err := s.Adopt(vector)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Recognizes(stored) || s.Recognizes(vector) || s.Recognizes("$argon2id$v=19$m=19456,t=2,p=1$x$y") {
		t.Fatal("Recognizes must know only adopted hashes")
	}
	if strings.Contains(stored, "correcthorse") {
		t.Fatal("the password leaked into the hash")
	}
	for password, want := range map[string]bool{
		"correcthorsebatterystaple":  true,
		"correcthorsebatterystaple ": false,
		"Correcthorsebatterystaple":  false,
		"":                           false,
	} {
		ok, err := s.Verify(context.Background(), stored, password)
		if err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", password, ok, err, want)
		}
	}
}

func TestPasswordsAreNFKCNormalizedAsBetterAuthDid(t *testing.T) {
	s := betterauth.NewScrypt(1)
	// The fullwidth letters are NFKC-equivalent to the ASCII password of the vector.
	stored, _ := s.Adopt(vector)
	ok, err := s.Verify(context.Background(), stored, "ｃｏｒｒｅｃｔhorsebatterystaple")
	if err != nil || !ok {
		t.Fatalf("a password NFKC-equal to the original must verify: %v %v", ok, err)
	}
}

func TestMalformedHashesAreRefused(t *testing.T) {
	s := betterauth.NewScrypt(1)
	for _, raw := range []string{
		"", "nocolon", "0001:abcd", strings.Repeat("z", 32) + ":" + strings.Repeat("0", 128),
		strings.Repeat("0", 32) + ":" + strings.Repeat("0", 127), "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$a2V5",
	} {
		if _, err := s.Adopt(raw); err == nil {
			t.Errorf("Adopt(%q) accepted a malformed hash", raw)
		}
	}
	if _, err := s.Verify(context.Background(), "$better-auth-scrypt$00:11", "x"); err == nil {
		t.Error("Verify must refuse a malformed stored hash")
	}
}

// BenchmarkVerify sets Better Auth's scrypt beside the service's argon2id (OWASP's parameters):
// what a legacy verification costs against a normal one, the reason a failed sign-in verifies once
// with each.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	s := betterauth.NewScrypt(1)
	stored, _ := s.Adopt(vector)
	a, _ := argon2id.New(argon2id.OWASP, 1)
	phc, _ := a.Hash(ctx, "correcthorsebatterystaple")
	b.Run("better-auth-scrypt", func(b *testing.B) {
		for b.Loop() {
			_, _ = s.Verify(ctx, stored, "wrong password")
		}
	})
	b.Run("argon2id", func(b *testing.B) {
		for b.Loop() {
			_, _ = a.Verify(ctx, phc, "wrong password")
		}
	})
}
