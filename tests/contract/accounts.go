package contract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// AccountsHarness makes the stores RunUserRepository, RunSessionRepository and
// RunActivityRepository test.
type AccountsHarness struct {
	// Name labels the adapter in test output.
	Name string
	// New returns a fresh, empty trio of repositories over one store. Each subtest calls it once,
	// and subtests run in parallel.
	New func(t *testing.T) (ports.UserRepository, ports.SessionRepository, ports.ActivityRepository)
}

// accountRepos is what an accounts subtest gets.
type accountRepos struct {
	users      ports.UserRepository
	sessions   ports.SessionRepository
	activities ports.ActivityRepository
}

func runAccounts(t *testing.T, h AccountsHarness, tests []accountTest) {
	t.Run(h.Name, func(t *testing.T) {
		for _, test := range tests {
			t.Run(test.name, func(t *testing.T) {
				// Each subtest has a store of its own, so they run side by side: a file-backed
				// store spends most of its setup waiting on the disk.
				t.Parallel()
				users, sessions, activities := h.New(t)
				test.run(t, accountRepos{users, sessions, activities})
			})
		}
	})
}

type accountTest struct {
	name string
	run  func(t *testing.T, r accountRepos)
}

// RunUserRepository runs the ports.UserRepository contract against h.
func RunUserRepository(t *testing.T, h AccountsHarness) {
	runAccounts(t, h, []accountTest{
		{"CreateThenGet", testUserCreateThenGet},
		{"GetUnknown", testUserGetUnknown},
		{"DuplicateEmail", testUserDuplicateEmail},
		{"CreateIsAtomic", testUserCreateIsAtomic},
		{"ConcurrentSignUpsOneEmail", testUserConcurrentSignUps},
		{"UpdateProfile", testUserUpdateProfile},
		{"UpdateEmailConflict", testUserUpdateEmailConflict},
		{"UpdateEndsOtherSessions", testUserUpdateEndsOtherSessions},
		{"UpdateUnknown", testUserUpdateUnknown},
		{"UpdateChangesOnlyWhatItNames", testUserUpdateColumnWise},
		{"UpdateIfPasswordHash", testUserUpdateConditional},
		{"ConcurrentUpdatesOfDifferentFieldsAllHold", testUserConcurrentUpdates},
		{"WritesSentTwiceEndAsIfSentOnce", testUserWritesSentTwice},
		{"Delete", testUserDelete},
		{"DeleteUnknown", testUserDeleteUnknown},
	})
}

// RunSessionRepository runs the ports.SessionRepository contract against h.
func RunSessionRepository(t *testing.T, h AccountsHarness) {
	runAccounts(t, h, []accountTest{
		{"CreateGetExtendDelete", testSessionLifecycle},
		{"CreateRefusesWhatCannotBeStored", testSessionCreateRefusals},
		{"GetReturnsExpired", testSessionGetReturnsExpired},
		{"DeleteExpired", testSessionDeleteExpired},
	})
}

// RunActivityRepository runs the ports.ActivityRepository contract against h.
func RunActivityRepository(t *testing.T, h AccountsHarness) {
	runAccounts(t, h, []accountTest{
		{"AppendThenList", testActivityAppendThenList},
		{"LargeAppendIsChunked", testActivityLargeAppend},
		{"RoundTrip", testActivityRoundTrip},
		{"Limit", testActivityLimit},
		{"PagingWalksEverything", testActivityPaging},
		{"UsersAreIsolated", testActivityIsolation},
		{"AppendIsAllOrNothing", testActivityAllOrNothing},
		{"ConcurrentAppends", testActivityConcurrentAppends},
		{"AKeyIsStoredOnce", testActivityKeyStoredOnce},
		{"DeleteBefore", testActivityDeleteBefore},
	})
}

// accountsEpoch is "now" for the account fixtures: whole seconds, so a store that keeps whole
// seconds gives back exactly what it was given.
var accountsEpoch = time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)

// accountUser is a valid, normalized user keyed by key.
func accountUser(key string) domain.User {
	sum := sha256.Sum256([]byte("user:" + key))
	return domain.User{
		ID:           hex.EncodeToString(sum[:16]),
		Email:        strings.ToLower(key) + "@example.com",
		Name:         "User " + key,
		PasswordHash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdC0" + key + "$aGFzaC0" + key,
		CreatedAt:    accountsEpoch,
		UpdatedAt:    accountsEpoch,
	}
}

// accountSessionID is a session id of the real shape: the hex SHA-256 of key.
func accountSessionID(key string) string {
	sum := sha256.Sum256([]byte("session:" + key))
	return hex.EncodeToString(sum[:])
}

func accountSession(userID, key string, expiresAt time.Time) domain.Session {
	return domain.Session{ID: accountSessionID(key), UserID: userID, CreatedAt: accountsEpoch, ExpiresAt: expiresAt}
}

func firstSession(u domain.User) domain.Session {
	return accountSession(u.ID, "first-of-"+u.ID, accountsEpoch.Add(domain.SessionLifetime))
}

func createUser(t *testing.T, r accountRepos, u domain.User) domain.Session {
	t.Helper()
	s := firstSession(u)
	if err := r.users.Create(t.Context(), u, s); err != nil {
		t.Fatalf("Create(%s): %v", u.Email, err)
	}
	return s
}

func createSession(t *testing.T, r accountRepos, s domain.Session) {
	t.Helper()
	if err := r.sessions.Create(t.Context(), s); err != nil {
		t.Fatalf("Sessions.Create(%s…): %v", s.ID[:8], err)
	}
}

// sameStoredTime tells whether got is want as a store may keep it: exactly, or cut to the second
// below. Never later: a session must not come back lasting longer than it was given.
func sameStoredTime(got, want time.Time) bool {
	return !got.After(want) && want.Sub(got) < time.Second && !got.IsZero()
}

func expectUser(t *testing.T, what string, got, want domain.User) {
	t.Helper()
	if got.ID != want.ID || got.Email != want.Email || got.Name != want.Name || got.Image != want.Image ||
		got.PasswordHash != want.PasswordHash || !sameStoredTime(got.CreatedAt, want.CreatedAt) ||
		!sameStoredTime(got.UpdatedAt, want.UpdatedAt) {
		t.Errorf("%s:\n  got  %+v\n  want %+v", what, got, want)
	}
}

// updateAll stores every profile field of u, as a change naming them all; it checks that the user
// the store returns is the one it stored.
func updateAll(ctx context.Context, r accountRepos, u domain.User, endSessions bool, keep string) ([]string, error) {
	name, image, email, hash := u.Name, u.Image, u.Email, u.PasswordHash
	change := domain.UserChange{Name: &name, Image: &image, Email: &email, PasswordHash: &hash, UpdatedAt: u.UpdatedAt}
	got, ended, err := r.users.Update(ctx, u.ID, change, endSessions, keep)
	if err == nil && (got.ID != u.ID || got.Name != u.Name || got.Email != u.Email || got.PasswordHash != u.PasswordHash ||
		!sameStoredTime(got.UpdatedAt, u.UpdatedAt)) {
		return ended, fmt.Errorf("Update returned %+v, want %+v", got, u)
	}
	return ended, err
}

func userByID(t *testing.T, r accountRepos, id string) domain.User {
	t.Helper()
	u, err := r.users.ByID(t.Context(), id)
	if err != nil {
		t.Fatalf("ByID(%s): %v", id, err)
	}
	return u
}

func userByEmail(t *testing.T, r accountRepos, email string) domain.User {
	t.Helper()
	u, err := r.users.ByEmail(t.Context(), email)
	if err != nil {
		t.Fatalf("ByEmail(%s): %v", email, err)
	}
	return u
}

func expectSession(t *testing.T, r accountRepos, want domain.Session) {
	t.Helper()
	got, err := r.sessions.Get(t.Context(), want.ID)
	if err != nil {
		t.Errorf("Get(session %s…): %v, want the session of user %s", want.ID[:8], err, want.UserID)
		return
	}
	if got.ID != want.ID || got.UserID != want.UserID || !sameStoredTime(got.CreatedAt, want.CreatedAt) ||
		!sameStoredTime(got.ExpiresAt, want.ExpiresAt) {
		t.Errorf("session differs:\n  got  %+v\n  want %+v", got, want)
	}
}

func expectNoSession(t *testing.T, r accountRepos, id string) {
	t.Helper()
	if got, err := r.sessions.Get(t.Context(), id); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Get(session %s…) = %+v, %v; want domain.ErrNotFound", id[:8], got, err)
	}
}

func expectNoUser(t *testing.T, r accountRepos, u domain.User) {
	t.Helper()
	if got, err := r.users.ByID(t.Context(), u.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("ByID(%s) = %+v, %v; want domain.ErrNotFound", u.ID, got, err)
	}
}

func expectEmailConflict(t *testing.T, what string, err error) {
	t.Helper()
	var conflict *domain.ConflictError
	if !errors.As(err, &conflict) || !errors.Is(err, domain.ErrConflict) || conflict.Field != "email" {
		t.Fatalf("%s: %v (%T), want a *domain.ConflictError on the field email", what, err, err)
	}
}

func testUserCreateThenGet(t *testing.T, r accountRepos) {
	u := accountUser("alice")
	u.Image = "https://img.example.com/alice.png"
	// Sub-second times: a store may keep them whole, but never round them up.
	u.CreatedAt = accountsEpoch.Add(1700 * time.Millisecond)
	u.UpdatedAt = accountsEpoch.Add(2300 * time.Millisecond)
	s := firstSession(u)
	s.CreatedAt = u.CreatedAt
	s.ExpiresAt = accountsEpoch.Add(domain.SessionLifetime + 900*time.Millisecond)
	if err := r.users.Create(t.Context(), u, s); err != nil {
		t.Fatalf("Create: %v", err)
	}
	expectUser(t, "ByID", userByID(t, r, u.ID), u)
	got, err := r.users.ByEmail(t.Context(), u.Email)
	if err != nil {
		t.Fatalf("ByEmail: %v", err)
	}
	expectUser(t, "ByEmail", got, u)
	expectSession(t, r, s)

	// A second user does not disturb the first, and each email finds its own.
	b := accountUser("bob")
	createUser(t, r, b)
	expectUser(t, "ByEmail(bob)", userByEmail(t, r, b.Email), b)
	expectUser(t, "ByID(alice) after bob", userByID(t, r, u.ID), u)
}

func testUserGetUnknown(t *testing.T, r accountRepos) {
	createUser(t, r, accountUser("known"))
	for _, id := range []string{"", accountUser("unknown").ID, "not-an-id", "\xff"} {
		if got, err := r.users.ByID(t.Context(), id); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("ByID(%q) = %+v, %v; want domain.ErrNotFound", id, got, err)
		}
	}
	for _, email := range []string{"", "unknown@example.com", "KNOWN@example.com", "\xff@example.com"} {
		if got, err := r.users.ByEmail(t.Context(), email); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("ByEmail(%q) = %+v, %v; want domain.ErrNotFound", email, got, err)
		}
	}
}

func testUserDuplicateEmail(t *testing.T, r accountRepos) {
	a := accountUser("dup")
	aSession := createUser(t, r, a)
	b := accountUser("other")
	b.Email = a.Email
	b.Name = "Someone Else"
	bSession := firstSession(b)
	expectEmailConflict(t, "Create with a taken email", r.users.Create(t.Context(), b, bSession))

	// Nothing of the refused sign-up is stored; the first account is untouched.
	expectNoUser(t, r, b)
	expectNoSession(t, r, bSession.ID)
	expectUser(t, "ByEmail after the conflict", userByEmail(t, r, a.Email), a)
	expectSession(t, r, aSession)
}

// A sign-up whose session cannot be stored stores no user either: the two are one write.
func testUserCreateIsAtomic(t *testing.T, r accountRepos) {
	a := accountUser("first")
	aSession := createUser(t, r, a)
	b := accountUser("second")
	clash := aSession
	clash.UserID = b.ID
	if err := r.users.Create(t.Context(), b, clash); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("Create with a taken session id: %v, want domain.ErrConflict", err)
	}
	expectNoUser(t, r, b)
	if got, err := r.users.ByEmail(t.Context(), b.Email); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("ByEmail(%s) = %+v, %v after a refused Create; want domain.ErrNotFound", b.Email, got, err)
	}
	expectSession(t, r, aSession)
	// The email is still free.
	createUser(t, r, b)
	expectUser(t, "ByID after a retry", userByID(t, r, b.ID), b)
}

// 20 sign-ups with one email at once: exactly one account, the others a conflict each.
func testUserConcurrentSignUps(t *testing.T, r accountRepos) {
	const n = 20
	candidates := make([]domain.User, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		u := accountUser(fmt.Sprintf("racer-%02d", i))
		u.Email = "race@example.com"
		candidates[i] = u
		wg.Go(func() { errs[i] = r.users.Create(t.Context(), u, firstSession(u)) })
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("sign-ups %d and %d both succeeded with one email", winner, i)
		case err == nil:
			winner = i
		default:
			expectEmailConflict(t, fmt.Sprintf("sign-up %d", i), err)
		}
	}
	if winner < 0 {
		t.Fatal("no sign-up succeeded")
	}
	expectUser(t, "ByEmail", userByEmail(t, r, "race@example.com"), candidates[winner])
	for i, u := range candidates {
		if i == winner {
			expectSession(t, r, firstSession(u))
			continue
		}
		expectNoUser(t, r, u)
		expectNoSession(t, r, firstSession(u).ID)
	}
}

func testUserUpdateProfile(t *testing.T, r accountRepos) {
	u := accountUser("carol")
	first := createUser(t, r, u)
	second := accountSession(u.ID, "carol-2", accountsEpoch.Add(time.Hour))
	createSession(t, r, second)

	changed := u
	changed.Name = "Carol Changed"
	changed.Image = "https://img.example.com/carol.jpg"
	changed.Email = "carol.new@example.com"
	changed.PasswordHash = "$argon2id$v=19$m=65536,t=1,p=2$bmV3$bmV3aGFzaA"
	changed.UpdatedAt = accountsEpoch.Add(time.Hour)
	changed.CreatedAt = accountsEpoch.Add(-time.Hour) // not part of a profile: the store keeps its own
	ended, err := updateAll(t.Context(), r, changed, false, "")
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if len(ended) != 0 {
		t.Errorf("Update without ending sessions ended %v", ended)
	}
	want := changed
	want.CreatedAt = u.CreatedAt
	expectUser(t, "ByID after Update", userByID(t, r, u.ID), want)
	expectUser(t, "ByEmail(new) after Update", userByEmail(t, r, changed.Email), want)
	if got, err := r.users.ByEmail(t.Context(), u.Email); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("ByEmail(old email) = %+v, %v; want domain.ErrNotFound", got, err)
	}
	expectSession(t, r, first)
	expectSession(t, r, second)

	// The old email is free again, and keeping one's own email is no conflict.
	other := accountUser("carol")
	other.ID = accountUser("carol-two").ID
	createUser(t, r, other)
	again := want
	again.Name = "Carol Again"
	if _, err := updateAll(t.Context(), r, again, false, ""); err != nil {
		t.Fatalf("Update keeping the email: %v", err)
	}
	expectUser(t, "ByID after the second Update", userByID(t, r, u.ID), again)
	// Clearing the image stores the empty string.
	again.Image = ""
	if _, err := updateAll(t.Context(), r, again, false, ""); err != nil {
		t.Fatalf("Update clearing the image: %v", err)
	}
	expectUser(t, "ByID after clearing the image", userByID(t, r, u.ID), again)
}

func testUserUpdateEmailConflict(t *testing.T, r accountRepos) {
	a := accountUser("dave")
	aFirst := createUser(t, r, a)
	aSecond := accountSession(a.ID, "dave-2", accountsEpoch.Add(time.Hour))
	createSession(t, r, aSecond)
	b := accountUser("erin")
	createUser(t, r, b)

	changed := a
	changed.Email = b.Email
	changed.Name = "Dave Renamed"
	changed.PasswordHash = "$argon2id$v=19$m=65536,t=1,p=2$eA$eA"
	ended, err := updateAll(t.Context(), r, changed, true, aFirst.ID)
	expectEmailConflict(t, "Update to a taken email", err)
	if len(ended) != 0 {
		t.Errorf("a refused Update returned ended sessions %v", ended)
	}
	// Nothing of the refused write happened: not the profile, not the end of the other session.
	expectUser(t, "ByID(a) after the conflict", userByID(t, r, a.ID), a)
	expectUser(t, "ByEmail(b's email) after the conflict", userByEmail(t, r, b.Email), b)
	expectSession(t, r, aFirst)
	expectSession(t, r, aSecond)
}

func testUserUpdateEndsOtherSessions(t *testing.T, r accountRepos) {
	a := accountUser("frank")
	aSessions := []domain.Session{createUser(t, r, a)}
	for i := range 4 {
		s := accountSession(a.ID, fmt.Sprintf("frank-%d", i), accountsEpoch.Add(time.Duration(i+1)*time.Hour))
		createSession(t, r, s)
		aSessions = append(aSessions, s)
	}
	// One of them already expired: it is a session of the user all the same, and ends with them.
	expired := accountSession(a.ID, "frank-expired", accountsEpoch.Add(-time.Hour))
	createSession(t, r, expired)
	aSessions = append(aSessions, expired)
	b := accountUser("grace")
	bSessions := []domain.Session{createUser(t, r, b)}
	bSecond := accountSession(b.ID, "grace-2", accountsEpoch.Add(time.Hour))
	createSession(t, r, bSecond)
	bSessions = append(bSessions, bSecond)

	keep := aSessions[2]
	changed := a
	changed.PasswordHash = "$argon2id$v=19$m=65536,t=1,p=2$cGFzcw$cGFzczI"
	changed.UpdatedAt = accountsEpoch.Add(time.Minute)
	ended, err := updateAll(t.Context(), r, changed, true, keep.ID)
	if err != nil {
		t.Fatalf("Update ending sessions: %v", err)
	}
	var want []string
	for _, s := range aSessions {
		if s.ID != keep.ID {
			want = append(want, s.ID)
		}
	}
	slices.Sort(want)
	got := slices.Clone(ended)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("Update ended %d sessions %v, want exactly %d %v", len(got), got, len(want), want)
	}
	for _, id := range want {
		expectNoSession(t, r, id)
	}
	expectSession(t, r, keep)
	for _, s := range bSessions {
		expectSession(t, r, s)
	}
	expectUser(t, "ByID after the password change", userByID(t, r, a.ID), changed)

	// Nothing to keep: the last one ends too. Then there is nothing left to end.
	ended, err = updateAll(t.Context(), r, changed, true, "")
	if err != nil || !slices.Equal(ended, []string{keep.ID}) {
		t.Fatalf("Update ending every session = %v, %v; want [%s]", ended, err, keep.ID)
	}
	expectNoSession(t, r, keep.ID)
	ended, err = updateAll(t.Context(), r, changed, true, keep.ID)
	if err != nil || len(ended) != 0 {
		t.Fatalf("Update with no session left = %v, %v; want none ended", ended, err)
	}
	// Keeping another user's session neither protects one's own sessions nor ends the other's.
	aNew := accountSession(a.ID, "frank-new", accountsEpoch.Add(time.Hour))
	createSession(t, r, aNew)
	ended, err = updateAll(t.Context(), r, b, true, aNew.ID)
	slices.Sort(ended)
	wantB := []string{bSessions[0].ID, bSecond.ID}
	slices.Sort(wantB)
	if err != nil || !slices.Equal(ended, wantB) {
		t.Fatalf("Update(b) ending sessions = %v, %v; want %v", ended, err, wantB)
	}
	expectSession(t, r, aNew)
}

func testUserUpdateUnknown(t *testing.T, r accountRepos) {
	known := accountUser("known")
	first := createUser(t, r, known)
	ghost := accountUser("ghost")
	for _, end := range []bool{false, true} {
		ended, err := updateAll(t.Context(), r, ghost, end, "")
		if !errors.Is(err, domain.ErrNotFound) || len(ended) != 0 {
			t.Errorf("Update(unknown user, endSessions=%v) = %v, %v; want domain.ErrNotFound", end, ended, err)
		}
	}
	expectNoUser(t, r, ghost)
	expectSession(t, r, first)
}

// A change names the fields it changes; the others stay as stored, even when the caller's copy of
// the user is older than the store's. Before, Update wrote every column from the caller's copy, so a
// name change read before a password change put the old password back.
func testUserUpdateColumnWise(t *testing.T, r accountRepos) {
	u := accountUser("ivy")
	createUser(t, r, u)
	newHash := "$argon2id$v=19$m=65536,t=1,p=2$aXZ5Mg$aXZ5Mmhhc2g"
	passwordChange := domain.UserChange{PasswordHash: &newHash, UpdatedAt: accountsEpoch.Add(time.Minute)}
	got, _, err := r.users.Update(t.Context(), u.ID, passwordChange, false, "")
	if err != nil {
		t.Fatalf("Update(password): %v", err)
	}
	want := u
	want.PasswordHash, want.UpdatedAt = newHash, accountsEpoch.Add(time.Minute)
	expectUser(t, "Update(password) returned", got, want)

	name := "Ivy Renamed"
	nameChange := domain.UserChange{Name: &name, UpdatedAt: accountsEpoch.Add(2 * time.Minute)}
	got, _, err = r.users.Update(t.Context(), u.ID, nameChange, false, "")
	if err != nil {
		t.Fatalf("Update(name): %v", err)
	}
	want.Name, want.UpdatedAt = name, accountsEpoch.Add(2*time.Minute)
	expectUser(t, "Update(name) returned", got, want)
	expectUser(t, "ByID after a password change then a name change", userByID(t, r, u.ID), want)

	// Only the time: nothing else moves.
	got, _, err = r.users.Update(t.Context(), u.ID, domain.UserChange{UpdatedAt: accountsEpoch.Add(3 * time.Minute)}, false, "")
	want.UpdatedAt = accountsEpoch.Add(3 * time.Minute)
	if err != nil {
		t.Fatalf("Update(nothing): %v", err)
	}
	expectUser(t, "Update(nothing) returned", got, want)
}

// A conditional change applies only while the stored hash is the one it names: a refused one
// changes nothing and ends no session, and says so with domain.ErrStale.
func testUserUpdateConditional(t *testing.T, r accountRepos) {
	u := accountUser("jack")
	first := createUser(t, r, u)
	second := accountSession(u.ID, "jack-2", accountsEpoch.Add(time.Hour))
	createSession(t, r, second)

	hash1 := "$argon2id$v=19$m=65536,t=1,p=2$amFjazE$amFjazFoYXNo"
	stale := domain.UserChange{PasswordHash: &hash1, IfPasswordHash: "$argon2id$not-the-stored-one", UpdatedAt: accountsEpoch.Add(time.Minute)}
	if got, ended, err := r.users.Update(t.Context(), u.ID, stale, true, first.ID); !errors.Is(err, domain.ErrStale) || len(ended) != 0 {
		t.Fatalf("Update with a stale IfPasswordHash = %+v, %v, %v; want domain.ErrStale and nothing ended", got, ended, err)
	}
	expectUser(t, "ByID after a refused conditional Update", userByID(t, r, u.ID), u)
	expectSession(t, r, first)
	expectSession(t, r, second)
	email := "jack.new@example.com"
	staleEmail := domain.UserChange{Email: &email, IfPasswordHash: hash1, UpdatedAt: accountsEpoch.Add(time.Minute)}
	if _, _, err := r.users.Update(t.Context(), u.ID, staleEmail, false, ""); !errors.Is(err, domain.ErrStale) {
		t.Fatalf("Update(email) with a stale IfPasswordHash = %v; want domain.ErrStale", err)
	}
	if _, err := r.users.ByEmail(t.Context(), email); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("a refused email change is visible: ByEmail = %v", err)
	}

	fresh := stale
	fresh.IfPasswordHash = u.PasswordHash
	got, ended, err := r.users.Update(t.Context(), u.ID, fresh, true, first.ID)
	if err != nil || !slices.Equal(ended, []string{second.ID}) {
		t.Fatalf("Update with the stored IfPasswordHash = %v, %v; want [%s] ended", ended, err, second.ID)
	}
	want := u
	want.PasswordHash, want.UpdatedAt = hash1, accountsEpoch.Add(time.Minute)
	expectUser(t, "conditional Update returned", got, want)
	expectSession(t, r, first)

	ghost := accountUser("jack-ghost")
	if _, _, err := r.users.Update(t.Context(), ghost.ID, fresh, true, ""); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("conditional Update of an unknown user = %v; want domain.ErrNotFound", err)
	}
}

// Many requests changing different fields of one user at once: each field ends as the last change
// of it left it, whatever the interleaving.
func testUserConcurrentUpdates(t *testing.T, r accountRepos) {
	u := accountUser("kate")
	createUser(t, r, u)
	const rounds = 10
	hashes := make([]string, rounds)
	var wg sync.WaitGroup
	errs := make(chan error, 2*rounds)
	for i := range rounds {
		hashes[i] = fmt.Sprintf("$argon2id$v=19$m=65536,t=1,p=2$a2F0ZQ$%02d", i)
		wg.Add(2)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("Kate %02d", i)
			_, _, err := r.users.Update(t.Context(), u.ID, domain.UserChange{Name: &name, UpdatedAt: accountsEpoch}, false, "")
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, _, err := r.users.Update(t.Context(), u.ID, domain.UserChange{PasswordHash: &hashes[i], UpdatedAt: accountsEpoch}, false, "")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Update: %v", err)
		}
	}
	got := userByID(t, r, u.ID)
	if !slices.Contains(hashes, got.PasswordHash) || !strings.HasPrefix(got.Name, "Kate ") {
		t.Fatalf("after concurrent name and password changes: %+v; a name change put back an old hash or the reverse", got)
	}
	if got.Email != u.Email {
		t.Fatalf("the email moved: %q", got.Email)
	}
}

func testSessionLifecycle(t *testing.T, r accountRepos) {
	u := accountUser("henry")
	first := createUser(t, r, u)
	s := accountSession(u.ID, "henry-2", accountsEpoch.Add(2*time.Hour))
	s.CreatedAt = accountsEpoch.Add(5 * time.Minute)
	createSession(t, r, s)
	expectSession(t, r, s)
	expectSession(t, r, first)

	later := accountsEpoch.Add(domain.SessionLifetime + 3*time.Hour)
	if err := r.sessions.Extend(t.Context(), s.ID, later); err != nil {
		t.Fatalf("Extend: %v", err)
	}
	s.ExpiresAt = later
	expectSession(t, r, s)
	// Extending to an earlier time is a plain set, not a max.
	earlier := accountsEpoch.Add(time.Hour)
	if err := r.sessions.Extend(t.Context(), s.ID, earlier); err != nil {
		t.Fatalf("Extend to an earlier time: %v", err)
	}
	s.ExpiresAt = earlier
	expectSession(t, r, s)
	if err := r.sessions.Extend(t.Context(), accountSessionID("nobody"), later); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Extend(unknown) = %v, want domain.ErrNotFound", err)
	}

	if err := r.sessions.Delete(t.Context(), s.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	expectNoSession(t, r, s.ID)
	expectSession(t, r, first)
	for _, id := range []string{s.ID, accountSessionID("nobody"), "", "not-a-session"} {
		if err := r.sessions.Delete(t.Context(), id); err != nil {
			t.Errorf("Delete(%q) of nothing = %v, want nil", id, err)
		}
	}
	expectSession(t, r, first)
	if err := r.sessions.Extend(t.Context(), s.ID, later); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Extend(deleted) = %v, want domain.ErrNotFound", err)
	}
	// The user is untouched by its sessions coming and going.
	expectUser(t, "ByID", userByID(t, r, u.ID), u)
}

func testSessionCreateRefusals(t *testing.T, r accountRepos) {
	u := accountUser("iris")
	first := createUser(t, r, u)

	dup := first
	dup.ExpiresAt = accountsEpoch.Add(time.Minute)
	if err := r.sessions.Create(t.Context(), dup); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("Create(taken id) = %v, want domain.ErrConflict", err)
	}
	expectSession(t, r, first) // not overwritten

	orphan := accountSession(accountUser("nobody").ID, "orphan", accountsEpoch.Add(time.Hour))
	if err := r.sessions.Create(t.Context(), orphan); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Create(session of an unknown user) = %v, want domain.ErrNotFound", err)
	}
	expectNoSession(t, r, orphan.ID)

	// Only the keyed hash's shape is a session id: a raw token is never stored.
	for _, id := range []string{"", "raw-token-_-base64url-43-characters-long-xx", strings.ToUpper(accountSessionID("x"))} {
		s := domain.Session{ID: id, UserID: u.ID, CreatedAt: accountsEpoch, ExpiresAt: accountsEpoch.Add(time.Hour)}
		if err := r.sessions.Create(t.Context(), s); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Create(id %q) = %v, want domain.ErrInvalid", id, err)
		}
		if got, err := r.sessions.Get(t.Context(), id); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Get(%q) = %+v, %v; want domain.ErrNotFound", id, got, err)
		}
	}
}

func testSessionGetReturnsExpired(t *testing.T, r accountRepos) {
	u := accountUser("jack")
	createUser(t, r, u)
	old := accountSession(u.ID, "jack-old", accountsEpoch.Add(-time.Hour))
	old.CreatedAt = accountsEpoch.Add(-domain.SessionLifetime - time.Hour)
	createSession(t, r, old)
	expectSession(t, r, old)
	got, err := r.sessions.Get(t.Context(), old.ID)
	if err != nil {
		t.Fatalf("Get(expired session): %v", err)
	}
	if !got.Expired(accountsEpoch) {
		t.Errorf("the session read back is not expired at %v: %+v", accountsEpoch, got)
	}
}

func testSessionDeleteExpired(t *testing.T, r accountRepos) {
	now := accountsEpoch.Add(30 * 24 * time.Hour)
	offsets := []time.Duration{ // expiry relative to now
		-48 * time.Hour, -time.Second, 0, // over at now: expiry is exclusive
		time.Second, time.Hour, domain.SessionLifetime,
	}
	var all []domain.Session
	for u := range 3 {
		user := accountUser(fmt.Sprintf("sweep-%d", u))
		first := firstSession(user)
		first.ExpiresAt = now.Add(offsets[(u+3)%len(offsets)]) // one still valid per user
		if err := r.users.Create(t.Context(), user, first); err != nil {
			t.Fatal(err)
		}
		all = append(all, first)
		for i, off := range offsets {
			s := accountSession(user.ID, fmt.Sprintf("sweep-%d-%d", u, i), now.Add(off))
			createSession(t, r, s)
			all = append(all, s)
		}
	}
	wantGone := func(at time.Time) (gone, kept []domain.Session) {
		for _, s := range all {
			if s.Expired(at) {
				gone = append(gone, s)
			} else {
				kept = append(kept, s)
			}
		}
		return gone, kept
	}

	gone, kept := wantGone(now)
	n, err := r.sessions.DeleteExpired(t.Context(), now)
	if err != nil || n != int64(len(gone)) || n != 9 {
		t.Fatalf("DeleteExpired(now) = %d, %v; want %d", n, err, len(gone))
	}
	for _, s := range gone {
		expectNoSession(t, r, s.ID)
	}
	for _, s := range kept {
		expectSession(t, r, s)
	}
	if n, err := r.sessions.DeleteExpired(t.Context(), now); err != nil || n != 0 {
		t.Fatalf("DeleteExpired(now) again = %d, %v; want 0", n, err)
	}

	// Half a second later nothing more is over (the next expiry is a whole second after now); one
	// hour later, the sessions that had one second and one hour left are.
	if n, err := r.sessions.DeleteExpired(t.Context(), now.Add(500*time.Millisecond)); err != nil || n != 0 {
		t.Fatalf("DeleteExpired(now+0.5s) = %d, %v; want 0", n, err)
	}
	all = kept
	gone, kept = wantGone(now.Add(time.Hour))
	n, err = r.sessions.DeleteExpired(t.Context(), now.Add(time.Hour))
	if err != nil || n != int64(len(gone)) || n != 6+2 {
		t.Fatalf("DeleteExpired(now+1h) = %d, %v; want %d", n, err, len(gone))
	}
	for _, s := range gone {
		expectNoSession(t, r, s.ID)
	}
	for _, s := range kept {
		expectSession(t, r, s)
	}
}

// activityUsers creates n users and returns them.
func activityUsers(t *testing.T, r accountRepos, n int) []domain.User {
	t.Helper()
	users := make([]domain.User, n)
	for i := range n {
		users[i] = accountUser(fmt.Sprintf("act-%d", i))
		createUser(t, r, users[i])
	}
	return users
}

func viewActivity(userID string, i int) domain.Activity {
	return domain.Activity{
		UserID: userID, Type: domain.ActivityView, TorrentID: int64(1000 + i),
		InfoHash: hashOf(fmt.Sprintf("activity-%d", i)), CreatedAt: accountsEpoch.Add(time.Duration(i) * time.Second),
	}
}

func searchActivity(userID string, i int) domain.Activity {
	return domain.Activity{
		UserID: userID, Type: domain.ActivitySearch, Query: fmt.Sprintf("search %d: café “quoted” 'x' %%_", i),
		CreatedAt: accountsEpoch.Add(time.Duration(i) * time.Second),
	}
}

func appendActivities(t *testing.T, r accountRepos, activities ...domain.Activity) {
	t.Helper()
	if err := r.activities.Append(t.Context(), activities); err != nil {
		t.Fatalf("Append(%d activities): %v", len(activities), err)
	}
}

func listActivities(t *testing.T, r accountRepos, userID string, limit int, beforeID int64) []domain.Activity {
	t.Helper()
	got, err := r.activities.List(t.Context(), userID, limit, beforeID)
	if err != nil {
		t.Fatalf("List(%s, %d, %d): %v", userID, limit, beforeID, err)
	}
	for i, a := range got {
		if a.ID <= 0 || a.UserID != userID || (i > 0 && got[i-1].ID <= a.ID) || (beforeID > 0 && a.ID >= beforeID) {
			t.Fatalf("List(%s, %d, %d) item %d = %+v: want positive ids of that user, strictly decreasing, below %d",
				userID, limit, beforeID, i, a, beforeID)
		}
	}
	if len(got) > max(limit, 1) && limit != 0 {
		t.Fatalf("List(%s, %d, %d) returned %d items", userID, limit, beforeID, len(got))
	}
	return got
}

// expectActivity compares a stored activity with what was appended (its ID aside).
func expectActivity(t *testing.T, got, want domain.Activity) {
	t.Helper()
	if got.UserID != want.UserID || got.Type != want.Type || got.TorrentID != want.TorrentID ||
		got.InfoHash != want.InfoHash || got.Query != want.Query || !sameStoredTime(got.CreatedAt, want.CreatedAt) {
		t.Errorf("activity %d differs:\n  got  %+v\n  want %+v", got.ID, got, want)
	}
}

func activityIDs(items []domain.Activity) []int64 {
	return ids(items, func(a domain.Activity) int64 { return a.ID })
}

func testActivityAppendThenList(t *testing.T, r accountRepos) {
	u := activityUsers(t, r, 1)[0]
	if err := r.activities.Append(t.Context(), nil); err != nil {
		t.Fatalf("Append(nothing) = %v", err)
	}
	if got := listActivities(t, r, u.ID, 10, 0); len(got) != 0 {
		t.Fatalf("List before any Append = %+v", got)
	}
	first := []domain.Activity{viewActivity(u.ID, 1), searchActivity(u.ID, 2), viewActivity(u.ID, 3)}
	appendActivities(t, r, first...)
	second := []domain.Activity{searchActivity(u.ID, 4), viewActivity(u.ID, 5)}
	appendActivities(t, r, second...)

	got := listActivities(t, r, u.ID, 10, 0)
	want := slices.Concat(first, second)
	slices.Reverse(want)
	if len(got) != len(want) {
		t.Fatalf("List returned %d activities, want %d: %+v", len(got), len(want), got)
	}
	// Newest first is the reverse of the order appended: ids grow within a call and across calls.
	for i := range got {
		expectActivity(t, got[i], want[i])
	}
}

// A call of more than 100 rows (D1's bound-parameter limit is per statement) is stored whole, in
// order, in one write.
func testActivityLargeAppend(t *testing.T, r accountRepos) {
	users := activityUsers(t, r, 2)
	var batch []domain.Activity
	for i := range 257 {
		u := users[i%3%2] // two of every three rows to the first user
		if i%2 == 0 {
			batch = append(batch, viewActivity(u.ID, i))
		} else {
			batch = append(batch, searchActivity(u.ID, i))
		}
	}
	appendActivities(t, r, batch...)
	for _, u := range users {
		var want []domain.Activity
		for _, a := range batch {
			if a.UserID == u.ID {
				want = append(want, a)
			}
		}
		slices.Reverse(want)
		got := listActivities(t, r, u.ID, 1000, 0)
		if len(got) != len(want) {
			t.Fatalf("user %s has %d activities, want %d", u.Email, len(got), len(want))
		}
		for i := range got {
			expectActivity(t, got[i], want[i])
		}
	}
}

func testActivityRoundTrip(t *testing.T, r accountRepos) {
	u := activityUsers(t, r, 1)[0]
	view := domain.Activity{
		UserID: u.ID, Type: domain.ActivityView, TorrentID: 9_007_199_254_740_000, // near 2^53: D1's exact range
		InfoHash:  domain.InfoHash{0xff, 0x00, 0x10, 0xab, 19: 0x01},
		CreatedAt: accountsEpoch.Add(1500 * time.Millisecond),
	}
	search := domain.Activity{
		UserID: u.ID, Type: domain.ActivitySearch, Query: "  Ünïcödé ∑ 日本語 \"q\" -- ; DROP TABLE users; 100%  ",
		CreatedAt: accountsEpoch.Add(-24 * time.Hour),
	}
	emptySearch := domain.Activity{UserID: u.ID, Type: domain.ActivitySearch, CreatedAt: accountsEpoch}
	// A view may lack the id or the hash of its torrent; what is there is kept.
	hashOnly := domain.Activity{UserID: u.ID, Type: domain.ActivityView, InfoHash: hashOf("hash-only"), CreatedAt: accountsEpoch}
	appendActivities(t, r, view, search, emptySearch, hashOnly)
	got := listActivities(t, r, u.ID, 10, 0)
	if len(got) != 4 {
		t.Fatalf("List = %+v, want 4 activities", got)
	}
	expectActivity(t, got[3], view)
	expectActivity(t, got[2], search)
	expectActivity(t, got[1], emptySearch)
	expectActivity(t, got[0], hashOnly)
	if !got[2].InfoHash.IsZero() || got[2].TorrentID != 0 {
		t.Errorf("a search came back with a torrent: %+v", got[2])
	}

	// An activity without a time is stamped by the store.
	before := time.Now().Add(-time.Second)
	appendActivities(t, r, domain.Activity{UserID: u.ID, Type: domain.ActivitySearch, Query: "untimed"})
	after := time.Now().Add(time.Second)
	stamped := listActivities(t, r, u.ID, 1, 0)
	if len(stamped) != 1 || stamped[0].Query != "untimed" || stamped[0].CreatedAt.Before(before) || stamped[0].CreatedAt.After(after) {
		t.Errorf("untimed activity = %+v, want it stamped between %v and %v", stamped, before, after)
	}
}

func testActivityLimit(t *testing.T, r accountRepos) {
	u := activityUsers(t, r, 1)[0]
	var batch []domain.Activity
	for i := range 30 {
		batch = append(batch, viewActivity(u.ID, i))
	}
	appendActivities(t, r, batch...)
	all := listActivities(t, r, u.ID, 100, 0)
	if len(all) != 30 {
		t.Fatalf("List(limit 100) returned %d of 30", len(all))
	}
	for _, limit := range []int{1, 3, 29, 30, 31} {
		got := listActivities(t, r, u.ID, limit, 0)
		if want := activityIDs(all[:min(limit, 30)]); !slices.Equal(activityIDs(got), want) {
			t.Errorf("List(limit %d) ids = %v, want %v", limit, activityIDs(got), want)
		}
	}
	if got := listActivities(t, r, u.ID, 0, 0); !slices.Equal(activityIDs(got), activityIDs(all[:domain.DefaultActivityPage])) {
		t.Errorf("List(limit 0) ids = %v, want the %d newest", activityIDs(got), domain.DefaultActivityPage)
	}
	// beforeID at or below the oldest id finds nothing; above the newest finds everything.
	if got := listActivities(t, r, u.ID, 100, all[29].ID); len(got) != 0 {
		t.Errorf("List(before the oldest) = %v", activityIDs(got))
	}
	if got := listActivities(t, r, u.ID, 100, all[0].ID+1000); len(got) != 30 {
		t.Errorf("List(before far above the newest) returned %d of 30", len(got))
	}
	if got := listActivities(t, r, u.ID, 5, all[9].ID); !slices.Equal(activityIDs(got), activityIDs(all[10:15])) {
		t.Errorf("List(5 before %d) ids = %v, want %v", all[9].ID, activityIDs(got), activityIDs(all[10:15]))
	}
}

// Paging by the last id seen walks every activity once, whatever the page size.
func testActivityPaging(t *testing.T, r accountRepos) {
	users := activityUsers(t, r, 2)
	var batch []domain.Activity
	for i := range 75 {
		batch = append(batch, viewActivity(users[0].ID, i), searchActivity(users[1].ID, i))
	}
	appendActivities(t, r, batch...)
	all := listActivities(t, r, users[0].ID, 1000, 0)
	if len(all) != 75 {
		t.Fatalf("List returned %d of 75", len(all))
	}
	for _, size := range []int{2, 7, 25, 74, 75, 100} {
		var walked []int64
		var before int64
		for pages := 0; ; pages++ {
			if pages > 80 {
				t.Fatalf("page size %d: paging does not end", size)
			}
			page := listActivities(t, r, users[0].ID, size, before)
			walked = append(walked, activityIDs(page)...)
			if len(page) < size {
				break
			}
			before = page[len(page)-1].ID
		}
		if !slices.Equal(walked, activityIDs(all)) {
			t.Errorf("page size %d walked %v, want %v", size, walked, activityIDs(all))
		}
	}
}

func testActivityIsolation(t *testing.T, r accountRepos) {
	users := activityUsers(t, r, 3)
	appendActivities(t, r, viewActivity(users[0].ID, 1), searchActivity(users[1].ID, 2), viewActivity(users[0].ID, 3))
	a := listActivities(t, r, users[0].ID, 10, 0)
	b := listActivities(t, r, users[1].ID, 10, 0)
	if len(a) != 2 || len(b) != 1 {
		t.Fatalf("user 0 has %d activities, user 1 has %d; want 2 and 1", len(a), len(b))
	}
	expectActivity(t, a[0], viewActivity(users[0].ID, 3))
	expectActivity(t, a[1], viewActivity(users[0].ID, 1))
	expectActivity(t, b[0], searchActivity(users[1].ID, 2))
	// Another user's id as a cursor still lists only one's own.
	if got := listActivities(t, r, users[1].ID, 10, a[0].ID+1); len(got) != 1 || got[0].ID != b[0].ID {
		t.Errorf("List(user 1, before %d) = %+v", a[0].ID+1, got)
	}
	for _, id := range []string{users[2].ID, accountUser("nobody").ID, ""} {
		if got := listActivities(t, r, id, 10, 0); len(got) != 0 {
			t.Errorf("List(%q) = %+v, want nothing", id, got)
		}
	}
}

// An Append that cannot be stored whole stores nothing.
func testActivityAllOrNothing(t *testing.T, r accountRepos) {
	u := activityUsers(t, r, 1)[0]
	var batch []domain.Activity
	for i := range 120 { // more than one statement's worth before the bad row
		batch = append(batch, viewActivity(u.ID, i))
	}
	bad := map[string]domain.Activity{
		"an unknown type":    {UserID: u.ID, Type: "download", CreatedAt: accountsEpoch},
		"no user":            {Type: domain.ActivityView, TorrentID: 1, CreatedAt: accountsEpoch},
		"an unknown user":    viewActivity(accountUser("nobody").ID, 1),
		"a negative torrent": {UserID: u.ID, Type: domain.ActivityView, TorrentID: -1, CreatedAt: accountsEpoch},
	}
	for what, a := range bad {
		err := r.activities.Append(t.Context(), append(slices.Clone(batch), a))
		if err == nil {
			t.Errorf("Append with %s succeeded", what)
		}
		if what != "an unknown user" && !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("Append with %s = %v, want domain.ErrInvalid", what, err)
		}
		if got := listActivities(t, r, u.ID, 1000, 0); len(got) != 0 {
			t.Fatalf("Append with %s stored %d activities, want none", what, len(got))
		}
	}
	// The store still works, and its ids still grow.
	appendActivities(t, r, batch[:2]...)
	if got := listActivities(t, r, u.ID, 10, 0); len(got) != 2 || got[0].ID <= got[1].ID {
		t.Fatalf("List after the refused Appends = %+v", got)
	}
}

// Appends at once get distinct ids, and each call's rows keep their order.
func testActivityConcurrentAppends(t *testing.T, r accountRepos) {
	const (
		writers = 8
		calls   = 4
		perCall = 10
	)
	users := activityUsers(t, r, 2)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for c := range calls {
				batch := make([]domain.Activity, perCall)
				for i := range batch {
					batch[i] = searchActivity(users[w%2].ID, (w*calls+c)*perCall+i)
				}
				if err := r.activities.Append(t.Context(), batch); err != nil {
					t.Errorf("writer %d: Append: %v", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	seen := make(map[int64]bool)
	for _, u := range users {
		got := listActivities(t, r, u.ID, 1000, 0)
		if len(got) != writers/2*calls*perCall {
			t.Fatalf("user %s has %d activities, want %d", u.Email, len(got), writers/2*calls*perCall)
		}
		// Oldest first, each writer's activities come in the order it appended them.
		lastN := make(map[int]int)
		for i := len(got) - 1; i >= 0; i-- {
			a := got[i]
			if seen[a.ID] {
				t.Fatalf("id %d given twice", a.ID)
			}
			seen[a.ID] = true
			var n int
			if _, err := fmt.Sscanf(a.Query, "search %d:", &n); err != nil {
				t.Fatalf("query %q: %v", a.Query, err)
			}
			w := n / perCall / calls
			if last, ok := lastN[w]; ok && n <= last {
				t.Fatalf("writer %d's activity %d has a higher id than its later activity %d", w, last, n)
			}
			lastN[w] = n
		}
	}
}

// A batch sent again (its answer lost) stores nothing twice: activities carry keys.
func testActivityKeyStoredOnce(t *testing.T, r accountRepos) {
	u := accountUser("keyed")
	createUser(t, r, u)
	batch := []domain.Activity{
		{UserID: u.ID, Type: domain.ActivitySearch, Query: "one", CreatedAt: accountsEpoch, Key: "key-1"},
		{UserID: u.ID, Type: domain.ActivitySearch, Query: "two", CreatedAt: accountsEpoch, Key: "key-2"},
		{UserID: u.ID, Type: domain.ActivitySearch, Query: "unkeyed", CreatedAt: accountsEpoch},
	}
	for range 2 {
		if err := r.activities.Append(t.Context(), batch); err != nil {
			t.Fatalf("Append: %v", err)
		}
	}
	got, err := r.activities.List(t.Context(), u.ID, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, a := range got {
		count[a.Query]++
	}
	if count["one"] != 1 || count["two"] != 1 || count["unkeyed"] != 2 {
		t.Fatalf("after the same batch twice: %v; want the keyed ones once", count)
	}
	long := batch[0]
	long.Key = strings.Repeat("k", 65)
	if err := r.activities.Append(t.Context(), []domain.Activity{long}); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("a key over 64 bytes: %v", err)
	}
}

func testActivityDeleteBefore(t *testing.T, r accountRepos) {
	u := accountUser("aged")
	createUser(t, r, u)
	var batch []domain.Activity
	for i := range 5 {
		batch = append(batch, domain.Activity{UserID: u.ID, Type: domain.ActivitySearch, Query: fmt.Sprint(i),
			CreatedAt: accountsEpoch.Add(time.Duration(i) * time.Hour)})
	}
	if err := r.activities.Append(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	n, err := r.activities.DeleteBefore(t.Context(), accountsEpoch.Add(2*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("DeleteBefore = %d, %v; want 2", n, err)
	}
	got, err := r.activities.List(t.Context(), u.ID, 100, 0)
	if err != nil || len(got) != 3 || got[len(got)-1].Query != "2" {
		t.Fatalf("left %+v, %v", got, err)
	}
}

// The same write sent twice (its first answer lost) ends as if sent once: the store recognises its
// own rows. Another account's email, or another user's session id, is still a conflict.
func testUserWritesSentTwice(t *testing.T, r accountRepos) {
	u := accountUser("twice")
	first := firstSession(u)
	for i := range 2 {
		if err := r.users.Create(t.Context(), u, first); err != nil {
			t.Fatalf("Create, send %d: %v", i+1, err)
		}
	}
	twin := accountUser("twice-twin")
	twin.Email = u.Email
	if err := r.users.Create(t.Context(), twin, firstSession(twin)); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("another account with the email: %v", err)
	}
	s := accountSession(u.ID, "twice-2", accountsEpoch.Add(time.Hour))
	for i := range 2 {
		if err := r.sessions.Create(t.Context(), s); err != nil {
			t.Fatalf("Sessions.Create, send %d: %v", i+1, err)
		}
	}
	o := accountUser("twice-other")
	createUser(t, r, o)
	stolen := s
	stolen.UserID = o.ID
	if err := r.sessions.Create(t.Context(), stolen); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("another user's session id: %v", err)
	}
	hash := "$argon2id$v=19$m=65536,t=1,p=2$dHdpY2U$dHdpY2U"
	change := domain.UserChange{PasswordHash: &hash, IfPasswordHash: u.PasswordHash, UpdatedAt: accountsEpoch.Add(time.Minute)}
	for i := range 2 {
		if _, _, err := r.users.Update(t.Context(), u.ID, change, true, first.ID); err != nil {
			t.Fatalf("conditional password change, send %d: %v", i+1, err)
		}
	}
	expectNoSession(t, r, s.ID)
	expectSession(t, r, first)
}
