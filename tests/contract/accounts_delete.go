package contract

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// Delete removes the user with every session (expired ones too) and every activity, returns the
// sessions it ended, and touches nobody else; the email is free again afterwards.
func testUserDelete(t *testing.T, r accountRepos) {
	a := accountUser("leaving")
	aSessions := []string{createUser(t, r, a).ID}
	for i := range 3 {
		s := accountSession(a.ID, fmt.Sprintf("leaving-%d", i), accountsEpoch.Add(time.Duration(i+1)*time.Hour))
		createSession(t, r, s)
		aSessions = append(aSessions, s.ID)
	}
	expired := accountSession(a.ID, "leaving-expired", accountsEpoch.Add(-time.Hour))
	createSession(t, r, expired)
	aSessions = append(aSessions, expired.ID)
	b := accountUser("staying")
	bSession := createUser(t, r, b)
	var acts []domain.Activity
	for i := range 130 { // more than one insert statement's worth
		acts = append(acts, viewActivity(a.ID, i), searchActivity(b.ID, i))
	}
	appendActivities(t, r, acts...)

	ended, err := r.users.Delete(t.Context(), a.ID)
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	slices.Sort(aSessions)
	if !slices.Equal(ended, aSessions) {
		t.Fatalf("Delete ended %v, want %v (sorted)", ended, aSessions)
	}
	for _, id := range aSessions {
		expectNoSession(t, r, id)
	}
	if _, err := r.users.ByID(t.Context(), a.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("ByID after Delete = %v, want domain.ErrNotFound", err)
	}
	if _, err := r.users.ByEmail(t.Context(), a.Email); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("ByEmail after Delete = %v, want domain.ErrNotFound", err)
	}
	if got := listActivities(t, r, a.ID, 1000, 0); len(got) != 0 {
		t.Fatalf("the deleted user keeps %d activities", len(got))
	}
	// The other user is untouched.
	expectUser(t, "the other user", userByID(t, r, b.ID), b)
	expectSession(t, r, bSession)
	if got := listActivities(t, r, b.ID, 1000, 0); len(got) != 130 {
		t.Fatalf("the other user has %d activities, want 130", len(got))
	}
	// A second Delete finds nothing; the email can be registered again, by a new user.
	if ended, err := r.users.Delete(t.Context(), a.ID); !errors.Is(err, domain.ErrNotFound) || len(ended) != 0 {
		t.Fatalf("Delete again = %v, %v; want domain.ErrNotFound", ended, err)
	}
	again := accountUser("leaving-again")
	again.Email = a.Email
	createUser(t, r, again)
	expectUser(t, "the new user with the old email", userByEmail(t, r, a.Email), again)
	// Activities of the deleted user are refused, as those of any unknown user.
	if err := r.activities.Append(t.Context(), []domain.Activity{viewActivity(a.ID, 1)}); err == nil {
		t.Fatal("Append for a deleted user succeeded")
	}
}

func testUserDeleteUnknown(t *testing.T, r accountRepos) {
	for _, id := range []string{"", accountUser("nobody").ID, "\xff"} {
		if ended, err := r.users.Delete(t.Context(), id); !errors.Is(err, domain.ErrNotFound) || len(ended) != 0 {
			t.Errorf("Delete(%q) = %v, %v; want domain.ErrNotFound", id, ended, err)
		}
	}
}
