package accounts_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/mock/gomock"

	"github.com/torrent-streamer/streamer/adapters/argon2id"
	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/adapters/randtoken"
	"github.com/torrent-streamer/streamer/application/accounts"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
	"github.com/torrent-streamer/streamer/tests/mocks"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

var secret = []byte("0123456789abcdef0123456789abcdef")

type fixture struct {
	svc   *accounts.Service
	clock *clock
	store *memory.Accounts
}

func newFixture(t testing.TB, hasher ports.PasswordHasher) fixture {
	t.Helper()
	clk := &clock{now: time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)}
	store := memory.NewAccounts(clk)
	if hasher == nil {
		h, err := argon2id.New(argon2id.OWASP, 0)
		if err != nil {
			t.Fatal(err)
		}
		hasher = h
	}
	svc, err := accounts.NewService(accounts.Deps{
		Users: store.Users(), Sessions: store.Sessions(), Hasher: hasher, Tokens: randtoken.Source{},
		Cache: caching.NewStore(memory.NewCache(memory.CacheOptions{Clock: clk}), clk, caching.Options{Logger: quiet}),
		Clock: clk, Logger: quiet,
	}, secret)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{svc: svc, clock: clk, store: store}
}

func TestAnUnknownEmailCostsOneVerificationAgainstTheDummyHash(t *testing.T) {
	ctrl := gomock.NewController(t)
	hasher := mocks.NewMockPasswordHasher(ctrl)
	hasher.EXPECT().Hash(gomock.Any(), gomock.Any()).Return("$dummy", nil) // NewService's dummy hash
	f := newFixture(t, hasher)
	hasher.EXPECT().Verify(gomock.Any(), "$dummy", "whatever-password").Return(false, nil).Times(2)
	for _, email := range []string{"nobody@example.com", "not an email"} {
		if _, err := f.svc.SignIn(context.Background(), email, "whatever-password"); !errors.Is(err, domain.ErrInvalidCredentials) {
			t.Fatalf("%s: %v", email, err)
		}
	}
}

func TestAWrongPasswordAndAnUnknownEmailAnswerAlike(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	if _, err := f.svc.SignUp(ctx, accounts.SignUpRequest{Email: "Ada@Example.com", Password: "correct horse", Name: "Ada"}); err != nil {
		t.Fatal(err)
	}
	_, wrong := f.svc.SignIn(ctx, "ada@example.com", "wrong horse!")
	_, unknown := f.svc.SignIn(ctx, "bob@example.com", "wrong horse!")
	if wrong == nil || unknown == nil || wrong.Error() != unknown.Error() {
		t.Fatalf("wrong password: %v; unknown email: %v", wrong, unknown)
	}
	if _, err := f.svc.SignIn(ctx, " ADA@example.COM ", "correct horse"); err != nil {
		t.Fatalf("email case and spaces must not matter: %v", err)
	}
}

func TestSignUpRulesAndConflicts(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	_, err := f.svc.SignUp(ctx, accounts.SignUpRequest{Email: "bad", Password: "short", Name: " "})
	var v *domain.ValidationError
	if !errors.As(err, &v) || len(v.Problems) != 3 {
		t.Fatalf("all three problems at once: %v", err)
	}
	if _, err := f.svc.SignUp(ctx, accounts.SignUpRequest{Email: "a@example.com", Password: "12345678", Name: "A"}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SignUp(ctx, accounts.SignUpRequest{Email: "A@EXAMPLE.COM", Password: "12345678", Name: "A"})
	var c *domain.ConflictError
	if !errors.As(err, &c) || c.Field != "email" {
		t.Fatalf("duplicate in another case: %v", err)
	}
}

func TestSessionsLifecycle(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	signed, err := f.svc.SignUp(ctx, accounts.SignUpRequest{Email: "s@example.com", Password: "12345678", Name: "S"})
	if err != nil {
		t.Fatal(err)
	}
	if signed.User.PasswordHash == "" || strings.Contains(signed.Token, signed.User.PasswordHash) {
		t.Fatal("sign-up keeps the hash on the user (the REST layer never shows it)")
	}
	p, err := f.svc.Authenticate(ctx, signed.Token)
	if err != nil || p.User.Email != "s@example.com" || p.User.PasswordHash != "" {
		t.Fatalf("authenticate: %+v, %v (the cached user must carry no hash)", p.User, err)
	}
	if stored, _ := f.store.Sessions().Get(ctx, p.SessionID); stored.ID == signed.Token {
		t.Fatal("the store must never hold the token itself")
	}
	if _, err := f.svc.Authenticate(ctx, signed.Token+"x"); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Fatalf("altered token: %v", err)
	}
	// Used after two days, the session is extended to seven days from then.
	f.clock.Advance(48 * time.Hour)
	if _, err := f.svc.Authenticate(ctx, signed.Token); err != nil {
		t.Fatal(err)
	}
	stored, _ := f.store.Sessions().Get(ctx, p.SessionID)
	if want := f.clock.Now().Add(domain.SessionLifetime).Truncate(time.Second); !stored.ExpiresAt.Equal(want) {
		t.Fatalf("expires %v, want %v", stored.ExpiresAt, want)
	}
	// Unused for longer than its life, it ends, and the sweep deletes it.
	f.clock.Advance(domain.SessionLifetime + time.Hour)
	if _, err := f.svc.Authenticate(ctx, signed.Token); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Fatalf("expired: %v", err)
	}
	if n, err := f.svc.SweepExpired(ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
}

func TestLogoutAndPasswordChangeEndSessionsAtOnce(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	first, _ := f.svc.SignUp(ctx, accounts.SignUpRequest{Email: "p@example.com", Password: "12345678", Name: "P"})
	second, _ := f.svc.SignIn(ctx, "p@example.com", "12345678")
	third, _ := f.svc.SignIn(ctx, "p@example.com", "12345678")
	p1, _ := f.svc.Authenticate(ctx, first.Token)
	p2, _ := f.svc.Authenticate(ctx, second.Token) // cached now
	if _, err := f.svc.Authenticate(ctx, third.Token); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Logout(ctx, p2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, second.Token); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Fatalf("token right after logout: %v", err)
	}
	if _, err := f.svc.Authenticate(ctx, third.Token); err != nil {
		t.Fatalf("another session after a logout: %v", err)
	}
	newPassword := "a new password"
	_, err := f.svc.UpdateProfile(ctx, p1, accounts.ProfileUpdate{NewPassword: &newPassword})
	if !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("no current password: %v", err)
	}
	_, err = f.svc.UpdateProfile(ctx, p1, accounts.ProfileUpdate{NewPassword: &newPassword, CurrentPassword: "nope nope"})
	if !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("wrong current password: %v", err)
	}
	if _, err := f.svc.UpdateProfile(ctx, p1, accounts.ProfileUpdate{NewPassword: &newPassword, CurrentPassword: "12345678"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, third.Token); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Fatalf("other session after a password change: %v", err)
	}
	if _, err := f.svc.Authenticate(ctx, first.Token); err != nil {
		t.Fatalf("the session that changed the password: %v", err)
	}
	if _, err := f.svc.SignIn(ctx, "p@example.com", newPassword); err != nil {
		t.Fatalf("sign in with the new password: %v", err)
	}
}

func TestProfileUpdatesReachTheCachedUser(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	signed, _ := f.svc.SignUp(ctx, accounts.SignUpRequest{Email: "n@example.com", Password: "12345678", Name: "Old"})
	p, _ := f.svc.Authenticate(ctx, signed.Token)
	name, image := "New", "https://example.com/me.png"
	if _, err := f.svc.UpdateProfile(ctx, p, accounts.ProfileUpdate{Name: &name, Image: &image}); err != nil {
		t.Fatal(err)
	}
	p, _ = f.svc.Authenticate(ctx, signed.Token)
	if p.User.Name != "New" || p.User.Image != image {
		t.Fatalf("cached user after update: %+v", p.User)
	}
	bad := "ftp://x"
	if _, err := f.svc.UpdateProfile(ctx, p, accounts.ProfileUpdate{Image: &bad}); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("bad image: %v", err)
	}
	same := "N@example.com"
	if _, err := f.svc.UpdateProfile(ctx, p, accounts.ProfileUpdate{Email: &same}); err != nil {
		t.Fatalf("the same email in another case needs no password: %v", err)
	}
}

// BenchmarkAuthenticateCached is the cost of validating a session that is in the process cache:
// what every authenticated request pays.
func BenchmarkAuthenticateCached(b *testing.B) {
	f := newFixture(b, nil)
	ctx := context.Background()
	signed, err := f.svc.SignUp(ctx, accounts.SignUpRequest{Email: "bench@example.com", Password: "12345678", Name: "B"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, signed.Token); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.Authenticate(ctx, signed.Token); err != nil {
			b.Fatal(err)
		}
	}
}
