package accounts_test

import (
	"context"
	"errors"
	"testing"

	"go.uber.org/mock/gomock"

	"github.com/torrent-streamer/streamer/application/accounts"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/tests/mocks"
)

func TestDeleteAccountNeedsThePasswordAndEndsEverySessionAtOnce(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	first, err := f.svc.SignUp(ctx, accounts.SignUpRequest{Email: "d@example.com", Password: "12345678", Name: "D"})
	if err != nil {
		t.Fatal(err)
	}
	second, _ := f.svc.SignIn(ctx, "d@example.com", "12345678")
	other, _ := f.svc.SignUp(ctx, accounts.SignUpRequest{Email: "o@example.com", Password: "87654321", Name: "O"})
	p1, _ := f.svc.Authenticate(ctx, first.Token) // both cached now
	if _, err := f.svc.Authenticate(ctx, second.Token); err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"", "wrong password"} {
		if err := f.svc.DeleteAccount(ctx, p1, pw); !errors.Is(err, domain.ErrForbidden) {
			t.Fatalf("password %q: %v", pw, err)
		}
	}
	if _, err := f.svc.Authenticate(ctx, second.Token); err != nil {
		t.Fatalf("a refused deletion ended a session: %v", err)
	}
	if err := f.svc.DeleteAccount(ctx, p1, "12345678"); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{first.Token, second.Token} {
		if _, err := f.svc.Authenticate(ctx, tok); !errors.Is(err, domain.ErrUnauthenticated) {
			t.Fatalf("a token of the deleted account: %v", err)
		}
	}
	if _, err := f.svc.SignIn(ctx, "d@example.com", "12345678"); !errors.Is(err, domain.ErrInvalidCredentials) {
		t.Fatalf("sign-in of the deleted account: %v", err)
	}
	if _, err := f.svc.Authenticate(ctx, other.Token); err != nil {
		t.Fatalf("another account: %v", err)
	}
	// A principal that outlived its account (a request already past authentication) is refused.
	if err := f.svc.DeleteAccount(ctx, p1, "12345678"); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Fatalf("deleting twice: %v", err)
	}
}

// The password is checked through the hasher, as a password change checks it, and a wrong one
// never reaches the store's delete.
func TestDeleteAccountVerifiesWithTheHasher(t *testing.T) {
	ctrl := gomock.NewController(t)
	hasher := mocks.NewMockPasswordHasher(ctrl)
	hasher.EXPECT().Hash(gomock.Any(), gomock.Any()).Return("$dummy", nil) // NewService's dummy hash
	f := newFixture(t, hasher)
	hasher.EXPECT().Hash(gomock.Any(), "12345678").Return("$user", nil)
	ctx := context.Background()
	signed, err := f.svc.SignUp(ctx, accounts.SignUpRequest{Email: "h@example.com", Password: "12345678", Name: "H"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Authenticate(ctx, signed.Token)
	if err != nil {
		t.Fatal(err)
	}
	gomock.InOrder(
		hasher.EXPECT().Verify(gomock.Any(), "$user", "guess").Return(false, nil),
		hasher.EXPECT().Verify(gomock.Any(), "$user", "right").Return(true, nil),
	)
	if err := f.svc.DeleteAccount(ctx, p, "guess"); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("wrong: %v", err)
	}
	if _, err := f.store.Users().ByID(ctx, p.User.ID); err != nil {
		t.Fatalf("a wrong password deleted the user: %v", err)
	}
	if err := f.svc.DeleteAccount(ctx, p, "right"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Users().ByID(ctx, p.User.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("the user is still stored: %v", err)
	}
}
