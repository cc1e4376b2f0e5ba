package accounts_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/argon2id"
	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/adapters/randtoken"
	"github.com/torrent-streamer/streamer/application/accounts"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// pausedKey marks the request whose first read of the user is held until the test releases it.
type pausedKey struct{}

// pausingUsers holds the marked request between reading the user and writing it back: the window
// in which a concurrent request's change was lost. Only the first marked read is held; reached is
// closed once it is, whether or not the test is already waiting for it.
type pausingUsers struct {
	ports.UserRepository
	held             sync.Once
	reached, release chan struct{}
}

func (p *pausingUsers) ByID(ctx context.Context, id string) (domain.User, error) {
	u, err := p.UserRepository.ByID(ctx, id)
	if ctx.Value(pausedKey{}) != nil {
		p.held.Do(func() {
			close(p.reached)
			<-p.release
		})
	}
	return u, err
}

func newPausingFixture(t *testing.T) (*accounts.Service, *pausingUsers) {
	t.Helper()
	clk := &clock{now: time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)}
	store := memory.NewAccounts(clk)
	hasher, err := argon2id.New(argon2id.OWASP, 0)
	if err != nil {
		t.Fatal(err)
	}
	users := &pausingUsers{UserRepository: store.Users(), reached: make(chan struct{}), release: make(chan struct{})}
	svc, err := accounts.NewService(accounts.Deps{
		Users: users, Sessions: store.Sessions(), Hasher: hasher, Tokens: randtoken.Source{},
		Cache: caching.NewStore(memory.NewCache(memory.CacheOptions{Clock: clk}), clk, caching.Options{Logger: quiet}),
		Clock: clk, Logger: quiet,
	}, secret)
	if err != nil {
		t.Fatal(err)
	}
	return svc, users
}

// runPaused starts update in a request held after its read of the user, and returns once it is
// held; the returned function releases it and waits for its answer.
func runPaused(t *testing.T, users *pausingUsers, update func(ctx context.Context) error) (finish func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- update(context.WithValue(context.Background(), pausedKey{}, true)) }()
	<-users.reached
	return func() error {
		close(users.release)
		return <-done
	}
}

// Regression (CI hung 30 minutes in TestANameChangeRacingAPasswordChangeKeepsTheNewPassword): the
// held read was offered to the test by a send that gave up when the test was not yet receiving, so
// a request that reached its read first went on unheld and the test waited for it forever. Here the
// read comes before anyone waits, its release already given: it must still be reported as held.
func TestAPausedReadThatArrivesBeforeTheTestWaitsIsStillHeld(t *testing.T) {
	_, users := newPausingFixture(t)
	close(users.release)
	ctx := context.WithValue(context.Background(), pausedKey{}, true)
	if _, err := users.ByID(ctx, "nobody"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("ByID = %v, want domain.ErrNotFound", err)
	}
	select {
	case <-users.reached:
	default:
		t.Fatal("the marked read went on unheld because the test was not yet waiting for it")
	}
}

// A name change that read the user before a password change must not put the old password back.
// Before the fix the name change wrote every column from its copy, hash included: this failed with
// the new password refused and the old one accepted.
func TestANameChangeRacingAPasswordChangeKeepsTheNewPassword(t *testing.T) {
	svc, users := newPausingFixture(t)
	ctx := context.Background()
	signed, err := svc.SignUp(ctx, accounts.SignUpRequest{Email: "race@example.com", Password: "old password", Name: "Old"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, signed.Token)
	if err != nil {
		t.Fatal(err)
	}
	name := "New Name"
	finish := runPaused(t, users, func(ctx context.Context) error {
		_, err := svc.UpdateProfile(ctx, p, accounts.ProfileUpdate{Name: &name})
		return err
	})
	newPassword := "new password"
	if _, err := svc.UpdateProfile(ctx, p, accounts.ProfileUpdate{NewPassword: &newPassword, CurrentPassword: "old password"}); err != nil {
		t.Fatalf("password change: %v", err)
	}
	if err := finish(); err != nil {
		t.Fatalf("name change: %v", err)
	}
	in, err := svc.SignIn(ctx, "race@example.com", newPassword)
	if err != nil {
		t.Fatalf("the new password after the racing name change: %v (the name change restored the old hash)", err)
	}
	if in.User.Name != name {
		t.Fatalf("name = %q, want %q", in.User.Name, name)
	}
	if _, err := svc.SignIn(ctx, "race@example.com", "old password"); !errors.Is(err, domain.ErrInvalidCredentials) {
		t.Fatalf("the old password still signs in: %v", err)
	}
}

// A password change verified against a hash another password change has since replaced is checked
// again against the new hash: the current password it carries is no longer right, so it is refused,
// and the password set meanwhile stays.
func TestAPasswordChangeVerifiedAgainstAReplacedHashIsCheckedAgain(t *testing.T) {
	svc, users := newPausingFixture(t)
	ctx := context.Background()
	signed, err := svc.SignUp(ctx, accounts.SignUpRequest{Email: "twice@example.com", Password: "first password", Name: "T"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, signed.Token)
	if err != nil {
		t.Fatal(err)
	}
	attacker := "attacker password"
	finish := runPaused(t, users, func(ctx context.Context) error {
		_, err := svc.UpdateProfile(ctx, p, accounts.ProfileUpdate{NewPassword: &attacker, CurrentPassword: "first password"})
		return err
	})
	owner := "owner password"
	if _, err := svc.UpdateProfile(ctx, p, accounts.ProfileUpdate{NewPassword: &owner, CurrentPassword: "first password"}); err != nil {
		t.Fatalf("the owner's password change: %v", err)
	}
	if err := finish(); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("the change verified against the replaced hash = %v; want domain.ErrForbidden", err)
	}
	if _, err := svc.SignIn(ctx, "twice@example.com", owner); err != nil {
		t.Fatalf("the owner's password: %v", err)
	}
}
