package accounts_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/argon2id"
	"github.com/torrent-streamer/streamer/adapters/betterauth"
	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/adapters/randtoken"
	"github.com/torrent-streamer/streamer/application/accounts"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// betterAuthVector is Better Auth's stored hash of "correcthorsebatterystaple".
const betterAuthVector = "000102030405060708090a0b0c0d0e0f:93e156489eaa28684386cfd7355eed068748076664a0b2b501a7e4ea2cc8f0e776a5ac229d6f160f48841a5eaa605ee2531c4f50ce952f6df5cd2b580cf3f36c"

// countingHashers count verifications, so a test sees how much work each sign-in did.
type countingHasher struct {
	ports.PasswordHasher
	verified atomic.Int64
}

func (c *countingHasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	c.verified.Add(1)
	return c.PasswordHasher.Verify(ctx, encoded, password)
}

type countingLegacy struct {
	ports.LegacyPasswords
	verified atomic.Int64
}

func (c *countingLegacy) Verify(ctx context.Context, encoded, password string) (bool, error) {
	c.verified.Add(1)
	return c.LegacyPasswords.Verify(ctx, encoded, password)
}

type legacyFixture struct {
	fixture
	hasher *countingHasher
	legacy *countingLegacy
}

// newLegacyFixture is a service with an imported user, legacy@example.com, whose password is the
// Better Auth vector's, and an imported OAuth-only user, oauth@example.com, with none.
func newLegacyFixture(t testing.TB) legacyFixture {
	t.Helper()
	clk := &clock{now: time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)}
	store := memory.NewAccounts(clk)
	h, err := argon2id.New(argon2id.OWASP, 0)
	if err != nil {
		t.Fatal(err)
	}
	hasher := &countingHasher{PasswordHasher: h}
	legacy := &countingLegacy{LegacyPasswords: betterauth.NewScrypt(2)}
	svc, err := accounts.NewService(accounts.Deps{
		Users: store.Users(), Sessions: store.Sessions(), Hasher: hasher, Legacy: legacy, Tokens: randtoken.Source{},
		Cache: caching.NewStore(memory.NewCache(memory.CacheOptions{Clock: clk}), clk, caching.Options{Logger: quiet}),
		Clock: clk, Logger: quiet,
	}, secret)
	if err != nil {
		t.Fatal(err)
	}
	adopted, err := legacy.Adopt(betterAuthVector)
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range []domain.User{
		{ID: "ba-user-1", Email: "legacy@example.com", Name: "Legacy", PasswordHash: adopted, CreatedAt: clk.Now(), UpdatedAt: clk.Now()},
		{ID: "ba-user-2", Email: "oauth@example.com", Name: "OAuth", CreatedAt: clk.Now(), UpdatedAt: clk.Now()},
	} {
		first := domain.Session{ID: strings.Repeat(string(rune('a'+i)), 64), UserID: u.ID, CreatedAt: clk.Now(), ExpiresAt: clk.Now().Add(time.Hour)}
		if err := store.Users().Create(context.Background(), u, first); err != nil {
			t.Fatal(err)
		}
	}
	hasher.verified.Store(0)
	return legacyFixture{fixture: fixture{svc: svc, clock: clk, store: store}, hasher: hasher, legacy: legacy}
}

func TestALegacyPasswordSignsInAndIsThenArgon2id(t *testing.T) {
	f := newLegacyFixture(t)
	ctx := context.Background()
	signed, err := f.svc.SignIn(ctx, "legacy@example.com", "correcthorsebatterystaple")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, signed.Token); err != nil {
		t.Fatal(err)
	}
	stored, _ := f.store.Users().ByEmail(ctx, "legacy@example.com")
	if !strings.HasPrefix(stored.PasswordHash, "$argon2id$") {
		t.Fatalf("after sign-in the hash must be argon2id, got a %d-byte other one", len(stored.PasswordHash))
	}
	// The next sign-in uses the new hash only.
	f.legacy.verified.Store(0)
	if _, err := f.svc.SignIn(ctx, "legacy@example.com", "correcthorsebatterystaple"); err != nil {
		t.Fatal(err)
	}
	if f.legacy.verified.Load() != 0 {
		t.Fatal("an upgraded user must not be checked against the legacy hash again")
	}
}

func TestAWrongLegacyPasswordFailsLikeAnUnknownEmailWithOneVerificationEach(t *testing.T) {
	f := newLegacyFixture(t)
	ctx := context.Background()
	_, wrong := f.svc.SignIn(ctx, "legacy@example.com", "correcthorsebatterystaplE")
	f.store.Users().Create(ctx, domain.User{ID: "own", Email: "own@example.com", Name: "Own",
		PasswordHash: mustHash(t, "the right password")}, domain.Session{ID: strings.Repeat("c", 64), UserID: "own", ExpiresAt: f.clock.Now().Add(time.Hour)})
	// Every failure costs one verification of each scheme, whatever the account.
	attempts := map[string]string{
		"legacy": "legacy@example.com", "unknown": "nobody@example.com", "oauth": "oauth@example.com", "own": "own@example.com",
	}
	errs := map[string]error{}
	for kind, email := range attempts {
		f.legacy.verified.Store(0)
		f.hasher.verified.Store(0)
		_, errs[kind] = f.svc.SignIn(ctx, email, "correcthorsebatterystaplE")
		if f.legacy.verified.Load() != 1 || f.hasher.verified.Load() != 1 {
			t.Fatalf("%s: %d legacy and %d argon2id verifications, want 1 and 1", kind, f.legacy.verified.Load(), f.hasher.verified.Load())
		}
	}
	wrong, unknown, oauth := errs["legacy"], errs["unknown"], errs["oauth"]
	for _, err := range []error{wrong, unknown, oauth} {
		if !errors.Is(err, domain.ErrInvalidCredentials) || err.Error() != wrong.Error() {
			t.Fatalf("want the same invalid-credentials error for all three: %v / %v / %v", wrong, unknown, oauth)
		}
	}
	stored, _ := f.store.Users().ByEmail(ctx, "legacy@example.com")
	if !strings.HasPrefix(stored.PasswordHash, "$better-auth-scrypt$") {
		t.Fatal("a failed sign-in must leave the legacy hash as it was")
	}
}

func TestALegacyPasswordIsTheCurrentPasswordOfAProfileChange(t *testing.T) {
	f := newLegacyFixture(t)
	ctx := context.Background()
	signed, err := f.svc.SignIn(ctx, "legacy@example.com", "correcthorsebatterystaple")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := f.svc.Authenticate(ctx, signed.Token)
	email := "other@example.com"
	if _, err := f.svc.UpdateProfile(ctx, p, accounts.ProfileUpdate{Email: &email, CurrentPassword: "wrong password"}); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("wrong current password: %v", err)
	}
	// A user without a password (imported from OAuth) cannot pass any current password, and gets a
	// 403, not a 500.
	oauth := accounts.Principal{User: domain.User{ID: "ba-user-2"}, SessionID: "a session of the imported user"}
	if _, err := f.svc.UpdateProfile(ctx, oauth, accounts.ProfileUpdate{Email: &email, CurrentPassword: "anything at all"}); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("password-less user: %v", err)
	}
}

// BenchmarkSignInWrongPassword compares what a failed sign-in costs for each kind of account: the
// timing parity of an unknown email and a wrong password holds as long as these stay close.
func BenchmarkSignInWrongPassword(b *testing.B) {
	f := newLegacyFixture(b)
	f.store.Users().Create(context.Background(), domain.User{ID: "own", Email: "own@example.com", Name: "Own",
		PasswordHash: mustHash(b, "the right password")}, domain.Session{ID: strings.Repeat("c", 64), UserID: "own", ExpiresAt: f.clock.Now().Add(time.Hour)})
	for _, email := range []string{"nobody@example.com", "own@example.com", "legacy@example.com"} {
		b.Run(email, func(b *testing.B) {
			for b.Loop() {
				if _, err := f.svc.SignIn(context.Background(), email, "not the password"); !errors.Is(err, domain.ErrInvalidCredentials) {
					b.Fatal(err)
				}
			}
		})
	}
}

func mustHash(b testing.TB, password string) string {
	h, _ := argon2id.New(argon2id.OWASP, 0)
	hash, err := h.Hash(context.Background(), password)
	if err != nil {
		b.Fatal(err)
	}
	return hash
}
