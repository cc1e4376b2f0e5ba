package accounts_test

import (
	"context"
	"errors"
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

// pausingSessions pauses the next Get after it has read the row, until released: a cache fill
// held between its read of the store and its write to the cache.
type pausingSessions struct {
	ports.SessionRepository
	mu      sync.Mutex
	armed   bool
	read    chan struct{} // a paused Get has read its row
	release chan struct{}
	failDel error
}

func (p *pausingSessions) arm() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.armed, p.read, p.release = true, make(chan struct{}), make(chan struct{})
}

func (p *pausingSessions) Get(ctx context.Context, id string) (domain.Session, error) {
	s, err := p.SessionRepository.Get(ctx, id)
	p.mu.Lock()
	pause := p.armed
	p.armed = false
	read, release := p.read, p.release
	p.mu.Unlock()
	if pause {
		close(read)
		<-release
	}
	return s, err
}

func (p *pausingSessions) Delete(ctx context.Context, id string) error {
	if p.failDel != nil {
		return p.failDel
	}
	return p.SessionRepository.Delete(ctx, id)
}

// instance is one server: its own process tier, over the accounts store every instance shares.
func instance(t *testing.T, store *memory.Accounts, sessions ports.SessionRepository, shared ports.Cache, clk *clock) *accounts.Service {
	t.Helper()
	h, err := argon2id.New(argon2id.OWASP, 0)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := accounts.NewService(accounts.Deps{
		Users: store.Users(), Sessions: sessions, Hasher: h, Tokens: randtoken.Source{},
		Cache: caching.NewStore(shared, clk, caching.Options{Logger: quiet}),
		Clock: clk, Logger: quiet,
	}, secret)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// After a logout, a password change or an email change has answered, the ended token is refused
// on this instance at once, however the requests interleave: here a fill that read the session
// before the revocation is paused between its read and its write to the cache, a request made
// after the revocation must neither wait for it nor take its answer, and once it goes on, it must
// not bring the session back. Regression: the paused fill wrote the session back, and the token
// then worked for up to an hour.
func TestARevocationIsNotUndoneByAFillThatReadBeforeIt(t *testing.T) {
	newPassword, newEmail := "a brand new password", "moved@example.com"
	for name, revoke := range map[string]func(ctx context.Context, svc *accounts.Service, victim, other accounts.Principal) error{
		"logout": func(ctx context.Context, svc *accounts.Service, victim, _ accounts.Principal) error {
			return svc.Logout(ctx, victim)
		},
		"password change": func(ctx context.Context, svc *accounts.Service, _, other accounts.Principal) error {
			_, err := svc.UpdateProfile(ctx, other, accounts.ProfileUpdate{NewPassword: &newPassword, CurrentPassword: "12345678"})
			return err
		},
		"email change": func(ctx context.Context, svc *accounts.Service, _, other accounts.Principal) error {
			_, err := svc.UpdateProfile(ctx, other, accounts.ProfileUpdate{Email: &newEmail, CurrentPassword: "12345678"})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			clk := &clock{now: time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)}
			store := memory.NewAccounts(clk)
			sessions := &pausingSessions{SessionRepository: store.Sessions()}
			svc := instance(t, store, sessions, memory.NewCache(memory.CacheOptions{Clock: clk}), clk)
			ctx := context.Background()
			victimSigned, err := svc.SignUp(ctx, accounts.SignUpRequest{Email: "v@example.com", Password: "12345678", Name: "V"})
			if err != nil {
				t.Fatal(err)
			}
			otherSigned, _ := svc.SignIn(ctx, "v@example.com", "12345678")
			victim, _ := svc.Authenticate(ctx, victimSigned.Token)
			other, _ := svc.Authenticate(ctx, otherSigned.Token)
			clk.Advance(caching.Sessions.Fresh) // the cached session is due to be read again

			sessions.arm()
			early := make(chan error, 1)
			go func() { _, err := svc.Authenticate(ctx, victimSigned.Token); early <- err }()
			<-sessions.read // the early fill has read the live session and waits

			if err := revoke(ctx, svc, victim, other); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Authenticate(ctx, victimSigned.Token); !errors.Is(err, domain.ErrUnauthenticated) {
				t.Fatalf("a request after the revocation, while the early fill waits: %v", err)
			}
			close(sessions.release)
			<-early // concurrent with the revocation: either answer is right
			for range 3 {
				if _, err := svc.Authenticate(ctx, victimSigned.Token); !errors.Is(err, domain.ErrUnauthenticated) {
					t.Fatalf("after the early fill wrote: %v", err)
				}
			}
		})
	}
}

// A revocation is honoured by every instance within caching.Sessions.Fresh (15 s), with the
// shared cache (KV) failing every call: sessions never depend on it.
func TestALogoutIsHonouredByEveryInstanceWithinTheBoundWithKVDown(t *testing.T) {
	ctrl := gomock.NewController(t)
	down := mocks.NewMockCache(ctrl)
	down.EXPECT().Get(gomock.Any(), gomock.Any()).Return(nil, false, domain.ErrUnavailable).AnyTimes()
	down.EXPECT().Set(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Return(domain.ErrUnavailable).AnyTimes()
	down.EXPECT().Delete(gomock.Any(), gomock.Any()).Return(domain.ErrUnavailable).AnyTimes()
	clk := &clock{now: time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)}
	store := memory.NewAccounts(clk)
	a := instance(t, store, store.Sessions(), down, clk)
	b := instance(t, store, store.Sessions(), down, clk)
	ctx := context.Background()
	signed, _ := a.SignUp(ctx, accounts.SignUpRequest{Email: "x@example.com", Password: "12345678", Name: "X"})
	p, err := a.Authenticate(ctx, signed.Token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, signed.Token); err != nil { // cached on b now
		t.Fatal(err)
	}
	if err := a.Logout(ctx, p); err != nil {
		t.Fatalf("logout with KV down: %v", err)
	}
	if _, err := a.Authenticate(ctx, signed.Token); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Fatalf("the instance that logged out: %v", err)
	}
	clk.Advance(caching.Sessions.Fresh - time.Second)
	if _, err := b.Authenticate(ctx, signed.Token); err != nil {
		t.Fatalf("within the bound b may still trust its copy: %v", err)
	}
	clk.Advance(time.Second)
	if _, err := b.Authenticate(ctx, signed.Token); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Fatalf("b after %v: %v", caching.Sessions.Fresh, err)
	}
}

// A logout the store cannot record is an error the client sees (503), and the session is not
// pretended ended.
func TestALogoutThatCannotBeRecordedFails(t *testing.T) {
	clk := &clock{now: time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)}
	store := memory.NewAccounts(clk)
	sessions := &pausingSessions{SessionRepository: store.Sessions()}
	svc := instance(t, store, sessions, nil, clk)
	ctx := context.Background()
	signed, _ := svc.SignUp(ctx, accounts.SignUpRequest{Email: "y@example.com", Password: "12345678", Name: "Y"})
	p, _ := svc.Authenticate(ctx, signed.Token)
	sessions.failDel = domain.ErrUnavailable
	if err := svc.Logout(ctx, p); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("logout = %v, want the store's failure", err)
	}
}
