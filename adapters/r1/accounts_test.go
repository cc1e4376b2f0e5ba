package r1

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// recordingEngine remembers every batch it runs, so a test can see how a write was cut.
type recordingEngine struct {
	Engine
	mu      sync.Mutex
	batches [][]Statement
	queries []Statement
}

func (e *recordingEngine) Batch(ctx context.Context, statements []Statement) ([]Result, error) {
	e.mu.Lock()
	e.batches = append(e.batches, statements)
	e.mu.Unlock()
	return e.Engine.Batch(ctx, statements)
}

func (e *recordingEngine) Query(ctx context.Context, s Statement) (Result, error) {
	e.mu.Lock()
	e.queries = append(e.queries, s)
	e.mu.Unlock()
	return e.Engine.Query(ctx, s)
}

func (e *recordingEngine) lastQuery() Statement {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.queries) == 0 {
		return Statement{}
	}
	return e.queries[len(e.queries)-1]
}

func (e *recordingEngine) take() [][]Statement {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.batches
	e.batches = nil
	return out
}

// eachModeRecorded is eachMode with the database's batches recorded.
func eachModeRecorded(t *testing.T, test func(t *testing.T, db *Database, rec *recordingEngine)) {
	t.Helper()
	eachMode(t, func(t *testing.T, db *Database) {
		rec := &recordingEngine{Engine: db.engine}
		test(t, New(rec), rec)
	})
}

func testUser(key string) domain.User {
	return domain.User{
		ID: "user-" + key, Email: key + "@example.com", Name: "User " + key, PasswordHash: "$argon2id$hash-" + key,
		CreatedAt: baseTime, UpdatedAt: baseTime,
	}
}

func testSessionID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func testSession(userID, key string, expires time.Time) domain.Session {
	return domain.Session{ID: testSessionID(key), UserID: userID, CreatedAt: baseTime, ExpiresAt: expires}
}

func mustCreateUser(t *testing.T, users *UserRepository, u domain.User) domain.Session {
	t.Helper()
	s := testSession(u.ID, "first-"+u.ID, baseTime.Add(domain.SessionLifetime))
	if err := users.Create(context.Background(), u, s); err != nil {
		t.Fatalf("Create(%s): %v", u.Email, err)
	}
	return s
}

func TestAccountsMigration(t *testing.T) {
	ctx := context.Background()
	db := openMigrated(t, LocalOptions{ParamsAsText: true})
	if n := scalar(t, db, "SELECT count(*) FROM d1_migrations WHERE name = '0002_accounts.sql'"); n != 1 {
		t.Fatalf("0002_accounts.sql recorded %d times", n)
	}
	if n := scalar(t, db, `SELECT count(*) FROM pragma_table_list
WHERE name IN ('users', 'sessions', 'activities') AND strict = 1`); n != 3 {
		t.Fatalf("%d of the 3 account tables are STRICT", n)
	}
	// A database that has only the catalog (migrated before 0002 existed) gets the accounts on the
	// next start, and is not ready until then.
	if _, err := db.batch(ctx, []Statement{
		{SQL: "DROP TABLE activities"}, {SQL: "DROP TABLE sessions"}, {SQL: "DROP TABLE users"},
		{SQL: "DELETE FROM d1_migrations WHERE name = '0002_accounts.sql'"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("Ping without 0002 = %v, want ErrUnavailable", err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping after migrating again: %v", err)
	}
	mustCreateUser(t, NewUserRepository(db), testUser("after"))
}

func TestCreateUserIsOneAtomicBatch(t *testing.T) {
	eachModeRecorded(t, func(t *testing.T, db *Database, rec *recordingEngine) {
		ctx := context.Background()
		users := NewUserRepository(db)
		a := testUser("a")
		aSession := mustCreateUser(t, users, a)
		if b := rec.take(); len(b) != 1 || len(b[0]) != 2 {
			t.Fatalf("Create ran %d batches (%v), want one of two statements", len(b), b)
		}

		// A taken email fails the first statement.
		b := testUser("b")
		b.Email = a.Email
		err := users.Create(ctx, b, testSession(b.ID, "b", baseTime.Add(time.Hour)))
		var conflict *domain.ConflictError
		if !errors.As(err, &conflict) || conflict.Field != "email" {
			t.Fatalf("Create with a taken email = %v, want a conflict on email", err)
		}
		// A taken session id fails the second statement, after the user's insert succeeded: the
		// batch's transaction takes the user back out.
		c := testUser("c")
		clash := aSession
		clash.UserID = c.ID
		if err := users.Create(ctx, c, clash); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("Create with a taken session id = %v, want a conflict", err)
		}
		if batches := rec.take(); len(batches) != 2 {
			t.Fatalf("the refused Creates ran %d batches, want 2", len(batches))
		}
		if n := scalar(t, db, "SELECT count(*) FROM users"); n != 1 {
			t.Fatalf("%d users after two refused Creates, want 1", n)
		}
		if n := scalar(t, db, "SELECT count(*) FROM sessions"); n != 1 {
			t.Fatalf("%d sessions after two refused Creates, want 1", n)
		}
		// Refused before reaching the store: a raw token as the session id, a session of another user.
		for _, s := range []domain.Session{
			{ID: "raw-token", UserID: c.ID, ExpiresAt: baseTime},
			testSession(a.ID, "someone else's", baseTime),
		} {
			if err := users.Create(ctx, c, s); !errors.Is(err, domain.ErrInvalid) {
				t.Errorf("Create(%+v) = %v, want ErrInvalid", s, err)
			}
		}
		if batches := rec.take(); len(batches) != 0 {
			t.Fatalf("invalid Creates reached the engine: %v", batches)
		}
	})
}

func TestUpdateEndingSessionsIsOneAtomicBatch(t *testing.T) {
	eachModeRecorded(t, func(t *testing.T, db *Database, rec *recordingEngine) {
		ctx := context.Background()
		users, sessions := NewUserRepository(db), NewSessionRepository(db)
		a := testUser("a")
		keep := mustCreateUser(t, users, a)
		for i := range 3 {
			if err := sessions.Create(ctx, testSession(a.ID, fmt.Sprint("a-", i), baseTime.Add(time.Hour))); err != nil {
				t.Fatal(err)
			}
		}
		b := testUser("b")
		mustCreateUser(t, users, b)
		rec.take()

		if _, _, err := users.Update(ctx, a.ID, domain.UserChange{Email: &b.Email}, true, keep.ID); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("Update to a taken email = %v", err)
		}
		if n := scalar(t, db, "SELECT count(*) FROM sessions WHERE user_id = ?", a.ID); n != 4 {
			t.Fatalf("the refused Update left %d of a's 4 sessions", n)
		}
		hash := "$argon2id$new"
		_, ended, err := users.Update(ctx, a.ID, domain.UserChange{PasswordHash: &hash}, true, keep.ID)
		if err != nil || len(ended) != 3 {
			t.Fatalf("Update = %v, %v; want 3 sessions ended", ended, err)
		}
		batches := rec.take()
		if len(batches) != 2 || len(batches[1]) != 2 || !strings.HasPrefix(batches[1][1].SQL, "DELETE FROM sessions") {
			t.Fatalf("the Updates ran %v, want one batch each: the update and the delete", batches)
		}
		if n := scalar(t, db, "SELECT count(*) FROM sessions"); n != 2 {
			t.Fatalf("%d sessions left, want a's kept one and b's", n)
		}
	})
}

// The statements that must not scan a whole table, as the repositories send them, are checked
// against SQLite's plan.
func TestAccountStatementsUseTheirIndexes(t *testing.T) {
	ctx := context.Background()
	base := openMigrated(t, LocalOptions{ParamsAsText: true})
	rec := &recordingEngine{Engine: base.engine}
	db := New(rec)
	users, sessions, activities := NewUserRepository(db), NewSessionRepository(db), NewActivityRepository(db)
	u := testUser("a")
	mustCreateUser(t, users, u)
	rec.take()
	lastOf := func(what string, run func() error) Statement {
		t.Helper()
		if err := run(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		b := rec.take()
		if len(b) == 0 {
			t.Fatalf("%s wrote nothing", what)
		}
		last := b[len(b)-1]
		return last[len(last)-1]
	}
	queried := func(what string, run func() error) Statement {
		t.Helper()
		if err := run(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return rec.lastQuery()
	}
	for _, c := range []struct {
		what  string
		s     Statement
		index string
	}{
		{"DeleteExpired", lastOf("DeleteExpired", func() error {
			_, err := sessions.DeleteExpired(ctx, baseTime)
			return err
		}), "sessions_expires_at"},
		{"Update ending sessions", lastOf("Update", func() error {
			_, _, err := users.Update(ctx, u.ID, domain.UserChange{PasswordHash: &u.PasswordHash}, true, "")
			return err
		}), "sessions_user_id"},
		{"List", queried("List", func() error {
			_, err := activities.List(ctx, u.ID, 10, 5)
			return err
		}), "activities_user_id"},
		{"ByEmail", queried("ByEmail", func() error {
			_, err := users.ByEmail(ctx, u.Email)
			return err
		}), "users_email"},
	} {
		joined := strings.Join(queryPlan(t, ctx, base, c.s), "; ")
		if !strings.Contains(joined, "SEARCH") || !strings.Contains(joined, c.index) ||
			strings.Contains(joined, "TEMP B-TREE") {
			t.Errorf("%s: %s\nplan: %s\nwant a search of %s with no sort", c.what, c.s.SQL, joined, c.index)
		}
	}
}

func TestAppendActivitiesIsOneBatchOfFullStatements(t *testing.T) {
	eachModeRecorded(t, func(t *testing.T, db *Database, rec *recordingEngine) {
		ctx := context.Background()
		u := testUser("a")
		mustCreateUser(t, NewUserRepository(db), u)
		rec.take()
		repo := NewActivityRepository(db)
		var batch []domain.Activity
		for i := range 257 {
			a := domain.Activity{UserID: u.ID, Type: domain.ActivitySearch, Query: fmt.Sprint("q", i), CreatedAt: baseTime}
			if i%2 == 0 {
				a = domain.Activity{UserID: u.ID, Type: domain.ActivityView, TorrentID: int64(i + 1), InfoHash: hashOf(i), CreatedAt: baseTime}
			}
			batch = append(batch, a)
		}
		if err := repo.Append(ctx, batch); err != nil {
			t.Fatal(err)
		}
		batches := rec.take()
		if len(batches) != 1 || len(batches[0]) != (257+activitiesPerInsert-1)/activitiesPerInsert {
			t.Fatalf("Append ran %d batches, want one of %d statements", len(batches), (257+activitiesPerInsert-1)/activitiesPerInsert)
		}
		for i, s := range batches[0] {
			if len(s.Params) > maxParams || (i < len(batches[0])-1 && len(s.Params) != activitiesPerInsert*activityParams) {
				t.Fatalf("statement %d binds %d parameters", i, len(s.Params))
			}
		}
		// Ids follow the order given, without gaps within the call; searches store NULL, not 0 or ''.
		if n := scalar(t, db, "SELECT max(id) - min(id) + 1 FROM activities"); n != 257 {
			t.Fatalf("ids span %d, want 257", n)
		}
		if n := scalar(t, db, `SELECT count(*) FROM activities a JOIN activities b ON b.id = a.id + 1
WHERE (a.query = '') = (b.query = '')`); n != 0 {
			t.Fatalf("%d neighbouring ids are not view-then-search alternating as appended", n)
		}
		if n := scalar(t, db, `SELECT count(*) FROM activities WHERE type = 'search'
AND (torrent_id IS NOT NULL OR info_hash IS NOT NULL)`); n != 0 {
			t.Fatalf("%d searches stored a torrent", n)
		}
		if n := scalar(t, db, "SELECT count(*) FROM activities WHERE typeof(created_at) <> 'integer' OR typeof(id) <> 'integer'"); n != 0 {
			t.Fatalf("%d rows stored a number as something else", n)
		}
	})
}

// A user's sessions and activities go with the user; activities point at torrents without a
// foreign key, so a torrent that is not (or no longer) in the catalog blocks nothing.
func TestAccountForeignKeys(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		u := testUser("a")
		mustCreateUser(t, NewUserRepository(db), u)
		if err := NewActivityRepository(db).Append(ctx, []domain.Activity{
			{UserID: u.ID, Type: domain.ActivityView, TorrentID: 424242, InfoHash: hashOf(1), CreatedAt: baseTime},
		}); err != nil {
			t.Fatalf("Append of a torrent the catalog does not hold: %v", err)
		}
		if _, err := db.batch(ctx, []Statement{{SQL: "DELETE FROM users WHERE id = ?", Params: []any{u.ID}}}); err != nil {
			t.Fatal(err)
		}
		if n := scalar(t, db, "SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM activities)"); n != 0 {
			t.Fatalf("%d sessions and activities outlived their user", n)
		}
	})
}
