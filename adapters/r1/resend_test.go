package r1

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// A write whose first send committed and whose answer was lost is re-sent by the Cloudflare API
// client; it must end as if sent once. Before, a sign-up answered 409 "email taken" for its own
// account, a sign-in a conflict on its own session id, a password change 403 (its condition no
// longer held), and activities were stored twice.
func TestWritesResentAfterALostAnswerEndAsIfSentOnce(t *testing.T) {
	fake, base := newFakeD1(t)
	db, up, err := openFake(t, base, "good-token", "streamer")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	users, sessions, activities := NewUserRepository(db), NewSessionRepository(db), NewActivityRepository(db)
	lose := func(what string, write func() error) {
		t.Helper()
		retries := up.UpstreamStats().R1.Retries
		fake.dropAnswers.Store(1)
		if err := write(); err != nil {
			t.Fatalf("%s re-sent after its answer was lost: %v", what, err)
		}
		if fake.dropAnswers.Load() != 0 || up.UpstreamStats().R1.Retries == retries {
			t.Fatalf("%s: the answer was not lost and re-sent; the test shows nothing", what)
		}
	}

	u := testUser("resent")
	first := testSession(u.ID, "resent-1", baseTime.Add(time.Hour))
	lose("sign-up", func() error { return users.Create(ctx, u, first) })
	if n := scalar(t, db, "SELECT count(*) FROM users"); n != 1 {
		t.Fatalf("%d users after a re-sent sign-up", n)
	}
	// Someone else's account with that email is still a conflict.
	other := testUser("other")
	other.Email = u.Email
	if err := users.Create(ctx, other, testSession(other.ID, "other-1", baseTime.Add(time.Hour))); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("another account with a taken email: %v", err)
	}

	second := testSession(u.ID, "resent-2", baseTime.Add(2*time.Hour))
	lose("sign-in", func() error { return sessions.Create(ctx, second) })
	third := testSession(u.ID, "resent-3", baseTime.Add(2*time.Hour))
	if err := sessions.Create(ctx, third); err != nil {
		t.Fatal(err)
	}

	newHash := "$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$bmV3aGFzaA"
	var ended []string
	lose("password change", func() error {
		got, e, err := users.Update(ctx, u.ID, domain.UserChange{PasswordHash: &newHash, IfPasswordHash: u.PasswordHash,
			UpdatedAt: baseTime.Add(time.Minute)}, true, first.ID)
		if err == nil && got.PasswordHash != newHash {
			t.Fatalf("the re-sent password change returned %+v", got)
		}
		ended = e
		return err
	})
	if n := scalar(t, db, "SELECT count(*) FROM sessions WHERE user_id = ?", u.ID); n != 1 {
		t.Fatalf("%d sessions after the password change, want the kept one (ended %v)", n, ended)
	}
	// A change whose condition truly no longer holds is still stale.
	other2 := "$argon2id$v=19$m=19456,t=2,p=1$b3RoZXI$b3RoZXI"
	if _, _, err := users.Update(ctx, u.ID, domain.UserChange{PasswordHash: &other2, IfPasswordHash: u.PasswordHash}, false, ""); !errors.Is(err, domain.ErrStale) {
		t.Fatalf("a stale change: %v", err)
	}

	batch := []domain.Activity{
		{UserID: u.ID, Type: domain.ActivitySearch, Query: "a", CreatedAt: baseTime, Key: strings.Repeat("1", 32)},
		{UserID: u.ID, Type: domain.ActivitySearch, Query: "b", CreatedAt: baseTime, Key: strings.Repeat("2", 32)},
	}
	lose("activities", func() error { return activities.Append(ctx, batch) })
	if n := scalar(t, db, "SELECT count(*) FROM activities"); n != 2 {
		t.Fatalf("%d activities after a re-sent append, want 2", n)
	}
}
