package migration_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/adapters/betterauth"
	"github.com/torrent-streamer/streamer/adapters/memory"
	"github.com/torrent-streamer/streamer/adapters/metainfo"
	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/application/migration"
	"github.com/torrent-streamer/streamer/ports"
)

// everyKind serves a record or more of each kind, with a bad one of each, from a fixed clock's now.
type everyKind struct{ now time.Time }

func (everyKind) Name() string                                              { return "every-kind" }
func (everyKind) Kinds() []ports.ImportKind                                 { return ports.ImportKinds }
func (everyKind) Close() error                                              { return nil }
func (everyKind) Estimate(context.Context, ports.ImportKind) (int64, error) { return -1, nil }

const legacyHash = "000102030405060708090a0b0c0d0e0f:93e156489eaa28684386cfd7355eed068748076664a0b2b501a7e4ea2cc8f0e776a5ac229d6f160f48841a5eaa605ee2531c4f50ce952f6df5cd2b580cf3f36c"

func (s everyKind) Read(ctx context.Context, kind ports.ImportKind, after string, each func(ports.SourceRecord) error) error {
	var recs []ports.SourceRecord
	switch kind {
	case ports.ImportUsers:
		recs = []ports.SourceRecord{
			{Key: "u1", User: &ports.SourceUser{Email: "Ada@Example.com", Name: "Ada", PasswordHash: legacyHash}},
			{Key: "u2", User: &ports.SourceUser{Email: "oauth@example.com", Name: "OAuth"}},
			{Key: "u3", User: &ports.SourceUser{Email: "not an email"}},
		}
	case ports.ImportSessions:
		recs = []ports.SourceRecord{
			{Key: "s1", Session: &ports.SourceSession{Token: "live-token", UserEmail: "ada@example.com", ExpiresAt: s.now.Add(time.Hour)}},
			{Key: "s2", Session: &ports.SourceSession{Token: "old-token", UserEmail: "ada@example.com", ExpiresAt: s.now.Add(-time.Hour)}},
		}
	case ports.ImportCategories:
		recs = []ports.SourceRecord{
			{Key: "c1", Category: &ports.SourceCategory{Slug: "documentaries", Name: "Documentaries"}},
			{Key: "c2", Category: &ports.SourceCategory{Slug: "tv", Name: "Television"}},
			{Key: "c3", Category: &ports.SourceCategory{Slug: "Not A Slug", Name: "Bad"}},
		}
	case ports.ImportTorrents:
		recs = []ports.SourceRecord{
			{Key: "t1", Torrent: &ports.SourceTorrent{InfoHash: fmt.Sprintf("%040x", 1), Name: "A Documentary", Size: 10, Category: "documentaries", UploadedAt: s.now}},
			{Key: "t2", Torrent: &ports.SourceTorrent{InfoHash: "xyz", Name: "Bad Hash", Size: 10}},
		}
	case ports.ImportActivities:
		recs = []ports.SourceRecord{
			{Key: "a1", Activity: &ports.SourceActivity{UserEmail: "ada@example.com", Type: "view", InfoHash: fmt.Sprintf("%040x", 1), CreatedAt: s.now.Add(-time.Hour)}},
			{Key: "a2", Activity: &ports.SourceActivity{UserEmail: "ada@example.com", Type: "search", Query: "documentary", CreatedAt: s.now.Add(-time.Minute)}},
			{Key: "a3", Activity: &ports.SourceActivity{UserEmail: "ada@example.com", Type: "search", Query: "too old", CreatedAt: s.now.AddDate(-1, 0, 0)}},
			{Key: "a4", Activity: &ports.SourceActivity{UserEmail: "nobody@example.com", Type: "search", Query: "x", CreatedAt: s.now}},
			{Key: "a5", Activity: &ports.SourceActivity{UserEmail: "ada@example.com", Type: "like", CreatedAt: s.now}},
		}
	}
	for _, r := range recs {
		if r.Key > after {
			if err := each(r); err != nil {
				return err
			}
		}
	}
	return nil
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// Every kind goes into the memory stores with its rules, and a second run finds everything
// unchanged.
func TestEveryKindImportsOnceAndThenIsUnchanged(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := fixedClock{now}
	accounts, catalog := memory.NewAccounts(clock), memory.NewCatalog(clock)
	store := memory.NewImportStore(accounts, catalog)
	cache := caching.NewStore(memory.NewCache(memory.CacheOptions{}), clock, caching.Options{Logger: quiet})
	im := migration.NewImporter(migration.Deps{
		Accounts: store, Categories: store, Checkpoints: store,
		Ingest: ingest.NewService(catalog.Torrents(), metainfo.NewDecoder(), cache, clock, quiet),
		Legacy: betterauth.NewScrypt(1), SessionID: func(token string) string { return fmt.Sprintf("%064x", len(token)) },
		Cache: cache, Clock: clock, Logger: quiet,
	})
	want := map[ports.ImportKind]string{
		ports.ImportUsers:      "read 3 created 2 skipped 1",
		ports.ImportSessions:   "read 2 created 1 skipped 1",
		ports.ImportCategories: "read 3 created 1 updated 1 skipped 1",
		ports.ImportTorrents:   "read 2 created 1 skipped 1",
		ports.ImportActivities: "read 5 created 2 skipped 3",
	}
	summary := func(k migration.KindReport) string {
		s := fmt.Sprintf("read %d", k.Read)
		for _, f := range []struct {
			what string
			n    int64
		}{{"created", k.Created}, {"updated", k.Updated}, {"unchanged", k.Unchanged}, {"skipped", k.Skipped}} {
			if f.n > 0 {
				s += fmt.Sprintf(" %s %d", f.what, f.n)
			}
		}
		return s
	}
	r, err := im.Run(context.Background(), everyKind{now}, migration.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range r.Kinds {
		if got := summary(k); got != want[k.Kind] {
			t.Errorf("%s: %s, want %s (%+v)", k.Kind, got, want[k.Kind], k.Reasons)
		}
	}
	ada, err := accounts.Users().ByEmail(context.Background(), "ada@example.com")
	if err != nil || ada.PasswordHash == "" {
		t.Fatalf("ada: %+v %v", ada, err)
	}
	acts, err := accounts.Activities().List(context.Background(), ada.ID, 10, 0)
	if err != nil || len(acts) != 2 || acts[1].TorrentID != 1 || acts[0].Query != "documentary" {
		t.Fatalf("ada's activities: %+v %v", acts, err)
	}

	again, err := im.Run(context.Background(), everyKind{now}, migration.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range again.Kinds {
		if k.Created != 0 || k.Updated != 0 || k.Unchanged != k.Read-k.Skipped {
			t.Errorf("the second run's %s: %s, want every record unchanged", k.Kind, summary(k))
		}
	}
}
