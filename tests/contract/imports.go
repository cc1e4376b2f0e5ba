package contract

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// ImportStores are the store-side ports of an import over one store, with the repositories that
// read back what they wrote.
type ImportStores struct {
	Accounts    ports.AccountImportStore
	Categories  ports.CategoryImportStore
	Checkpoints ports.ImportCheckpoints
	Export      ports.CatalogExport

	Users      ports.UserRepository
	Sessions   ports.SessionRepository
	Activities ports.ActivityRepository
	Torrents   ports.TorrentRepository
	Catalog    ports.CategoryRepository
}

// ImportStoreHarness makes the stores RunImportStores tests.
type ImportStoreHarness struct {
	Name string
	// New returns the ports over a fresh store holding the default categories and nothing else.
	New func(t *testing.T) ImportStores
}

// RunImportStores runs the contracts of ports.AccountImportStore, ports.CategoryImportStore,
// ports.ImportCheckpoints and ports.CatalogExport against h.
func RunImportStores(t *testing.T, h ImportStoreHarness) {
	run := func(t *testing.T, name string, test func(t *testing.T, s ImportStores)) {
		t.Run(name, func(t *testing.T) { test(t, h.New(t)) })
	}
	t.Run(h.Name, func(t *testing.T) {
		run(t, "UpsertUsers", testImportUsers)
		run(t, "UpsertSessions", testImportSessions)
		run(t, "AddActivities", testImportActivities)
		run(t, "UpsertCategories", testImportCategories)
		run(t, "Checkpoints", testImportCheckpoints)
		run(t, "ExportPages", testExportPages)
	})
}

// outcomesOf reads a call's outcomes as words: outcomesOf(t)(store.Upsert...(...)).
func outcomesOf(t *testing.T) func(got []ports.ImportOutcome, err error) string {
	t.Helper()
	return func(got []ports.ImportOutcome, err error) string {
		t.Helper()
		return outcomeWords(t, got, err)
	}
}

func outcomeWords(t *testing.T, got []ports.ImportOutcome, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, o := range got {
		switch {
		case o.Missing:
			b.WriteString("missing ")
		case o.Created:
			b.WriteString("created ")
		case o.Unchanged:
			b.WriteString("unchanged ")
		default:
			b.WriteString("updated ")
		}
	}
	return strings.TrimSpace(b.String())
}

func importedUser(id, email, name, hash string) domain.User {
	return domain.User{ID: id, Email: email, Name: name, PasswordHash: hash, CreatedAt: epoch, UpdatedAt: epoch}
}

func testImportUsers(t *testing.T, s ImportStores) {
	ctx := context.Background()
	ada := importedUser("id-ada", "ada@example.com", "Ada", "$legacy$ada")
	oauth := importedUser("id-oauth", "oauth@example.com", "Oauth", "")
	if got := outcomesOf(t)(s.Accounts.UpsertUsers(ctx, []domain.User{ada, oauth, ada})); got != "created created unchanged" {
		t.Fatalf("first import: %s, want created created unchanged (the same email twice is one user)", got)
	}
	if got := outcomesOf(t)(s.Accounts.UpsertUsers(ctx, []domain.User{ada, oauth})); got != "unchanged unchanged" {
		t.Fatalf("the same again: %s, want unchanged twice", got)
	}
	// A new name updates; a password is set where there was none and never replaced; the id of a
	// known email stays its own; an id another email holds is not stored.
	renamed := ada
	renamed.Name, renamed.PasswordHash, renamed.ID = "Ada L.", "$legacy$other", "id-elsewhere"
	withPassword := oauth
	withPassword.PasswordHash = "$legacy$oauth"
	thief := importedUser("id-ada", "thief@example.com", "Thief", "")
	if got := outcomesOf(t)(s.Accounts.UpsertUsers(ctx, []domain.User{renamed, withPassword, thief})); got != "updated updated missing" {
		t.Fatalf("changes: %s, want updated updated missing", got)
	}
	u, err := s.Users.ByEmail(ctx, "ada@example.com")
	if err != nil || u.ID != "id-ada" || u.Name != "Ada L." || u.PasswordHash != "$legacy$ada" || !u.CreatedAt.Equal(epoch) {
		t.Fatalf("ada after the changes: %+v %v (the name changes; the id and a set password stay)", u, err)
	}
	if u, err := s.Users.ByEmail(ctx, "oauth@example.com"); err != nil || u.PasswordHash != "$legacy$oauth" {
		t.Fatalf("a user without a password gets the imported one: %+v %v", u, err)
	}
	if _, err := s.Users.ByEmail(ctx, "thief@example.com"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("a user whose id another email holds was stored: %v", err)
	}
	if _, err := s.Accounts.UpsertUsers(ctx, []domain.User{{Email: "no-id@example.com"}}); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("a user without an id: %v, want invalid", err)
	}
	if out, err := s.Accounts.UpsertUsers(ctx, nil); err != nil || len(out) != 0 {
		t.Fatalf("no users: %v %v", out, err)
	}
}

func importedSessionID(i int) string { return fmt.Sprintf("%064x", i) }

func testImportSessions(t *testing.T, s ImportStores) {
	ctx := context.Background()
	outcomesOf(t)(s.Accounts.UpsertUsers(ctx, []domain.User{importedUser("id-ada", "ada@example.com", "Ada", "")}))
	week := now.Add(7 * 24 * time.Hour)
	live := ports.ImportedSession{ID: importedSessionID(1), UserEmail: "ada@example.com", CreatedAt: epoch, ExpiresAt: week}
	orphan := ports.ImportedSession{ID: importedSessionID(2), UserEmail: "nobody@example.com", CreatedAt: epoch, ExpiresAt: week}
	if got := outcomesOf(t)(s.Accounts.UpsertSessions(ctx, []ports.ImportedSession{live, orphan})); got != "created missing" {
		t.Fatalf("first import: %s", got)
	}
	sooner, later := live, live
	sooner.ExpiresAt, later.ExpiresAt = week.Add(-time.Hour), week.Add(time.Hour)
	if got := outcomesOf(t)(s.Accounts.UpsertSessions(ctx, []ports.ImportedSession{live, sooner})); got != "unchanged unchanged" {
		t.Fatalf("the same, and an earlier expiry: %s, want unchanged twice (the later expiry stays)", got)
	}
	if got := outcomesOf(t)(s.Accounts.UpsertSessions(ctx, []ports.ImportedSession{later})); got != "updated" {
		t.Fatalf("a later expiry: %s, want updated", got)
	}
	got, err := s.Sessions.Get(ctx, live.ID)
	if err != nil || got.UserID != "id-ada" || !got.ExpiresAt.Equal(later.ExpiresAt.Truncate(time.Second)) {
		t.Fatalf("the session: %+v %v", got, err)
	}
	if _, err := s.Sessions.Get(ctx, orphan.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("a session of no user was stored: %v", err)
	}
	if _, err := s.Accounts.UpsertSessions(ctx, []ports.ImportedSession{{ID: "a raw token", UserEmail: "ada@example.com", ExpiresAt: week}}); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("a session id that is not a keyed hash: %v, want invalid", err)
	}
}

func testImportActivities(t *testing.T, s ImportStores) {
	ctx := context.Background()
	outcomesOf(t)(s.Accounts.UpsertUsers(ctx, []domain.User{importedUser("id-ada", "ada@example.com", "Ada", "")}))
	viewed := normalized(t, torrent("viewed", "Viewed Torrent", "movies"))
	upsert(t, s.Torrents, viewed)
	unknown := hashOf("not in the catalog")
	acts := []ports.ImportedActivity{
		{Key: "import-1", UserEmail: "ada@example.com", Type: domain.ActivityView, InfoHash: viewed.InfoHash, CreatedAt: epoch},
		{Key: "import-2", UserEmail: "ada@example.com", Type: domain.ActivitySearch, Query: "big buck", CreatedAt: epoch.Add(time.Minute)},
		{Key: "import-3", UserEmail: "ada@example.com", Type: domain.ActivityView, InfoHash: unknown, CreatedAt: epoch.Add(2 * time.Minute)},
		{Key: "import-4", UserEmail: "nobody@example.com", Type: domain.ActivitySearch, Query: "x", CreatedAt: epoch},
	}
	if got := outcomesOf(t)(s.Accounts.AddActivities(ctx, acts)); got != "created created created missing" {
		t.Fatalf("first import: %s", got)
	}
	if got := outcomesOf(t)(s.Accounts.AddActivities(ctx, acts)); got != "unchanged unchanged unchanged missing" {
		t.Fatalf("the same again: %s, want nothing added", got)
	}
	list, err := s.Activities.List(ctx, "id-ada", 10, 0)
	if err != nil || len(list) != 3 {
		t.Fatalf("activities: %+v %v, want 3", list, err)
	}
	// Newest first: the view of a torrent the catalog does not hold names no torrent id.
	if a := list[0]; a.Type != domain.ActivityView || a.InfoHash != unknown || a.TorrentID != 0 || !a.CreatedAt.Equal(epoch.Add(2*time.Minute)) {
		t.Errorf("the view of an unknown torrent: %+v", a)
	}
	if a := list[1]; a.Type != domain.ActivitySearch || a.Query != "big buck" || !a.InfoHash.IsZero() {
		t.Errorf("the search: %+v", a)
	}
	if a := list[2]; a.Type != domain.ActivityView || a.InfoHash != viewed.InfoHash || a.TorrentID != 1 || !a.CreatedAt.Equal(epoch) {
		t.Errorf("the view: %+v, want torrent 1 at %v", a, epoch)
	}
	for _, bad := range []ports.ImportedActivity{
		{UserEmail: "ada@example.com", Type: domain.ActivitySearch, Query: "no key", CreatedAt: epoch},
		{Key: strings.Repeat("k", 65), UserEmail: "ada@example.com", Type: domain.ActivitySearch, Query: "long key", CreatedAt: epoch},
		{Key: "import-5", UserEmail: "ada@example.com", Type: domain.ActivityView, CreatedAt: epoch},
		{Key: "import-6", UserEmail: "ada@example.com", Type: "like", CreatedAt: epoch},
	} {
		if _, err := s.Accounts.AddActivities(ctx, []ports.ImportedActivity{bad}); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("AddActivities(%+v) = %v, want invalid", bad, err)
		}
	}
}

func testImportCategories(t *testing.T, s ImportStores) {
	ctx := context.Background()
	refs := []domain.CategoryRef{{Slug: "documentaries", Name: "Documentaries"}, {Slug: "tv", Name: "Television"}, {Slug: "movies", Name: "Movies"}, {Slug: "bare"}}
	if got := outcomesOf(t)(s.Categories.UpsertCategories(ctx, refs)); got != "created updated unchanged created" {
		t.Fatalf("first import: %s, want a new one created, a renamed one updated, one as it was unchanged", got)
	}
	if got := outcomesOf(t)(s.Categories.UpsertCategories(ctx, refs)); got != "unchanged unchanged unchanged unchanged" {
		t.Fatalf("the same again: %s", got)
	}
	cats := listCategories(t, s.Catalog)
	for slug, name := range map[string]string{"documentaries": "Documentaries", "tv": "Television", "movies": "Movies", "bare": "bare"} {
		if c, ok := cats[slug]; !ok || c.Name != name || c.TorrentCount != 0 {
			t.Errorf("category %s: %+v, want named %q with no torrents", slug, c, name)
		}
	}
	// A torrent ingested into an imported category keeps its name.
	upsert(t, s.Torrents, normalized(t, torrent("doc", "A Documentary", "documentaries")))
	if c := listCategories(t, s.Catalog)["documentaries"]; c.Name != "Documentaries" || c.TorrentCount != 1 {
		t.Errorf("after an ingest: %+v", c)
	}
	if _, err := s.Categories.UpsertCategories(ctx, []domain.CategoryRef{{Name: "no slug"}}); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("a category without a slug: %v, want invalid", err)
	}
}

func testImportCheckpoints(t *testing.T, s ImportStores) {
	ctx := context.Background()
	if got, err := s.Checkpoints.Load(ctx, "src-a"); err != nil || len(got) != 0 {
		t.Fatalf("a source that never ran: %v %v", got, err)
	}
	for _, step := range []struct {
		kind ports.ImportKind
		key  string
	}{{ports.ImportUsers, "u-9"}, {ports.ImportTorrents, "000100"}, {ports.ImportTorrents, "000200"}} {
		if err := s.Checkpoints.Save(ctx, "src-a", step.kind, step.key); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Checkpoints.Save(ctx, "src-b", ports.ImportTorrents, "other"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Checkpoints.Load(ctx, "src-a")
	if err != nil || len(got) != 2 || got[ports.ImportUsers] != "u-9" || got[ports.ImportTorrents] != "000200" {
		t.Fatalf("checkpoints: %v %v, want the last key of each kind", got, err)
	}
	if err := s.Checkpoints.Clear(ctx, "src-a"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Checkpoints.Load(ctx, "src-a"); err != nil || len(got) != 0 {
		t.Fatalf("after Clear: %v %v", got, err)
	}
	if got, err := s.Checkpoints.Load(ctx, "src-b"); err != nil || got[ports.ImportTorrents] != "other" {
		t.Fatalf("another source's checkpoint went with it: %v %v", got, err)
	}
}

func testExportPages(t *testing.T, s ImportStores) {
	ctx := context.Background()
	var want []domain.Torrent
	for i := range 7 {
		tr := withFiles(torrent(fmt.Sprint("export-", i), fmt.Sprintf("Export %d", i), []string{"movies", "tv"}[i%2]), 300, "a.mkv", "b.srt")
		tr.Trackers = []string{"udp://tracker.example.org:6969/announce"}
		want = append(want, normalized(t, tr))
	}
	upsert(t, s.Torrents, want...)
	if _, err := s.Torrents.TakeDown(ctx, []domain.InfoHash{want[3].InfoHash}); err != nil {
		t.Fatal(err)
	}
	var got []domain.Torrent
	var after int64
	for {
		page, err := s.Export.Page(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("a page of %d torrents, asked 2", len(page))
		}
		got = append(got, page...)
		after = page[len(page)-1].ID
	}
	ids := torrentIDs(got)
	if !slices.Equal(ids, []int64{1, 2, 3, 5, 6, 7}) {
		t.Fatalf("exported ids %v, want every torrent but the one taken down, by id", ids)
	}
	for _, g := range got {
		w := want[g.ID-1]
		w.ID = g.ID
		w.Category.Name = map[string]string{"movies": "Movies", "tv": "TV"}[w.Category.Slug]
		expectTorrent(t, g, w)
	}
	for _, limit := range []int{0, 1001} {
		if _, err := s.Export.Page(ctx, 0, limit); err == nil {
			t.Errorf("a page of %d: no error", limit)
		}
	}
}
